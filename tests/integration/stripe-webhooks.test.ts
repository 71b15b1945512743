import { http, HttpResponse } from "msw";
import { beforeAll, describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { Donor } from "#models/donor.server";
import { verifyLedgerChain } from "#services/money/ledger";
import { createCheckoutSession, signWebhookPayload, STRIPE_MAX_VND } from "#services/stripe";
import { action as webhook } from "~/routes/webhooks.stripe";
import { chargeObject, checkoutSessionObject, createdCheckoutSessions, decodeDemoSession, disputeObject, refundObject, stripeEvent, stripeRefundsByCharge } from "#tests/mocks/stripe";
import { createInstitution, receivedCopyOf } from "#tests/fixtures/domain";
import { server } from "#tests/mocks/index";

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

const received = async (programmeId: unknown) => receivedCopyOf(programmeId);

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

  test("two partial refunds as Stripe sends them today (refund.created, charge.refunded without a list), each twice, in any order: paid − refunded", async () => {
    // 3.000.000 paid, refunds of 1.000.000 then 500.000: the books must end at 1.500.000, whatever the order.
    const orders = [
      [0, 1, 2, 3, 4, 5, 6, 7],
      [7, 6, 5, 4, 3, 2, 1, 0],
      [2, 0, 3, 1, 6, 4, 7, 5],
      [3, 7, 1, 5, 0, 4, 2, 6],
    ];
    for (const [n, order] of orders.entries()) {
      const { programme, pledge, institution } = await fixture();
      const pi = `pi_partial_${n}`;
      const ch = `ch_partial_${n}`;
      await deliver(stripeEvent("checkout.session.completed", await paidSession(pledge, 3_000_000, pi)));
      const first = refundObject({ id: `re_a_${n}`, amount: 1_000_000, charge: ch, paymentIntent: pi, created: 1_790_000_000 });
      const second = refundObject({ id: `re_b_${n}`, amount: 500_000, charge: ch, paymentIntent: pi, created: 1_790_000_100 });
      // Stripe's state when the events are delivered: both refunds exist (a retried or late event reads the list as it is now).
      stripeRefundsByCharge.set(ch, [first, second]);
      const events = [
        stripeEvent("refund.created", first),
        stripeEvent("charge.refunded", chargeObject({ id: ch, paymentIntent: pi, amount: 3_000_000, amountRefunded: 1_000_000 })),
        stripeEvent("refund.created", second),
        stripeEvent("charge.refunded", chargeObject({ id: ch, paymentIntent: pi, amount: 3_000_000, amountRefunded: 1_500_000 })),
      ];
      const deliveries = [...events, ...events]; // each delivered twice
      for (const i of order) expect((await deliver(deliveries[i]!)).status).toBe(200);
      expect({ order: n, received: await received(programme._id) }).toEqual({ order: n, received: 1_500_000 });
      const entries = await LedgerEntry.find({ institutionId: institution._id }).sort({ sequence: 1 }).lean();
      expect(entries.map((e) => e.amount).sort((a, b) => a - b)).toEqual([-1_000_000, -500_000, 3_000_000]);
      expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
      expect((await Pledge.findById(pledge._id).lean())!.state).toBe("active");
    }
  });

  test("a charge.refunded: when Stripe's API fails it is answered 'retry later'; before Stripe lists the refund it books nothing, and the refund's own event books it", async () => {
    const { programme, pledge } = await fixture();
    await deliver(stripeEvent("checkout.session.completed", await paidSession(pledge, 3_000_000, "pi_list_later")));
    server.use(http.get("https://api.stripe.com/v1/refunds", () => HttpResponse.json({ error: { type: "api_error", message: "An unknown error occurred" } }, { status: 500 })));
    const refunded = stripeEvent("charge.refunded", chargeObject({ id: "ch_list_later", paymentIntent: "pi_list_later", amount: 3_000_000, amountRefunded: 700_000 }));
    expect((await deliver(refunded)).status).toBe(409);
    expect(await received(programme._id)).toBe(3_000_000);
    server.resetHandlers(); // Stripe answers again
    stripeRefundsByCharge.delete("ch_list_later");
    // Stripe knows of no refund yet (replication lag): nothing to book, nothing lost — the refund's own event books it.
    expect((await deliver(refunded)).status).toBe(200);
    expect(await received(programme._id)).toBe(3_000_000);
    await deliver(stripeEvent("refund.created", refundObject({ id: "re_list_later", amount: 700_000, charge: "ch_list_later", paymentIntent: "pi_list_later" })));
    expect(await received(programme._id)).toBe(2_300_000);
  });

  test("a refund that fails gives back exactly what it took; news of the failure first books nothing net, and a late refund.created nothing more", async () => {
    const { programme, pledge } = await fixture();
    await deliver(stripeEvent("checkout.session.completed", await paidSession(pledge, 3_000_000, "pi_fail")));
    const pending = refundObject({ id: "re_fail", amount: 1_200_000, charge: "ch_fail", paymentIntent: "pi_fail", status: "pending" });
    await deliver(stripeEvent("refund.created", pending));
    expect(await received(programme._id)).toBe(1_800_000);
    await deliver(stripeEvent("refund.failed", { ...pending, status: "failed", failure_reason: "expired_or_canceled_card" }));
    await deliver(stripeEvent("refund.updated", { ...pending, status: "failed", failure_reason: "expired_or_canceled_card" }));
    expect(await received(programme._id)).toBe(3_000_000);

    const late = refundObject({ id: "re_fail_first", amount: 900_000, charge: "ch_fail", paymentIntent: "pi_fail", status: "pending" });
    await deliver(stripeEvent("refund.updated", { ...late, status: "canceled" }));
    await deliver(stripeEvent("refund.created", late));
    expect(await received(programme._id)).toBe(3_000_000);
    const kinds = (await LedgerEntry.find({ programmeId: programme._id }).sort({ sequence: 1 }).lean()).map((e) => [e.kind, e.amount]);
    expect(kinds).toEqual([
      ["donation_received", 3_000_000],
      ["refund", -1_200_000],
      ["reinstatement", 1_200_000],
      ["refund", -900_000],
      ["reinstatement", 900_000],
    ]);
  });

  test("refunds never take more than was paid, however many Stripe reports", async () => {
    const { programme, pledge } = await fixture();
    await deliver(stripeEvent("checkout.session.completed", await paidSession(pledge, 3_000_000, "pi_cap")));
    for (const [i, amount] of [2_000_000, 2_000_000].entries()) await deliver(stripeEvent("refund.created", refundObject({ id: `re_cap_${i}`, amount, charge: "ch_cap", paymentIntent: "pi_cap" })));
    expect(await received(programme._id)).toBe(0);
    expect((await LedgerEntry.find({ programmeId: programme._id }).lean()).map((e) => e.amount).sort((a, b) => a - b)).toEqual([-2_000_000, -1_000_000, 3_000_000]);
  });

  test("card disputes: funds withdrawn reverse the gift, a dispute won brings them back, a lost one keeps them out, an inquiry moves nothing", async () => {
    const { programme, pledge, institution } = await fixture();
    await deliver(stripeEvent("checkout.session.completed", await paidSession(pledge, 3_000_000, "pi_dispute")));
    const opened = disputeObject({ id: "dp_won", amount: 3_000_000, charge: "ch_dispute", paymentIntent: "pi_dispute", status: "needs_response" });
    await deliver(stripeEvent("charge.dispute.created", opened));
    await deliver(stripeEvent("charge.dispute.funds_withdrawn", opened));
    expect(await received(programme._id)).toBe(0);
    expect((await Pledge.findById(pledge._id).lean())!.state).toBe("active");
    const won = { ...opened, status: "won" };
    await deliver(stripeEvent("charge.dispute.closed", won));
    await deliver(stripeEvent("charge.dispute.funds_reinstated", won));
    expect(await received(programme._id)).toBe(3_000_000);
    expect((await Pledge.findById(pledge._id).lean())!.state).toBe("fulfilled");

    const other = await fixture(2_000_000);
    await deliver(stripeEvent("checkout.session.completed", await paidSession(other.pledge, 2_000_000, "pi_lost")));
    await deliver(stripeEvent("charge.dispute.created", disputeObject({ id: "dp_inquiry", amount: 2_000_000, charge: "ch_lost", paymentIntent: "pi_lost", status: "warning_needs_response" })));
    expect(await received(other.programme._id)).toBe(2_000_000);
    // The close is the first news of this dispute: the withdrawal is booked then, and stays.
    await deliver(stripeEvent("charge.dispute.closed", disputeObject({ id: "dp_lost", amount: 2_000_000, charge: "ch_lost", paymentIntent: "pi_lost", status: "lost" })));
    await deliver(stripeEvent("charge.dispute.created", disputeObject({ id: "dp_lost", amount: 2_000_000, charge: "ch_lost", paymentIntent: "pi_lost", status: "needs_response" })));
    expect(await received(other.programme._id)).toBe(0);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
    expect((await verifyLedgerChain(other.institution._id)).ok).toBe(true);
  });

  test("a card amount above Stripe's limit is refused before Stripe is called", async () => {
    const { pledge } = await fixture(STRIPE_MAX_VND + 1);
    const calls = createdCheckoutSessions.length;
    await expect(createCheckoutSession(config, { amount: STRIPE_MAX_VND + 1, pledgeId: String(pledge._id), pledgeReference: pledge.reference, instalmentSeq: null, programmeTitle: "x", locale: "vi" })).rejects.toThrow(/above_maximum/);
    expect(createdCheckoutSessions.length).toBe(calls);
  });
});
