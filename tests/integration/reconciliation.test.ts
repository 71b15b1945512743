import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, test, vi } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { BankStatementLine } from "#models/bank-statement-line.server";
import { Donation, findGiftsOfPledge } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { Pledge, newPledgeReference } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { ledgerSum } from "#services/money/ledger";
import { recordOfflineGift } from "#services/offline-gifts";
import { isDatedInFuture, nextDueAmount, parseBankAmount, parseBankDate, previewStatement, referencesIn } from "#services/reconciliation";
import { offlineGiftSchema } from "#services/validation/offline-gift";
import { loader as financeLoader } from "~/routes/manage.programmes.$id_.finance";
import { action, loader } from "~/routes/manage.institutions.$id.reconcile";
import { loader as pledgeLoader } from "~/routes/pledges.$reference";
import { getFixedT } from "~/utils/i18n.server";
import { getToast } from "~/utils/session.server";
import reconcileEn from "~/locales/reconcile.en.json";
import reconcileVi from "~/locales/reconcile.vi.json";
import { createInstitution, receivedCopyOf } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, multipartRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

const SAMPLE = readFileSync(path.join(import.meta.dirname, "../fixtures/statements/vietcombank-sample.csv"), "utf8");
// The references written in the sample; each test swaps in its own pledges' references.
const SAMPLE_REFS = { cash: "GS7K2M9QXA", instalments: "GS3PX8V6WN", differs: "GSM4T9B2HK", foreign: "GSZZ8Q4R1D" };

// The sample is the statement of 01–15/12/2026, read on 20/12/2026 at 10:00 in Hà Nội. Only Date is faked
// (and keeps ticking), so whatever day the suite runs on, no sample line is dated in the future.
const TODAY = new Date("2026-12-20T03:00:00Z");
vi.useFakeTimers({ toFake: ["Date"], now: TODAY, shouldAdvanceTime: true });
beforeEach(() => {
  vi.setSystemTime(TODAY);
});
afterAll(() => {
  vi.useRealTimers();
});

let worldCount = 0;

/** Institution A (with a manager, a donor, a programme and three pledges) and institution B with one pledge. */
/**
 * A fresh pledge reference with a digit after "GS", like the sample statement's: some tests count the
 * description cells that hold digits, and a reference drawn without any (about 1 in 20) changed that count.
 */
function sampleLikeReference() {
  for (;;) {
    const reference = newPledgeReference();
    if (/\d/.test(reference.slice(2))) return reference;
  }
}

async function world() {
  worldCount += 1;
  const a = await createInstitution({ name: "Thư viện Đối Soát" });
  const b = await createInstitution({ name: "Bảo tàng Khác", type: "museum" });
  const manager = await createTestUser({ role: "manager", institutionIds: [String(a._id)] });
  const cookie = await sessionCookieFor(manager.id);
  const donor = await Donor.create({ kind: "organisation", legalName: "Công ty CP Sách Vina", email: `vina${worldCount}.${Date.now()}@example.vn` });
  const programmeFor = (institution: typeof a, title: string) =>
    Programme.create({
      institutionId: institution._id,
      slug: `doi-soat-${worldCount}-${institution.slug}`,
      title,
      startDate: new Date("2026-11-01"),
      endDate: new Date("2027-06-30"),
      goal: 200_000_000,
      state: "open",
      provinceSlug: institution.provinceSlug,
      institutionType: institution.type,
      institutionName: institution.name,
      institutionSlug: institution.slug,
      institutionApproved: true,
    });
  const programme = await programmeFor(a, "Tủ sách thiếu nhi");
  const programmeB = await programmeFor(b, "Bảo tàng mở");
  const refs = { cash: sampleLikeReference(), instalments: sampleLikeReference(), differs: sampleLikeReference(), foreign: sampleLikeReference() };
  const base = { programmeId: programme._id, institutionId: a._id, donorId: donor._id };
  const cash = await Pledge.create({ ...base, reference: refs.cash, kind: "cash_once", amount: 5_000_000 });
  const instalments = await Pledge.create({
    ...base,
    reference: refs.instalments,
    kind: "cash_instalments",
    amount: 60_000_000,
    instalments: [1, 2, 3].map((seq) => ({ seq, dueDate: new Date(`2027-0${seq}-15`), amount: 20_000_000 })),
  });
  const differs = await Pledge.create({ ...base, reference: refs.differs, kind: "cash_once", amount: 10_000_000 });
  const foreign = await Pledge.create({ programmeId: programmeB._id, institutionId: b._id, donorId: donor._id, reference: refs.foreign, kind: "cash_once", amount: 3_000_000 });
  let csv = SAMPLE;
  for (const key of Object.keys(SAMPLE_REFS) as Array<keyof typeof SAMPLE_REFS>) {
    csv = csv.replaceAll(SAMPLE_REFS[key], refs[key]).replaceAll(SAMPLE_REFS[key].toLowerCase(), refs[key].toLowerCase());
  }
  const pagePath = `/manage/institutions/${a._id}/reconcile`;
  return { a, b, manager, cookie, donor, programme, programmeB, refs, cash, instalments, differs, foreign, csv, pagePath };
}

type World = Awaited<ReturnType<typeof world>>;

const csvBlob = (text: string, type = "text/csv") => new Blob([text], { type });
const run = (fn: typeof action, request: Request, id: string) => responseOf(fn({ request, params: { id }, context: {} }));

async function previewVia(w: World, fields: Record<string, string | Blob>, options: { cookie?: string; filename?: string } = {}) {
  const response = await run(action, await multipartRequest(w.pagePath, { intent: "preview", ...fields }, { cookie: options.cookie ?? w.cookie, filename: options.filename ?? "saoke-vcb.csv" }), String(w.a._id));
  return { response, body: response.headers.get("Content-Type")?.includes("json") ? await response.json() : null };
}

/** The keys of the preview's lines whose amount differs: ticking "record as a part payment" on each. */
const partPaymentKeys = (body: { preview: { lines: Array<{ status: string; lineKey: string }> } }) => body.preview.lines.filter((l) => l.status === "amount_differs").map((l) => l.lineKey);

async function confirmVia(w: World, csvText: string, fields: Record<string, string | string[]> = {}, cookie = w.cookie) {
  return run(action, await multipartRequest(w.pagePath, { intent: "confirm", layout: "vietcombank", csvText, fileName: "saoke-vcb.csv", ...fields }, { cookie }), String(w.a._id));
}

const statusesByLine = (lines: Array<{ fileLine: number; status: string }>) => Object.fromEntries(lines.map((l) => [l.fileLine, l.status]));
const count = async () => ({ lines: await BankStatementLine.countDocuments(), donations: await Donation.countDocuments(), audits: await AuditEvent.countDocuments({ action: /^reconciliation\./ }) });

