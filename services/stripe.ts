import { createHash, randomBytes } from "node:crypto";
import Stripe from "stripe";
import { z } from "zod";
import { cardChargeLimits, type CardCurrency } from "./currencies";
import { STRIPE_MAX_VND, STRIPE_MIN_VND } from "./payment-limits";

/**
 * The one module that talks to Stripe. VND is a zero-decimal currency at Stripe, so an amount of
 * đồng is passed as is (no ×100). Stripe takes at most eight digits per charge (₫99,999,999) and at
 * least the equivalent of US$0.50; larger gifts are steered to bank transfer (VietQR).
 * See docs/decisions/0006-payments-and-totals.md.
 */
export { STRIPE_MAX_VND, STRIPE_MIN_VND };

export type StripeConfig = {
  secretKey?: string;
  webhookSecret?: string;
  demo: boolean;
  appUrl: string;
  /** Demo mode only: where the SDK's requests go instead of api.stripe.com (the msw handlers). */
  fetch?: typeof fetch;
};

/**
 * Keys of the labelled demo mode, where app/demo/stripe.server.ts answers instead of Stripe. The webhook
 * secret (which also seals demo checkout sessions) is random per server process unless
 * DEMO_WEBHOOK_SECRET gives one (a test that signs events in another process): never a value written
 * here, so nobody can sign a demo payment for someone else's server.
 */
export const DEMO_STRIPE = {
  secretKey: "sk_test_gopsuc_demo_mode",
  webhookSecret: process.env.DEMO_WEBHOOK_SECRET || `whsec_${randomBytes(24).toString("hex")}`,
} as const;

export type CardAvailability = { available: true } | { available: false; reason: "not_configured" };

function keys(config: StripeConfig) {
  if (config.secretKey && config.webhookSecret) return { secretKey: config.secretKey, webhookSecret: config.webhookSecret };
  if (config.demo) return DEMO_STRIPE;
  return null;
}

export function cardAvailability(config: StripeConfig): CardAvailability {
  return keys(config) ? { available: true } : { available: false, reason: "not_configured" };
}

let client: { key: string; stripe: Stripe } | undefined;
function stripeClient(config: StripeConfig) {
  const k = keys(config);
  if (!k) throw new Error("Stripe is not configured: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET");
  if (client?.key !== k.secretKey) {
    const httpClient = config.fetch ? Stripe.createFetchHttpClient(config.fetch) : undefined;
    client = { key: k.secretKey, stripe: new Stripe(k.secretKey, { maxNetworkRetries: 1, timeout: 20_000, ...(httpClient ? { httpClient } : {}) }) };
  }
  return client.stripe;
}

