import type Stripe from "stripe";
import { sendThankYouLetters } from "./thank-you";
import { recordAudit } from "#models/audit-event.server";
import { findDonationByIdempotencyKey } from "#models/donation.server";
import { Pledge } from "#models/pledge.server";
import { claimWebhookEvent, isWebhookEventHandled } from "#models/processed-webhook-event.server";
import { fromMinor, isCardCurrency } from "./currencies";
import { recordDonation, recordReinstatement, recordReversal } from "./money/donations";
import type { StripeSettlement } from "./stripe";

/**
 * Stripe events → the books. The money event's idempotency key is the PaymentIntent id, so the same
 * payment arriving as checkout.session.completed and again as async_payment_succeeded, or one event
 * delivered twice, is counted once. Refunds and disputes are booked by their own ids (refund.*,
 * charge.refunded, charge.dispute.*). An event about a payment not recorded yet is answered "not yet"
 * (Stripe retries), so events out of order still end in the right books.
 */
export type StripeOutcome = { status: "processed" | "duplicate" | "ignored" } | { status: "retry_later"; reason: string };

function intentId(value: string | Stripe.PaymentIntent | null | undefined) {
  return typeof value === "string" ? value : (value?.id ?? null);
}

async function recordCheckoutPayment(session: Stripe.Checkout.Session, context: StripeEventContext): Promise<StripeOutcome> {
  if (session.payment_status !== "paid") return { status: "ignored" }; // async methods: wait for async_payment_succeeded
  const paymentIntent = intentId(session.payment_intent);
  const pledgeId = session.metadata?.pledgeId;
  const currency = session.currency?.toLowerCase();
  if (!paymentIntent || !pledgeId || !isCardCurrency(currency) || !Number.isSafeInteger(session.amount_total) || session.amount_total! <= 0) return { status: "ignored" };
  const pledge = await Pledge.findById(pledgeId).select("programmeId institutionId donorId reference").lean();
  if (!pledge) return { status: "ignored" };
  const idempotencyKey = `stripe:${paymentIntent}`;
  let amount = session.amount_total!;
  let paidIn: { currency: string; amount: number; exchangeRate: number; balanceTransactionId: string } | null = null;
  if (currency !== "vnd") {
    // Booked at the đồng Stripe settled (decision 0044). A retry of a payment already stored completes it as stored.
    const stored = await findDonationByIdempotencyKey(idempotencyKey);
    if (stored) [amount, paidIn] = [stored.amount, stored.paidIn ? { currency: stored.paidIn.currency, amount: stored.paidIn.amount, exchangeRate: stored.paidIn.exchangeRate, balanceTransactionId: stored.paidIn.balanceTransactionId ?? "" } : null];
    else {
      let settled: StripeSettlement | null;
      try {
        settled = await context.settlement(paymentIntent);
      } catch {
        return { status: "retry_later", reason: "Stripe's settlement of the payment could not be read" };
      }
      if (!settled) return { status: "retry_later", reason: "Stripe has not settled the payment yet" };
      if (settled.currency.toLowerCase() !== "vnd" || !Number.isSafeInteger(settled.amount) || settled.amount <= 0) {
        console.warn(`Stripe payment ${paymentIntent} settled as ${settled.amount} ${settled.currency}: the books count đồng only (decision 0044); not booked`);
        return { status: "retry_later", reason: `the payment was settled in ${settled.currency}, not in đồng` };
      }
      amount = settled.amount;
      paidIn = { currency, amount: session.amount_total!, exchangeRate: settled.exchangeRate ?? settled.amount / fromMinor(session.amount_total!, currency), balanceTransactionId: settled.id };
    }
  }
  const booked = await recordDonation({
    idempotencyKey,
    pledgeId: pledge._id,
    programmeId: pledge.programmeId,
    institutionId: pledge.institutionId,
    donorId: pledge.donorId,
    method: "card",
    amount,
    paidIn,
    receivedAt: new Date((session.created ?? Math.floor(Date.now() / 1000)) * 1000),
    reference: pledge.reference,
    provider: { name: "stripe", paymentIntentId: paymentIntent, checkoutSessionId: session.id },
  });
  if (!booked.duplicate) sendThankYouLetters([booked.donationId]);
  return { status: "processed" };
}

/** What Stripe's refund objects carry that the books use. */
type RefundLike = { id: string; amount: number; status?: string | null; created: number; payment_intent?: string | Stripe.PaymentIntent | null };

/** The gift a Stripe payment became (its key is the PaymentIntent), or null if not recorded yet. */
async function giftOfPayment(paymentIntent: string | null) {
  return paymentIntent ? findDonationByIdempotencyKey(`stripe:${paymentIntent}`) : null;
}
type Gift = NonNullable<Awaited<ReturnType<typeof giftOfPayment>>>;

const REFUND_FAILED = new Set(["failed", "canceled"]);

/**
 * One refund, by its own id, whatever event brought it (refund.created, refund.updated, refund.failed,
 * or a charge's list): its money leaves the gift once (`stripe-refund:<re_…>`), capped by what is left of
 * the gift. A refund that failed or was cancelled gives back exactly what it took
 * (`stripe-refund-failed:<re_…>`); if its failure is the first news of it, both are written, so a late
 * `refund.created` finds its key taken and books nothing.
 */