describe("reading bank numbers, dates and references", () => {
  test("Vietnamese and English number formats are whole đồng; fractions and bad grouping are refused", () => {
    expect(["1.000.000", "1,000,000", "1000000", "+1.000.000", "1.000.000 VND", "1,000,000.00", "1.000.000,00"].map(parseBankAmount)).toEqual(Array(7).fill(1_000_000));
    expect(parseBankAmount("-500.000")).toBe(-500_000);
    expect(parseBankAmount("")).toBeNull();
    for (const bad of ["1.000,50", "1.0000", "1,5", "abc", "12.34.56"]) expect(parseBankAmount(bad)).toBeNaN();
  });

  test("dd/mm/yyyy [HH:mm[:ss]] is read in Vietnam's time zone; impossible dates are refused", () => {
    expect(parseBankDate("01/12/2026")?.toISOString()).toBe("2026-11-30T17:00:00.000Z");
    expect(parseBankDate("01/12/2026 00:15:00")?.toISOString()).toBe("2026-11-30T17:15:00.000Z");
    expect(parseBankDate("5/1/2027 7:05")?.toISOString()).toBe("2027-01-05T00:05:00.000Z");
    for (const bad of ["31/02/2026", "12/31/2026", "1", "5.000.000", "hôm qua"]) expect(parseBankDate(bad)).toBeNull();
  });

  test("references are found case-insensitively, with spaces stripped or prefixes added, and O/I/L read as 0/1", () => {
    expect(referencesIn("CT DEN:512312345678 GS7K2M9QXA ung ho thu vien")).toEqual(["GS7K2M9QXA"]);
    expect(referencesIn("MBVCB.4821337712.gs7k2m9qxa.ung ho")).toEqual(["GS7K2M9QXA"]);
    expect(referencesIn("IBFT GS7K2M9QXAUNGHO")).toContain("GS7K2M9QXA");
    expect(referencesIn("ung ho GS 7K2M-9QXA")).toContain("GS7K2M9QXA");
    expect(referencesIn("GS7K2M9QXO")).toEqual(["GS7K2M9QX0"]);
    expect(referencesIn("Lai tien gui thang 12")).toEqual([]);
  });

  test("the next amount due: the unpaid part of the next instalment, or what is outstanding", () => {
    const instalments = { kind: "cash_instalments" as const, amount: 60, instalments: [1, 2, 3].map((seq) => ({ seq, amount: 20, paidAmount: 0, status: "pending" as const, dueDate: new Date() })) };
    expect([0, 20, 25, 60].map((paid) => nextDueAmount(instalments, paid))).toEqual([20, 20, 15, 0]);
    expect(nextDueAmount({ kind: "cash_once", amount: 10, instalments: [] }, 7)).toBe(3);
  });
});

