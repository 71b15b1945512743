import { beforeAll, describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { Expenditure } from "#models/expenditure.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import type { SessionUser } from "#models/user.server";
import { expenditureKey, expenditureReversalKey } from "#services/expenditures";
import { appendLedgerEntry, verifyLedgerChain } from "#services/money/ledger";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { rebuildProjections, spentOfProgramme } from "#services/money/projections";
import { recordOfflineGift } from "#services/offline-gifts";
import { action as listAction, loader as listLoader } from "~/routes/manage.programmes.$id_.expenditures._index";
import { action as newAction, loader as newLoader } from "~/routes/manage.programmes.$id_.expenditures.new";
import { loader as fileLoader } from "~/routes/files.$id";
import { loader as programmeLoader } from "~/routes/programmes.$slug";
import { cashGiftInput, createInstitution, createOpenProgramme, formToken, vnDate } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, multipartRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * Money out (issue 12): a manager records an expenditure with its receipt, publishes it (a second person
 * at or above the threshold), and everyone sees it on the programme's page with the receipt; a published
 * one is taken back only by a reversing entry. The books: one ledger entry per step, the chain verifies,
 * the spent total equals a rebuild from the ledger, and no programme spends more than it received.
 */

const PDF = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
);

type Person = SessionUser & { cookie: string };
async function person(overrides: Parameters<typeof createTestUser>[0]): Promise<Person> {
  const user = await createTestUser(overrides);
  return { ...user, cookie: await sessionCookieFor(user.id) };
}

const LINES = [
  { code: "SACH", label: "Mua sách", amount: 60_000_000 },
  { code: "KE", label: "Kệ và bàn ghế", amount: 20_000_000 },
];

