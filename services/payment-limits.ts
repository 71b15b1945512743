/**
 * Stripe's per-charge limits for VND, a zero-decimal currency: at most eight digits (₫99,999,999) and
 * at least the equivalent of US$0.50 (we ask ₫20,000 to stay clear of exchange-rate moves). Larger
 * gifts go by bank transfer (VietQR). Pure constants, safe for the browser bundle.
 */
export const STRIPE_MIN_VND = 20_000;
export const STRIPE_MAX_VND = 99_999_999;

/**
 * The platform's limits on one pledge or gift. The defaults apply until an admin changes them
 * (models/setting.server.ts); no admin can go above HARD_MAX_AMOUNT, which every form also knows:
 * thousands of gifts at the ceiling still sum to a safe integer.
 */
export const DEFAULT_LIMITS = {
  /** The largest single pledge or gift: 100 tỷ đồng. */
  maxAmount: 100_000_000_000,
  /** A correction (reversal) of a gift at or above this needs a second person's approval: 50 triệu đồng. */
  correctionApprovalThreshold: 50_000_000,
} as const;
export const HARD_MAX_AMOUNT = 1_000_000_000_000; // 1.000 tỷ đồng

/** The VietQR amount field (tag 54) holds at most 13 characters. */
export const VIETQR_MAX_AMOUNT = 9_999_999_999_999;