describe("importing a Vietcombank statement", () => {
  test("lines are matched by reference and amount, previewed without writing, then recorded on confirmation", async () => {
    const w = await world();
    const before = await count();
    const { response, body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    expect(response.status).toBe(200);
    expect(body.step).toBe("preview");
    expect(statusesByLine(body.preview.lines)).toEqual({ 9: "matched", 11: "unmatched", 12: "matched", 13: "amount_differs", 14: "unmatched", 16: "unmatched" });
    expect(body.preview.skipped).toEqual({ debit: 2, other: 2 });
    expect(body.preview.summary).toMatchObject({ total: 6, matched: 2, amountDiffers: 1, unmatched: 3, alreadyImported: 0, recordableAmount: 25_000_000 });
    const differs = body.preview.lines.find((l: { fileLine: number }) => l.fileLine === 13);
    expect(differs.pledge).toMatchObject({ reference: w.refs.differs, expected: 10_000_000, donorName: "Công ty CP Sách Vina", programmeTitle: "Tủ sách thiếu nhi" });
    expect(await count()).toEqual(before); // a preview writes nothing

    const confirmed = await confirmVia(w, body.csvText);
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get("Location")).toBe(w.pagePath);

    const donations = await Donation.find({ institutionId: w.a._id }).sort({ receivedAt: 1 }).lean();
    expect(donations.map((d) => [d.reference, d.amount, d.method])).toEqual([
      [w.refs.cash, 5_000_000, "bank_transfer"],
      [w.refs.instalments, 20_000_000, "bank_transfer"],
    ]);
    expect(donations[0]!.receivedAt.toISOString()).toBe("2026-11-30T17:15:00.000Z");
    expect(donations[0]).toMatchObject({ donorId: w.donor._id, programmeId: w.programme._id, pledgeId: w.cash._id, recordedBy: expect.anything() });
    expect(donations.every((d) => d.idempotencyKey.startsWith("bank:"))).toBe(true);

    // The programme's progress and the pledges' fulfilment moved with the ledger.
    expect(await ledgerSum({ institutionId: w.a._id })).toBe(25_000_000);
    expect(await receivedCopyOf(w.programme._id)).toBe(25_000_000);
    expect((await Pledge.findById(w.cash._id).lean())?.state).toBe("fulfilled");
    const instalments = await Pledge.findById(w.instalments._id).lean();
    expect(instalments?.instalments.map((i) => [i.status, i.paidAmount])).toEqual([
      ["paid", 20_000_000],
      ["pending", 0],
      ["pending", 0],
    ]);
    // The amount that differs was not accepted: nothing recorded, the line waits with its reference.
    expect(await Donation.countDocuments({ pledgeId: w.differs._id })).toBe(0);

    const lines = await BankStatementLine.find({ institutionId: w.a._id }).sort({ fileLine: 1 }).lean();
    expect(lines.map((l) => [l.fileLine, l.status, l.foundReference])).toEqual([
      [9, "matched", w.refs.cash],
      [11, "unmatched", null],
      [12, "matched", w.refs.instalments],
      [13, "unmatched", w.refs.differs],
      [14, "unmatched", null],
      [16, "unmatched", null],
    ]);
    expect(lines.every((l) => /^[0-9a-f]{64}$/.test(l.lineKey) && String(l.importId) === String(lines[0]!.importId))).toBe(true);
    expect(String(lines[0]!.donationId)).toBe(String(donations[0]!._id));
    expect(await AuditEvent.countDocuments({ action: "reconciliation.import", institutionId: w.a._id })).toBe(1);

    // The queue on the page: the four lines nobody could match, newest first.
    const page = await responseOf(loader({ request: getRequest(w.pagePath, w.cookie), params: { id: String(w.a._id) }, context: {} }));
    const data = await page.json();
    expect(data.queue.total).toBe(4);
    expect(data.queue.lines.map((l: { amount: number }) => l.amount)).toEqual([125_000, 3_000_000, 7_000_000, 2_000_000]);
  });

  test("a reference of another institution's pledge is unmatched, and that pledge is untouched", async () => {
    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    const foreignLine = body.preview.lines.find((l: { description: string }) => l.description.includes(w.refs.foreign));
    expect(foreignLine).toMatchObject({ status: "unmatched", pledge: null });
    await confirmVia(w, body.csvText);
    expect(await Donation.countDocuments({ pledgeId: w.foreign._id })).toBe(0);
    expect(await receivedCopyOf(w.programmeB._id)).toBe(0);
    expect(await ledgerSum({ institutionId: w.b._id })).toBe(0);
  });

  test("an amount that differs is flagged, and recorded only when the manager accepts it", async () => {
    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    const response = await confirmVia(w, body.csvText, { acceptLine: partPaymentKeys(body) });
    expect(response.status).toBe(302);
    const donation = await Donation.findOne({ pledgeId: w.differs._id }).lean();
    expect(donation).toMatchObject({ amount: 7_000_000, method: "bank_transfer", reference: w.refs.differs });
    const pledge = await Pledge.findById(w.differs._id).lean();
    expect(pledge?.state).toBe("active"); // 7 of 10 million: a partial payment
    expect(await ledgerSum({ pledgeId: w.differs._id })).toBe(7_000_000);
    expect(await receivedCopyOf(w.programme._id)).toBe(32_000_000);
    expect((await BankStatementLine.findOne({ donationId: donation!._id }).lean())?.status).toBe("matched");
    expect(await BankStatementLine.countDocuments({ institutionId: w.a._id, status: "unmatched" })).toBe(3);
  });

  test("importing the same statement again adds nothing and shows every line as already imported", async () => {
    const w = await world();
    const first = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    await confirmVia(w, first.body.csvText);
    const after = { ...(await count()), ledger: await ledgerSum({ institutionId: w.a._id }), received: (await receivedCopyOf(w.programme._id)) };

    // The same file uploaded again, as it left the bank…
    const again = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    expect(again.body.preview.summary).toMatchObject({ total: 6, alreadyImported: 6, matched: 0, unmatched: 0, amountDiffers: 0 });
    expect(new Set(again.body.preview.lines.map((l: { status: string }) => l.status))).toEqual(new Set(["already_imported"]));
    expect(again.body.preview.lines.find((l: { fileLine: number }) => l.fileLine === 9).importedStatus).toBe("matched");
    // …confirmed anyway (with amounts that differ accepted, line endings changed by a browser round trip),
    const response = await confirmVia(w, again.body.csvText.replace(/\r\n/g, "\n"), { acceptLine: partPaymentKeys(again.body) });
    expect(response.status).toBe(302);
    // …and read with a hand-made column mapping of the same columns.
    const mapped = await previewVia(w, { layout: "custom", dateColumn: "1", creditColumn: "4", descriptionColumn: "5", debitColumn: "3", referenceColumn: "2", statement: csvBlob(w.csv) });
    expect(mapped.body.preview.summary.alreadyImported).toBe(6);

    expect({ ...(await count()), ledger: await ledgerSum({ institutionId: w.a._id }), received: (await receivedCopyOf(w.programme._id)) }).toEqual({
      ...after,
      audits: after.audits + 1, // the second import is on record, with nothing in it
    });
    const audit = await AuditEvent.findOne({ action: "reconciliation.import", institutionId: w.a._id }).sort({ at: -1, _id: -1 }).lean();
    expect(audit?.details).toMatchObject({ recorded: 0, queued: 0, alreadyImported: 6 });
  });

  test("identical lines in one statement are two gifts, and stay two on re-import", async () => {
    const w = await world();
    const csv = [
      "Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả",
      `01/12/2026,,,"20.000.000","${w.refs.instalments} dot 1"`,
      `01/12/2026,,,"20.000.000","${w.refs.instalments} dot 1"`,
    ].join("\n");
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(csv) });
    // The second line meets the second instalment.
    expect(body.preview.lines.map((l: { status: string }) => l.status)).toEqual(["matched", "matched"]);
    await confirmVia(w, body.csvText);
    await confirmVia(w, body.csvText);
    expect(await Donation.countDocuments({ pledgeId: w.instalments._id })).toBe(2);
    expect((await Pledge.findById(w.instalments._id).lean())?.instalments.map((i) => i.status)).toEqual(["paid", "paid", "pending"]);
  });
});

describe("the queue of unmatched lines", () => {
  async function imported() {
    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    await confirmVia(w, body.csvText);
    const line = (amount: number) => BankStatementLine.findOne({ institutionId: w.a._id, amount }).lean().then((l) => l!);
    return { ...w, line };
  }
  const post = (w: World, fields: Record<string, string>, cookie = w.cookie) => formRequest(w.pagePath, fields, { cookie }).then((request) => run(action, request, String(w.a._id)));

  test("assigning a line to a pledge records the donation once, however often it is sent", async () => {
    const w = await imported();
    const line = await w.line(2_000_000);
    const ledgerBefore = await ledgerSum({ institutionId: w.a._id });
    // Typed as people type: lower case, with a space.
    const first = await post(w, { intent: "assign", lineId: String(line._id), reference: ` ${w.refs.differs.slice(0, 5).toLowerCase()} ${w.refs.differs.slice(5).toLowerCase()} ` });
    expect(first.status).toBe(302);
    const second = await post(w, { intent: "assign", lineId: String(line._id), reference: w.refs.differs });
    expect(second.status).toBe(302);

    const donations = await Donation.find({ idempotencyKey: `bank:${line.lineKey}` }).lean();
    expect(donations).toHaveLength(1);
    expect(donations[0]).toMatchObject({ amount: 2_000_000, pledgeId: w.differs._id, donorId: w.donor._id, method: "bank_transfer", reference: w.refs.differs });
    expect(await ledgerSum({ institutionId: w.a._id })).toBe(ledgerBefore + 2_000_000);
    expect(await BankStatementLine.findById(line._id).lean()).toMatchObject({ status: "assigned", foundReference: w.refs.differs });
    expect(String((await BankStatementLine.findById(line._id).lean())?.donationId)).toBe(String(donations[0]!._id));
    expect(await AuditEvent.countDocuments({ action: "reconciliation.assign", subjectId: String(line._id) })).toBe(1);
    expect(await receivedCopyOf(w.programme._id)).toBe(27_000_000);

    // Assigned lines leave the queue; the same line cannot then go to another pledge.
    const page = await (await responseOf(loader({ request: getRequest(w.pagePath, w.cookie), params: { id: String(w.a._id) }, context: {} }))).json();
    expect(page.queue.total).toBe(3);
    const elsewhere = await post(w, { intent: "assign", lineId: String(line._id), reference: w.refs.cash });
    expect(elsewhere.status).toBe(409);
    expect((await elsewhere.json()).errors.reference).toEqual(["reconcile.errors.alreadyRecorded"]);
    expect(await Donation.countDocuments({ idempotencyKey: `bank:${line.lineKey}` })).toBe(1);
  });

  test("an unknown reference, another institution's reference or a blank one is refused with a message", async () => {
    const w = await imported();
    const line = await w.line(3_000_000);
    const before = await count();
    for (const [reference, message] of [
      [w.refs.foreign, "reconcile.errors.referenceNotFound"],
      ["GS00000000", "reconcile.errors.referenceNotFound"],
      ["", "validation.required"],
      ["<script>", "reconcile.errors.referenceShape"],
    ] as const) {
      const response = await post(w, { intent: "assign", lineId: String(line._id), reference });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body).toMatchObject({ step: "queue", lineId: String(line._id) });
      expect(body.errors.reference).toEqual([message]);
    }
    expect(await count()).toEqual(before);
    expect((await BankStatementLine.findById(line._id).lean())?.status).toBe("unmatched");
  });

  test("a line that is not a gift is ignored with a reason, and leaves the queue", async () => {
    const w = await imported();
    const interest = await w.line(125_000);
    const blank = await post(w, { intent: "ignore", lineId: String(interest._id), reason: " " });
    expect(blank.status).toBe(400);
    expect((await blank.json()).errors.reason).toEqual(["validation.reasonRequired"]);
    const ok = await post(w, { intent: "ignore", lineId: String(interest._id), reason: "Lãi tiền gửi tháng 12" });
    expect(ok.status).toBe(302);
    expect(await BankStatementLine.findById(interest._id).lean()).toMatchObject({ status: "ignored", ignoredReason: "Lãi tiền gửi tháng 12" });
    const page = await (await responseOf(loader({ request: getRequest(w.pagePath, w.cookie), params: { id: String(w.a._id) }, context: {} }))).json();
    expect(page.queue.lines.map((l: { amount: number }) => l.amount)).not.toContain(125_000);
    // A recorded line cannot be ignored.
    const matched = await w.line(5_000_000);
    const refused = await post(w, { intent: "ignore", lineId: String(matched._id), reason: "Nhầm" });
    expect(refused.status).toBe(409);
    expect((await BankStatementLine.findById(matched._id).lean())?.status).toBe("matched");
  });
});

