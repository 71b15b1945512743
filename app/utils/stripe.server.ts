import type { StripeConfig } from "#services/stripe";
import { env } from "./env.server";

export { cardAvailability, checkCardAmount, createCheckoutSession, signWebhookPayload, STRIPE_MAX_VND, STRIPE_MIN_VND, verifyWebhook, WebhookSignatureError, DEMO_STRIPE } from "#services/stripe";
export { handleStripeEvent } from "#services/payments";

export function stripeConfig(): StripeConfig {
  const e = env();
  return { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, demo: e.DEMO_MODE, appUrl: e.APP_URL };
}

let demoStarted = false;
/** In demo mode only: Stripe's API is answered by the same msw handlers the tests use. */
export async function startDemoStripe() {
  if (demoStarted || !env().DEMO_MODE || env().STRIPE_SECRET_KEY) return;
  demoStarted = true;
  const [{ setupServer }, { stripeHandlers }] = await Promise.all([import("msw/node"), import("../../tests/mocks/stripe")]);
  // Everything else (the database, our own webhook endpoint) passes through untouched.
  setupServer(...stripeHandlers).listen({ onUnhandledRequest: "bypass" });
  console.log("DEMO MODE: Stripe is simulated by the test handlers; no real payment is possible.");
}
