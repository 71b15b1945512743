import mongoose from "mongoose";
import { describe, expect, test } from "vitest";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Programme } from "#models/programme.server";
import { recordDonation, recordReversal } from "#services/money/donations";
import { appendLedgerEntry, verifyLedgerChain, verifyLedgerChains } from "#services/money/ledger";
import { addMonthsVietnam, instalmentSchedule } from "#services/pledges";
import { createInstitution, receivedCopyOf } from "#tests/fixtures/domain";

async function programmeOf(institutionId: mongoose.Types.ObjectId) {
  return Programme.create({ institutionId, slug: `p-${new mongoose.Types.ObjectId()}`, title: "Sổ cái", startDate: new Date("2026-01-01"), endDate: new Date("2027-01-01"), goal: 500_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionApproved: true });
}

const gift = (institutionId: unknown, programmeId: unknown, key: string, amount: number) =>
  recordDonation({ idempotencyKey: key, institutionId: String(institutionId), programmeId: String(programmeId), method: "bank_transfer", amount, receivedAt: new Date("2026-11-20T10:00:00+07:00"), reference: key });

describe("the hash-chained ledger", () => {
  test("a story of gifts, a duplicate and a correction: balances and chain check out", async () => {
    const institution = await createInstitution();
    const programme = await programmeOf(institution._id);
    await gift(institution._id, programme._id, "bank:a", 50_000_000);
    await gift(institution._id, programme._id, "bank:b", 20_000_000);
    const again = await gift(institution._id, programme._id, "bank:a", 50_000_000); // a re-imported line
    expect(again.duplicate).toBe(true);
    await recordReversal({ donationId: again.donationId, amount: 5_000_000, idempotencyKey: "fix:1", kind: "correction", occurredAt: new Date(), reason: "Nhập sai số tiền" });
    const entries = await LedgerEntry.find({ institutionId: institution._id }).sort({ sequence: 1 }).lean();
    expect(entries.map((e) => [e.sequence, e.kind, e.amount])).toEqual([
      [1, "donation_received", 50_000_000],
      [2, "donation_received", 20_000_000],
      [3, "correction", -5_000_000],
    ]);
    expect(entries[0]!.prevHash).toBe("GENESIS");
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    const check = await verifyLedgerChain(institution._id);
    expect(check).toEqual({ ok: true, entries: 3, headHash: entries[2]!.hash });
    expect(await receivedCopyOf(programme._id)).toBe(65_000_000);
  });

  test("the hash covers the entry as stored: a description and a key with spaces around are trimmed first, and the chain verifies", async () => {
    const institution = await createInstitution();
    const programme = await programmeOf(institution._id);
    await gift(institution._id, programme._id, "bank:trim-1", 1_000_000);
    const entry = await appendLedgerEntry({ institutionId: institution._id, programmeId: programme._id, kind: "donation_received", amount: 2_000_000, occurredAt: new Date("2026-11-21T09:00:00+07:00"), idempotencyKey: "  manual:trim-2  ", sourceType: "manual", description: "  Mua sách  " });
    const stored = (await LedgerEntry.findById(entry._id).lean())!;
    expect([stored.description, stored.idempotencyKey, stored.hashVersion]).toEqual(["Mua sách", "manual:trim-2", 1]);
    expect(await verifyLedgerChain(institution._id)).toMatchObject({ ok: true, entries: 2 });
    // The same key with its spaces is the same entry.
    const again = await appendLedgerEntry({ institutionId: institution._id, programmeId: programme._id, kind: "donation_received", amount: 2_000_000, occurredAt: new Date(), idempotencyKey: "manual:trim-2 ", sourceType: "manual" });
    expect(String(again._id)).toBe(String(entry._id));
  });

  test("the model refuses edits and deletes; changing a stored entry behind its back is detected", async () => {
    const institution = await createInstitution();
    const programme = await programmeOf(institution._id);
    for (const [i, amount] of [10_000_000, 20_000_000, 30_000_000].entries()) await gift(institution._id, programme._id, `bank:t${i}`, amount);
    await expect(LedgerEntry.updateOne({ institutionId: institution._id, sequence: 2 }, { $set: { amount: 1 } })).rejects.toThrow(/append-only/);
    await expect(LedgerEntry.deleteOne({ institutionId: institution._id, sequence: 2 })).rejects.toThrow(/append-only/);

    // Someone with raw database access changes an amount: the chain breaks at that entry.
    const raw = mongoose.connection.collection("ledgerentries");
    await raw.updateOne({ institutionId: institution._id, sequence: 2 }, { $set: { amount: 2_000_000 } });
    expect(await verifyLedgerChain(institution._id)).toMatchObject({ ok: false, sequence: 2, problem: "hash_mismatch" });
    await raw.updateOne({ institutionId: institution._id, sequence: 2 }, { $set: { amount: 20_000_000 } });
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);

    // …or removes one: the gap is found.
    const removed = await raw.findOne({ institutionId: institution._id, sequence: 2 });
    await raw.deleteOne({ _id: removed!._id });
    expect(await verifyLedgerChain(institution._id)).toMatchObject({ ok: false, sequence: 2, problem: "sequence_gap" });
  });

  test("every chain checked in one read of the ledger says what checking each alone says: intact, changed, relinked, missing an entry, stored out of order", async () => {
    const institutions = await Promise.all(Array.from({ length: 5 }, () => createInstitution()));
    const programmes = await Promise.all(institutions.map((i) => programmeOf(i._id)));
    // Gifts to the five in turn, so their entries are stored interleaved.
    for (let n = 0; n < 4; n += 1) for (const [i, institution] of institutions.entries()) await gift(institution._id, programmes[i]!._id, `bank:all-${i}-${n}`, 1_000_000 * (n + 1));
    const raw = mongoose.connection.collection("ledgerentries");
    const [intact, changed, relinked, missing, moved] = institutions.map((i) => i._id);
    await raw.updateOne({ institutionId: changed, sequence: 3 }, { $set: { amount: 7 } });
    // A new link at 2 (its own hash recomputed by whoever did it is not needed: the link is named first).
    await raw.updateOne({ institutionId: relinked, sequence: 2 }, { $set: { prevHash: "0".repeat(64) } });
    await raw.deleteOne({ institutionId: missing, sequence: 2 });
    // Entry 1 stored again last: read after the rest of its chain.
    const first = await raw.findOne({ institutionId: moved, sequence: 1 });
    await raw.deleteOne({ _id: first!._id });
    await raw.insertOne(first!);

    const all = await verifyLedgerChains();
    for (const institution of institutions) expect(all.get(String(institution._id))).toEqual(await verifyLedgerChain(institution._id));
    expect(all.get(String(intact))).toMatchObject({ ok: true, entries: 4 });
    expect(all.get(String(changed))).toEqual({ ok: false, entries: 2, sequence: 3, problem: "hash_mismatch" });
    expect(all.get(String(relinked))).toEqual({ ok: false, entries: 1, sequence: 2, problem: "prev_hash_mismatch" });
    expect(all.get(String(missing))).toEqual({ ok: false, entries: 1, sequence: 2, problem: "sequence_gap" });
    expect(all.get(String(moved))).toMatchObject({ ok: true, entries: 4 });
  });

  test("concurrent appends to one institution never fork the chain", async () => {
    const institution = await createInstitution();
    const programme = await programmeOf(institution._id);
    await Promise.all(Array.from({ length: 12 }, (_, i) => appendLedgerEntry({ institutionId: institution._id, programmeId: programme._id, kind: "donation_received", amount: 1_000 * (i + 1), occurredAt: new Date(), idempotencyKey: `race:${i}`, sourceType: "manual" })));
    const check = await verifyLedgerChain(institution._id);
    expect(check).toMatchObject({ ok: true, entries: 12 });
  });

  test("amounts are whole đồng", async () => {
    const institution = await createInstitution();
    const programme = await programmeOf(institution._id);
    await expect(appendLedgerEntry({ institutionId: institution._id, programmeId: programme._id, kind: "donation_received", amount: 10.5, occurredAt: new Date(), idempotencyKey: "float", sourceType: "manual" })).rejects.toThrow(RangeError);
  });
});