describe("who may reconcile", () => {
  test("a manager of another institution gets 403 everywhere, and nothing is written", async () => {
    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    await confirmVia(w, body.csvText);
    const line = await BankStatementLine.findOne({ institutionId: w.a._id, status: "unmatched" }).lean();
    const before = { ...(await count()), ledger: await ledgerSum({ institutionId: w.a._id }) };

    const other = await createTestUser({ role: "manager", institutionIds: [String(w.b._id)] });
    const cookie = await sessionCookieFor(other.id);
    const page = await responseOf(loader({ request: getRequest(w.pagePath, cookie), params: { id: String(w.a._id) }, context: {} }));
    expect(page.status).toBe(403);
    expect((await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) }, { cookie })).response.status).toBe(403);
    expect((await confirmVia(w, w.csv, { acceptLine: ["any"] }, cookie)).status).toBe(403);
    const assign = await run(action, await formRequest(w.pagePath, { intent: "assign", lineId: String(line!._id), reference: w.refs.differs }, { cookie }), String(w.a._id));
    expect(assign.status).toBe(403);
    // Through their own page, with A's line: still refused.
    const bPath = `/manage/institutions/${w.b._id}/reconcile`;
    const sneaky = await run(action, await formRequest(bPath, { intent: "assign", lineId: String(line!._id), reference: w.refs.foreign }, { cookie }), String(w.b._id));
    expect(sneaky.status).toBe(403);
    const ignore = await run(action, await formRequest(bPath, { intent: "ignore", lineId: String(line!._id), reason: "Không phải của tôi" }, { cookie }), String(w.b._id));
    expect(ignore.status).toBe(403);

    // Donors and visitors neither.
    const donor = await createTestUser({ role: "donor" });
    expect((await confirmVia(w, w.csv, {}, await sessionCookieFor(donor.id))).status).toBe(403);
    const visitor = await responseOf(loader({ request: getRequest(w.pagePath), params: { id: String(w.a._id) }, context: {} }));
    expect(visitor.status).toBe(302);
    expect(visitor.headers.get("Location")).toMatch(/^\/login/);

    expect({ ...(await count()), ledger: await ledgerSum({ institutionId: w.a._id }) }).toEqual(before);
    expect((await BankStatementLine.findById(line!._id).lean())?.status).toBe("unmatched");
  });

  test("services refuse too, whatever the route did", async () => {
    const w = await world();
    const other = await createTestUser({ role: "manager", institutionIds: [String(w.b._id)] });
    const sessionUser = { id: other.id, email: other.email, name: other.name, role: "manager" as const, institutionIds: [String(w.b._id)], provinceSlug: null };
    await expect(previewStatement(sessionUser, String(w.a._id), w.csv, { layout: "vietcombank" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(previewStatement(sessionUser, "not-an-id", w.csv, { layout: "vietcombank" })).rejects.toMatchObject({ code: "not_found" });
  });

  test("a form without its CSRF token is refused", async () => {
    const w = await world();
    const request = await multipartRequest(w.pagePath, { intent: "confirm", layout: "vietcombank", csvText: w.csv }, { cookie: w.cookie, csrf: false });
    expect((await run(action, request, String(w.a._id))).status).toBe(403);
    expect(await BankStatementLine.countDocuments({ institutionId: w.a._id })).toBe(0);
  });
});

describe("statements that cannot be read", () => {
  test("a malformed file, a wrong layout or wrong columns get a clear message and write nothing", async () => {
    const w = await world();
    const before = await count();
    const expectUploadError = async (fields: Record<string, string | Blob>, filename: string, message: { field?: string; form?: string }) => {
      const { response, body } = await previewVia(w, fields, { filename });
      expect(response.status).toBe(400);
      if (message.field) expect(body.errors.statement).toEqual([message.field]);
      if (message.form) expect(body.formError).toBe(message.form);
      return body;
    };

    await expectUploadError({ layout: "vietcombank", statement: csvBlob('Ngày giao dịch,Số tiền ghi có,Mô tả\n01/12/2026,"5.000.000,"ung ho\n') }, "saoke.csv", { form: "reconcile.errors.csvUnreadable" });
    await expectUploadError({ layout: "vietcombank", statement: new Blob([Uint8Array.from([0x4e, 0x67, 0xe0, 0x79, 0x2c, 0x53, 0xf4])], { type: "text/csv" }) }, "saoke.csv", { field: "reconcile.errors.encoding" });
    await expectUploadError({ layout: "vietcombank", statement: new Blob(["%PDF-1.7"], { type: "application/pdf" }) }, "saoke.pdf", { field: "reconcile.errors.notCsv" });
    await expectUploadError({ layout: "vietcombank", statement: csvBlob("") }, "empty.csv", { field: "reconcile.validation.fileRequired" });
    await expectUploadError({ layout: "vietcombank", statement: csvBlob("x".repeat(5 * 1024 * 1024 + 10)) }, "big.csv", { field: "reconcile.errors.tooLarge" });

    // Another bank's columns under the Vietcombank layout: the page offers the file's columns to choose from.
    const otherBank = "Ngày;Nội dung;Số tiền;Mã GD\n01/12/2026;Ung ho thu vien;+5.000.000;FT1\n";
    const wrongLayout = await previewVia(w, { layout: "vietcombank", statement: csvBlob(otherBank) });
    expect(wrongLayout.response.status).toBe(400);
    expect(wrongLayout.body).toMatchObject({ step: "map", formError: "reconcile.errors.presetNotFound", headers: ["Ngày", "Nội dung", "Số tiền", "Mã GD"] });

    // Wrong columns: the description as the date — every line named, nothing written.
    const wrongColumns = await previewVia(w, { layout: "custom", dateColumn: "5", creditColumn: "4", descriptionColumn: "1", statement: csvBlob(w.csv) });
    expect(wrongColumns.response.status).toBe(400);
    expect(wrongColumns.body.formError).toBe("reconcile.errors.rowsUnreadable");
    expect(wrongColumns.body.params).toEqual({ count: 6 }); // rows whose "date" has digits; descriptions without any are not transactions
    expect(wrongColumns.body.problems[0]).toEqual({ line: 9, problem: "date", value: expect.stringContaining("CT DEN") });
    // Amounts in a text column.
    const amountsWrong = await previewVia(w, { layout: "custom", dateColumn: "1", creditColumn: "5", descriptionColumn: "2", statement: csvBlob(w.csv) });
    expect(amountsWrong.body.problems[0]).toMatchObject({ line: 9, problem: "amount" });
    // One column for two things, or a column that is not there.
    const same = await previewVia(w, { layout: "custom", dateColumn: "1", creditColumn: "1", descriptionColumn: "9", statement: csvBlob(w.csv) });
    expect(same.body.errors).toEqual({ creditColumn: ["reconcile.validation.sameColumn"], descriptionColumn: ["validation.invalidChoice"] });
    // A confirmation with a tampered statement is refused the same way.
    const tampered = await confirmVia(w, w.csv.replace("01/12/2026 00:15:00", "32/12/2026"));
    expect(tampered.status).toBe(400);
    expect((await tampered.json()).problems).toEqual([{ line: 9, problem: "date", value: "32/12/2026" }]);

    expect(await count()).toEqual(before);
  });
});

describe("other banks: choosing the columns", () => {
  test("a semicolon file with one signed amount column is read once the manager picks its columns", async () => {
    const w = await world();
    const csv = [
      "\uFEFFSao kê tài khoản 113000123456",
      "Ngày;Nội dung;Số tiền;Mã GD",
      `01/12/2026 09:00;Ung ho ${w.refs.cash.toLowerCase()};+5,000,000;FT26335001`,
      "02/12/2026;Phi quan ly tai khoan;-11,000;FT26336002",
      `05/12/2026;"CK ${w.refs.instalments}; dot 1";20,000,000;FT26339003`,
    ].join("\r\n");
    // First upload with "choose the columns": the page shows the file's columns, with a guess.
    const first = await previewVia(w, { layout: "custom", statement: csvBlob(csv) }, { filename: "techcom.csv" });
    expect(first.response.status).toBe(200);
    expect(first.body).toMatchObject({ step: "map", headers: ["Ngày", "Nội dung", "Số tiền", "Mã GD"], fileName: "techcom.csv", errors: {} });
    expect(first.body.values).toMatchObject({ dateColumn: "0", descriptionColumn: "1" });
    // The manager picks them; the text travels in the page (no file again).
    const second = await previewVia(w, { layout: "custom", dateColumn: "0", creditColumn: "2", descriptionColumn: "1", referenceColumn: "3", debitColumn: "", csvText: first.body.csvText, fileName: "techcom.csv" });
    expect(second.response.status).toBe(200);
    expect(second.body.preview.lines.map((l: { status: string; amount: number; bankRef: string }) => [l.status, l.amount, l.bankRef])).toEqual([
      ["matched", 5_000_000, "FT26335001"],
      ["matched", 20_000_000, "FT26339003"],
    ]);
    expect(second.body.preview.skipped.debit).toBe(1);
    const confirmed = await run(
      action,
      await multipartRequest(w.pagePath, { intent: "confirm", csvText: second.body.csvText, ...second.body.mapping }, { cookie: w.cookie }),
      String(w.a._id),
    );
    expect(confirmed.status).toBe(302);
    expect(await ledgerSum({ institutionId: w.a._id })).toBe(25_000_000);
  });
});

/** The flash message a redirect carries, as the next page would show it. */
async function toastOf(response: Response) {
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return (await getToast(new Request("http://localhost/", { headers: { Cookie: cookie } }))).toast;
}
const queueOf = async (w: World) => (await (await responseOf(loader({ request: getRequest(w.pagePath, w.cookie), params: { id: String(w.a._id) }, context: {} }))).json()).queue;
const assign = (w: World, fields: Record<string, string>) => formRequest(w.pagePath, { intent: "assign", ...fields }, { cookie: w.cookie }).then((request) => run(action, request, String(w.a._id)));
const statement = (...rows: string[]) => ["Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả", ...rows].join("\n");

/** A bank transfer as a manager records it on the gift form, against a pledge. */
async function transferByHand(w: World, pledgeReference: string, amount: string, receivedAt: string) {
  const input = offlineGiftSchema.parse({
    clientToken: `hand-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-abcdef`,
    method: "bank_transfer",
    receivedAt,
    voucher: "",
    amount,
    donorType: "organisation",
    legalName: "",
    taxCode: "",
    fullName: "",
    email: "",
    phone: "",
    pledgeReference,
    valuationBasis: "",
    hours: "",
    ratePerHour: "",
  });
  return recordOfflineGift(w.manager, String(w.programme._id), input);
}

describe("a transfer is confirmed once, whichever way it arrives first", () => {
  test("recorded by hand first: its statement line is shown as that transfer, linked on import, and not booked again", async () => {
    const w = await world();
    // The donor's 5.000.000 for pledge "cash", recorded by hand the day before the bank booked it (01/12 on the statement).
    const byHand = await transferByHand(w, w.refs.cash, "5.000.000", "2026-11-30");
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    const line = body.preview.lines.find((l: { description: string }) => l.description.includes(w.refs.cash));
    expect(line).toMatchObject({ status: "already_recorded", recordedGift: { receiptNumber: byHand.receiptNumber } });
    expect(body.preview.summary).toMatchObject({ alreadyRecorded: 1, matched: 1, recordableAmount: 20_000_000 });
    // The page says so, in the manager's language.
    expect(JSON.stringify(reconcileVi)).toContain("đã ghi nhận thủ công");

    await confirmVia(w, body.csvText);
    expect(await Donation.countDocuments({ pledgeId: w.cash._id })).toBe(1);
    expect(await ledgerSum({ pledgeId: w.cash._id })).toBe(5_000_000);
    expect((await Pledge.findById(w.cash._id).lean())!.state).toBe("fulfilled");
    expect(await receivedCopyOf(w.programme._id)).toBe(25_000_000);
    const stored = await BankStatementLine.findOne({ institutionId: w.a._id, amount: 5_000_000 }).lean();
    expect(stored).toMatchObject({ status: "matched" });
    expect(String(stored!.donationId)).toBe(byHand.donationId);

    // The same statement again: every line already imported; nothing more on the books.
    const again = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    expect(again.body.preview.summary).toMatchObject({ alreadyImported: 6, alreadyRecorded: 0 });
    expect(await ledgerSum({ pledgeId: w.cash._id })).toBe(5_000_000);
  });

  test("a hand record stands for one line: a second line of the same amount is a transfer of its own", async () => {
    const w = await world();
    const byHand = await transferByHand(w, w.refs.instalments, "20.000.000", "2026-12-05");
    const csv = statement(`05/12/2026 09:00:00,FT1,,"20.000.000","${w.refs.instalments} dot 1"`, `07/12/2026 09:00:00,FT2,,"20.000.000","${w.refs.instalments} dot 2"`);
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(csv) });
    expect(body.preview.lines.map((l: { status: string }) => l.status)).toEqual(["already_recorded", "matched"]);
    await confirmVia(w, body.csvText);
    expect((await findGiftsOfPledge(w.instalments._id)).map((g) => g.amount)).toEqual([20_000_000, 20_000_000]);
    expect((await findGiftsOfPledge(w.instalments._id)).some((g) => String(g._id) === byHand.donationId)).toBe(true);
    expect(await ledgerSum({ pledgeId: w.instalments._id })).toBe(40_000_000);
  });

  test("booked from the statement first: the same transfer recorded by hand is refused, with a message in the manager's language", async () => {
    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    await confirmVia(w, body.csvText);
    expect(await ledgerSum({ pledgeId: w.instalments._id })).toBe(20_000_000);
    // The statement booked dợt 1 (20.000.000) on 05/12; the manager then types the same transfer, dated 06/12.
    const refused = await transferByHand(w, w.refs.instalments, "20.000.000", "2026-12-06").catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "invalid", message: "gifts.validation.transferOnStatement" });
    const t = await getFixedT(new Request("http://localhost/", { headers: { Cookie: "lng=vi" } }));
    expect(t("gifts.validation.transferOnStatement")).toContain("đã có trong sổ từ sao kê ngân hàng");
    expect(await ledgerSum({ pledgeId: w.instalments._id })).toBe(20_000_000);
    // A different amount is a different transfer: recorded.
    await transferByHand(w, w.refs.instalments, "15.000.000", "2026-12-06");
    expect(await ledgerSum({ pledgeId: w.instalments._id })).toBe(35_000_000);
  });
});

