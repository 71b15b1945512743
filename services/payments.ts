import type Stripe from "stripe";
import { recordAudit } from "#models/audit-event.server";
import { findDonationByIdempotencyKey } from "#models/donation.server";
import { Pledge } from "#models/pledge.server";
import { claimWebhookEvent, isWebhookEventHandled } from "#models/processed-webhook-event.server";
import { recordDonation, recordReversal } from "./donations";

/**
 * Stripe events → the books. The money event's idempotency key is the PaymentIntent id, so the same
 * payment arriving as checkout.session.completed and again as async_payment_succeeded, or one event
 * delivered twice, is counted once. A refund that arrives before its payment is answered "not yet"
 * (Stripe retries), so events out of order still end in the right books.
 */
export type StripeOutcome = { status: "processed" | "duplicate" | "ignored" } | { status: "retry_later"; reason: string };

function intentId(value: string | Stripe.PaymentIntent | null | undefined) {
  return typeof value === "string" ? value : (value?.id ?? null);
}

async function recordCheckoutPayment(session: Stripe.Checkout.Session): Promise<StripeOutcome> {
  if (session.payment_status !== "paid") return { status: "ignored" }; // async methods: wait for async_payment_succeeded
  const paymentIntent = intentId(session.payment_intent);
  const pledgeId = session.metadata?.pledgeId;
  if (!paymentIntent || !pledgeId || session.currency?.toLowerCase() !== "vnd" || !Number.isSafeInteger(session.amount_total)) return { status: "ignored" };
  const pledge = await Pledge.findById(pledgeId).select("programmeId institutionId donorId reference").lean();
  if (!pledge) return { status: "ignored" };
  await recordDonation({
    idempotencyKey: `stripe:${paymentIntent}`,
    pledgeId: pledge._id,
    programmeId: pledge.programmeId,
    institutionId: pledge.institutionId,
    donorId: pledge.donorId,
    method: "card",
    amount: session.amount_total!,
    receivedAt: new Date((session.created ?? Math.floor(Date.now() / 1000)) * 1000),
    reference: pledge.reference,
    provider: { name: "stripe", paymentIntentId: paymentIntent, checkoutSessionId: session.id },
  });
  return { status: "processed" };
}

async function recordRefunds(charge: Stripe.Charge): Promise<StripeOutcome> {
  const paymentIntent = intentId(charge.payment_intent);
  if (!paymentIntent) return { status: "ignored" };
  const donation = await findDonationByIdempotencyKey(`stripe:${paymentIntent}`);
  if (!donation) return { status: "retry_later", reason: "the payment has not been recorded yet" };
  const refunds = charge.refunds?.data ?? [];
  if (refunds.length > 0) {
    for (const refund of refunds) {
      if (refund.status === "failed" || refund.status === "canceled") continue;
      await recordReversal({ donationId: donation._id, amount: refund.amount, idempotencyKey: `stripe-refund:${refund.id}`, kind: "refund", occurredAt: new Date(refund.created * 1000), reason: "Stripe refund" });
    }
  } else if (charge.amount_refunded > 0) {
    await recordReversal({ donationId: donation._id, amount: charge.amount_refunded, idempotencyKey: `stripe-refund:${charge.id}:total`, kind: "refund", occurredAt: new Date(), reason: "Stripe refund" });
  }
  return { status: "processed" };
}

export async function handleStripeEvent(event: Stripe.Event): Promise<StripeOutcome> {
  if (await isWebhookEventHandled("stripe", event.id)) return { status: "duplicate" };
  let outcome: StripeOutcome;
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      outcome = await recordCheckoutPayment(event.data.object);
      break;
    case "checkout.session.async_payment_failed":
      await recordAudit({ actor: null, action: "payment.failed", subjectType: "CheckoutSession", subjectId: event.data.object.id, details: { reference: event.data.object.client_reference_id } });
      outcome = { status: "processed" };
      break;
    case "charge.refunded":
      outcome = await recordRefunds(event.data.object);
      break;
    default:
      outcome = { status: "ignored" };
  }
  if (outcome.status !== "retry_later") await claimWebhookEvent({ provider: "stripe", eventId: event.id, type: event.type, outcome: outcome.status === "ignored" ? "ignored" : "processed" });
  return outcome;
}
