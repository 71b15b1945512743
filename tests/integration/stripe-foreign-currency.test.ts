import { beforeAll, describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { verifyLedgerChain } from "#services/money/ledger";
import { signWebhookPayload } from "#services/stripe";
import { action as webhook } from "~/routes/webhooks.stripe";
import { chargeObject, checkoutSessionObject, refundObject, stripeEvent, stripePayments, stripeRefundsByCharge, disputeObject } from "#tests/mocks/stripe";
import { createInstitution, receivedCopyOf } from "#tests/fixtures/domain";
import { Mail } from "#models/mail.server";
import { User } from "#models/user.server";
import { mailSettled } from "#services/mail";
import { action as setLanguage } from "~/routes/set-language";
import { ensureMailConfigured } from "~/utils/mail.server";
import { createTestUser, formRequest, sessionCookieFor } from "#tests/utils/requests";

/**
 * Issue 13: card gifts paid in another currency, booked in đồng at what Stripe settled (decision 0044).
 * Stripe's side — the checkout session, the PaymentIntent with its charge's balance transaction, refunds —
 * answers through msw with payloads shaped as Stripe sends them; everything of ours runs for real.
 */
const SECRET = "whsec_test_only_for_the_foreign_currency_tests";

beforeAll(() => {
  process.env.STRIPE_SECRET_KEY = "sk_test_foreign_currency_tests";
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
});

let counter = 0;
async function fixture(amount = 1_000_000) {
  counter += 1;
  const institution = await createInstitution();
  const programme = await Programme.create({ institutionId: institution._id, slug: `quoc-te-${institution._id}`, title: "Thư viện số", startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 500_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionApproved: true });
  const donor = await Donor.create({ kind: "organisation", legalName: `Sakura Foundation ${counter}`, taxCode: String(2_000_000_000 + counter) });
  const pledge = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount, visibility: "name_and_amount" });
  return { institution, programme, pledge };
}

async function deliver(event: object) {
  const payload = JSON.stringify(event);
  const request = new Request("http://localhost/webhooks/stripe", { method: "POST", body: payload, headers: { "Stripe-Signature": signWebhookPayload(SECRET, payload), "Content-Type": "application/json" } });
  return (await webhook({ request, params: {}, context: {} })) as Response;
}

/**
 * A card payment of `charged` minor units of `currency` for the pledge, as Stripe holds it (its charge's
 * balance transaction: `settled` đồng at `rate`) and as the checkout.session.completed event carries it.
 */
function foreignPayment(pledge: { _id: unknown; reference: string }, currency: string, charged: number, settled: { amount: number; rate: number } | null) {
  counter += 1;
  const pi = `pi_foreign_${counter}_${currency}`;
  const charge = `ch_foreign_${counter}`;
  stripePayments.set(pi, { amount: charged, currency, settled: settled ? { id: `txn_${charge}`, amount: settled.amount, currency: "vnd", exchangeRate: settled.rate, charge } : null });
  stripeRefundsByCharge.set(charge, []);
  const session = checkoutSessionObject(
    { amount: charged, currency, metadata: { pledgeId: String(pledge._id), pledgeReference: pledge.reference, instalmentSeq: "" }, successUrl: "http://localhost:3000/ok", cancelUrl: "http://localhost:3000/no", reference: pledge.reference },
    { id: `cs_test_foreign_${counter}`, paymentIntent: pi },
  );
  return { pi, charge, session, completed: stripeEvent("checkout.session.completed", session) };
}

const giftOf = (pi: string) => Donation.findOne({ idempotencyKey: `stripe:${pi}` }).lean();
const netOf = async (programmeId: unknown) => (await LedgerEntry.find({ programmeId }).lean()).reduce((sum, e) => sum + e.amount, 0);