describe("amounts that differ are accepted line by line", () => {
  test("of two part payments, only the one ticked is recorded; the other waits in the queue", async () => {
    const w = await world();
    const csv = statement(`08/12/2026 09:00:00,FT1,,"7.000.000","${w.refs.differs} mot phan"`, `09/12/2026 09:00:00,FT2,,"12.000.000","${w.refs.instalments} dot 1 thieu"`);
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(csv) });
    expect(body.preview.lines.map((l: { status: string }) => l.status)).toEqual(["amount_differs", "amount_differs"]);
    const [first] = body.preview.lines as Array<{ lineKey: string }>;
    expect((await confirmVia(w, body.csvText, { acceptLine: [first!.lineKey] })).status).toBe(302);
    expect(await ledgerSum({ pledgeId: w.differs._id })).toBe(7_000_000);
    expect(await ledgerSum({ pledgeId: w.instalments._id })).toBe(0);
    expect(await BankStatementLine.countDocuments({ institutionId: w.a._id, status: "unmatched", amount: 12_000_000 })).toBe(1);
  });
});

describe("lines dated in the future", () => {
  test("a line dated after today (in Vietnam) is not booked: it waits in the queue with its reason until its day", async () => {
    const w = await world();
    // Today is 20/12/2026. 23:59 tonight is today; 00:05 tomorrow in Hà Nội is still 20/12 in UTC, and is the future.
    const csv = statement(
      `20/12/2026 23:59:00,FT1,,"5.000.000","${w.refs.cash} ung ho"`,
      `21/12/2026 00:05:00,FT2,,"20.000.000","${w.refs.instalments} dot 1"`,
      `05/01/2027,FT3,,"1.000.000","NGUYEN VAN AN ung ho"`,
    );
    expect(isDatedInFuture(parseBankDate("20/12/2026 23:59:00")!)).toBe(false);
    expect(isDatedInFuture(parseBankDate("21/12/2026 00:05:00")!)).toBe(true);

    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(csv) });
    expect(body.preview.lines.map((l: { status: string; queueReason: string | null }) => [l.status, l.queueReason])).toEqual([
      ["matched", null],
      ["unmatched", "future_date"],
      ["unmatched", "future_date"],
    ]);
    expect(body.preview.lines[1].pledge).toMatchObject({ reference: w.refs.instalments }); // shown as a suggestion
    expect(body.preview.summary).toMatchObject({ matched: 1, unmatched: 2, future: 2, recordableAmount: 5_000_000 });

    const confirmed = await confirmVia(w, body.csvText, { acceptLine: partPaymentKeys(body), confirmOverpayments: "on" });
    expect(confirmed.status).toBe(302);
    expect((await toastOf(confirmed))?.message).toBe("Đã nhập sao kê: ghi nhận 1 khoản (5.000.000\u00a0₫), 2 dòng vào hàng chờ, 0 dòng đã nhập trước đây.");
    expect(await Donation.countDocuments({ institutionId: w.a._id })).toBe(1);
    expect(await Donation.countDocuments({ pledgeId: w.instalments._id })).toBe(0);
    expect(await ledgerSum({ institutionId: w.a._id })).toBe(5_000_000);
    const waiting = await BankStatementLine.find({ institutionId: w.a._id, status: "unmatched" }).sort({ bookedAt: 1 }).lean();
    expect(waiting.map((l) => [l.amount, l.queueReason, l.foundReference])).toEqual([
      [20_000_000, "future_date", w.refs.instalments],
      [1_000_000, "future_date", null],
    ]);

    // The queue says why, in both languages.
    const queue = await queueOf(w);
    expect(queue.lines.map((l: { amount: number; reason: string }) => [l.amount, l.reason])).toEqual([
      [1_000_000, "future_date"],
      [20_000_000, "future_date"],
    ]);
    expect((await getFixedT("vi"))("reconcile.reason.future_date")).toMatch(/trong tương lai/);
    expect((await getFixedT("en"))("reconcile.reason.future_date")).toMatch(/^Dated in the future/);

    // Nobody can book it before its day either…
    const line = waiting[0]!;
    const early = await assign(w, { lineId: String(line._id), reference: w.refs.instalments });
    expect(early.status).toBe(400);
    expect((await early.json()).errors.reference).toEqual(["reconcile.errors.futureDate"]);
    expect(await Donation.countDocuments({ institutionId: w.a._id })).toBe(1);

    // …and once the day has come, a person records it from the queue.
    vi.setSystemTime(new Date("2026-12-21T02:00:00Z"));
    expect((await queueOf(w)).lines.find((l: { id: string }) => l.id === String(line._id)).reason).toBe("future_date_passed");
    const onTheDay = await assign(w, { lineId: String(line._id), reference: w.refs.instalments });
    expect(onTheDay.status).toBe(302);
    expect(await ledgerSum({ pledgeId: w.instalments._id })).toBe(20_000_000);
  });
});

