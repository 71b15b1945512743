import mongoose, { Types } from "mongoose";
import { afterEach, describe, expect, test } from "vitest";
import { BankStatementLine } from "#models/bank-statement-line.server";
import { Donor } from "#models/donor.server";
import { addToLookup, findLookup, Lookup, lookupKey, removeLookup } from "#models/lookup.server";
import { findPledgeByReference, newPledgeReference, Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { createPledge } from "#services/pledges";
import { confirmStatement, previewStatement } from "#services/reconciliation";
import { pledgeSchema } from "#services/validation/pledge";
import { loader as accountLoader } from "~/routes/account";
import { loader as pledgePageLoader } from "~/routes/pledges.$reference";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * The hot reads of pledges are reads by `_id` (the one lookup the embedded database serves from an
 * index): a pledge by its reference, a person's pledges for /account, a statement's references at import.
 * Each falls back to the old query when its key is missing, and writes the key again.
 */

type Sent = { collection: string; method: string; filter: unknown };
let sent: Sent[] | null = null;
mongoose.set("debug", (collection: string, method: string, filter: unknown) => {
  sent?.push({ collection, method, filter: JSON.parse(JSON.stringify(filter ?? null)) as unknown });
});
afterEach(() => {
  sent = null;
});

/** What the database was asked while `fn` ran (collection, method, filter), in order. */
async function recording<T>(fn: () => Promise<T>): Promise<{ result: T; sent: Sent[] }> {
  sent = [];
  try {
    const result = await fn();
    return { result, sent };
  } finally {
    sent = null;
  }
}

/** A read is a key read when its filter is exactly `{ _id: … }`. */
const isKeyRead = (s: Sent) => s.filter !== null && typeof s.filter === "object" && Object.keys(s.filter).length === 1 && "_id" in s.filter;
const reads = (all: Sent[]) => all.filter((s) => ["find", "findOne", "countDocuments", "aggregate"].includes(s.method));

let programmes = 0;
async function openProgramme(institution?: Awaited<ReturnType<typeof createInstitution>>) {
  programmes += 1;
  const inst = institution ?? (await createInstitution({ name: "Thư viện Khóa Tra" }));
  const slug = `khoa-tra-${programmes}-${String(inst._id).slice(-6)}`;
  const programme = await Programme.create({ institutionId: inst._id, slug, title: `Chương trình ${programmes}`, startDate: new Date("2026-01-01"), endDate: new Date("2030-12-31"), goal: 900_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: inst.name, institutionSlug: inst.slug, institutionApproved: true });
  return { institution: inst, programme, slug };
}

/** A pledge form for a company (tax codes with valid check digits; one company record per tax code). */
function organisationInput(amount: number, taxCode = "1000000153") {
  return pledgeSchema.parse({ donorKind: "organisation", legalName: "Công ty CP Khóa Tra", taxCode, email: "csr@khoatra.vn", visibility: "name_and_amount", kind: "cash_once", amount: String(amount) });
}

/** The account page's list as the page shows it (references, newest first). */
async function accountList(userId: string) {
  const response = await responseOf(accountLoader({ request: getRequest("/account", await sessionCookieFor(userId)), params: {}, context: {} }));
  const body = (await response.json()) as { pledges: Array<{ reference: string; amount: number; paid: number; programmeTitle: string; state: string }> };
  return body.pledges;
}

/** The query the account page ran before key documents (services/pledges.ts pledgesOfUser), for comparison. */
async function oldAccountQuery(userId: string) {
  const donors = await Donor.find({ userId }).select("_id").lean();
  const mine = [{ pledgedBy: new Types.ObjectId(userId) }, ...(donors.length ? [{ pledgedBy: null, donorId: { $in: donors.map((d) => d._id) } }] : [])];
  return (await Pledge.find({ $or: mine }).sort({ createdAt: -1 }).limit(100).lean()).map((p) => p.reference);
}

describe("a pledge by its reference", () => {
  test("is found through its key: the first read is exactly { _id } on the lookups, then the pledge by _id", async () => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const { reference, id } = await createPledge(donor, slug, organisationInput(2_000_000));
    expect(await findLookup("pledge-ref", reference)).toEqual([new Types.ObjectId(id)]);

    const { result, sent: asked } = await recording(() => findPledgeByReference(reference.toLowerCase()));
    expect(result).toMatchObject({ reference, amount: 2_000_000 });
    const r = reads(asked);
    expect(r[0]).toEqual({ collection: Lookup.collection.collectionName, method: "findOne", filter: { _id: lookupKey("pledge-ref", reference) } });
    expect(r[1]).toMatchObject({ collection: Pledge.collection.collectionName, method: "findOne" });
    expect(r.every(isKeyRead)).toBe(true);
    expect(r).toHaveLength(2);
  });

  test("whose key was lost (old data, a crash between the two writes) is still found, and the key is written again", async () => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const { reference, id } = await createPledge(donor, slug, organisationInput(3_000_000));
    await removeLookup("pledge-ref", reference);

    // The pledge page still opens for its donor, by the old query…
    const page = await pledgePageLoader({ request: getRequest(`/pledges/${reference}`, await sessionCookieFor(donor.id)), params: { reference }, context: {} });
    expect(page).toBeInstanceOf(Response);
    expect(((await (page as Response).json()) as { pledge: { reference: string; amount: number } }).pledge).toMatchObject({ reference, amount: 3_000_000 });
    // …which wrote the key, so the next read is a key read again.
    expect(await findLookup("pledge-ref", reference)).toEqual([new Types.ObjectId(id)]);
    const { sent: asked } = await recording(() => findPledgeByReference(reference));
    expect(reads(asked).every(isKeyRead)).toBe(true);

    // A pledge stored before keys existed (no key at all) is found too, and gets its key.
    const { institution, programme } = await openProgramme();
    const old = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: new Types.ObjectId(), kind: "cash_once", amount: 700_000 });
    expect(await findLookup("pledge-ref", old.reference)).toEqual([]);
    expect(await findPledgeByReference(old.reference)).toMatchObject({ reference: old.reference, amount: 700_000 });
    expect(await findLookup("pledge-ref", old.reference)).toEqual([old._id]);
  });

  test("a key pointing at the wrong pledge is not trusted: the right pledge is found and the key corrected; an unknown reference is not found", async () => {
    const { institution, programme } = await openProgramme();
    const base = { programmeId: programme._id, institutionId: institution._id, donorId: new Types.ObjectId(), kind: "cash_once" as const };
    const right = await Pledge.create({ ...base, amount: 1_000_000 });
    const other = await Pledge.create({ ...base, amount: 9_000_000 });
    await Lookup.updateOne({ _id: lookupKey("pledge-ref", right.reference) }, { $set: { ids: [other._id] } }, { upsert: true });
    expect(await findPledgeByReference(right.reference)).toMatchObject({ amount: 1_000_000 });
    expect(await findLookup("pledge-ref", right.reference)).toEqual([right._id]);
    expect(await findPledgeByReference(newPledgeReference())).toBeNull();
    expect(await findPledgeByReference("not a reference")).toBeNull();
  });
});