describe("money out", () => {
  let programmeId: string;
  let slug: string;
  let institutionId: string;
  let manager: Person;
  let colleague: Person;
  let officer: Person;
  let outsider: Person;

  const listPath = () => `/manage/programmes/${programmeId}/expenditures`;
  async function record(fields: Record<string, string>, who: Person, receipt?: Blob) {
    const request = await multipartRequest(`${listPath()}/new`, { clientToken: formToken("exp"), budgetLineCode: "SACH", spentAt: vnDate(-1), payee: "Công ty Sách Việt", description: "Mua 200 đầu sách thiếu nhi", ...fields, ...(receipt ? { receipts: receipt } : {}) }, { cookie: who.cookie, filename: "hoa-don.pdf" });
    return responseOf(newAction({ request, params: { id: programmeId }, context: {} }));
  }
  async function act(expenditureId: string, intent: string, who: Person, reason = "") {
    const request = await formRequest(listPath(), { expenditureId, intent, reason }, { cookie: who.cookie });
    return responseOf(listAction({ request, params: { id: programmeId }, context: {} }));
  }
  async function list(who: Person) {
    return (await responseOf(listLoader({ request: getRequest(listPath(), who.cookie), params: { id: programmeId }, context: {} }))).json();
  }
  const latest = async () => (await Expenditure.find({ programmeId }).sort({ createdAt: -1 }).limit(1).lean())[0]!;
  const publicPage = async () => (await responseOf(programmeLoader({ request: getRequest(`/programmes/${slug}`), params: { slug }, context: {} }))).json();

  beforeAll(async () => {
    const institution = await createInstitution({ provinceSlug: "hue" });
    institutionId = String(institution._id);
    const programme = await createOpenProgramme(institution, { title: "Góc đọc thiếu nhi", budgetLines: LINES });
    programmeId = String(programme._id);
    slug = programme.slug;
    manager = await person({ role: "manager", institutionIds: [institutionId], name: "Quản lý Một" });
    colleague = await person({ role: "manager", institutionIds: [institutionId], name: "Quản lý Hai" });
    officer = await person({ role: "province_officer", provinceSlug: "hue" });
    outsider = await person({ role: "manager", institutionIds: [String((await createInstitution({ provinceSlug: "hue" }))._id)] });
    // Money in first: 70 million received.
    await recordOfflineGift(manager, programmeId, cashGiftInput(70_000_000, { receivedAt: vnDate(-3) }));
  });

  test("a small expenditure: a private draft with its receipt, then published — one ledger entry, spent and balance move, the public sees it and its receipt", async () => {
    const saved = await record({ amount: "12.500.000" }, manager, new Blob([PDF], { type: "application/pdf" }));
    expect(saved.status).toBe(302);
    const draft = await latest();
    expect(draft).toMatchObject({ state: "draft", amount: 12_500_000, budgetLineCode: "SACH", payee: "Công ty Sách Việt" });
    expect(draft.receiptFileIds).toHaveLength(1);
    const receiptId = String(draft.receiptFileIds[0]);
    // A draft is private: not on the public page, its receipt refused to the public.
    expect((await publicPage()).spending.expenditures).toEqual([]);
    expect((await responseOf(fileLoader({ request: getRequest(`/files/${receiptId}`), params: { id: receiptId }, context: {} }))).status).toBe(403);

    expect((await act(String(draft._id), "publish", manager)).status).toBe(302);
    const entry = await LedgerEntry.findOne({ idempotencyKey: expenditureKey(draft._id) }).lean();
    expect(entry).toMatchObject({ kind: "expenditure", amount: -12_500_000, sourceType: "expenditure" });
    expect(await spentOfProgramme(programmeId)).toBe(12_500_000);
    const view = await list(manager);
    expect(view).toMatchObject({ received: 70_000_000, spent: 12_500_000, balance: 57_500_000 });
    expect(view.budgetLines).toEqual([
      { code: "SACH", label: "Mua sách", planned: 60_000_000, spent: 12_500_000 },
      { code: "KE", label: "Kệ và bàn ghế", planned: 20_000_000, spent: 0 },
    ]);
    const page = await publicPage();
    expect(page.spending.spent).toBe(12_500_000);
    expect(page.spending.expenditures).toMatchObject([{ amount: 12_500_000, payee: "Công ty Sách Việt", budgetLineLabel: "Mua sách", receiptFileIds: [receiptId] }]);
    // Published, its receipt is public.
    const file = await responseOf(fileLoader({ request: getRequest(`/files/${receiptId}`), params: { id: receiptId }, context: {} }));
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Type")).toBe("application/pdf");
    // Publishing again changes nothing.
    await act(String(draft._id), "publish", manager);
    expect(await LedgerEntry.countDocuments({ sourceId: draft._id })).toBe(1);
    expect(await AuditEvent.countDocuments({ subjectId: draft._id, action: "expenditure.publish" })).toBe(1);
  });

  test("at or above the threshold a second person approves; the maker cannot; a rejection sends it back with the reason", async () => {
    await record({ amount: "50000000", budgetLineCode: "KE", payee: "Xưởng mộc Huế", description: "Đóng 10 kệ sách" }, manager);
    const big = await latest();
    await act(String(big._id), "publish", manager);
    expect((await Expenditure.findById(big._id).lean())!.state).toBe("awaiting_approval");
    expect(await LedgerEntry.countDocuments({ sourceId: big._id })).toBe(0);
    // A manager of another institution can neither publish nor approve it.
    expect((await act(String(big._id), "publish", outsider)).status).toBe(403);
    // The maker may not approve their own.
    const self = await act(String(big._id), "approve", manager);
    expect(self.status).toBe(409);
    expect((await self.json()).formError).toBe("expenditures.secondPerson");
    // A manager of another institution may not even see it.
    expect((await act(String(big._id), "approve", outsider)).status).toBe(403);
    // Sent back with a reason, then submitted again and approved by the province's officer.
    const noReason = await act(String(big._id), "reject", colleague);
    expect(noReason.status).toBe(400);
    await act(String(big._id), "reject", colleague, "Thiếu hóa đơn đỏ");
    expect(await Expenditure.findById(big._id).lean()).toMatchObject({ state: "draft", rejectionReason: "Thiếu hóa đơn đỏ" });
    await act(String(big._id), "publish", manager);
    // The colleague sees the approve button; the maker does not.
    expect((await list(colleague)).expenditures.find((e: { id: string }) => e.id === String(big._id)).canApprove).toBe(true);
    expect((await list(manager)).expenditures.find((e: { id: string }) => e.id === String(big._id)).canApprove).toBe(false);
    // 12.5 + 50 > 70 received? No: 62.5 ≤ 70 — approved and booked.
    expect((await act(String(big._id), "approve", officer)).status).toBe(302);
    expect(await Expenditure.findById(big._id).lean()).toMatchObject({ state: "published", approvedBy: expect.anything() });
    expect(await spentOfProgramme(programmeId)).toBe(62_500_000);
    // Over the plan of its line (20 million planned, 50 spent): shown as such.
    expect((await list(manager)).budgetLines.find((l: { code: string }) => l.code === "KE")).toMatchObject({ planned: 20_000_000, spent: 50_000_000 });
  });

  test("an expenditure larger than what is left to spend is refused with a clear message and books nothing", async () => {
    await record({ amount: "8000000" }, manager); // 7.5 million left
    const tooMuch = await latest();
    const refused = await act(String(tooMuch._id), "publish", manager);
    expect(refused.status).toBe(409);
    expect((await refused.json()).formError).toBe("expenditures.overBalance");
    expect(await LedgerEntry.countDocuments({ sourceId: tooMuch._id })).toBe(0);
    expect((await Expenditure.findById(tooMuch._id).lean())!.state).toBe("draft");
    // The draft can be deleted (a published one cannot).
    await act(String(tooMuch._id), "delete", manager);
    expect(await Expenditure.findById(tooMuch._id).lean()).toBeNull();
    expect((await list(manager)).expenditures.map((e: { id: string }) => e.id)).not.toContain(String(tooMuch._id));
  });

  test("a published expenditure is reversed by a new entry with its reason: spent drops, both stay public, the chain verifies and equals a rebuild", async () => {
    const published = await Expenditure.findOne({ programmeId, state: "published", budgetLineCode: "SACH" }).lean();
    const noReason = await act(String(published!._id), "reverse", manager);
    expect(noReason.status).toBe(400);
    expect((await act(String(published!._id), "delete", manager)).status).toBe(409);
    await act(String(published!._id), "reverse", manager, "Nhà cung cấp hoàn tiền do giao thiếu sách");
    await act(String(published!._id), "reverse", manager, "Nhà cung cấp hoàn tiền do giao thiếu sách"); // twice: once
    const reversals = await LedgerEntry.find({ idempotencyKey: expenditureReversalKey(published!._id) }).lean();
    expect(reversals).toMatchObject([{ kind: "expenditure_reversal", amount: 12_500_000, reversesEntryId: published!.entryId }]);
    expect(await spentOfProgramme(programmeId)).toBe(50_000_000);
    const page = await publicPage();
    expect(page.spending.spent).toBe(50_000_000);
    expect(page.spending.expenditures.find((e: { id: string }) => e.id === String(published!._id))).toMatchObject({ reversalReason: "Nhà cung cấp hoàn tiền do giao thiếu sách" });
    // Money received is unchanged by money out.
    expect((await list(manager)).received).toBe(70_000_000);
    expect(await verifyLedgerChain(institutionId)).toMatchObject({ ok: true });
    await rebuildProjections();
    expect(await spentOfProgramme(programmeId)).toBe(50_000_000);
    expect((await list(manager)).balance).toBe(20_000_000);
  });

  test("who may do what: the form is the institution's managers'; an officer looks and approves but does not record; a bad amount changes nothing", async () => {
    expect((await responseOf(newLoader({ request: getRequest(`${listPath()}/new`, manager.cookie), params: { id: programmeId }, context: {} }))).status).toBe(200);
    expect((await responseOf(newLoader({ request: getRequest(`${listPath()}/new`, officer.cookie), params: { id: programmeId }, context: {} }))).status).toBe(403);
    expect((await responseOf(listLoader({ request: getRequest(listPath(), outsider.cookie), params: { id: programmeId }, context: {} }))).status).toBe(403);
    expect((await list(officer)).canManage).toBe(false);
    const before = await Expenditure.countDocuments({ programmeId });
    const bad = await record({ amount: "-5", budgetLineCode: "NOPE" }, manager);
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.errors.amount).toBeDefined();
    const unknownLine = await record({ amount: "1000000", budgetLineCode: "NOPE" }, manager);
    expect((await unknownLine.json()).errors.budgetLineCode).toEqual(["expenditures.validation.budgetLine"]);
    expect(await Expenditure.countDocuments({ programmeId })).toBe(before);
  });

  test("a process that stopped between booking an expenditure and marking it: the sweeper marks it published from its entry", async () => {
    await record({ amount: "1000000", payee: "Cửa hàng văn phòng phẩm", description: "Mua bút và giấy cho lớp học" }, manager);
    const stopped = await latest();
    // What book() writes first, as a process that stopped right after it left it.
    await appendLedgerEntry({ institutionId, programmeId, kind: "expenditure", amount: -1_000_000, occurredAt: stopped.spentAt, idempotencyKey: expenditureKey(stopped._id), sourceType: "expenditure", sourceId: stopped._id, description: "SACH: Mua bút và giấy cho lớp học" });
    expect((await Expenditure.findById(stopped._id).lean())!.state).toBe("draft");
    const report = await runSweep({ now: () => new Date(Date.now() + 50 * SWEEPER_LEASE_MS) });
    expect(report.expendituresMarked).toBe(1);
    expect(await Expenditure.findById(stopped._id).lean()).toMatchObject({ state: "published", entryId: expect.anything() });
    expect((await publicPage()).spending.expenditures.map((e: { id: string }) => e.id)).toContain(String(stopped._id));
  });
});
