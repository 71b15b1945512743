import mongoose, { type Types } from "mongoose";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { LedgerHead, Projection, decodeRecentGifts } from "#models/projection.server";
import { verifyLedgerChain } from "#services/money/ledger";
import { rebuildProjections } from "#services/money/projections";
import { DEMO_STRIPE, signWebhookPayload } from "#services/stripe";
import { createInstalmentPledge, createInstitution } from "#tests/fixtures/domain";
import { checkoutSessionObject, stripeEvent } from "#tests/mocks/stripe";
import { freePort, withDatabaseName } from "../../scripts/lib/database.mjs";
import { killHard, runSweeperOnce, startApp, waitForHealthy, type AppProcess } from "./crash-server";

/**
 * The crash test (issue 9): card payments arrive as Stripe webhooks at the real built server while it
 * is killed with SIGKILL at random moments — mid-request, mid-write — and started again, KILLS times.
 * Stripe re-delivers what was not answered (some during the kills, all of it afterwards, plus
 * duplicates of what was answered and the same payments under another event). Then the sweeper runs
 * (`npm run jobs -- --once`), and the books must be whole: every payment answered 2xx is booked, each
 * payment once at the amount sent, every institution's chain verifies, and every stored total equals
 * the ledger summed directly and a rebuild from the ledger.
 *
 * It runs its own server processes on its own database (on the e2e FerretDB), with the in-server
 * sweeper off, so the other e2e files and their server are not disturbed.
 */

const KILLS = 12;
/** Deliveries in flight at once while the server runs (Stripe sends concurrently). */
const IN_FLIGHT = 6;
const stamp = Date.now().toString(36);

type EventType = "checkout.session.completed" | "checkout.session.async_payment_succeeded";
type Payment = { pi: string; amount: number; pledge: number; deliveries: Delivery[] };
/** One Stripe event; every attempt to deliver it is signed anew, as Stripe signs each attempt. */
type Delivery = { payment: Payment; event: ReturnType<typeof stripeEvent>; statuses: Array<number | null> };

const ok = (status: number | null) => status !== null && status >= 200 && status < 300;
const answered = (d: Delivery) => d.statuses.some(ok);
const paymentAnswered = (p: Payment) => p.deliveries.some(answered);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;

let mongoUri = "";
let port = 0;
let baseUrl = "";
const sessionSecret = `crash-${crypto.randomUUID()}-${crypto.randomUUID()}`;
let app: AppProcess | null = null;
let world: {
  institutions: Array<{ _id: Types.ObjectId }>;
  programmes: Array<{ _id: Types.ObjectId; institutionId: Types.ObjectId }>;
  pledges: Array<{ _id: Types.ObjectId; reference: string; programmeId: Types.ObjectId; institutionId: Types.ObjectId }>;
};
const payments: Payment[] = [];

async function start() {
  app = startApp({ port, mongoUri, sessionSecret });
  await waitForHealthy(baseUrl, app);
}

async function stop() {
  if (app) await killHard(app);
  app = null;
}

function newDelivery(payment: Payment, type: EventType = "checkout.session.completed"): Delivery {
  const pledge = world.pledges[payment.pledge]!;
  const session = {
    amount: payment.amount,
    currency: "vnd",
    metadata: { pledgeId: String(pledge._id), pledgeReference: pledge.reference, instalmentSeq: "" },
    successUrl: `${baseUrl}/pledges/${pledge.reference}?paid=1`,
    cancelUrl: `${baseUrl}/pledges/${pledge.reference}?cancelled=1`,
    reference: pledge.reference,
  };
  const object = checkoutSessionObject(session, { id: `cs_test_crash_${payment.pi}`, paymentIntent: payment.pi });
  const delivery: Delivery = { payment, event: stripeEvent(type, object), statuses: [] };
  payment.deliveries.push(delivery);
  return delivery;
}

function newPayment(): Delivery {
  const n = payments.length + 1;
  const payment: Payment = { pi: `pi_crash_${stamp}_${n}`, amount: (1 + Math.floor(Math.random() * 40)) * 50_000, pledge: Math.floor(Math.random() * world.pledges.length), deliveries: [] };
  payments.push(payment);
  return newDelivery(payment);
}

