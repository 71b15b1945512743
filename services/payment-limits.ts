/**
 * Stripe's per-charge limits for VND, a zero-decimal currency: at most eight digits (₫99,999,999) and
 * at least the equivalent of US$0.50 (we ask ₫20,000 to stay clear of exchange-rate moves). Larger
 * gifts go by bank transfer (VietQR). Pure constants, safe for the browser bundle.
 */
export const STRIPE_MIN_VND = 20_000;
export const STRIPE_MAX_VND = 99_999_999;
