import { describe, expect, test, vi } from "vitest";
import { flushProgrammeTotals, forgetPendingProgrammeTotals } from "#services/catalogue-index";
import { getProgrammePage } from "#services/catalogue";
import { BankStatementLine } from "#models/bank-statement-line.server";
import { Donation, donationIdFor, receiptNumberFor } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { ChainCheck } from "#models/job.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { LedgerHead, Meta, Projection } from "#models/projection.server";
import { Session } from "#models/session.server";
import { recordDonation } from "#services/money/donations";
import { forgetKnownLedgerHeads, verifyLedgerChain } from "#services/money/ledger";
import { rebuildProjections } from "#services/money/projections";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { createInstalmentPledge, createInstitution, receivedCopyOf } from "#tests/fixtures/domain";

/**
 * The sweeper finishes what a stopped process left half-done, through the same services as the money
 * itself, and does the daily upkeep. Each "crash" below is the state a process leaves when it stops
 * between two writes — made either by an injected failure of the database write that comes next, or
 * by writing the first record alone, as the stopped process did.
 */

let tag = 0;
async function world() {
  tag += 1;
  const institution = await createInstitution();
  const donor = await Donor.create({ kind: "individual", fullName: "Nguyễn Văn An", email: `sweep${tag}@example.vn` });
  const programme = await Programme.create({
    institutionId: institution._id,
    slug: `sweep-${tag}`,
    title: `Tủ sách ${tag}`,
    startDate: new Date("2026-01-01"),
    endDate: new Date("2027-12-31"),
    goal: 100_000_000,
    state: "open",
    provinceSlug: "ha-noi",
    institutionType: "library",
    institutionApproved: true,
  });
  const pledge = await createInstalmentPledge({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id }, [10_000_000, 20_000_000]);
  const give = (key: string, amount: number, withPledge = false) =>
    recordDonation({ idempotencyKey: key, programmeId: programme._id, institutionId: institution._id, pledgeId: withPledge ? pledge._id : null, donorId: donor._id, method: "bank_transfer", amount, receivedAt: new Date("2026-11-20T09:00:00+07:00"), reference: key });
  return { institution, donor, programme, pledge, give };
}

/** Everything the books keep, to compare with what a rebuild from the ledger derives. */
async function books() {
  const projections = (await Projection.find({}).lean()).map((d) => [d._id, d.total, d.gifts ?? null]).sort();
  const heads = (await LedgerHead.find({}).lean()).map((h) => [String(h._id), h.sequence, h.projectedThrough, h.total ?? 0, h.gifts ?? 0, JSON.stringify(Object.entries(h.months ?? {}).map(([month, m]) => [month, m.total, m.gifts]).sort())]).sort();
  await flushProgrammeTotals(); // the copy follows the books off the gift's path
  const programmes = (await Programme.find({}).select("receivedTotal").lean()).map((p) => [String(p._id), p.receivedTotal]).sort();
  return { projections, heads, programmes };
}

async function expectBooksEqualRebuild() {
  const kept = await books();
  await rebuildProjections();
  expect(kept).toEqual(await books());
}

const receivedOf = async (programmeId: unknown) => receivedCopyOf(programmeId);