describe("over-payments", () => {
  test("assigning a queued line to a pledge already paid asks first, books nothing, and books once confirmed", async () => {
    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    await confirmVia(w, body.csvText); // the 5.000.000 pledge is now paid in full
    expect(await ledgerSum({ pledgeId: w.cash._id })).toBe(5_000_000);
    const line = await BankStatementLine.findOne({ institutionId: w.a._id, amount: 2_000_000 }).lean();
    const before = { ...(await count()), ledger: await ledgerSum({ institutionId: w.a._id }) };

    const asked = await assign(w, { lineId: String(line!._id), reference: w.refs.cash.toLowerCase() });
    expect(asked.status).toBe(200);
    expect(await asked.json()).toMatchObject({
      step: "queue",
      lineId: String(line!._id),
      question: { reference: w.refs.cash, pledged: 5_000_000, paid: 5_000_000, amount: 2_000_000, overpayment: 2_000_000 },
    });
    // Without the confirmation nothing is booked (the same form sent again is asked again).
    expect(await (await assign(w, { lineId: String(line!._id), reference: w.refs.cash })).json()).toMatchObject({ question: { overpayment: 2_000_000 } });
    expect(await assign(w, { lineId: String(line!._id), reference: w.refs.cash, confirmOverpayment: "no" }).then((r) => r.status)).toBe(200);
    expect({ ...(await count()), ledger: await ledgerSum({ institutionId: w.a._id }) }).toEqual(before);
    expect((await BankStatementLine.findById(line!._id).lean())?.status).toBe("unmatched");

    // The second submit, with the confirm field the question's form carries.
    const confirmed = await assign(w, { lineId: String(line!._id), reference: w.refs.cash, confirmOverpayment: "yes" });
    expect(confirmed.status).toBe(302);
    expect((await toastOf(confirmed))?.message).toMatch(/trả vượt 2\.000\.000\s₫/);
    expect(await Donation.countDocuments({ idempotencyKey: `bank:${line!.lineKey}` })).toBe(1);
    expect(await ledgerSum({ pledgeId: w.cash._id })).toBe(7_000_000);
    expect(await AuditEvent.findOne({ action: "reconciliation.assign", subjectId: String(line!._id) }).lean()).toMatchObject({ details: { overpayment: 2_000_000 } });

    // The pledge page and the finance page say it is an over-payment.
    const pledgePage = await (await responseOf(pledgeLoader({ request: getRequest(`/pledges/${w.refs.cash}`, w.cookie), params: { reference: w.refs.cash }, context: {} }))).json();
    expect(pledgePage).toMatchObject({ paid: 7_000_000, overpaid: 2_000_000 });
    expect((await getFixedT("vi"))("pledge.overpaid", { amount: "2.000.000 ₫" })).toBe("Đã trả vượt 2.000.000 ₫");
    const finance = await (await responseOf(financeLoader({ request: getRequest(`/manage/programmes/${w.programme._id}/finance`, w.cookie), params: { id: String(w.programme._id) }, context: {} }))).json();
    expect(finance.overpaid).toEqual([expect.objectContaining({ reference: w.refs.cash, amount: 5_000_000, paid: 7_000_000, overpaid: 2_000_000 })]);
    expect(finance.totals.outstanding).toBeGreaterThanOrEqual(0);
  });

  test("a line larger than what a pledge still owes is asked about with the difference", async () => {
    const w = await world();
    const small = await Pledge.create({ programmeId: w.programme._id, institutionId: w.a._id, donorId: w.donor._id, reference: newPledgeReference(), kind: "cash_once", amount: 2_500_000 });
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(w.csv) });
    await confirmVia(w, body.csvText);
    const line = await BankStatementLine.findOne({ institutionId: w.a._id, amount: 3_000_000 }).lean();
    const asked = await (await assign(w, { lineId: String(line!._id), reference: small.reference })).json();
    expect(asked.question).toEqual({ reference: small.reference, pledged: 2_500_000, paid: 0, amount: 3_000_000, overpayment: 500_000 });
    expect(await Donation.countDocuments({ pledgeId: small._id })).toBe(0);
  });

  test("an import books a line that pays more than its pledge owes only when the over-payment is confirmed", async () => {
    const csvFor = (w: World) => statement(`10/12/2026 09:00:00,FT1,,"5.000.000","${w.refs.cash} ung ho"`, `12/12/2026 09:00:00,FT2,,"5.000.000","${w.refs.cash} ung ho lan 2"`);

    const w = await world();
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(csvFor(w)) });
    expect(body.preview.lines.map((l: { status: string; overpayment: number }) => [l.status, l.overpayment])).toEqual([
      ["matched", 0],
      ["amount_differs", 5_000_000],
    ]);
    expect(body.preview.lines[1].pledge).toMatchObject({ expected: 0, outstanding: 0 });
    expect(body.preview.summary).toMatchObject({ overpayments: 1, overpaymentAmount: 5_000_000, recordableAmount: 5_000_000 });
    // "Accept amounts that differ" is not a confirmation of the over-payment: it waits, with its reason.
    expect((await confirmVia(w, body.csvText, { acceptLine: partPaymentKeys(body) })).status).toBe(302);
    expect(await ledgerSum({ pledgeId: w.cash._id })).toBe(5_000_000);
    expect((await queueOf(w)).lines.map((l: { amount: number; reason: string }) => [l.amount, l.reason])).toEqual([[5_000_000, "overpayment"]]);

    const confirmed = await world();
    const again = await previewVia(confirmed, { layout: "vietcombank", statement: csvBlob(csvFor(confirmed)) });
    expect((await confirmVia(confirmed, again.body.csvText, { confirmOverpayments: "on" })).status).toBe(302);
    expect(await ledgerSum({ pledgeId: confirmed.cash._id })).toBe(10_000_000);
    expect(await AuditEvent.findOne({ action: "reconciliation.import", institutionId: confirmed.a._id }).lean()).toMatchObject({ details: { recorded: 2, overpaid: 1, confirmOverpayments: true } });
    const page = await (await responseOf(pledgeLoader({ request: getRequest(`/pledges/${confirmed.refs.cash}`, confirmed.cookie), params: { reference: confirmed.refs.cash }, context: {} }))).json();
    expect(page.overpaid).toBe(5_000_000);
  });
});