describe("the account page's pledges", () => {
  test("a donor with several pledges sees exactly what the old query gave, newest first, read by key once the list is complete", async () => {
    const { slug } = await openProgramme();
    const { slug: otherSlug } = await openProgramme();
    const donor = await createTestUser();
    const colleague = await createTestUser();
    const taxCode = "1000000467"; // a company this donor registers (its record is theirs)
    const made: string[] = [];
    for (let i = 0; i < 8; i += 1) made.push((await createPledge(donor, i % 2 ? slug : otherSlug, organisationInput(1_000_000 + i * 100_000, taxCode))).reference);
    // A colleague pledging for the same company: theirs, not the donor's.
    const theirs = (await createPledge(colleague, slug, organisationInput(4_000_000, taxCode))).reference;
    const first = await Pledge.findOne({ reference: made[0] }).lean();
    // A pledge made before pledges recorded who made them: it belongs to the owner of its donor record (the donor).
    const legacy = await Pledge.create({ programmeId: first!.programmeId, institutionId: first!.institutionId, donorId: first!.donorId, kind: "cash_once", amount: 700_000, createdAt: new Date("2026-01-01") });
    await recordDonation({ idempotencyKey: `bank:keys:${made[3]}`, pledgeId: (await Pledge.findOne({ reference: made[3] }).lean())!._id, programmeId: first!.programmeId, institutionId: first!.institutionId, donorId: first!.donorId, method: "bank_transfer", amount: 500_000, receivedAt: new Date(), reference: made[3] });

    const expected = await oldAccountQuery(donor.id);
    expect(expected).toHaveLength(9);
    expect(expected).toContain(legacy.reference);
    expect(expected).not.toContain(theirs);

    // The first visit completes the list from the old query (the list made by pledging could lack older pledges).
    const firstVisit = await accountList(donor.id);
    expect(firstVisit.map((p) => p.reference)).toEqual(expected);
    expect(firstVisit.find((p) => p.reference === made[3])).toMatchObject({ paid: 500_000 });
    expect((await findLookup("user-pledges", donor.id)).map(String).sort()).toEqual((await Pledge.find({ reference: { $in: expected } }).lean()).map((p) => String(p._id)).sort());

    // Later visits read the list and each pledge by _id, and show the same.
    const { result: again, sent: asked } = await recording(() => accountList(donor.id));
    expect(again).toEqual(firstVisit);
    const pledgeReads = reads(asked).filter((s) => s.collection === Pledge.collection.collectionName);
    expect(pledgeReads).toHaveLength(9);
    expect(pledgeReads.every(isKeyRead)).toBe(true);
    expect(reads(asked).filter((s) => s.collection === Lookup.collection.collectionName)).toEqual([{ collection: Lookup.collection.collectionName, method: "findOne", filter: { _id: lookupKey("user-pledges", donor.id) } }]);
    expect(reads(asked).some((s) => s.collection === Donor.collection.collectionName)).toBe(false);

    // A new pledge joins the list at the top, without the old query.
    const newest = await createPledge(donor, slug, organisationInput(2_500_000, taxCode));
    const { result: after, sent: asked2 } = await recording(() => accountList(donor.id));
    expect(after.map((p) => p.reference)).toEqual([newest.reference, ...expected]);
    expect(after.map((p) => p.reference)).toEqual(await oldAccountQuery(donor.id));
    expect(reads(asked2).filter((s) => s.collection === Pledge.collection.collectionName).every(isKeyRead)).toBe(true);
    // The colleague's own page shows only the colleague's pledge.
    expect((await accountList(colleague.id)).map((p) => p.reference)).toEqual([theirs]);
  });

  test("an id written for a pledge that was never stored (a crash between the two writes) is skipped; a lost list is rebuilt", async () => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const { reference } = await createPledge(donor, slug, organisationInput(1_500_000));
    expect(await accountList(donor.id)).toEqual([expect.objectContaining({ reference, amount: 1_500_000 })]);
    await addToLookup("user-pledges", donor.id, new Types.ObjectId());
    expect((await accountList(donor.id)).map((p) => p.reference)).toEqual([reference]);

    await removeLookup("user-pledges", donor.id);
    expect((await accountList(donor.id)).map((p) => p.reference)).toEqual([reference]);
    expect(await findLookup("user-pledges", donor.id)).toHaveLength(1);
    // Someone who never pledged sees nothing.
    expect(await accountList((await createTestUser()).id)).toEqual([]);
  });
});

