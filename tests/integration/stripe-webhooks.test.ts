import { beforeAll, describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { Donor } from "#models/donor.server";
import { verifyLedgerChain } from "#services/ledger";
import { createCheckoutSession, signWebhookPayload, STRIPE_MAX_VND } from "#services/stripe";
import { action as webhook } from "~/routes/webhooks.stripe";
import { checkoutSessionObject, createdCheckoutSessions, decodeDemoSession, stripeEvent } from "#tests/mocks/stripe";
import { createInstitution } from "#tests/fixtures/domain";

const SECRET = "whsec_test_only_for_the_webhook_tests_1234";
const config = { secretKey: "sk_test_webhook_tests", webhookSecret: SECRET, demo: false, appUrl: "http://localhost:3000" };

beforeAll(() => {
  process.env.STRIPE_SECRET_KEY = config.secretKey;
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
});

let taxCounter = 0;
async function fixture(amount = 3_000_000) {
  const institution = await createInstitution();
  const programme = await Programme.create({ institutionId: institution._id, slug: `chuong-trinh-${institution._id}`, title: "Thư viện số", startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 100_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionApproved: true });
  taxCounter += 1;
  const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Sách Vina", taxCode: String(1_000_000_000 + taxCounter) });
  const pledge = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount, visibility: "name_and_amount" });
  return { institution, programme, pledge };
}

async function deliver(event: object, { secret = SECRET, timestamp }: { secret?: string; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const request = new Request("http://localhost/webhooks/stripe", { method: "POST", body: payload, headers: { "Stripe-Signature": signWebhookPayload(secret, payload, timestamp), "Content-Type": "application/json" } });
  return (await webhook({ request, params: {}, context: {} })) as Response;
}

/** A completed checkout for the pledge, as the card payment would produce it (through the msw Stripe API). */
async function paidSession(pledge: { _id: unknown; reference: string }, amount: number, paymentIntent: string) {
  const session = await createCheckoutSession(config, { amount, pledgeId: String(pledge._id), pledgeReference: pledge.reference, instalmentSeq: null, programmeTitle: "Thư viện số", locale: "vi" });
  return checkoutSessionObject(decodeDemoSession(session.id)!, { id: session.id, paymentIntent });
}

const received = async (programmeId: unknown) => (await Programme.findById(programmeId).lean())!.receivedTotal;

describe("Stripe webhooks", () => {
  test("a completed checkout records the gift once, in the ledger, and moves the programme", async () => {
    const { programme, pledge, institution } = await fixture();
    const session = await paidSession(pledge, 3_000_000, "pi_once");
    expect(createdCheckoutSessions.at(-1)!.body.get("line_items[0][price_data][currency]")).toBe("vnd");
    expect(createdCheckoutSessions.at(-1)!.body.get("line_items[0][price_data][unit_amount]")).toBe("3000000"); // zero-decimal: no ×100
    const response = await deliver(stripeEvent("checkout.session.completed", session));
    expect(response.status).toBe(200);
    expect(await received(programme._id)).toBe(3_000_000);
    expect((await Pledge.findById(pledge._id).lean())?.state).toBe("fulfilled");
    const entries = await LedgerEntry.find({ institutionId: institution._id }).lean();
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([["donation_received", 3_000_000]]);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
  });

  test("the same event twice, and the same payment under another event, count once", async () => {
    const { programme, pledge } = await fixture();
    const session = await paidSession(pledge, 3_000_000, "pi_twice");
    const event = stripeEvent("checkout.session.completed", session);
    await deliver(event);
    expect((await (await deliver(event)).json()).outcome).toBe("duplicate");
    await deliver(stripeEvent("checkout.session.async_payment_succeeded", session));
    expect(await Donation.countDocuments({ pledgeId: pledge._id })).toBe(1);
    expect(await received(programme._id)).toBe(3_000_000);
  });

  test("a forged signature and a stale one are refused and change nothing", async () => {
    const { programme, pledge } = await fixture();
    const session = await paidSession(pledge, 3_000_000, "pi_forged");
    expect((await deliver(stripeEvent("checkout.session.completed", session), { secret: "whsec_someone_else_entirely_0000" })).status).toBe(400);
    expect((await deliver(stripeEvent("checkout.session.completed", session), { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(400);
    const unsigned = await webhook({ request: new Request("http://localhost/webhooks/stripe", { method: "POST", body: JSON.stringify(stripeEvent("checkout.session.completed", session)) }), params: {}, context: {} });
    expect((unsigned as Response).status).toBe(400);
    expect(await Donation.countDocuments({ pledgeId: pledge._id })).toBe(0);
    expect(await received(programme._id)).toBe(0);
  });

  test("a refund reverses with a new ledger entry; a refund before its payment waits, and the books end right", async () => {
    const { programme, pledge, institution } = await fixture();
    const session = await paidSession(pledge, 3_000_000, "pi_refund");
    const charge = { id: "ch_refund", object: "charge", payment_intent: "pi_refund", amount: 3_000_000, amount_refunded: 1_000_000, currency: "vnd", refunds: { object: "list", data: [{ id: "re_1", object: "refund", amount: 1_000_000, status: "succeeded", created: Math.floor(Date.now() / 1000) }] } };
    const refundEvent = stripeEvent("charge.refunded", charge);
    // Out of order: the refund first.
    expect((await deliver(refundEvent)).status).toBe(409);
    await deliver(stripeEvent("checkout.session.completed", session));
    expect(await received(programme._id)).toBe(3_000_000);
    // Stripe retries the refund; now it applies — once, however often it comes.
    expect((await deliver(refundEvent)).status).toBe(200);
    await deliver(refundEvent);
    await deliver(stripeEvent("charge.refunded", charge));
    expect(await received(programme._id)).toBe(2_000_000);
    const entries = await LedgerEntry.find({ institutionId: institution._id }).sort({ sequence: 1 }).lean();
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([["donation_received", 3_000_000], ["refund", -1_000_000]]);
    expect(String(entries[1]!.reversesEntryId)).toBe(String(entries[0]!._id));
    expect((await Pledge.findById(pledge._id).lean())?.state).toBe("active");
    expect(await Donation.countDocuments({ pledgeId: pledge._id })).toBe(1); // the donation record itself is untouched
  });

  test("a card amount above Stripe's limit is refused before Stripe is called", async () => {
    const { pledge } = await fixture(STRIPE_MAX_VND + 1);
    const calls = createdCheckoutSessions.length;
    await expect(createCheckoutSession(config, { amount: STRIPE_MAX_VND + 1, pledgeId: String(pledge._id), pledgeReference: pledge.reference, instalmentSeq: null, programmeTitle: "x", locale: "vi" })).rejects.toThrow(/above_maximum/);
    expect(createdCheckoutSessions.length).toBe(calls);
  });
});
