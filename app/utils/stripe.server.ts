import { allowedReturnOrigin, type StripeConfig } from "#services/stripe";
import { env } from "./env.server";

export { allowedReturnOrigin, cardAvailability, checkCardAmount, createCheckoutSession, signWebhookPayload, STRIPE_MAX_VND, STRIPE_MIN_VND, verifyWebhook, WebhookSignatureError, DEMO_STRIPE } from "#services/stripe";
export { cardOptions, findCardRates, saveCardRates } from "#services/exchange-rates";
import { handleStripeEvent as handleEvent } from "#services/payments";
import { listChargeRefunds, paymentSettlement } from "#services/stripe";
import type Stripe from "stripe";

/** A verified Stripe event → the books (services/payments.ts), with Stripe's API at hand for a charge's refunds. */
export function handleStripeEvent(event: Stripe.Event) {
  return handleEvent(event, { listRefunds: (chargeId) => listChargeRefunds(stripeConfig(), chargeId), settlement: (paymentIntentId) => paymentSettlement(stripeConfig(), paymentIntentId) });
}

let demoFetch: typeof fetch | undefined;

export function stripeConfig(): StripeConfig {
  const e = env();
  const demo = e.DEMO_MODE && !e.STRIPE_SECRET_KEY;
  return { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, demo: e.DEMO_MODE, appUrl: e.APP_URL, ...(demo && demoFetch ? { fetch: demoFetch } : {}) };
}

function returnRules() {
  const e = env();
  return { appUrl: e.APP_URL, production: e.NODE_ENV === "production", demo: e.DEMO_MODE };
}

/** The origin a checkout started from, if Checkout may return there (see allowedReturnOrigin); APP_URL's otherwise. */
export function checkoutReturnOrigin(request: Request) {
  return allowedReturnOrigin(new URL(request.url).origin, returnRules());
}

/** Whether an address is on the return allow-list (the demo checkout page never redirects elsewhere). */
export function isAllowedReturnUrl(url: string) {
  try {
    const { origin } = new URL(url);
    return allowedReturnOrigin(origin, returnRules()) === origin;
  } catch {
    return false;
  }
}

/**
 * In demo mode only: the Stripe SDK's requests are answered in this process (app/demo/stripe.server.ts),
 * loaded only then — nothing of the demo is needed, nor loaded, with real keys.
 */
export async function startDemoStripe() {
  if (demoFetch || !env().DEMO_MODE || env().STRIPE_SECRET_KEY) return;
  demoFetch = (await import("~/demo/stripe.server")).demoStripeFetch;
  console.log("• No STRIPE_SECRET_KEY: card payments run in DEMO mode (simulated, labelled on every page; no real payment is possible).");
}