describe("importing a long statement", () => {
  const HEADER = "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả";
  const row = (n: number, day: number, amount: number, description: string) => `${n},${String(day).padStart(2, "0")}/12/2026 ${String(8 + (n % 10)).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}:00,5${String(n).padStart(4, "0")} - 1,,"${amount.toLocaleString("de-DE")}","${description}"`;

  test("matches each line by reference through the keys, reads stored lines once, and dedupes on re-import", async () => {
    const { institution, programme } = await openProgramme();
    const { institution: elsewhere, programme: elsewhereProgramme } = await openProgramme();
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty CP Sao Kê", email: `saoke.${Date.now()}@example.vn` });
    const base = { programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once" as const };
    // 30 pledges of this institution: 20 with keys (as the service writes them), 10 stored before keys existed.
    const pledges = [];
    for (let i = 0; i < 30; i += 1) {
      const pledge = await Pledge.create({ ...base, amount: 1_000_000 + i * 1_000 });
      if (i < 20) await addToLookup("pledge-ref", pledge.reference, pledge._id);
      pledges.push(pledge);
    }
    const cancelled = await Pledge.create({ ...base, amount: 2_000_000, state: "cancelled", cancelledReason: "Rút lại" });
    const foreign = await Pledge.create({ programmeId: elsewhereProgramme._id, institutionId: elsewhere._id, donorId: donor._id, kind: "cash_once", amount: 3_000_000 });

    const lines: string[] = [];
    let n = 0;
    pledges.forEach((pledge, i) => lines.push(row(++n, 1 + (i % 14), pledge.amount, `CT DEN ${pledge.reference.toLowerCase()} ung ho`)));
    lines.push(row(++n, 2, 2_000_000, `IBFT ${cancelled.reference}`));
    lines.push(row(++n, 3, 3_000_000, `IBFT ${foreign.reference}`));
    for (let i = 0; i < 170; i += 1) lines.push(row(++n, 1 + (i % 14), 50_000 + i, i % 3 ? `Lai tien gui ${i}` : `GS${String(i).padStart(8, "9")} khong ro`));
    const csv = [HEADER, ...lines].join("\n");
    const now = new Date("2026-12-20T03:00:00Z");

    const { result: preview, sent: asked } = await recording(() => previewStatement(manager, String(institution._id), csv, { layout: "vietcombank" }, now));
    expect(preview.summary).toMatchObject({ total: 202, matched: 30, amountDiffers: 0, unmatched: 172, alreadyImported: 0 });
    const byLine = new Map(preview.lines.map((l) => [l.fileLine, l]));
    pledges.forEach((pledge, i) => expect(byLine.get(i + 2)?.pledge).toMatchObject({ reference: pledge.reference, donorName: "Công ty CP Sao Kê", programmeTitle: programme.title }));
    expect(byLine.get(32)).toMatchObject({ status: "unmatched", pledge: null }); // a cancelled pledge
    expect(byLine.get(33)).toMatchObject({ status: "unmatched", pledge: null }); // another institution's
    // Stored lines: one read for the whole statement, not one per line (or per 500).
    expect(reads(asked).filter((s) => s.collection === BankStatementLine.collection.collectionName)).toHaveLength(1);
    // Pledges: by _id, plus one query on reference for all the candidates without a key.
    const pledgeQueries = reads(asked).filter((s) => s.collection === Pledge.collection.collectionName && !isKeyRead(s));
    expect(pledgeQueries).toHaveLength(1);
    // The keys found that way were written: the same preview again asks for pledges by _id only.
    expect(await findLookup("pledge-ref", pledges[25]!.reference)).toEqual([pledges[25]!._id]);
    const { result: again, sent: asked2 } = await recording(() => previewStatement(manager, String(institution._id), csv, { layout: "vietcombank" }, now));
    expect(again.lines.map((l) => [l.fileLine, l.status, l.pledge?.reference ?? null])).toEqual(preview.lines.map((l) => [l.fileLine, l.status, l.pledge?.reference ?? null]));
    // (The made-up references of the interest lines still have no pledge: one query on reference for them.)
    expect(reads(asked2).filter((s) => s.collection === Pledge.collection.collectionName && !isKeyRead(s))).toHaveLength(1);

    const confirmed = await confirmStatement(manager, String(institution._id), csv, { layout: "vietcombank" }, { acceptAmountDiffers: [], now });
    expect(confirmed).toMatchObject({ total: 202, recorded: 30, queued: 172, alreadyImported: 0 });
    expect(await Pledge.countDocuments({ institutionId: institution._id, state: "fulfilled" })).toBe(30);

    // The same statement again: every line is already imported, nothing more is recorded.
    const reimport = await previewStatement(manager, String(institution._id), csv, { layout: "vietcombank" }, now);
    expect(reimport.summary).toMatchObject({ total: 202, alreadyImported: 202, matched: 0, unmatched: 0 });
    expect(reimport.lines.filter((l) => l.importedStatus === "matched")).toHaveLength(30);
    const second = await confirmStatement(manager, String(institution._id), csv, { layout: "vietcombank" }, { acceptAmountDiffers: [], now });
    expect(second).toMatchObject({ recorded: 0, queued: 0, alreadyImported: 202 });
    expect(await BankStatementLine.countDocuments({ institutionId: institution._id })).toBe(202);
  });
});