describe("card gifts in another currency", () => {
  test("a payment in US dollars is booked at the đồng Stripe settled, with the dollars and the rate kept on the gift", async () => {
    const { institution, programme, pledge } = await fixture();
    const payment = foreignPayment(pledge, "usd", 3937, { amount: 1_000_123, rate: 25_403 });
    expect((await deliver(payment.completed)).status).toBe(200);
    const gift = await giftOf(payment.pi);
    expect(gift).toMatchObject({ amount: 1_000_123, method: "card", paidIn: { currency: "usd", amount: 3937, exchangeRate: 25_403, balanceTransactionId: `txn_${payment.charge}` } });
    expect(await receivedCopyOf(programme._id)).toBe(1_000_123);
    expect(await netOf(programme._id)).toBe(1_000_123);
    // The same payment again (Stripe redelivers; async_payment_succeeded follows) counts once.
    await deliver(stripeEvent("checkout.session.async_payment_succeeded", payment.session));
    expect(await Donation.countDocuments({ programmeId: programme._id })).toBe(1);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
  });

  test("a payment in yen (a zero-decimal currency) is booked at its đồng; a full refund later reverses exactly that, whatever the rate is then", async () => {
    const { programme, pledge } = await fixture();
    const payment = foreignPayment(pledge, "jpy", 6000, { amount: 1_011_600, rate: 168.6 });
    await deliver(payment.completed);
    expect(await giftOf(payment.pi)).toMatchObject({ amount: 1_011_600, paidIn: { currency: "jpy", amount: 6000, exchangeRate: 168.6 } });
    // The refund's own balance transaction would be at a later rate; the books reverse what was booked.
    const refund = { ...refundObject({ id: `re_jpy_${payment.charge}`, amount: 6000, charge: payment.charge, paymentIntent: payment.pi }), currency: "jpy" };
    stripeRefundsByCharge.get(payment.charge)!.push(refund);
    expect((await deliver(stripeEvent("charge.refunded", { ...chargeObject({ id: payment.charge, paymentIntent: payment.pi, amount: 6000, amountRefunded: 6000 }), currency: "jpy" }))).status).toBe(200);
    await deliver(stripeEvent("refund.created", refund));
    expect(await netOf(programme._id)).toBe(0);
    expect(await receivedCopyOf(programme._id)).toBe(0);
  });

  test("partial refunds take their share of the đồng booked, and the parts of a full refund add up to it to the đồng", async () => {
    const { programme, pledge } = await fixture();
    const usd = foreignPayment(pledge, "usd", 3937, { amount: 1_000_123, rate: 25_403.17 });
    await deliver(usd.completed);
    const first = { ...refundObject({ id: `re_usd_1_${usd.charge}`, amount: 1000, charge: usd.charge, paymentIntent: usd.pi }), currency: "usd" };
    await deliver(stripeEvent("refund.created", first));
    // US$10.00 of US$39.37: 1,000,123 × 1000 / 3937 = 254,031.75… → 254,032 đồng.
    expect(await netOf(programme._id)).toBe(1_000_123 - 254_032);
    const rest = { ...refundObject({ id: `re_usd_2_${usd.charge}`, amount: 2937, charge: usd.charge, paymentIntent: usd.pi }), currency: "usd" };
    await deliver(stripeEvent("refund.created", rest));
    expect(await netOf(programme._id)).toBe(0);

  });

  test("a yen payment refunded in three equal parts: each its share, the last what is left — the đồng booked exactly", async () => {
    const { programme, pledge } = await fixture();
    // ¥3,000 settled at 505,801 đồng; ¥1,000 is 168,600.33… đồng.
    const jpy = foreignPayment(pledge, "jpy", 3000, { amount: 505_801, rate: 168.6 });
    await deliver(jpy.completed);
    for (const n of [1, 2, 3]) await deliver(stripeEvent("refund.created", { ...refundObject({ id: `re_jpy_${n}_${jpy.charge}`, amount: 1000, charge: jpy.charge, paymentIntent: jpy.pi }), currency: "jpy" }));
    const refunds = await LedgerEntry.find({ programmeId: programme._id, kind: "refund" }).sort({ sequence: 1 }).lean();
    expect(refunds.map((e) => e.amount)).toEqual([-168_600, -168_600, -168_601]);
    expect(await netOf(programme._id)).toBe(0);
    expect(await receivedCopyOf(programme._id)).toBe(0);
  });

  test("a dispute in yen withdraws the gift's đồng and a dispute won brings back exactly what it took", async () => {
    const { programme, pledge } = await fixture();
    const payment = foreignPayment(pledge, "jpy", 6000, { amount: 1_011_600, rate: 168.6 });
    await deliver(payment.completed);
    const dispute = (status: "needs_response" | "won") => ({ ...disputeObject({ id: `dp_${payment.charge}`, amount: 6000, charge: payment.charge, paymentIntent: payment.pi, status }), currency: "jpy" });
    await deliver(stripeEvent("charge.dispute.created", dispute("needs_response")));
    expect(await netOf(programme._id)).toBe(0);
    await deliver(stripeEvent("charge.dispute.closed", dispute("won")));
    expect(await netOf(programme._id)).toBe(1_011_600);
  });

  test("a payment Stripe has not settled yet is answered 'retry later' and booked when it has; one settled in another currency than đồng is never booked", async () => {
    const { programme, pledge } = await fixture();
    const payment = foreignPayment(pledge, "eur", 3500, null);
    expect((await deliver(payment.completed)).status).toBe(409);
    expect(await giftOf(payment.pi)).toBeNull();
    stripePayments.set(payment.pi, { amount: 3500, currency: "eur", settled: { id: "txn_eur", amount: 1_002_750, currency: "vnd", exchangeRate: 28_650, charge: payment.charge } });
    expect((await deliver(payment.completed)).status).toBe(200);
    expect(await netOf(programme._id)).toBe(1_002_750);

    const elsewhere = foreignPayment(pledge, "sgd", 5200, { amount: 1_000_000, rate: 192.3 });
    stripePayments.set(elsewhere.pi, { amount: 5200, currency: "sgd", settled: { id: "txn_usd", amount: 3950, currency: "usd", exchangeRate: 0.7596, charge: elsewhere.charge } });
    expect((await deliver(elsewhere.completed)).status).toBe(409);
    expect(await giftOf(elsewhere.pi)).toBeNull();
    expect(await netOf(programme._id)).toBe(1_002_750);
  });

  test("a currency the platform does not take by card is not booked", async () => {
    const { programme, pledge } = await fixture();
    const payment = foreignPayment(pledge, "gbp", 3000, { amount: 1_000_000, rate: 33_333.33 });
    expect((await deliver(payment.completed)).status).toBe(200);
    expect(await giftOf(payment.pi)).toBeNull();
    expect(await netOf(programme._id)).toBe(0);
  });

  test("the donor who pledged gets a thank-you letter in the language they chose: the yen, the đồng, their English receipt and the Vietnamese original", async () => {
    ensureMailConfigured(); // as the app's database connection does (the demo outbox here)
    const { pledge } = await fixture();
    const donor = await createTestUser({ name: "Yuki Tanaka" });
    await User.updateOne({ _id: donor.id }, { $set: { emailVerifiedAt: new Date() } });
    // Signed in, they switch the site to English: their account keeps the choice.
    const switched = await setLanguage({ request: await formRequest("/set-language", { lng: "en", redirectTo: "/" }, { cookie: await sessionCookieFor(donor.id) }), params: {}, context: {} });
    expect((switched as Response).status).toBe(302);
    expect((await User.findById(donor.id).lean())!.locale).toBe("en");
    await Pledge.updateOne({ _id: pledge._id }, { $set: { pledgedBy: donor.id } });

    const payment = foreignPayment(pledge, "jpy", 6000, { amount: 1_011_600, rate: 168.6 });
    expect((await deliver(payment.completed)).status).toBe(200);
    const gift = await giftOf(payment.pi);
    await mailSettled();
    const letter = await Mail.findById(`thanks:${gift!.receiptNumber}`).lean();
    expect(letter).toMatchObject({ kind: "thank-you", to: donor.email, locale: "en" });
    expect(letter!.subject).toBe(`Thank you for your gift to “Thư viện số” — receipt ${gift!.receiptNumber}`);
    expect(letter!.text).toContain("Amount booked: ₫1,011,600");
    expect(letter!.text).toContain("Charged to your card: JP¥6,000 — at 168.6 ₫ per JPY");
    expect(letter!.text).toContain(`/receipts/${gift!.receiptNumber}/pdf?lang=en`);
    expect(letter!.text).toContain(`The Vietnamese original of the receipt (the record): http://localhost:3000/receipts/${gift!.receiptNumber}/pdf`);
    // Stripe delivering the event again books nothing and writes no second letter.
    expect((await deliver(payment.completed)).status).toBe(200);
    await mailSettled();
    expect(await Mail.countDocuments({ kind: "thank-you", to: donor.email })).toBe(1);

    // A donor who reads Vietnamese gets it in Vietnamese, without the English links.
    const second = await fixture();
    const vietnamese = await createTestUser({ name: "Nguyễn An" });
    await User.updateOne({ _id: vietnamese.id }, { $set: { emailVerifiedAt: new Date(), locale: "vi" } });
    await Pledge.updateOne({ _id: second.pledge._id }, { $set: { pledgedBy: vietnamese.id } });
    const dollars = foreignPayment(second.pledge, "usd", 3937, { amount: 1_000_123, rate: 25_403 });
    expect((await deliver(dollars.completed)).status).toBe(200);
    await mailSettled();
    const thanks = await Mail.findOne({ kind: "thank-you", to: vietnamese.email }).lean();
    expect(thanks!.subject).toMatch(/^Cảm ơn bạn đã tài trợ “Thư viện số” — biên nhận R-/);
    expect(thanks!.text).toContain("Số tiền thẻ bị trừ: 39,37\u00a0US$ — quy đổi 25.403 ₫/USD");
    expect(thanks!.text).not.toContain("?lang=en");
  });
});