describe("reading a pledge writes nothing", () => {
  test("an instalment past its due day shows as overdue on the pledge page, and the stored pledge is not touched by the read", async () => {
    const w = await world();
    const before = (await Pledge.findById(w.instalments._id).lean())!;
    vi.setSystemTime(new Date("2027-01-16T10:00:00+07:00")); // the first instalment was due on 15/01
    const page = await (await responseOf(pledgeLoader({ request: getRequest(`/pledges/${w.refs.instalments}`, w.cookie), params: { reference: w.refs.instalments }, context: {} }))).json();
    expect(page.pledge.state).toBe("overdue");
    expect(page.pledge.instalments.map((i: { status: string }) => i.status)).toEqual(["overdue", "pending", "pending"]);
    const after = (await Pledge.findById(w.instalments._id).lean())!;
    expect([after.state, after.updatedAt.getTime()]).toEqual([before.state, before.updatedAt.getTime()]);
  });
});

describe("counts in English", () => {
  test("one line is “line”, several are “lines”; Vietnamese keeps one form", async () => {
    const w = await world();
    const csv = statement(`10/12/2026 09:00:00,FT1,,"5.000.000","${w.refs.cash} ung ho"`, `11/12/2026 09:00:00,FT2,"11.000",,"Phi SMS"`, `12/12/2026,FT3,,"300.000","Lai tien gui"`);
    const { body } = await previewVia(w, { layout: "vietcombank", statement: csvBlob(csv) });
    expect(body.preview.skipped).toEqual({ debit: 1, other: 0 });
    const response = await run(action, await multipartRequest(`${w.pagePath}?lng=en`, { intent: "confirm", layout: "vietcombank", csvText: body.csvText }, { cookie: w.cookie }), String(w.a._id));
    expect((await toastOf(response))?.message).toBe("Statement imported: 1 gift recorded (₫5,000,000), 1 line queued, 0 lines imported before.");

    const en = await getFixedT("en");
    const viT = await getFixedT("vi");
    expect(en("reconcile.preview.skippedDebit", { count: 1 })).toBe("Skipped 1 money-out line.");
    expect(en("reconcile.preview.skippedDebit", { count: 2 })).toBe("Skipped 2 money-out lines.");
    expect(en("reconcile.preview.skippedOther", { count: 1 })).toMatch(/^Skipped 1 line that is not/);
    expect(en("reconcile.errors.rowsUnreadable", { count: 1 })).toMatch(/^1 line could not be read/);
    expect(viT("reconcile.preview.skippedDebit", { count: 1 })).toBe("Đã bỏ qua 1 dòng tiền ra.");
    expect(viT("reconcile.preview.skippedDebit", { count: 3 })).toBe("Đã bỏ qua 3 dòng tiền ra.");

    // Every English message that counts something has both forms; Vietnamese has the one form.
    const flat = (tree: object, prefix = ""): Array<[string, string]> =>
      Object.entries(tree).flatMap(([key, value]) => (typeof value === "string" ? [[`${prefix}${key}`, value] as [string, string]] : flat(value as object, `${prefix}${key}.`)));
    const english = new Map(flat(reconcileEn));
    const vietnamese = new Map(flat(reconcileVi));
    const counted = [...english].filter(([, text]) => /\{\{count\}\} \p{L}/u.test(text)).map(([key]) => key);
    expect(counted.length).toBeGreaterThan(8);
    for (const key of counted) {
      const base = key.replace(/_(one|other)$/, "");
      expect(key, `${key} counts but is not pluralised`).toMatch(/_(one|other)$/);
      expect(english.has(`${base}_one`) && english.has(`${base}_other`), `${base} needs _one and _other`).toBe(true);
      expect(vietnamese.has(base), `${base} in Vietnamese`).toBe(true);
    }
  });
});