describe("instalment schedules", () => {
  test.each([
    [10_000_001, 3, [3_333_334, 3_333_334, 3_333_333]],
    [100, 3, [34, 33, 33]],
    [1_000_000, 4, [250_000, 250_000, 250_000, 250_000]],
    [7, 7, [1, 1, 1, 1, 1, 1, 1]],
    [999_999_999, 12, [83_333_334, 83_333_334, 83_333_334, 83_333_333, 83_333_333, 83_333_333, 83_333_333, 83_333_333, 83_333_333, 83_333_333, 83_333_333, 83_333_333]],
  ])("%i đồng in %i instalments add up exactly", (total, count, expected) => {
    const schedule = instalmentSchedule(total, count, "monthly", new Date("2026-12-01T00:00:00+07:00"));
    expect(schedule.map((i) => i.amount)).toEqual(expected);
    expect(schedule.reduce((sum, i) => sum + i.amount, 0)).toBe(total);
  });
  test("monthly and quarterly due dates follow Vietnam's calendar, clamping to month ends", () => {
    const monthly = instalmentSchedule(3_000_000, 3, "monthly", new Date("2027-01-31T00:00:00+07:00"));
    expect(monthly.map((i) => i.dueDate.toISOString())).toEqual(["2027-01-30T17:00:00.000Z", "2027-02-27T17:00:00.000Z", "2027-03-30T17:00:00.000Z"]);
    const quarterly = instalmentSchedule(3_000_000, 2, "quarterly", new Date("2026-11-24T09:00:00+07:00"));
    expect(quarterly[1]!.dueDate.toISOString()).toBe(addMonthsVietnam(new Date("2026-11-24T09:00:00+07:00"), 3).toISOString());
    expect(quarterly[1]!.dueDate.toISOString()).toBe("2027-02-24T02:00:00.000Z");
  });
});
