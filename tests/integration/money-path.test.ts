import { describe, expect, test, vi } from "vitest";
import { flushProgrammeTotals } from "#services/catalogue-index";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { findGiftsOfPledge } from "#models/donation.server";
import { LedgerHead, Meta, Projection, decodeRecentGifts } from "#models/projection.server";
import { recordDonation, recordReinstatement, recordReversal } from "#services/money/donations";
import { forgetKnownLedgerHeads, verifyLedgerChain } from "#services/money/ledger";
import { Lookup } from "#models/lookup.server";
import { vietnamDateInput } from "#services/calendar";
import { flushGiftAmountKeys, giftDayAmountKey } from "#services/transparency/gift-amount-keys";
import { findGiftsByAmount } from "#services/transparency/find-by-amount";
import { moneyIn, rebuildProjections, receivedOfProgramme, recentGiftsOfProgramme, refreshPledgeFulfilment, upgradeProjections } from "#services/money/projections";
import { createInstalmentPledge, createInstitution, receivedCopyOf } from "#tests/fixtures/domain";

/**
 * The money path, at random: gifts (with and without a pledge), the same gift again, refunds and
 * corrections (some for more than is left), several institutions at once. Whatever happens, the
 * stored totals equal the ledger summed directly, equal a rebuild from the ledger, equal what the
 * test itself expects, and every chain verifies. A seed is printed so a failure can be replayed.
 */

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type World = Awaited<ReturnType<typeof makeWorld>>;

async function makeWorld(tag: string) {
  const institutions = await Promise.all([0, 1].map(() => createInstitution()));
  const donor = await Donor.create({ kind: "individual", fullName: "Trần Thị Mai", email: `mai.${tag}@example.vn` });
  const programmes = [];
  const pledges = [];
  for (const [i, institution] of institutions.entries()) {
    for (let p = 0; p < 2; p += 1) {
      const programme = await Programme.create({
        institutionId: institution._id,
        slug: `money-${tag}-${i}-${p}`,
        title: `Quỹ sách ${i}-${p}`,
        startDate: new Date("2026-01-01"),
        endDate: new Date("2027-12-31"),
        goal: 300_000_000,
        state: "open",
        provinceSlug: "ha-noi",
        institutionType: "library",
        institutionApproved: true,
      });
      programmes.push(programme);
      const pledge = await createInstalmentPledge({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id }, [10_000_000, 20_000_000]);
      pledges.push(pledge);
    }
  }
  return { institutions, programmes, pledges };
}

/** Σ of the ledger read directly (not through any projection). */
async function sumLedger(match: Record<string, unknown>) {
  const entries = await LedgerEntry.find(match).select("amount kind").lean();
  return entries.reduce((sum, e) => sum + e.amount, 0);
}

const RECEIVED = ["donation_received", "in_kind_received", "volunteer_hours", "refund", "correction", "dispute", "reinstatement"];

async function storedState(world: World) {
  await flushProgrammeTotals(); // the copy follows the books off the gift's path
  const programmes = await Promise.all(world.programmes.map((p) => Programme.findById(p._id).select("receivedTotal").lean()));
  const pledges = await Promise.all(world.pledges.map((p) => Pledge.findById(p._id).select("state instalments").lean()));
  const projections = (await Projection.find({}).lean()).map((d) => [d._id, d.total, d.gifts ?? null, decodeRecentGifts(d.recent).map((g) => String(g.id)).join(",")]).sort();
  const heads = (await LedgerHead.find({}).lean()).map((h) => [String(h._id), h.sequence, h.hash, h.projectedThrough, h.total ?? 0, h.gifts ?? 0, JSON.stringify(Object.entries(h.months ?? {}).map(([month, m]) => [month, m.total, m.gifts]).sort())]).sort();
  return {
    programmes: programmes.map((p) => p!.receivedTotal),
    pledges: pledges.map((p) => [p!.state, p!.instalments.map((i) => [i.paidAmount, i.status])]),
    projections,
    heads,
  };
}

