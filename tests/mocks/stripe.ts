import { http, HttpResponse } from "msw";
import { answerCreateCheckoutSession, answerListRefunds, answerRetrievePaymentIntent, type SettlementFacts } from "~/demo/stripe.server";

/**
 * Stripe's API at the network boundary, for tests and e2e: msw handlers answering as the labelled demo
 * does (app/demo/stripe.server.ts), plus what tests need to see and set — the sessions created, the
 * refunds Stripe holds per charge — and payloads shaped as Stripe sends them.
 */
export { checkoutSessionObject, decodeDemoSession, demoPaymentIntentId, encodeDemoSession, stripeEvent, type DemoSession } from "~/demo/stripe.server";

export const createdCheckoutSessions: Array<{ body: URLSearchParams; idempotencyKey: string | null }> = [];

/** Refunds Stripe holds, per charge (what `GET /v1/refunds?charge=` answers): tests put there what they refund. */
export const stripeRefundsByCharge = new Map<string, Array<ReturnType<typeof refundObject>>>();

/**
 * Payments Stripe holds (what `GET /v1/payment_intents/:id` answers, its charge's balance transaction
 * expanded): tests put there the charge and what it settled at; `settled: null` is a payment not settled yet.
 */
export const stripePayments = new Map<string, { amount: number; currency: string; settled: SettlementFacts | null }>();

export const stripeHandlers = [
  http.get("https://api.stripe.com/v1/payment_intents/:id", ({ request, params }) => {
    const id = String(params.id);
    const reply = answerRetrievePaymentIntent(request.headers, id, stripePayments.get(id));
    return HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status });
  }),
  http.get("https://api.stripe.com/v1/refunds", ({ request }) => {
    const reply = answerListRefunds(request.headers, stripeRefundsByCharge.get(new URL(request.url).searchParams.get("charge") ?? "") ?? []);
    return HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status });
  }),
  http.post("https://api.stripe.com/v1/checkout/sessions", async ({ request }) => {
    const body = new URLSearchParams(await request.text());
    createdCheckoutSessions.push({ body, idempotencyKey: request.headers.get("Idempotency-Key") });
    const reply = answerCreateCheckoutSession(body, request.headers);
    return HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status });
  }),
];

/**
 * A Refund as Stripe sends it (in refund.* events and in `GET /v1/refunds`), API 2025: amount in the
 * currency's smallest unit (đồng: zero-decimal), `charge` and `payment_intent` as ids.
 */
export function refundObject(r: { id: string; amount: number; charge: string; paymentIntent: string; status?: "pending" | "succeeded" | "failed" | "canceled" | "requires_action"; created?: number }) {
  return {
    id: r.id,
    object: "refund" as const,
    amount: r.amount,
    balance_transaction: `txn_${r.id}`,
    charge: r.charge,
    created: r.created ?? Math.floor(Date.now() / 1000),
    currency: "vnd",
    destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
    metadata: {},
    payment_intent: r.paymentIntent,
    reason: "requested_by_customer",
    receipt_number: null,
    source_transfer_reversal: null,
    status: r.status ?? "succeeded",
    transfer_reversal: null,
    ...(r.status === "failed" ? { failure_reason: "expired_or_canceled_card", failure_balance_transaction: `txn_fail_${r.id}` } : {}),
  };
}

/**
 * A Charge as a `charge.refunded` event carries it since API 2022-11-15: `amount_refunded` is the
 * cumulative total, and there is no `refunds` list (it is no longer expanded).
 */
export function chargeObject(c: { id: string; paymentIntent: string; amount: number; amountRefunded: number }) {
  return {
    id: c.id,
    object: "charge" as const,
    amount: c.amount,
    amount_captured: c.amount,
    amount_refunded: c.amountRefunded,
    balance_transaction: `txn_${c.id}`,
    captured: true,
    created: Math.floor(Date.now() / 1000) - 3600,
    currency: "vnd",
    disputed: false,
    livemode: false,
    metadata: {},
    paid: true,
    payment_intent: c.paymentIntent,
    refunded: c.amountRefunded >= c.amount,
    status: "succeeded",
  };
}

/** A Dispute as charge.dispute.* events carry it. */
export function disputeObject(d: { id: string; amount: number; charge: string; paymentIntent: string; status: "warning_needs_response" | "warning_under_review" | "warning_closed" | "needs_response" | "under_review" | "won" | "lost"; reason?: string }) {
  const withdrawn = !d.status.startsWith("warning_");
  return {
    id: d.id,
    object: "dispute" as const,
    amount: d.amount,
    balance_transactions: withdrawn ? [{ id: `txn_${d.id}`, object: "balance_transaction", amount: -d.amount, currency: "vnd", type: "adjustment", reporting_category: "dispute" }] : [],
    charge: d.charge,
    created: Math.floor(Date.now() / 1000),
    currency: "vnd",
    evidence_details: { due_by: Math.floor(Date.now() / 1000) + 7 * 86400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: d.paymentIntent,
    reason: d.reason ?? "fraudulent",
    status: d.status,
  };
}

