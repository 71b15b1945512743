import type { StripeConfig } from "#services/stripe";
import { env } from "./env.server";

export { cardAvailability, checkCardAmount, createCheckoutSession, signWebhookPayload, STRIPE_MAX_VND, STRIPE_MIN_VND, verifyWebhook, WebhookSignatureError, DEMO_STRIPE } from "#services/stripe";
export { handleStripeEvent } from "#services/payments";

let demoFetch: typeof fetch | undefined;

export function stripeConfig(): StripeConfig {
  const e = env();
  const demo = e.DEMO_MODE && !e.STRIPE_SECRET_KEY;
  return { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, demo: e.DEMO_MODE, appUrl: e.APP_URL, ...(demo && demoFetch ? { fetch: demoFetch } : {}) };
}

/**
 * In demo mode only: the Stripe SDK's requests are answered by the same msw handlers the tests use —
 * called directly (msw's getResponse), without patching this server's global fetch.
 */
export async function startDemoStripe() {
  if (demoFetch || !env().DEMO_MODE || env().STRIPE_SECRET_KEY) return;
  const [{ getResponse }, { stripeHandlers }] = await Promise.all([import("msw"), import("../../tests/mocks/stripe")]);
  demoFetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await getResponse(stripeHandlers, request);
    if (!response) throw new Error(`demo Stripe has no handler for ${request.method} ${request.url}`);
    return response;
  };
  console.log("DEMO MODE: Stripe is simulated by the test handlers; no real payment is possible.");
}