/** One delivery attempt: the HTTP status, or null when no answer came (the server died under it). */
async function send(delivery: Delivery): Promise<number | null> {
  const payload = JSON.stringify(delivery.event);
  try {
    const response = await fetch(`${baseUrl}/webhooks/stripe`, {
      method: "POST",
      body: payload,
      headers: { "Stripe-Signature": signWebhookPayload(DEMO_STRIPE.webhookSecret, payload), "Content-Type": "application/json" },
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

async function attempt(delivery: Delivery) {
  const status = await send(delivery);
  delivery.statuses.push(status);
  return status;
}

/** What Stripe sends next during the kills: mostly new payments, some re-deliveries of unanswered events, a few of answered ones. */
function nextDelivery(): Delivery {
  const roll = Math.random();
  const all = payments.flatMap((p) => p.deliveries);
  if (roll < 0.2) {
    const unanswered = all.filter((d) => d.statuses.length > 0 && !answered(d));
    if (unanswered.length) return pick(unanswered);
  } else if (roll > 0.95) {
    const done = all.filter(answered);
    if (done.length) return pick(done);
  }
  return newPayment();
}

const oid = (id: unknown) => new mongoose.Types.ObjectId(String(id));

/** Σ of the ledger read directly (no projection). */
async function ledgerSum(match: Record<string, unknown>) {
  const [row] = await LedgerEntry.aggregate<{ total: number }>([{ $match: match }, { $group: { _id: null, total: { $sum: "$amount" } } }]);
  return row?.total ?? 0;
}

/**
 * The books are whole, whatever was sent so far: each gift in the database is one payment that was
 * sent, at its amount, with exactly one ledger entry; every payment answered 2xx is among them; every
 * chain verifies and its head is at its end, everything counted; every stored total equals the ledger.
 */
async function expectBooksWhole(when: string) {
  const byPi = new Map(payments.map((p) => [p.pi, p]));
  const donations = await Donation.find({}).lean();
  const entries = await LedgerEntry.find({}).lean();
  const entriesByKey = new Map<string, typeof entries>();
  for (const entry of entries) entriesByKey.set(entry.idempotencyKey, [...(entriesByKey.get(entry.idempotencyKey) ?? []), entry]);

  const problems: string[] = [];
  const booked = new Set<string>();
  for (const donation of donations) {
    const pi = donation.provider?.paymentIntentId ?? "";
    const payment = byPi.get(pi);
    if (!payment || donation.idempotencyKey !== `stripe:${pi}`) {
      problems.push(`a gift no payment explains: ${donation.idempotencyKey}`);
      continue;
    }
    if (booked.has(pi)) problems.push(`doubled: two gifts for ${pi}`);
    booked.add(pi);
    if (donation.amount !== payment.amount) problems.push(`${pi}: gift of ${donation.amount}, sent ${payment.amount}`);
    if (String(donation.pledgeId) !== String(world.pledges[payment.pledge]!._id)) problems.push(`${pi}: booked to another pledge`);
    const own = entriesByKey.get(`donation:${donation.idempotencyKey}`) ?? [];
    if (own.length !== 1) problems.push(`${pi}: ${own.length} ledger entries`);
    else if (own[0]!.amount !== payment.amount || String(own[0]!.sourceId) !== String(donation._id)) problems.push(`${pi}: ledger entry of ${own[0]!.amount} for ${String(own[0]!.sourceId)}`);
  }
  for (const entry of entries) {
    if (entry.kind !== "donation_received" || !donations.some((d) => `donation:${d.idempotencyKey}` === entry.idempotencyKey)) problems.push(`a ledger entry no gift explains: ${entry.idempotencyKey} (${entry.kind}, ${entry.amount})`);
  }
  for (const payment of payments) if (paymentAnswered(payment) && !booked.has(payment.pi)) problems.push(`lost: ${payment.pi} (${payment.amount}) was answered 2xx and is not on the books`);

  for (const institution of world.institutions) {
    const check = await verifyLedgerChain(institution._id);
    if (!check.ok) problems.push(`the chain of ${String(institution._id)} breaks at ${check.sequence}: ${check.problem}`);
    const own = entries.filter((e) => String(e.institutionId) === String(institution._id)).sort((a, b) => a.sequence - b.sequence);
    const head = await LedgerHead.findById(institution._id).lean();
    const last = own.at(-1);
    if (last && (!head || head.sequence !== last.sequence || head.hash !== last.hash || head.projectedThrough !== last.sequence)) {
      problems.push(`the head of ${String(institution._id)} is ${JSON.stringify(head && { sequence: head.sequence, projectedThrough: head.projectedThrough })}, the chain ends at ${last.sequence}`);
    }
  }
  for (const programme of world.programmes) {
    const sum = await ledgerSum({ programmeId: programme._id });
    const projection = await Projection.findById(`received:${programme._id}`).lean();
    const stored = (await Programme.findById(programme._id).select("receivedTotal").lean())!.receivedTotal;
    if ((projection?.total ?? 0) !== sum || stored !== sum) problems.push(`programme ${String(programme._id)}: ledger ${sum}, projection ${projection?.total}, receivedTotal ${stored}`);
  }
  for (const pledge of world.pledges) {
    const sum = await ledgerSum({ pledgeId: pledge._id });
    const projection = await Projection.findById(`paid:${pledge._id}`).lean();
    const stored = (await Pledge.findById(pledge._id).select("paidTotal").lean())!.paidTotal ?? 0;
    if ((projection?.total ?? 0) !== sum || stored !== sum) problems.push(`pledge ${String(pledge._id)}: ledger ${sum}, projection ${projection?.total}, paidTotal ${stored}`);
  }
  expect({ when, problems }).toEqual({ when, problems: [] });
  return { donations: donations.length, entries: entries.length };
}

/** What a rebuild from the ledger derives again (as tests/integration/money-path.test.ts storedState). */
async function storedState() {
  const programmes = await Programme.find({ _id: { $in: world.programmes.map((p) => p._id) } }).select("receivedTotal").sort({ _id: 1 }).lean();
  const pledges = await Pledge.find({ _id: { $in: world.pledges.map((p) => p._id) } }).select("state paidTotal instalments").sort({ _id: 1 }).lean();
  const projections = (await Projection.find({}).lean()).map((d) => [d._id, d.total, d.through, d.gifts ?? null, decodeRecentGifts(d.recent).map((g) => String(g.id)).join(",")]).sort();
  const heads = (await LedgerHead.find({}).lean()).map((h) => [String(h._id), h.sequence, h.hash, h.projectedThrough, h.total ?? 0, h.gifts ?? 0, JSON.stringify(Object.entries(h.months ?? {}).map(([month, m]) => [month, m.total, m.gifts]).sort())]).sort();
  return {
    programmes: programmes.map((p) => [String(p._id), p.receivedTotal]),
    pledges: pledges.map((p) => [String(p._id), p.state, p.paidTotal, p.instalments.map((i) => [i.paidAmount, i.status])]),
    projections,
    heads,
  };
}

/** Sends every delivery, IN_FLIGHT at a time (the server is not killed meanwhile). */
async function sendAll(deliveries: Delivery[]) {
  const queue = [...deliveries];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await attempt(d);
    }),
  );
}

describe("the books survive a server killed at random moments", () => {
  beforeAll(async () => {
    mongoUri = withDatabaseName(inject("e2eMongoUri"), `gopsuc_crash_${stamp}`);
    port = await freePort();
    baseUrl = `http://localhost:${port}`;
    // The server makes its indexes before it serves (app/utils/db.server.ts); the fixtures come after.
    await start();
    await mongoose.connect(mongoUri, { autoIndex: false });
    const donor = await Donor.create({ kind: "individual", fullName: "Nguyễn Văn Bền", email: `ben.${stamp}@example.vn` });
    const institutions = [];
    const programmes = [];
    const pledges = [];
    for (let i = 0; i < 3; i += 1) {
      const institution = await createInstitution({ name: `Thư viện Chịu Lỗi ${i} ${stamp}` });
      institutions.push(institution);
      for (let p = 0; p < 2; p += 1) {
        const programme = await Programme.create({ institutionId: institution._id, slug: `crash-${stamp}-${i}-${p}`, title: `Quỹ sách ${i}-${p}`, startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 900_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionApproved: true });
        programmes.push(programme);
        pledges.push(await createInstalmentPledge({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id }, [40_000_000, 60_000_000]));
      }
    }
    world = { institutions, programmes, pledges };
  });

  afterAll(async () => {
    await stop();
    if (mongoose.connection.readyState === 1) {
      await mongoose.connection.dropDatabase().catch(() => {});
      await mongoose.disconnect();
    }
  });

  test(
    `${KILLS} SIGKILLs mid-traffic, restarts, re-deliveries and the sweeper: nothing lost, nothing doubled, chains verify, totals equal a rebuild`,
    async () => {
      const started = Date.now();
      const killedAfter: number[] = [];
      // 1. Traffic, and a SIGKILL at a random moment 50–2500 ms into each burst (a freshly started server
      // answers a delivery in 0.1–0.5 s on a busy machine: a short burst is killed mid-request, a long
      // one after some answers); then the server starts again.
      for (let kill = 1; kill <= KILLS; kill += 1) {
        if (!app) await start();
        let stopping = false;
        const lanes = Array.from({ length: IN_FLIGHT }, async () => {
          while (!stopping) await attempt(nextDelivery());
        });
        const delay = 50 + Math.floor(Math.random() * 2450);
        await sleep(delay);
        stopping = true;
        await stop();
        await Promise.all(lanes);
        killedAfter.push(delay);
      }
      const attempts = payments.flatMap((p) => p.deliveries.flatMap((d) => d.statuses));
      const unansweredAttempts = attempts.filter((s) => !ok(s)).length;
      // Some requests must have been cut off by the kills, or this proved nothing.
      expect(unansweredAttempts).toBeGreaterThanOrEqual(KILLS);
      const beforeResend = { payments: payments.length, answered: payments.filter(paymentAnswered).length };

      // 2. Restarted; the sweeper completes what the kills left half-done. Nothing is re-sent yet:
      // every payment answered is on the books, and every gift on the books is whole.
      await start();
      const firstSweep = await runSweeperOnce(mongoUri);
      expect(firstSweep.report.ran, firstSweep.output).toBe(true);
      expect((firstSweep.report.daily as { brokenChains: number } | null)?.brokenChains ?? 0, firstSweep.output).toBe(0);
      const afterSweep = await expectBooksWhole("after the kills and a sweep, before any re-delivery");

      // 3. Stripe re-delivers every event never answered 2xx, re-sends some that were (duplicates), and
      // some payments arrive again under another event (async_payment_succeeded). All answered now.
      const unanswered = payments.flatMap((p) => p.deliveries.filter((d) => !answered(d)));
      const duplicates = payments.flatMap((p) => p.deliveries.filter((d) => answered(d) && Math.random() < 0.25));
      const otherEvents = payments.filter(() => Math.random() < 0.1).map((p) => newDelivery(p, "checkout.session.async_payment_succeeded"));
      const resent = [...unanswered, ...duplicates, ...otherEvents].sort(() => Math.random() - 0.5);
      await sendAll(resent);
      const refused = resent.filter((d) => !ok(d.statuses.at(-1) ?? null)).map((d) => `${d.event.id} (${d.payment.pi}): ${d.statuses.at(-1)}`);
      expect(refused).toEqual([]);
      const secondSweep = await runSweeperOnce(mongoUri);
      expect(secondSweep.report.ran, secondSweep.output).toBe(true);
      // Without a kill, the server's own path leaves nothing half-done.
      expect({ headsRepaired: secondSweep.report.headsRepaired, entriesProjected: secondSweep.report.entriesProjected, giftsBooked: secondSweep.report.giftsBooked }).toEqual({ headsRepaired: 0, entriesProjected: 0, giftsBooked: 0 });
      await stop();

      // 4. Each distinct payment once, at its amount; each programme received exactly what was sent to it.
      const final = await expectBooksWhole("after every re-delivery and a second sweep");
      expect(final).toEqual({ donations: payments.length, entries: payments.length });
      for (const [i, programme] of world.programmes.entries()) {
        const sent = payments.filter((p) => world.pledges[p.pledge]!.programmeId.equals(programme._id)).reduce((sum, p) => sum + p.amount, 0);
        expect({ programme: i, received: (await Programme.findById(programme._id).lean())!.receivedTotal }).toEqual({ programme: i, received: sent });
      }
      expect(await Donation.countDocuments({ "provider.paymentIntentId": { $in: payments.map((p) => p.pi) } })).toBe(payments.length);

      // 5. Every stored total equals a rebuild from the ledger.
      const running = await storedState();
      await rebuildProjections();
      expect(await storedState()).toEqual(running);
      for (const institution of world.institutions) expect((await verifyLedgerChain(oid(institution._id))).ok).toBe(true);

      console.log(
        `crash test: ${KILLS} SIGKILLs (after ${killedAfter.join(", ")} ms), ${attempts.length} delivery attempts during the kills (${unansweredAttempts} unanswered), ` +
          `${beforeResend.payments} payments (${beforeResend.answered} answered 2xx before re-delivery; ${afterSweep.donations} on the books after the first sweep, ` +
          `which repaired ${firstSweep.report.headsRepaired} head(s), counted ${firstSweep.report.entriesProjected} entr(ies), booked ${firstSweep.report.giftsBooked} gift(s)); ` +
          `${resent.length} re-sent (${unanswered.length} unanswered, ${duplicates.length} duplicates, ${otherEvents.length} under another event); ${Math.round((Date.now() - started) / 1000)} s`,
      );
    },
    230_000,
  );
});