describe("a statement over the line cap", () => {
  test("is refused while it streams in, long before it is read whole, and nothing is written", async () => {
    const w = await world();
    const before = await BankStatementLine.countDocuments();
    const boundary = "----gopsuc-line-cap";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="intent"\r\n\r\npreview\r\n--${boundary}\r\nContent-Disposition: form-data; name="layout"\r\n\r\nvietcombank\r\n--${boundary}\r\nContent-Disposition: form-data; name="statement"; filename="saoke-dai.csv"\r\nContent-Type: text/csv\r\n\r\nNgày giao dịch,Số tiền ghi có,Mô tả\r\n`;
    const line = "01/12/2026,1.000,ung ho\r\n"; // 24 bytes: 150,000 lines is 3.6 MB, under the byte cap
    const totalLines = 150_000;
    const chunkLines = 1_000;
    let pulledBytes = 0;
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(head));
      },
      pull(controller) {
        if (sent >= totalLines) {
          controller.enqueue(encoder.encode(`--${boundary}--\r\n`));
          controller.close();
          return;
        }
        const chunk = encoder.encode(line.repeat(chunkLines));
        pulledBytes += chunk.length;
        sent += chunkLines;
        controller.enqueue(chunk);
      },
    });
    const request = new Request(`http://localhost:3000${w.pagePath}`, { method: "POST", body, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, Cookie: w.cookie }, duplex: "half" } as RequestInit);
    const response = await run(action, request, String(w.a._id));
    expect(response.status).toBe(400);
    const reply = await response.json();
    expect(reply.errors.statement).toEqual(['reconcile.errors.tooManyLines|{"max":5000}']);
    // Refused once the cap was passed: about 5,000 of the 150,000 lines were read, not the whole file.
    expect(pulledBytes).toBeLessThan(line.length * totalLines * 0.1);
    expect(await BankStatementLine.countDocuments()).toBe(before);
  });
});