async function runStory(seed: number) {
  const random = prng(seed);
  const pick = <T,>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const world = await makeWorld(`${seed}`);
  const gifts: Array<{ id: string; key: string; amount: number; programme: number; institution: number; pledge: number | null }> = [];
  const expectedReceived = new Map<number, number>();
  const reversedOf = new Map<string, number>();
  const reversals: Array<{ gift: (typeof gifts)[number]; key: string; booked: number; reinstated: boolean }> = [];
  let keyCounter = 0;

  for (let round = 0; round < 12; round += 1) {
    // A burst of operations at once, across institutions (the in-process order per institution is the lock's).
    const burst = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
      const roll = random();
      if (roll < 0.55 || gifts.length === 0) {
        const programme = Math.floor(random() * world.programmes.length);
        const institution = Math.floor(programme / 2);
        const withPledge = random() < 0.5;
        const amount = (1 + Math.floor(random() * 40)) * 500_000;
        const key = `bank:${seed}:${(keyCounter += 1)}`;
        return async () => {
          const result = await recordDonation({
            idempotencyKey: key,
            programmeId: String(world.programmes[programme]!._id),
            institutionId: String(world.institutions[institution]!._id),
            pledgeId: withPledge ? String(world.pledges[programme]!._id) : null,
            method: "bank_transfer",
            amount,
            receivedAt: new Date("2026-11-20T10:00:00+07:00"),
            reference: key,
          });
          if (!result.duplicate) {
            gifts.push({ id: result.donationId, key, amount, programme, institution, pledge: withPledge ? programme : null });
            expectedReceived.set(programme, (expectedReceived.get(programme) ?? 0) + amount);
          }
        };
      }
      if (roll < 0.7) {
        const gift = pick(gifts);
        return async () => {
          const again = await recordDonation({
            idempotencyKey: gift.key,
            programmeId: String(world.programmes[gift.programme]!._id),
            institutionId: String(world.institutions[gift.institution]!._id),
            pledgeId: gift.pledge === null ? null : String(world.pledges[gift.pledge]!._id),
            method: "bank_transfer",
            amount: gift.amount,
            receivedAt: new Date("2026-11-20T10:00:00+07:00"),
            reference: gift.key,
          });
          expect(again.duplicate).toBe(true);
        };
      }
      const open = reversals.filter((r) => !r.reinstated && r.booked > 0);
      if (roll < 0.78 && open.length > 0) {
        // Money back to a gift: a refund that failed, a card dispute won — exactly what that reversal took.
        const reversal = pick(open);
        reversal.reinstated = true;
        const key = `back:${seed}:${(keyCounter += 1)}`;
        return async () => {
          const { reinstated } = await recordReinstatement({ donationId: reversal.gift.id, reversalKey: reversal.key, idempotencyKey: key, occurredAt: new Date(), reason: "Hoàn tiền không thành" });
          expect(reinstated).toBe(reversal.booked);
          reversedOf.set(reversal.gift.id, (reversedOf.get(reversal.gift.id) ?? 0) - reinstated);
          expectedReceived.set(reversal.gift.programme, (expectedReceived.get(reversal.gift.programme) ?? 0) + reinstated);
          // Again: nothing more.
          expect((await recordReinstatement({ donationId: reversal.gift.id, reversalKey: reversal.key, idempotencyKey: key, occurredAt: new Date() })).reinstated).toBe(reinstated);
        };
      }
      const gift = pick(gifts);
      const asked = (1 + Math.floor(random() * 30)) * 500_000;
      const key = `fix:${seed}:${(keyCounter += 1)}`;
      const kindRoll = random();
      const kind = kindRoll < 0.4 ? ("refund" as const) : kindRoll < 0.7 ? ("correction" as const) : ("dispute" as const);
      return async () => {
        const { reversed } = await recordReversal({ donationId: gift.id, amount: asked, idempotencyKey: key, kind, occurredAt: new Date(), reason: "Hoàn tiền" });
        // Never more than what is left of the gift.
        const before = reversedOf.get(gift.id) ?? 0;
        expect(reversed).toBe(Math.min(asked, gift.amount - before));
        reversedOf.set(gift.id, before + reversed);
        expectedReceived.set(gift.programme, (expectedReceived.get(gift.programme) ?? 0) - reversed);
        reversals.push({ gift, key, booked: reversed, reinstated: false });
        // The same reversal again changes nothing.
        await recordReversal({ donationId: gift.id, amount: asked, idempotencyKey: key, kind, occurredAt: new Date(), reason: "Hoàn tiền" });
      };
    });
    // Reversals of one gift must not race each other in the test's own bookkeeping: run those in order.
    const [first, ...rest] = burst;
    await first!();
    await Promise.all(rest.map((op) => op()));
  }
  return { world, gifts, expectedReceived };
}

