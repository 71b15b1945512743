import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { fromMinor, isCardCurrency, type CardCurrency } from "#services/currencies";
import { DEMO_STRIPE } from "#services/stripe";

/**
 * Stripe in the labelled demo (DEMO_MODE, local only; never with real keys): the two API calls the app
 * makes — create a Checkout Session, list a charge's refunds — answered in this process, and the
 * events the demo checkout page signs and sends to our own webhook. Loaded only when demo mode is on
 * (app/utils/stripe.server.ts startDemoStripe) and by the demo checkout page; the tests' Stripe stand-in
 * (tests/mocks/stripe.ts, msw) answers with the same functions.
 *
 * A session carries what the demo checkout page needs in its id, sealed with an HMAC under this
 * installation's demo secret (DEMO_STRIPE.webhookSecret): only a session this server created is a page,
 * so its amount and return address come from the server, never from the request.
 */
export type DemoSession = { amount: number; currency: string; metadata: Record<string, string>; successUrl: string; cancelUrl: string; reference: string | null };

const PREFIX = "cs_test_";
const seal = (body: string) => createHmac("sha256", DEMO_STRIPE.webhookSecret).update(body).digest("base64url").slice(0, 32);

/**
 * A session id as Stripe's are: unique per created session. The random part makes two checkouts of
 * the same pledge, amount and return address two sessions — and so two payments (see demoPaymentIntentId).
 */
export function encodeDemoSession(s: DemoSession, unique: string = randomBytes(9).toString("base64url")) {
  const body = Buffer.from(JSON.stringify([s.amount, s.metadata, s.successUrl, s.cancelUrl, s.reference, unique, s.currency])).toString("base64url");
  return `${PREFIX}${body}.${seal(body)}`;
}

/** The session an id stands for, or null for an id this server did not create (or altered). */
export function decodeDemoSession(id: string): DemoSession | null {
  if (!id.startsWith(PREFIX)) return null;
  const [body, mac, ...rest] = id.slice(PREFIX.length).split(".");
  if (!body || !mac || rest.length > 0) return null;
  const expected = Buffer.from(seal(body));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const [amount, metadata, successUrl, cancelUrl, reference, , currency] = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as [unknown, unknown, unknown, unknown, unknown, unknown, unknown];
    if (!Number.isSafeInteger(amount) || typeof metadata !== "object" || metadata === null || typeof successUrl !== "string" || typeof cancelUrl !== "string") return null;
    return { amount: amount as number, currency: isCardCurrency(currency) ? currency : "vnd", metadata: metadata as Record<string, string>, successUrl, cancelUrl, reference: typeof reference === "string" ? reference : null };
  } catch {
    return null;
  }
}

/** The PaymentIntent a paid demo session produced: derived from the whole session id, so one per session. */
export function demoPaymentIntentId(sessionId: string) {
  return `pi_demo_${createHash("sha256").update(sessionId).digest("hex").slice(0, 24)}`;
}

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

export type StripeReply = { status: number; body: unknown };

const unauthorised = (headers: Headers): StripeReply | null =>
  headers.get("Authorization")?.startsWith("Bearer sk_") ? null : { status: 401, body: { error: { type: "invalid_request_error", message: "Invalid API Key provided" } } };

/** Stripe replays the first reply to a request with the same Idempotency-Key (for 24 hours). */
const sessionsByIdempotencyKey = new Map<string, { id: string; body: string }>();