export type CardAmountCheck = { ok: true } | { ok: false; reason: "below_minimum" | "above_maximum" };
/** Whether Stripe takes a charge of `amount` minor units of `currency` (a foreign one quoted at `vndPerUnit`): cardChargeLimits, the one place they are. */
export function checkCardAmount(amount: number, currency: CardCurrency = "vnd", vndPerUnit = 1): CardAmountCheck {
  const limits = cardChargeLimits(currency, vndPerUnit, STRIPE_MIN_VND);
  if (amount < limits.min) return { ok: false, reason: "below_minimum" };
  if (amount > limits.max) return { ok: false, reason: "above_maximum" };
  return { ok: true };
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const isLoopback = (url: URL) => LOOPBACK_HOSTS.has(url.hostname);

/**
 * Where Checkout sends the donor back: the origin they came from (their session cookie lives there),
 * if it is on the allow-list — APP_URL's origin always; loopback hosts (localhost, 127.0.0.1, [::1]) on
 * any port outside production, or in the labelled demo running on a loopback APP_URL. Anything else
 * (another host, a forged Host header) falls back to APP_URL, so Checkout never returns to a stranger.
 */
export function allowedReturnOrigin(candidate: string | null | undefined, rules: { appUrl: string; production: boolean; demo: boolean }): string {
  const app = new URL(rules.appUrl);
  let url: URL;
  try {
    url = new URL(candidate ?? "");
  } catch {
    return app.origin;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return app.origin;
  if (url.origin === app.origin) return url.origin;
  const loopbackAllowed = !rules.production || (rules.demo && isLoopback(app));
  return loopbackAllowed && isLoopback(url) ? url.origin : app.origin;
}

const sessionReply = z.object({ id: z.string(), url: z.string().url() });

/** A hosted Checkout page for one payment towards a pledge; the app never sees card data. */
export async function createCheckoutSession(
  config: StripeConfig,
  input: {
    /** In the minor unit of `currency` (đồng when it is VND, the default). */
    amount: number;
    /** Another currency (issue 13): with the đồng it stands for and the indicative rate it was quoted at (decision 0045). */
    currency?: CardCurrency;
    quote?: { vnd: number; rate: number };
    pledgeId: string;
    pledgeReference: string;
    instalmentSeq: number | null;
    programmeTitle: string;
    customerEmail?: string | null;
    locale: "vi" | "en";
    /** Where the donor returns (an origin already checked by allowedReturnOrigin); APP_URL when absent. */
    returnOrigin?: string;
  },
) {
  const currency = input.currency ?? "vnd";
  if (currency !== "vnd" && !input.quote) throw new RangeError("a charge in another currency needs its quote");
  const check = checkCardAmount(input.amount, currency, input.quote?.rate ?? 1);
  if (!check.ok) throw new RangeError(check.reason);
  const back = input.returnOrigin ?? config.appUrl.replace(/\/+$/, "");
  const metadata = {
    pledgeId: input.pledgeId,
    pledgeReference: input.pledgeReference,
    instalmentSeq: input.instalmentSeq === null ? "" : String(input.instalmentSeq),
    ...(input.quote ? { quotedVnd: String(input.quote.vnd), quotedRate: String(input.quote.rate) } : {}),
  };
  const session = await stripeClient(config).checkout.sessions.create(
    {
      mode: "payment",
      client_reference_id: input.pledgeReference,
      customer_email: input.customerEmail ?? undefined,
      locale: input.locale,
      line_items: [{ quantity: 1, price_data: { currency, unit_amount: input.amount, product_data: { name: `${input.programmeTitle} — ${input.pledgeReference}` } } }],
      metadata,
      payment_intent_data: { metadata, description: `Góp Sức ${input.pledgeReference}` },
      success_url: `${back}/pledges/${input.pledgeReference}?paid=1`,
      cancel_url: `${back}/pledges/${input.pledgeReference}?cancelled=1`,
    },
    // The return address is part of the request, so it is part of the key (Stripe refuses a key reused with other parameters).
    { idempotencyKey: `checkout:${input.pledgeReference}:${input.instalmentSeq ?? "all"}:${input.amount}${currency === "vnd" ? "" : currency}:${Math.floor(Date.now() / 60_000)}:${createHash("sha256").update(back).digest("hex").slice(0, 12)}` },
  );
  return sessionReply.parse(session);
}

/** A refund as the books need it (Stripe's Refund object, trimmed). */
export type StripeRefund = { id: string; amount: number; status: string | null; created: number; payment_intent: string | null };

/**
 * Every refund of a charge, from Stripe's API (`GET /v1/refunds?charge=`): a `charge.refunded` event no
 * longer carries them (API 2022-11-15 stopped expanding `charge.refunds`), only the cumulative
 * `amount_refunded`.
 */
export async function listChargeRefunds(config: StripeConfig, chargeId: string): Promise<StripeRefund[]> {
  const refunds: StripeRefund[] = [];
  for await (const refund of stripeClient(config).refunds.list({ charge: chargeId, limit: 100 })) {
    refunds.push({ id: refund.id, amount: refund.amount, status: refund.status, created: refund.created, payment_intent: typeof refund.payment_intent === "string" ? refund.payment_intent : (refund.payment_intent?.id ?? null) });
  }
  return refunds;
}

/** What Stripe settled a payment at: its charge's balance transaction (amount in the settlement currency's minor unit). */
export type StripeSettlement = { id: string; amount: number; currency: string; exchangeRate: number | null };

/**
 * The balance transaction of a payment's charge (`GET /v1/payment_intents/:id` with
 * `latest_charge.balance_transaction` expanded): what a payment in another currency became in the
 * account's settlement currency, and at which rate. Null while Stripe has not settled it yet.
 */
export async function paymentSettlement(config: StripeConfig, paymentIntentId: string): Promise<StripeSettlement | null> {
  const intent = await stripeClient(config).paymentIntents.retrieve(paymentIntentId, { expand: ["latest_charge.balance_transaction"] });
  const charge = intent.latest_charge;
  if (!charge || typeof charge === "string") return null;
  const transaction = charge.balance_transaction;
  if (!transaction || typeof transaction === "string") return null;
  return { id: transaction.id, amount: transaction.amount, currency: transaction.currency, exchangeRate: transaction.exchange_rate };
}

export class WebhookSignatureError extends Error {
  name = "WebhookSignatureError";
}

/** Verifies a webhook's signature on the raw body (and its age: Stripe's default tolerance, 5 minutes). */
export function verifyWebhook(config: StripeConfig, rawBody: string, signature: string | null): Stripe.Event {
  const k = keys(config);
  if (!k) throw new Error("Stripe is not configured");
  if (!signature) throw new WebhookSignatureError("missing Stripe-Signature header");
  try {
    return stripeClient(config).webhooks.constructEvent(rawBody, signature, k.webhookSecret);
  } catch (error) {
    throw new WebhookSignatureError((error as Error).message);
  }
}

const signer = new Stripe(DEMO_STRIPE.secretKey);
/** Signs a payload the way Stripe does (for the demo checkout page and for tests). */
export function signWebhookPayload(secret: string, payload: string, timestamp = Math.floor(Date.now() / 1000)) {
  return signer.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
