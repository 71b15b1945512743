import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { handleStripeEvent, stripeConfig, verifyWebhook, WebhookSignatureError } from "~/utils/stripe.server";

export async function loader() {
  return json({ error: "method not allowed" }, { status: 405 });
}

/**
 * Stripe's webhook. The signature is checked on the raw body (never re-serialised JSON); forged or
 * stale events get 400 and change nothing. Idempotent: a retried delivery changes the books once.
 * CSRF does not apply: the caller is Stripe, authenticated by the signature.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return json({ error: "method not allowed" }, { status: 405 });
  const rawBody = await request.text();
  let event;
  try {
    event = verifyWebhook(stripeConfig(), rawBody, request.headers.get("Stripe-Signature"));
  } catch (error) {
    if (error instanceof WebhookSignatureError) return json({ error: "invalid signature" }, { status: 400 });
    return json({ error: "card payments are not configured" }, { status: 503 });
  }
  const outcome = await handleStripeEvent(event);
  if (outcome.status === "retry_later") return json({ received: false, reason: outcome.reason }, { status: 409 });
  return json({ received: true, outcome: outcome.status });
}