/** `POST /v1/checkout/sessions` as Stripe answers it (the platform's card currencies, at most eight digits of minor units; Idempotency-Key honoured). */
export function answerCreateCheckoutSession(body: URLSearchParams, headers: Headers): StripeReply {
  const denied = unauthorised(headers);
  if (denied) return denied;
  const amount = Number(body.get("line_items[0][price_data][unit_amount]"));
  const currency = body.get("line_items[0][price_data][currency]") ?? "";
  if (!isCardCurrency(currency)) return { status: 400, body: { error: { type: "invalid_request_error", param: "line_items[0][price_data][currency]", message: `Invalid currency: ${currency}` } } };
  if (!Number.isSafeInteger(amount) || amount > 99_999_999) {
    return { status: 400, body: { error: { type: "invalid_request_error", param: "line_items[0][price_data][unit_amount]", message: "Amount must be no more than 99,999,999 in the currency's smallest unit" } } };
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of body) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match) metadata[match[1]!] = value;
  }
  const successUrl = body.get("success_url") ?? "";
  const session = { amount, currency, metadata, successUrl, cancelUrl: body.get("cancel_url") ?? "", reference: body.get("client_reference_id") };
  const key = headers.get("Idempotency-Key");
  const earlier = key ? sessionsByIdempotencyKey.get(key) : undefined;
  if (earlier && earlier.body !== body.toString()) {
    return { status: 400, body: { error: { type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters they were first used with." } } };
  }
  const id = earlier?.id ?? encodeDemoSession(session);
  if (key && !earlier) {
    if (sessionsByIdempotencyKey.size > 10_000) sessionsByIdempotencyKey.clear();
    sessionsByIdempotencyKey.set(key, { id, body: body.toString() });
  }
  return {
    status: 200,
    body: {
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
    },
  };
}

/** `GET /v1/refunds?charge=` as Stripe answers it, newest first, one page; `refunds`: what Stripe holds for the charge. */
export function answerListRefunds(headers: Headers, refunds: ReadonlyArray<{ created: number }>): StripeReply {
  return unauthorised(headers) ?? { status: 200, body: { object: "list", data: [...refunds].sort((a, b) => b.created - a.created), has_more: false, url: "/v1/refunds" } };
}

/** What a payment settled at, as a balance transaction says it (amount in the settlement currency's minor unit). */
export type SettlementFacts = { id: string; amount: number; currency: string; exchangeRate: number | null; charge: string };

/**
 * `GET /v1/payment_intents/:id?expand[]=latest_charge.balance_transaction` as Stripe answers it: the
 * PaymentIntent, its latest charge and that charge's balance transaction expanded (null while there is
 * none). `settled`: what Stripe holds for this payment, or undefined for a payment it does not know (404).
 */
export function answerRetrievePaymentIntent(headers: Headers, id: string, payment: { amount: number; currency: string; settled: SettlementFacts | null } | undefined): StripeReply {
  const denied = unauthorised(headers);
  if (denied) return denied;
  if (!payment) return { status: 404, body: { error: { type: "invalid_request_error", code: "resource_missing", param: "intent", message: `No such payment_intent: '${id}'` } } };
  const created = Math.floor(Date.now() / 1000);
  const settled = payment.settled;
  const balanceTransaction = settled
    ? { id: settled.id, object: "balance_transaction", amount: settled.amount, available_on: created + 7 * 86400, created, currency: settled.currency, description: null, exchange_rate: settled.exchangeRate, fee: 0, fee_details: [], net: settled.amount, reporting_category: "charge", source: settled.charge, status: "pending", type: "charge" }
    : null;
  const charge = { id: settled?.charge ?? `ch_${id.slice(3)}`, object: "charge", amount: payment.amount, amount_captured: payment.amount, amount_refunded: 0, balance_transaction: balanceTransaction, captured: true, created, currency: payment.currency, paid: true, payment_intent: id, status: "succeeded" };
  return { status: 200, body: { id, object: "payment_intent", amount: payment.amount, amount_received: payment.amount, currency: payment.currency, created, latest_charge: charge, status: "succeeded" } };
}

/** Demo payments in another currency, by PaymentIntent: what the demo's Stripe settled them at (set when the demo page pays). */
const demoPayments = new Map<string, { amount: number; currency: string; settled: SettlementFacts | null }>();

/**
 * The demo's stand-in for Stripe settling a payment in another currency in đồng: at the indicative rate
 * the session was quoted at (its metadata), as the demo has no market of its own. Labelled demo; a real
 * payment is booked at what Stripe's balance transaction says.
 */
export function settleDemoPayment(session: DemoSession, paymentIntent: string) {
  if (session.currency === "vnd") return;
  const rate = Number(session.metadata.quotedRate);
  if (!(rate > 0)) return;
  const units = fromMinor(session.amount, session.currency as CardCurrency);
  if (demoPayments.size > 10_000) demoPayments.clear();
  demoPayments.set(paymentIntent, { amount: session.amount, currency: session.currency, settled: { id: `txn_demo_${paymentIntent.slice(8)}`, amount: Math.round(units * rate), currency: "vnd", exchangeRate: rate, charge: `ch_demo_${paymentIntent.slice(8)}` } });
}

/**
 * What the Stripe SDK's requests get in demo mode instead of the network (Stripe.createFetchHttpClient).
 * No demo payment is ever refunded at Stripe, so a charge's refund list is empty.
 */
export const demoStripeFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  let reply: StripeReply | null = null;
  const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(url.pathname);
  if (request.method === "POST" && url.pathname === "/v1/checkout/sessions") reply = answerCreateCheckoutSession(new URLSearchParams(await request.text()), request.headers);
  else if (request.method === "GET" && intent) reply = answerRetrievePaymentIntent(request.headers, intent[1]!, demoPayments.get(intent[1]!));
  else if (request.method === "GET" && url.pathname === "/v1/refunds") reply = answerListRefunds(request.headers, []);
  if (!reply) throw new Error(`demo Stripe has no answer for ${request.method} ${url.pathname}`);
  // Not Response.json: the server's fetch globals (@remix-run/node installGlobals) have no such method.
  return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "Content-Type": "application/json" } });
};