async function bookRefund(refund: RefundLike, gift?: Gift): Promise<StripeOutcome> {
  const donation = gift ?? (await giftOfPayment(intentId(refund.payment_intent)));
  if (!donation) return { status: "retry_later", reason: "the payment has not been recorded yet" };
  const reversalKey = `stripe-refund:${refund.id}`;
  await recordReversal({ donationId: donation._id, amount: refund.amount, inPaidCurrency: true, idempotencyKey: reversalKey, kind: "refund", occurredAt: new Date(refund.created * 1000), reason: "Stripe refund" });
  if (refund.status && REFUND_FAILED.has(refund.status)) {
    await recordReinstatement({ donationId: donation._id, reversalKey, idempotencyKey: `stripe-refund-failed:${refund.id}`, occurredAt: new Date(), reason: `Stripe refund ${refund.status}` });
  }
  return { status: "processed" };
}

/**
 * `charge.refunded`: the charge says how much was refunded in all, not by which refunds. Its refunds
 * come from the event when the endpoint expands them, else from Stripe's API; each is booked by id, so
 * this event and each refund's own events, in any order and any number of times, end at paid − refunded.
 */
async function bookChargeRefunds(charge: Stripe.Charge, listRefunds: (chargeId: string) => Promise<RefundLike[]>): Promise<StripeOutcome> {
  const paymentIntent = intentId(charge.payment_intent);
  if (!paymentIntent) return { status: "ignored" };
  const gift = await giftOfPayment(paymentIntent);
  if (!gift) return { status: "retry_later", reason: "the payment has not been recorded yet" };
  let refunds: RefundLike[];
  const expanded = charge.refunds as { data?: Stripe.Refund[]; has_more?: boolean } | undefined;
  if (expanded?.data && !expanded.has_more) refunds = expanded.data;
  else {
    try {
      refunds = await listRefunds(charge.id);
    } catch {
      return { status: "retry_later", reason: "Stripe's list of the charge's refunds could not be read" };
    }
  }
  for (const refund of refunds) await bookRefund(refund, gift);
  return { status: "processed" };
}

/**
 * Card disputes. Funds withdrawn (a dispute opened, or `charge.dispute.funds_withdrawn`) reverse the gift
 * (`stripe-dispute:<dp_…>`, kind dispute); funds reinstated (a dispute won, or
 * `charge.dispute.funds_reinstated`) come back as a new entry (`stripe-dispute-won:<dp_…>`). An inquiry
 * (status `warning_…`) moves no money. A dispute lost keeps the withdrawal.
 */
async function bookDispute(type: string, dispute: Stripe.Dispute): Promise<StripeOutcome> {
  const inquiry = dispute.status.startsWith("warning_");
  if (inquiry) return { status: "ignored" };
  const donation = await giftOfPayment(intentId(dispute.payment_intent));
  if (!donation) return dispute.payment_intent ? { status: "retry_later", reason: "the payment has not been recorded yet" } : { status: "ignored" };
  const withdrawalKey = `stripe-dispute:${dispute.id}`;
  await recordReversal({ donationId: donation._id, amount: dispute.amount, inPaidCurrency: true, idempotencyKey: withdrawalKey, kind: "dispute", occurredAt: new Date(dispute.created * 1000), reason: `Stripe dispute (${dispute.reason})` });
  const won = type === "charge.dispute.funds_reinstated" || (type === "charge.dispute.closed" && dispute.status === "won");
  if (won) await recordReinstatement({ donationId: donation._id, reversalKey: withdrawalKey, idempotencyKey: `stripe-dispute-won:${dispute.id}`, occurredAt: new Date(), reason: "Stripe dispute won" });
  await recordAudit({ actor: null, action: `payment.${type.slice("charge.".length)}`, subjectType: "Donation", subjectId: donation._id, institutionId: donation.institutionId, details: { dispute: dispute.id, status: dispute.status, reason: dispute.reason, amount: dispute.amount } });
  return { status: "processed" };
}

export type StripeEventContext = {
  /** Every refund of a charge, from Stripe's API (services/stripe.ts listChargeRefunds). */
  listRefunds: (chargeId: string) => Promise<RefundLike[]>;
  /** What Stripe settled a payment at (services/stripe.ts paymentSettlement): read for a payment in another currency. */
  settlement: (paymentIntentId: string) => Promise<StripeSettlement | null>;
};

export async function handleStripeEvent(event: Stripe.Event, context: StripeEventContext): Promise<StripeOutcome> {
  if (await isWebhookEventHandled("stripe", event.id)) return { status: "duplicate" };
  let outcome: StripeOutcome;
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      outcome = await recordCheckoutPayment(event.data.object, context);
      break;
    case "checkout.session.async_payment_failed":
      await recordAudit({ actor: null, action: "payment.failed", subjectType: "CheckoutSession", subjectId: event.data.object.id, details: { reference: event.data.object.client_reference_id } });
      outcome = { status: "processed" };
      break;
    case "charge.refunded":
      outcome = await bookChargeRefunds(event.data.object, context.listRefunds);
      break;
    case "refund.created":
    case "refund.updated":
    case "refund.failed":
      outcome = await bookRefund(event.data.object);
      break;
    case "charge.dispute.created":
    case "charge.dispute.funds_withdrawn":
    case "charge.dispute.funds_reinstated":
    case "charge.dispute.closed":
      outcome = await bookDispute(event.type, event.data.object);
      break;
    default:
      outcome = { status: "ignored" };
  }
  if (outcome.status !== "retry_later") await claimWebhookEvent({ provider: "stripe", eventId: event.id, type: event.type, outcome: outcome.status === "ignored" ? "ignored" : "processed" });
  return outcome;
}
