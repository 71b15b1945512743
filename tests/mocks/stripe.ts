import { createHash, randomBytes } from "node:crypto";
import { http, HttpResponse } from "msw";

/**
 * Stripe's API at the network boundary, for tests, e2e and the labelled demo mode. Checkout Sessions
 * carry what the demo checkout page needs in their id, so no state is kept here beyond Stripe's own
 * idempotency (the same Idempotency-Key answers with the same session).
 */
export type DemoSession = { amount: number; currency: string; metadata: Record<string, string>; successUrl: string; cancelUrl: string; reference: string | null };

/**
 * A session id as Stripe's are: unique per created session. The random part makes two checkouts of
 * the same pledge, amount and return address two sessions — and so two payments (see demoPaymentIntentId).
 */
export function encodeDemoSession(s: DemoSession, unique: string = randomBytes(9).toString("base64url")) {
  return `cs_test_${Buffer.from(JSON.stringify([s.amount, s.metadata, s.successUrl, s.cancelUrl, s.reference, unique])).toString("base64url")}`;
}

/** The PaymentIntent a paid demo session produced: derived from the whole session id, so one per session. */
export function demoPaymentIntentId(sessionId: string) {
  return `pi_demo_${createHash("sha256").update(sessionId).digest("hex").slice(0, 24)}`;
}

export function decodeDemoSession(id: string): DemoSession | null {
  if (!id.startsWith("cs_test_")) return null;
  try {
    const [amount, metadata, successUrl, cancelUrl, reference] = JSON.parse(Buffer.from(id.slice("cs_test_".length), "base64url").toString("utf8"));
    return { amount, currency: "vnd", metadata, successUrl, cancelUrl, reference };
  } catch {
    return null;
  }
}

export const createdCheckoutSessions: Array<{ body: URLSearchParams; idempotencyKey: string | null }> = [];

/** Stripe replays the first reply to a request with the same Idempotency-Key (for 24 hours). */
const sessionsByIdempotencyKey = new Map<string, { id: string; body: string }>();

/** Refunds Stripe holds, per charge (what `GET /v1/refunds?charge=` answers): tests put there what they refund. */
export const stripeRefundsByCharge = new Map<string, Array<ReturnType<typeof refundObject>>>();

export const stripeHandlers = [
  http.get("https://api.stripe.com/v1/refunds", ({ request }) => {
    if (!request.headers.get("Authorization")?.startsWith("Bearer sk_")) {
      return HttpResponse.json({ error: { type: "invalid_request_error", message: "Invalid API Key provided" } }, { status: 401 });
    }
    const charge = new URL(request.url).searchParams.get("charge") ?? "";
    // Newest first, as Stripe lists them; one page (has_more: false).
    const data = [...(stripeRefundsByCharge.get(charge) ?? [])].sort((a, b) => b.created - a.created);
    return HttpResponse.json({ object: "list", data, has_more: false, url: "/v1/refunds" });
  }),
  http.post("https://api.stripe.com/v1/checkout/sessions", async ({ request }) => {
    const body = new URLSearchParams(await request.text());
    createdCheckoutSessions.push({ body, idempotencyKey: request.headers.get("Idempotency-Key") });
    if (!request.headers.get("Authorization")?.startsWith("Bearer sk_")) {
      return HttpResponse.json({ error: { type: "invalid_request_error", message: "Invalid API Key provided" } }, { status: 401 });
    }
    const amount = Number(body.get("line_items[0][price_data][unit_amount]"));
    const currency = body.get("line_items[0][price_data][currency]") ?? "";
    if (currency !== "vnd" || !Number.isSafeInteger(amount) || amount > 99_999_999) {
      return HttpResponse.json({ error: { type: "invalid_request_error", param: "line_items[0][price_data][unit_amount]", message: "Amount must be no more than ₫99,999,999" } }, { status: 400 });
    }
    const metadata: Record<string, string> = {};
    for (const [key, value] of body) {
      const match = /^metadata\[(.+)\]$/.exec(key);
      if (match) metadata[match[1]!] = value;
    }
    const successUrl = body.get("success_url") ?? "";
    const session = { amount, currency, metadata, successUrl, cancelUrl: body.get("cancel_url") ?? "", reference: body.get("client_reference_id") };
    const key = request.headers.get("Idempotency-Key");
    const earlier = key ? sessionsByIdempotencyKey.get(key) : undefined;
    if (earlier && earlier.body !== body.toString()) {
      return HttpResponse.json({ error: { type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters they were first used with." } }, { status: 400 });
    }
    const id = earlier?.id ?? encodeDemoSession(session);
    if (key && !earlier) {
      if (sessionsByIdempotencyKey.size > 10_000) sessionsByIdempotencyKey.clear();
      sessionsByIdempotencyKey.set(key, { id, body: body.toString() });
    }
    return HttpResponse.json({
      id,
      object: "checkout.session",
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      amount_total: amount,
      currency,
      metadata,
      client_reference_id: session.reference,
      url: `${new URL(successUrl).origin}/demo/stripe-checkout/${id}`,
    });
  }),
];

/** A Checkout Session as Stripe sends it in a checkout.session.* event. */
export function checkoutSessionObject(session: DemoSession, overrides: { id: string; paymentIntent: string; paymentStatus?: "paid" | "unpaid" }) {
  return {
    id: overrides.id,
    object: "checkout.session",
    mode: "payment",
    status: "complete",
    payment_status: overrides.paymentStatus ?? "paid",
    payment_intent: overrides.paymentIntent,
    amount_total: session.amount,
    currency: session.currency,
    metadata: session.metadata,
    client_reference_id: session.reference,
    created: Math.floor(Date.now() / 1000),
  };
}

/** An event envelope as Stripe delivers it. */
export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${crypto.randomUUID().replace(/-/g, "")}`) {
  return { id, object: "event", api_version: "2025-01-01", created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, type, data: { object } };
}

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