describe("the sweeper", () => {
  test("a gift stored without its ledger entry (the process stopped between the two writes) is booked once, and a second sweep adds nothing", async () => {
    const { programme, give, institution } = await world();
    await give("bank:sweep:1", 4_000_000);
    // The injected failure: the ledger insert of the next gift never reaches the database.
    const failing = vi.spyOn(LedgerEntry.collection, "insertOne").mockRejectedValueOnce(new Error("connection reset"));
    await expect(give("bank:sweep:2", 6_000_000)).rejects.toThrow("connection reset");
    failing.mockRestore();
    expect(await Donation.exists({ _id: donationIdFor("bank:sweep:2") })).toBeTruthy();
    expect(await receivedOf(programme._id)).toBe(4_000_000);

    const first = await runSweep({ full: true });
    expect(first).toMatchObject({ ran: true, giftsBooked: 1 });
    expect(await receivedOf(programme._id)).toBe(10_000_000);
    expect(await LedgerEntry.countDocuments({ institutionId: institution._id })).toBe(2);

    const second = await runSweep({ now: () => new Date(Date.now() + SWEEPER_LEASE_MS), full: true });
    expect(second).toMatchObject({ ran: true, giftsBooked: 0, headsRepaired: 0 });
    expect(await receivedOf(programme._id)).toBe(10_000_000);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
    await expectBooksEqualRebuild();
  });

  test("an entry written but never counted (stopped before its totals and its head) is counted once, with no other gift to trigger it", async () => {
    const { programme, pledge, give, institution } = await world();
    await give("bank:count:1", 10_000_000, true);
    const failing = vi.spyOn(Projection.collection, "replaceOne").mockRejectedValueOnce(new Error("connection reset"));
    await expect(give("bank:count:2", 5_000_000, true)).rejects.toThrow("connection reset");
    failing.mockRestore();
    forgetKnownLedgerHeads(); // the process that starts again remembers nothing
    expect((await LedgerHead.findById(institution._id).lean())!.sequence).toBe(1);

    const report = await runSweep({ now: () => new Date(Date.now() + 2 * SWEEPER_LEASE_MS) });
    expect(report).toMatchObject({ ran: true, headsRepaired: 1, entriesProjected: 1, giftsBooked: 0 });
    expect(await receivedOf(programme._id)).toBe(15_000_000);
    const stored = await Pledge.findById(pledge._id).lean();
    expect(stored!.instalments.map((i) => i.paidAmount)).toEqual([10_000_000, 5_000_000]);
    expect(await LedgerHead.findById(institution._id).lean()).toMatchObject({ sequence: 2, projectedThrough: 2 });
    // The gift's retry (Stripe delivering again) is a duplicate and counts nothing more.
    expect((await give("bank:count:2", 5_000_000, true)).duplicate).toBe(true);
    expect(await receivedOf(programme._id)).toBe(15_000_000);
    await expectBooksEqualRebuild();
  });

  test("a gift whose process stopped before its programme's copy of the total followed: the programme's page shows the books meanwhile, and the next sweep makes the copy", async () => {
    const { programme, pledge, give } = await world();
    await give("bank:copy:1", 30_000_000, true); // the pledge paid in full (so the daily pass below has nothing of it to mark)
    forgetPendingProgrammeTotals(); // stopped before the copy, which follows a gift by a moment
    expect((await Programme.findById(programme._id).lean())!.receivedTotal).toBe(0);
    expect((await Pledge.findById(pledge._id).lean())!.state).toBe("fulfilled");
    // The programme's page reads the books, not the copy.
    expect((await getProgrammePage(programme.slug))!.programme).toMatchObject({ receivedTotal: 30_000_000, remainingNeed: 70_000_000 });

    const report = await runSweep({ now: () => new Date(Date.now() + 6 * SWEEPER_LEASE_MS) });
    expect(report.ran).toBe(true);
    expect(await Programme.findById(programme._id).lean()).toMatchObject({ receivedTotal: 30_000_000, receivedThrough: 1 });
    await expectBooksEqualRebuild();
  });

  test("a statement line stored as matched whose gift was never booked is booked from the line", async () => {
    const { programme, pledge, institution } = await world();
    const lineKey = "a".repeat(64);
    await BankStatementLine.create({
      institutionId: institution._id,
      lineKey,
      importId: pledge._id,
      bookedAt: new Date("2026-11-21T08:00:00+07:00"),
      amount: 10_000_000,
      description: `CK ${pledge.reference ?? ""}`,
      status: "matched",
      pledgeId: pledge._id,
      donationId: donationIdFor(`bank:${lineKey}`),
    });
    const report = await runSweep({ now: () => new Date(Date.now() + 3 * SWEEPER_LEASE_MS) });
    expect(report).toMatchObject({ ran: true, statementLinesBooked: 1 });
    const gift = await Donation.findById(donationIdFor(`bank:${lineKey}`)).lean();
    expect(gift).toMatchObject({ amount: 10_000_000, method: "bank_transfer", receiptNumber: receiptNumberFor(`bank:${lineKey}`) });
    expect(String(gift!.pledgeId)).toBe(String(pledge._id));
    expect(await receivedOf(programme._id)).toBe(10_000_000);
    expect((await Pledge.findById(pledge._id).lean())!.instalments[0]!.status).toBe("paid");
  });

  test("one instance at a time: of two sweeps started together, one runs", async () => {
    const at = new Date(Date.now() + 10 * SWEEPER_LEASE_MS);
    const reports = await Promise.all([runSweep({ now: () => at, holder: "server-a" }), runSweep({ now: () => at, holder: "server-b" })]);
    expect(reports.map((r) => r.ran).sort()).toEqual([false, true]);
  });

  test("the daily pass: overdue instalments marked (Vietnam days), expired sessions deleted, every chain checked and a broken one reported", async () => {
    const { pledge, give, institution } = await world();
    const other = await world();
    await give("bank:daily:1", 1_000_000);
    await other.give("bank:daily:2", 2_000_000);
    await other.give("bank:daily:3", 3_000_000);
    // Stored as active; their first instalments fell due on 1 June 2026 unpaid.
    await Pledge.updateOne({ _id: pledge._id }, { $set: { state: "active", "instalments.0.status": "pending" } });
    const userId = institution._id;
    await Session.create([
      { userId, expiresAt: new Date(Date.now() - 60_000) },
      { userId, expiresAt: new Date(Date.now() + 3_600_000) },
    ]);
    // Someone edits a stored entry behind the app's back (the model refuses; the raw collection does not).
    const tampered = await LedgerEntry.findOne({ institutionId: other.institution._id, sequence: 2 }).lean();
    await LedgerEntry.collection.updateOne({ _id: tampered!._id }, { $set: { amount: 300_000 } });
    await Meta.deleteOne({ _id: "sweeper-daily" });

    const report = await runSweep({ now: () => new Date(Date.now() + 20 * SWEEPER_LEASE_MS), log: () => undefined });
    expect(report.daily).toMatchObject({ overduePledges: 2, sessionsDeleted: 1, brokenChains: 1 });
    expect(report.daily!.chains).toBeGreaterThanOrEqual(2);
    expect(await Pledge.findById(pledge._id).lean()).toMatchObject({ state: "overdue", instalments: [expect.objectContaining({ status: "overdue" }), expect.objectContaining({ status: "pending" })] });
    expect((await Pledge.findById(other.pledge._id).lean())!.state).toBe("overdue");
    expect(await Session.countDocuments({ userId })).toBe(1);
    expect(await ChainCheck.findById(institution._id).lean()).toMatchObject({ ok: true, entries: 1 });
    expect(await ChainCheck.findById(other.institution._id).lean()).toMatchObject({ ok: false, entries: 1, sequence: 2, problem: "hash_mismatch" });

    // Once a day: the next sweep the same day leaves it be.
    const again = await runSweep({ now: () => new Date(Date.now() + 21 * SWEEPER_LEASE_MS) });
    expect(again).toMatchObject({ ran: true, daily: null });
  });
});