describe("the money path, at random", () => {
  const seeds = [Number(process.env.MONEY_SEED ?? 0) || Date.now() % 100_000, 7, 20261201];
  for (const seed of seeds) {
    test(`seed ${seed}: stored totals equal the ledger, a rebuild, and the story`, async () => {
      const { world, gifts, expectedReceived } = await runStory(seed);
      for (const [i, programme] of world.programmes.entries()) {
        await flushProgrammeTotals(); // the copy follows the books off the gift's path
        const stored = await Programme.findById(programme._id).select("receivedTotal goal").lean();
        const fromLedger = await sumLedger({ programmeId: programme._id, kind: { $in: RECEIVED } });
        expect({ seed, programme: i, received: stored!.receivedTotal }).toEqual({ seed, programme: i, received: Math.max(0, fromLedger) });
        expect(stored!.receivedTotal).toBe(expectedReceived.get(i) ?? 0);
        // The public ledger's count and latest gifts: every gift once, newest first.
        const mine = gifts.filter((g) => g.programme === i);
        const kept = await Projection.findById(`received:${programme._id}`).lean();
        expect(kept?.gifts ?? 0).toBe(mine.length);
        expect(new Set(decodeRecentGifts(kept?.recent).map((g) => String(g.id)))).toEqual(new Set(mine.map((g) => g.id)));
      }
      for (const pledge of world.pledges) {
        // Overdue is a matter of the calendar, derived as a page is read (a pledge never paid was never refreshed).
        await refreshPledgeFulfilment(pledge._id);
        const stored = await Pledge.findById(pledge._id).lean();
        const paid = Math.max(0, await sumLedger({ pledgeId: pledge._id }));
        expect(stored!.instalments.reduce((sum, i) => sum + i.paidAmount, 0)).toBe(Math.min(paid, stored!.amount));
        // The first instalment (10 million) fell due in June 2026, the second falls due in June 2027.
        expect(stored!.state).toBe(paid >= stored!.amount ? "fulfilled" : paid >= 10_000_000 ? "active" : "overdue");
      }
      for (const institution of world.institutions) expect((await verifyLedgerChain(institution._id)).ok).toBe(true);

      const running = await storedState(world);
      // A rebuild derives all of it again from the ledger — even after the stored copies were damaged.
      await Pledge.updateOne({ _id: world.pledges[0]!._id }, { $set: { state: "active", "instalments.0.paidAmount": 0, "instalments.0.status": "pending" } });
      await Programme.updateOne({ _id: world.programmes[1]!._id }, { $set: { receivedTotal: 1 } });
      await Projection.deleteOne({ _id: `received:${world.programmes[2]!._id}` });
      await LedgerHead.deleteOne({ _id: world.institutions[1]!._id });
      await rebuildProjections();
      expect(await storedState(world)).toEqual(running);
    });
  }

  test("a crash between an entry and its head: the next gift repairs the head and counts the missed entry once", async () => {
    const world = await makeWorld("crash");
    const [institution] = world.institutions;
    const [programme] = world.programmes;
    const give = (key: string, amount: number) =>
      recordDonation({ idempotencyKey: key, programmeId: String(programme!._id), institutionId: String(institution!._id), method: "cash", amount, receivedAt: new Date(), reference: key });
    await give("cash:crash:1", 10_000_000);
    const head = await LedgerHead.findById(institution!._id).lean();
    await give("cash:crash:2", 5_000_000);
    // As if the process stopped right after writing entry 2: the head and the totals never heard of it.
    await LedgerHead.replaceOne({ _id: institution!._id }, head!);
    await Projection.updateOne({ _id: `received:${programme!._id}` }, { $set: { total: 10_000_000, through: 1 } });
    await Programme.updateOne({ _id: programme!._id }, { $set: { receivedTotal: 10_000_000 } });
    forgetKnownLedgerHeads(); // the process that starts again remembers nothing

    await give("cash:crash:3", 1_000_000);
    const entries = await LedgerEntry.find({ institutionId: institution!._id }).sort({ sequence: 1 }).lean();
    expect(entries.map((e) => [e.sequence, e.amount])).toEqual([
      [1, 10_000_000],
      [2, 5_000_000],
      [3, 1_000_000],
    ]);
    expect(await receivedCopyOf(programme!._id)).toBe(16_000_000);
    // The institution's money in, kept on the head the crash left behind, counted the missed entry once.
    expect(await moneyIn.institution(institution!._id)).toEqual({ total: 16_000_000, gifts: 3 });
    expect((await verifyLedgerChain(institution!._id)).ok).toBe(true);
    // And the retried call of the gift that "crashed" is a duplicate, counted once.
    expect((await give("cash:crash:2", 5_000_000)).duplicate).toBe(true);
    expect(await receivedCopyOf(programme!._id)).toBe(16_000_000);
    expect(await moneyIn.institution(institution!._id)).toEqual({ total: 16_000_000, gifts: 3 });
  });

  test("a gift's retry after a crash before its totals were counted completes them", async () => {
    const world = await makeWorld("retry");
    const [institution] = world.institutions;
    const [programme] = world.programmes;
    const give = (key: string, amount: number) =>
      recordDonation({ idempotencyKey: key, programmeId: String(programme!._id), institutionId: String(institution!._id), method: "cash", amount, receivedAt: new Date(), reference: key });
    await give("cash:retry:1", 7_000_000);
    const head = await LedgerHead.findById(institution!._id).lean();
    await give("cash:retry:2", 3_000_000);
    await LedgerHead.replaceOne({ _id: institution!._id }, head!);
    await Projection.updateOne({ _id: `received:${programme!._id}` }, { $set: { total: 7_000_000, through: 1 } });
    forgetKnownLedgerHeads(); // the process that starts again remembers nothing
    expect((await give("cash:retry:2", 3_000_000)).duplicate).toBe(true);
    expect((await Projection.findById(`received:${programme!._id}`).lean())!.total).toBe(10_000_000);
    expect(await receivedCopyOf(programme!._id)).toBe(10_000_000);
  });

  test("a reversal that found nothing left books nothing, and so does the same event sent again after money came back to the gift (seed 45827 found it)", async () => {
    const world = await makeWorld("nothing-left");
    const [institution] = world.institutions;
    const [programme] = world.programmes;
    const gift = await recordDonation({ idempotencyKey: "bank:nothing-left:1", programmeId: String(programme!._id), institutionId: String(institution!._id), method: "bank_transfer", amount: 4_500_000, receivedAt: new Date(), reference: "nothing-left" });
    const reverse = (key: string) => recordReversal({ donationId: gift.donationId, amount: 4_500_000, idempotencyKey: key, kind: "refund", occurredAt: new Date(), reason: "Hoàn tiền" });
    expect(await reverse("refund:nothing-left:1")).toEqual({ reversed: 4_500_000 });
    // A second refund arrives when nothing is left of the gift: it books nothing.
    expect(await reverse("refund:nothing-left:2")).toEqual({ reversed: 0 });
    // The first refund fails at the bank: its money comes back to the gift.
    expect(await recordReinstatement({ donationId: gift.donationId, reversalKey: "refund:nothing-left:1", idempotencyKey: "refund-failed:nothing-left:1", occurredAt: new Date() })).toEqual({ reinstated: 4_500_000 });
    // The second refund's event delivered again: the same event, the same outcome — nothing.
    expect(await reverse("refund:nothing-left:2")).toEqual({ reversed: 0 });
    expect(await receivedOfProgramme(programme!._id)).toBe(4_500_000);
    expect(await receivedCopyOf(programme!._id)).toBe(4_500_000);
    const entries = await LedgerEntry.find({ programmeId: programme!._id }).sort({ sequence: 1 }).lean();
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ["donation_received", 4_500_000],
      ["refund", -4_500_000],
      ["reinstatement", 4_500_000],
    ]);
  });

  test("another process appended meanwhile: this one's remembered head is stale, its insert fails on the sequence, and the chain stays whole", async () => {
    const world = await makeWorld("other");
    const [institution] = world.institutions;
    const [programme] = world.programmes;
    type Recorder = { recordDonation: typeof recordDonation };
    const give = (module: Recorder, key: string, amount: number) =>
      module.recordDonation({ idempotencyKey: key, programmeId: String(programme!._id), institutionId: String(institution!._id), method: "cash", amount, receivedAt: new Date(), reference: key });
    await give({ recordDonation }, "cash:other:1", 1_000_000); // this process remembers the head at 1
    vi.resetModules();
    const otherProcess: Recorder = await import("#services/money/donations"); // its own memory and its own locks
    const otherCatalogue = await import("#services/catalogue-index"); // and its own copies owed
    await give(otherProcess, "cash:other:2", 2_000_000);
    await give({ recordDonation }, "cash:other:3", 3_000_000);
    await give(otherProcess, "cash:other:4", 4_000_000);
    const entries = await LedgerEntry.find({ institutionId: institution!._id }).sort({ sequence: 1 }).lean();
    expect(entries.map((e) => [e.sequence, e.amount])).toEqual([
      [1, 1_000_000],
      [2, 2_000_000],
      [3, 3_000_000],
      [4, 4_000_000],
    ]);
    expect((await verifyLedgerChain(institution!._id)).ok).toBe(true);
    // Each process copies the totals it moved (off the gift's path): the other's last gift too.
    await otherCatalogue.flushProgrammeTotals();
    expect(await receivedCopyOf(programme!._id)).toBe(10_000_000);
    expect((await LedgerHead.findById(institution!._id).lean())!.sequence).toBe(4);
  });

  test("a total this process remembers is not trusted once another process counted in its chain, even for a programme the next gift does not touch", async () => {
    const world = await makeWorld("remembered");
    const [institution] = world.institutions;
    const [first, second] = world.programmes; // both of the first institution
    type Recorder = { recordDonation: typeof recordDonation };
    const give = (module: Recorder, programme: typeof first, key: string, amount: number) =>
      module.recordDonation({ idempotencyKey: key, programmeId: String(programme!._id), institutionId: String(institution!._id), method: "cash", amount, receivedAt: new Date(), reference: key });
    await give({ recordDonation }, first, "cash:remembered:1", 1_000_000); // this process remembers first's total: 1,000,000
    vi.resetModules();
    const otherProcess: Recorder = await import("#services/money/donations");
    await give(otherProcess, first, "cash:remembered:2", 2_000_000); // first: 3,000,000, counted by the other process
    await give({ recordDonation }, second, "cash:remembered:3", 4_000_000); // this process finds the chain moved on
    await give({ recordDonation }, first, "cash:remembered:4", 8_000_000); // after its own head again: first's total read, not remembered
    expect(await receivedCopyOf(first!._id)).toBe(11_000_000);
    expect(await receivedCopyOf(second!._id)).toBe(4_000_000);
    expect(await receivedOfProgramme(first!._id)).toBe(11_000_000);
    expect((await verifyLedgerChain(institution!._id)).ok).toBe(true);
  });

  test("a database whose projections an older version wrote is rebuilt from the ledger once, when the app connects", async () => {
    const world = await makeWorld("upgrade");
    const [institution] = world.institutions;
    const [programme] = world.programmes;
    const [pledge] = world.pledges;
    const at = new Date();
    const gift = await recordDonation({ idempotencyKey: "cash:upgrade:1", programmeId: String(programme!._id), institutionId: String(institution!._id), pledgeId: String(pledge!._id), method: "cash", amount: 10_000_000, receivedAt: at, reference: "upgrade" });
    // As version 2 left them: the programme's gifts in a separate document, none listed with its total or its pledge.
    await Projection.updateOne({ _id: `received:${programme!._id}` }, { $unset: { gifts: 1, recent: 1 } });
    await Projection.updateOne({ _id: `paid:${pledge!._id}` }, { $unset: { recent: 1 } });
    await Meta.replaceOne({ _id: "projections-version" }, { _id: "projections-version", value: 2 }, { upsert: true });
    expect(await recentGiftsOfProgramme(programme!._id)).toMatchObject({ total: 0, ids: [] });
    // And before find-by-amount (version 7): the gift has no key by its amount and day.
    await flushGiftAmountKeys();
    const key = giftDayAmountKey(vietnamDateInput(at), 10_000_000);
    await Lookup.deleteOne({ _id: key });

    expect(await upgradeProjections(() => {})).toBe(true);
    expect(await recentGiftsOfProgramme(programme!._id)).toMatchObject({ total: 1, ids: [expect.anything()] });
    expect(String((await recentGiftsOfProgramme(programme!._id))!.ids[0])).toBe(gift.donationId);
    expect((await findGiftsOfPledge(pledge!._id)).map((g) => String(g._id))).toEqual([gift.donationId]);
    expect(await receivedCopyOf(programme!._id)).toBe(10_000_000);
    expect((await findGiftsByAmount({ amount: 10_000_000, day: vietnamDateInput(at) })).gifts.map((g) => g.receiptNumber)).toContain(gift.receiptNumber);
    // Once: the next start finds the version current.
    expect(await upgradeProjections(() => {})).toBe(false);
  });

  test("a crash after the totals counted an entry but before the head said so: nothing is counted twice", async () => {
    const world = await makeWorld("twice");
    const [institution] = world.institutions;
    const [programme] = world.programmes;
    const [pledge] = world.pledges;
    const give = (key: string, amount: number) =>
      recordDonation({ idempotencyKey: key, programmeId: String(programme!._id), institutionId: String(institution!._id), pledgeId: String(pledge!._id), method: "cash", amount, receivedAt: new Date(), reference: key });
    await give("cash:twice:1", 4_000_000);
    await give("cash:twice:2", 6_000_000);
    // The totals counted entry 2; the head's "counted through" was never moved past entry 1.
    await LedgerHead.updateOne({ _id: institution!._id }, { $set: { projectedThrough: 1 } });
    forgetKnownLedgerHeads(); // the process that starts again remembers nothing
    await give("cash:twice:3", 2_000_000);
    expect(await receivedCopyOf(programme!._id)).toBe(12_000_000);
    const stored = await Pledge.findById(pledge!._id).lean();
    expect(stored!.instalments.map((i) => i.paidAmount)).toEqual([10_000_000, 2_000_000]);
    expect((await LedgerHead.findById(institution!._id).lean())!.projectedThrough).toBe(3);
  });

  test("a rebuild replaces however many stored totals there are (past SQLite's 32,766 variables in one delete)", async () => {
    const world = await makeWorld("many");
    await recordDonation({ idempotencyKey: "cash:many:1", programmeId: String(world.programmes[0]!._id), institutionId: String(world.institutions[0]!._id), method: "cash", amount: 3_000_000, receivedAt: new Date(), reference: "many" });
    // Stale totals, as a nation's database holds (and as a damaged one might): more than one delete can name.
    const institutionId = world.institutions[0]!._id;
    for (let batch = 0; batch < 34; batch += 1) {
      await Projection.collection.insertMany(Array.from({ length: 1_000 }, (_, i) => ({ _id: `paid:stale-${batch}-${i}` as never, total: 1, through: 1, institutionId })));
    }
    await rebuildProjections();
    expect(await Projection.countDocuments({ _id: /^paid:stale-/ })).toBe(0);
    expect((await Projection.findById(`received:${world.programmes[0]!._id}`).lean())!.total).toBe(3_000_000);
  });
});
