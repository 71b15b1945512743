import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { CorrectionRequest, correctionKey } from "#models/correction-request.server";
import { Donation } from "#models/donation.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import type { SessionUser } from "#models/user.server";
import { correctionReviewQueue, decideCorrection, requestCorrection } from "#services/corrections";
import { recordDonation } from "#services/money/donations";
import { verifyLedgerChain } from "#services/money/ledger";
import { recordOfflineGift } from "#services/offline-gifts";
import { DEFAULT_LIMITS, HARD_MAX_AMOUNT } from "#services/payment-limits";
import { getLimits, updateLimits } from "#services/settings";
import { HARD_MAX_AMOUNT as MODEL_HARD_MAX } from "#models/setting.server";
import { action as settingsAction, loader as settingsLoader } from "~/routes/admin.settings";
import { loader as financeLoader } from "~/routes/manage.programmes.$id_.finance";
import { action as correctAction, loader as correctLoader } from "~/routes/manage.programmes.$id_.gifts.$giftId.correct";
import { action as reviewAction, loader as reviewLoader } from "~/routes/review.corrections";
import { cashGiftInput, createInstitution, createOpenProgramme, formToken, vnDate, receivedCopyOf } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";


const newToken = () => formToken("corr-token");

type Person = SessionUser & { cookie: string };
async function person(overrides: Parameters<typeof createTestUser>[0]): Promise<Person> {
  const user = await createTestUser(overrides);
  return { ...user, cookie: await sessionCookieFor(user.id) };
}

const openProgramme = (institution: Awaited<ReturnType<typeof createInstitution>>) =>
  createOpenProgramme(institution, { title: "Góc đọc sách cộng đồng", summary: "Góc đọc cho thiếu nhi.", themes: ["reading-culture"] });

/** A cash gift recorded by a manager through the offline-gift service. */
async function recordCash(actor: SessionUser, programmeId: string, amount: number) {
  const result = await recordOfflineGift(actor, programmeId, cashGiftInput(amount, { receivedAt: vnDate(-1) }));
  return result.donationId;
}

const correctPath = (programmeId: string, giftId: string) => `/manage/programmes/${programmeId}/gifts/${giftId}/correct`;
async function postCorrection(programmeId: string, giftId: string, fields: Record<string, string>, cookie?: string) {
  const request = await formRequest(correctPath(programmeId, giftId), { clientToken: newToken(), ...fields }, { cookie });
  return responseOf(correctAction({ request, params: { id: programmeId, giftId }, context: {} }));
}
async function loadCorrection(programmeId: string, giftId: string, cookie?: string) {
  return responseOf(correctLoader({ request: getRequest(correctPath(programmeId, giftId), cookie), params: { id: programmeId, giftId }, context: {} }));
}
async function postDecision(fields: Record<string, string>, cookie: string) {
  return responseOf(reviewAction({ request: await formRequest("/review/corrections", fields, { cookie }), params: {}, context: {} }));
}
async function loadReview(cookie: string) {
  return responseOf(reviewLoader({ request: getRequest("/review/corrections", cookie), params: {}, context: {} }));
}
async function loadFinance(programmeId: string, cookie: string) {
  return responseOf(financeLoader({ request: getRequest(`/manage/programmes/${programmeId}/finance`, cookie), params: { id: programmeId }, context: {} }));
}
const received = async (programmeId: string) => receivedCopyOf(programmeId);
const correctionEntries = (donationId: string) => LedgerEntry.find({ sourceId: donationId, kind: "correction" }).lean();

describe("corrections of recorded gifts", () => {
  let institution: Awaited<ReturnType<typeof createInstitution>>;
  let programmeId: string;
  let manager: Person;
  let colleague: Person;
  let otherManager: Person;
  let officer: Person;
  let otherOfficer: Person;
  let ministry: Person;

  beforeAll(async () => {
    institution = await createInstitution({ name: "Thư viện Hà Nội", provinceSlug: "ha-noi" });
    programmeId = String((await openProgramme(institution))._id);
    manager = await person({ role: "manager", institutionIds: [String(institution._id)], name: "Quản lý Một" });
    colleague = await person({ role: "manager", institutionIds: [String(institution._id)], name: "Quản lý Hai" });
    otherManager = await person({ role: "manager", institutionIds: [String((await createInstitution({ provinceSlug: "ha-noi" }))._id)] });
    officer = await person({ role: "province_officer", provinceSlug: "ha-noi", name: "Cán bộ Sở Hà Nội" });
    otherOfficer = await person({ role: "province_officer", provinceSlug: "da-nang" });
    ministry = await person({ role: "ministry_officer" });
  });

  test("a small correction books at once: a reversing entry with the reason, the received total drops, the chain still verifies", async () => {
    const giftId = await recordCash(manager, programmeId, 5_000_000);
    const before = await received(programmeId);

    const form = await (await loadCorrection(programmeId, giftId, manager.cookie)).json();
    expect(form).toMatchObject({ correctable: true, left: 5_000_000, reversed: 0, threshold: DEFAULT_LIMITS.correctionApprovalThreshold });
    expect(form.clientToken).toMatch(/^[A-Za-z0-9_-]{16,64}$/);

    const response = await postCorrection(programmeId, giftId, { amount: "2.000.000", reason: "Nhập nhầm số tiền trên phiếu thu" }, manager.cookie);
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/manage/programmes/${programmeId}/finance`);

    const [entry] = await correctionEntries(giftId);
    const original = await LedgerEntry.findOne({ sourceId: giftId, kind: "donation_received" }).lean();
    expect(entry).toMatchObject({ kind: "correction", amount: -2_000_000, description: "Nhập nhầm số tiền trên phiếu thu", reversesEntryId: original!._id });
    const request = await CorrectionRequest.findOne({ donationId: giftId }).lean();
    expect(request).toMatchObject({ state: "approved", needsApproval: false, amount: 2_000_000 });
    expect(entry!.idempotencyKey).toBe(correctionKey(request!._id));
    expect(await received(programmeId)).toBe(before - 2_000_000);
    // The gift itself is never edited.
    expect((await Donation.findById(giftId).lean())!.amount).toBe(5_000_000);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
    expect(await AuditEvent.countDocuments({ action: "correction.book", subjectId: String(request!._id) })).toBe(1);

    // The finance page shows the correction, its reason, and what is left of the gift.
    const finance = await (await loadFinance(programmeId, manager.cookie)).json();
    expect(finance.reversedByGift[giftId]).toBe(2_000_000);
    expect(finance.corrections[0]).toMatchObject({ amount: 2_000_000, reason: "Nhập nhầm số tiền trên phiếu thu", state: "approved", requestedBy: "Quản lý Một" });
    expect(finance.totals.received).toBe(before - 2_000_000);
    expect(finance.totals.receivedMoney).toBe(before - 2_000_000);

    // The rest of the gift, in full: then nothing is left to correct.
    expect((await postCorrection(programmeId, giftId, { amount: "3.000.000", reason: "Ghi trùng phiếu thu PT-01" }, colleague.cookie)).status).toBe(302);
    expect(await received(programmeId)).toBe(before - 5_000_000);
    const none = await postCorrection(programmeId, giftId, { amount: "1", reason: "Thêm một lần nữa" }, manager.cookie);
    expect(none.status).toBe(400);
    expect((await none.json()).errors.amount).toEqual(["corrections.validation.nothingLeft"]);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
  });

  test("a reason is required, the amount must be left of the gift, and refused input changes nothing", async () => {
    const giftId = await recordCash(manager, programmeId, 4_000_000);
    const before = { ledger: await LedgerEntry.countDocuments(), requests: await CorrectionRequest.countDocuments(), received: await received(programmeId) };

    const noReason = await postCorrection(programmeId, giftId, { amount: "1.000.000", reason: "" }, manager.cookie);
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).errors.reason).toContain("validation.required");
    const short = await postCorrection(programmeId, giftId, { amount: "1.000.000", reason: "sai" }, manager.cookie);
    expect((await short.json()).errors.reason).toEqual(["corrections.validation.reasonTooShort"]);
    const tooMuch = await postCorrection(programmeId, giftId, { amount: "4.000.001", reason: "Nhập nhầm số tiền" }, manager.cookie);
    expect(tooMuch.status).toBe(400);
    expect((await tooMuch.json()).errors.amount).toEqual(["corrections.validation.moreThanLeft"]);
    const zero = await postCorrection(programmeId, giftId, { amount: "0", reason: "Nhập nhầm số tiền" }, manager.cookie);
    expect(zero.status).toBe(400);
    const noCsrf = await responseOf(
      correctAction({ request: await formRequest(correctPath(programmeId, giftId), { clientToken: newToken(), amount: "1.000", reason: "Nhập nhầm số tiền" }, { cookie: manager.cookie, csrf: false }), params: { id: programmeId, giftId }, context: {} }),
    );
    expect(noCsrf.status).toBe(403);

    expect(await LedgerEntry.countDocuments()).toBe(before.ledger);
    expect(await CorrectionRequest.countDocuments()).toBe(before.requests);
    expect(await received(programmeId)).toBe(before.received);
  });

  test("the same form submitted twice books once", async () => {
    const giftId = await recordCash(manager, programmeId, 3_000_000);
    const before = await received(programmeId);
    const fields = { clientToken: newToken(), amount: "1.000.000", reason: "Nhập nhầm số tiền" };
    const first = await responseOf(correctAction({ request: await formRequest(correctPath(programmeId, giftId), fields, { cookie: manager.cookie }), params: { id: programmeId, giftId }, context: {} }));
    const second = await responseOf(correctAction({ request: await formRequest(correctPath(programmeId, giftId), fields, { cookie: manager.cookie }), params: { id: programmeId, giftId }, context: {} }));
    expect([first.status, second.status]).toEqual([302, 302]);
    expect(await correctionEntries(giftId)).toHaveLength(1);
    expect(await CorrectionRequest.countDocuments({ donationId: giftId })).toBe(1);
    expect(await received(programmeId)).toBe(before - 1_000_000);
  });

  test("only the institution's managers correct: another institution's manager, officers and donors are refused", async () => {
    const giftId = await recordCash(manager, programmeId, 2_000_000);
    const before = await LedgerEntry.countDocuments();
    const donor = await person({ role: "donor" });
    for (const outsider of [otherManager, officer, ministry, donor]) {
      expect((await loadCorrection(programmeId, giftId, outsider.cookie)).status).toBe(403);
      expect((await postCorrection(programmeId, giftId, { amount: "1.000.000", reason: "Nhập nhầm số tiền" }, outsider.cookie)).status).toBe(403);
    }
    await expect(requestCorrection(otherManager, programmeId, giftId, { clientToken: newToken(), amount: 1_000, reason: "Nhập nhầm số tiền" })).rejects.toMatchObject({ code: "forbidden" });
    const anonymous = await loadCorrection(programmeId, giftId);
    expect(anonymous.status).toBe(302);
    // A gift of another programme is not found under this one.
    const otherProgramme = String((await openProgramme(institution))._id);
    expect((await loadCorrection(otherProgramme, giftId, manager.cookie)).status).toBe(404);
    expect(await LedgerEntry.countDocuments()).toBe(before);
  });

  test("card payments are refunded in Stripe, not corrected here", async () => {
    const { donationId } = await recordDonation({
      idempotencyKey: `stripe:pi_test_${Date.now()}`,
      programmeId,
      institutionId: institution._id,
      method: "card",
      amount: 1_500_000,
      receivedAt: new Date(),
    });
    const form = await (await loadCorrection(programmeId, donationId, manager.cookie)).json();
    expect(form.correctable).toBe(false);
    const response = await postCorrection(programmeId, donationId, { amount: "1.000.000", reason: "Khách đề nghị hoàn tiền" }, manager.cookie);
    expect(response.status).toBe(400);
    expect((await response.json()).formError).toBe("corrections.cardRefundInStripe");
    expect(await correctionEntries(donationId)).toHaveLength(0);
  });

  test("a large correction waits for the province officer: requester and other provinces cannot approve; approved twice books once", async () => {
    const giftId = await recordCash(manager, programmeId, 80_000_000);
    const before = await received(programmeId);

    const response = await postCorrection(programmeId, giftId, { amount: "60.000.000", reason: "Phiếu thu ghi sai số tiền, đúng là 20 triệu" }, colleague.cookie);
    expect(response.status).toBe(302);
    const request = await CorrectionRequest.findOne({ donationId: giftId }).lean();
    expect(request).toMatchObject({ state: "requested", needsApproval: true, amount: 60_000_000, provinceSlug: "ha-noi" });
    expect(await correctionEntries(giftId)).toHaveLength(0);
    expect(await received(programmeId)).toBe(before);
    expect(await AuditEvent.countDocuments({ action: "correction.request", subjectId: String(request!._id) })).toBe(1);
    const requestId = String(request!._id);

    // While it waits, its amount is reserved: no more than the rest can be asked for.
    const over = await postCorrection(programmeId, giftId, { amount: "20.000.001", reason: "Nhập nhầm số tiền" }, manager.cookie);
    expect((await over.json()).errors.amount).toEqual(["corrections.validation.moreThanLeft"]);
    expect((await (await loadFinance(programmeId, manager.cookie)).json()).pendingByGift[giftId]).toBe(60_000_000);

    // Managers (the requester included) cannot reach the review page or approve.
    expect((await loadReview(colleague.cookie)).status).toBe(403);
    expect((await postDecision({ requestId, decision: "approve", reason: "" }, colleague.cookie)).status).toBe(403);
    await expect(decideCorrection(colleague, { requestId, decision: "approve", reason: "" })).rejects.toMatchObject({ code: "forbidden" });
    // Another province's officer neither sees nor decides it.
    expect((await (await loadReview(otherOfficer.cookie)).json()).pending.map((r: { id: string }) => r.id)).not.toContain(requestId);
    expect((await postDecision({ requestId, decision: "approve", reason: "" }, otherOfficer.cookie)).status).toBe(403);
    expect(await correctionEntries(giftId)).toHaveLength(0);

    // The province's officer sees it and approves it — twice (a double click): booked once.
    const queue = await (await loadReview(officer.cookie)).json();
    expect(queue.pending.find((r: { id: string }) => r.id === requestId)).toMatchObject({ amount: 60_000_000, canDecide: true, requestedBy: "Quản lý Hai" });
    const [first, second] = [await postDecision({ requestId, decision: "approve", reason: "Đã đối chiếu phiếu thu" }, officer.cookie), await postDecision({ requestId, decision: "approve", reason: "" }, officer.cookie)];
    expect([first.status, second.status]).toEqual([302, 302]);
    const entries = await correctionEntries(giftId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ amount: -60_000_000, idempotencyKey: correctionKey(requestId) });
    expect(await received(programmeId)).toBe(before - 60_000_000);
    expect(await CorrectionRequest.findById(requestId).lean()).toMatchObject({ state: "approved", decisionReason: "Đã đối chiếu phiếu thu" });
    expect(String((await CorrectionRequest.findById(requestId).lean())!.decidedBy)).toBe(officer.id);
    expect(await AuditEvent.countDocuments({ action: "correction.approve", subjectId: requestId })).toBe(1);
    // Concurrent approvals also book once.
    await Promise.all([decideCorrection(officer, { requestId, decision: "approve", reason: "" }), decideCorrection(ministry, { requestId, decision: "approve", reason: "" })]);
    expect(await correctionEntries(giftId)).toHaveLength(1);
    // A rejection after the approval is refused.
    expect((await postDecision({ requestId, decision: "reject", reason: "Đổi ý" }, officer.cookie)).status).toBe(409);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
  });

  test("nobody approves their own request or the correction of a gift they recorded", async () => {
    const admin = await person({ role: "admin" });
    const otherAdmin = await person({ role: "admin" });
    // An admin records a large gift; a manager asks to correct it; that admin may not approve.
    const giftId = await recordCash(admin, programmeId, 70_000_000);
    const asked = await requestCorrection(manager, programmeId, giftId, { clientToken: newToken(), amount: 70_000_000, reason: "Ghi nhầm chương trình" });
    expect(asked).toMatchObject({ state: "requested", needsApproval: true });
    expect((await postDecision({ requestId: asked.requestId, decision: "approve", reason: "" }, admin.cookie)).status).toBe(403);
    // An admin requests a correction; the same admin may not approve it.
    const giftId2 = await recordCash(manager, programmeId, 55_000_000);
    const own = await requestCorrection(otherAdmin, programmeId, giftId2, { clientToken: newToken(), amount: 55_000_000, reason: "Ghi trùng hai lần" });
    await expect(decideCorrection(otherAdmin, { requestId: own.requestId, decision: "approve", reason: "" })).rejects.toMatchObject({ code: "forbidden", message: "corrections.ownRequest" });
    expect((await correctionReviewQueue(otherAdmin)).pending.find((r) => r.id === own.requestId)?.canDecide).toBe(false);
    expect(await correctionEntries(giftId)).toHaveLength(0);
    expect(await correctionEntries(giftId2)).toHaveLength(0);
    // Someone else may.
    expect((await postDecision({ requestId: asked.requestId, decision: "approve", reason: "" }, otherAdmin.cookie)).status).toBe(302);
    expect(await correctionEntries(giftId)).toHaveLength(1);
  });

  test("splitting a large correction into small ones still needs the second person", async () => {
    const giftId = await recordCash(manager, programmeId, 100_000_000);
    const first = await requestCorrection(manager, programmeId, giftId, { clientToken: newToken(), amount: 30_000_000, reason: "Nhập nhầm số tiền" });
    expect(first).toMatchObject({ state: "approved", needsApproval: false });
    const second = await requestCorrection(manager, programmeId, giftId, { clientToken: newToken(), amount: 30_000_000, reason: "Nhập nhầm số tiền lần hai" });
    expect(second).toMatchObject({ state: "requested", needsApproval: true });
    expect(await correctionEntries(giftId)).toHaveLength(1);
  });

  test("correcting an in-kind gift in full lowers the goods received, not the money, and its items no longer count", async () => {
    const { donationId } = await recordDonation({
      idempotencyKey: `offline:in-kind-${Date.now()}`,
      programmeId,
      institutionId: institution._id,
      method: "in_kind",
      amount: 1_800_000,
      receivedAt: new Date(),
      inKind: { items: [{ item: "Kệ sách gỗ nhầm", quantity: 1, unitValue: 1_800_000 }], valuationBasis: "Hóa đơn" },
      recordedBy: manager.id,
    });
    const before = (await (await loadFinance(programmeId, manager.cookie)).json()).totals;
    expect((await postCorrection(programmeId, donationId, { amount: "1.800.000", reason: "Hiện vật ghi nhầm chương trình" }, manager.cookie)).status).toBe(302);
    const after = await (await loadFinance(programmeId, manager.cookie)).json();
    expect(after.totals.receivedInKind).toBe(before.receivedInKind - 1_800_000);
    expect(after.totals.receivedMoney).toBe(before.receivedMoney);
    expect(after.inKind.map((row: { item: string }) => row.item)).not.toContain("Kệ sách gỗ nhầm");
  });

  test("a rejection books nothing and needs a reason", async () => {
    const giftId = await recordCash(manager, programmeId, 90_000_000);
    const before = await received(programmeId);
    const { requestId } = await requestCorrection(manager, programmeId, giftId, { clientToken: newToken(), amount: 90_000_000, reason: "Ghi nhầm toàn bộ khoản" });
    const noReason = await postDecision({ requestId, decision: "reject", reason: "" }, officer.cookie);
    expect(noReason.status).toBe(400);
    expect((await CorrectionRequest.findById(requestId).lean())!.state).toBe("requested");
    expect((await postDecision({ requestId, decision: "reject", reason: "Phiếu thu khớp với sao kê, không sai" }, officer.cookie)).status).toBe(302);
    expect(await CorrectionRequest.findById(requestId).lean()).toMatchObject({ state: "rejected", decisionReason: "Phiếu thu khớp với sao kê, không sai" });
    expect(await correctionEntries(giftId)).toHaveLength(0);
    expect(await received(programmeId)).toBe(before);
    expect(await AuditEvent.countDocuments({ action: "correction.reject", subjectId: requestId })).toBe(1);
    // Approving a rejected request is refused; the books stay as they are.
    expect((await postDecision({ requestId, decision: "approve", reason: "" }, officer.cookie)).status).toBe(409);
    expect(await correctionEntries(giftId)).toHaveLength(0);
    // The rejected amount is free again: the whole gift can be asked for anew.
    expect((await (await loadCorrection(programmeId, giftId, manager.cookie)).json()).left).toBe(90_000_000);
    const finance = await (await loadFinance(programmeId, officer.cookie)).json();
    expect(finance.corrections.find((c: { id: string }) => c.id === requestId)).toMatchObject({ state: "rejected", decidedBy: "Cán bộ Sở Hà Nội" });
  });
});

describe("the admin's platform limits", () => {
  let admin: Person;
  afterAll(async () => {
    await updateLimits(admin, { ...DEFAULT_LIMITS });
  });

  test("the form's ceiling is the model's", () => {
    expect(HARD_MAX_AMOUNT).toBe(MODEL_HARD_MAX);
  });

  test("only admins see and change the limits; a change is audited and moves the correction threshold", async () => {
    admin = await person({ role: "admin" });
    const manager = await person({ role: "manager" });
    const officer = await person({ role: "ministry_officer" });
    const load = (cookie: string) => responseOf(settingsLoader({ request: getRequest("/admin/settings", cookie), params: {}, context: {} }));
    const post = async (fields: Record<string, string>, cookie: string) => responseOf(settingsAction({ request: await formRequest("/admin/settings", fields, { cookie }), params: {}, context: {} }));

    expect((await load(manager.cookie)).status).toBe(403);
    expect((await load(officer.cookie)).status).toBe(403);
    expect((await post({ maxAmount: "1.000.000", correctionApprovalThreshold: "1.000" }, officer.cookie)).status).toBe(403);
    expect((await (await load(admin.cookie)).json()).limits).toEqual({ ...DEFAULT_LIMITS });

    // Refused: above the ceiling, a threshold above the largest gift, not a number. Nothing changes.
    const above = await post({ maxAmount: "2.000.000.000.000", correctionApprovalThreshold: "1.000.000" }, admin.cookie);
    expect(above.status).toBe(400);
    // The first message is the one shown: the amount field's own ceiling, or this form's.
    expect((await above.json()).errors.maxAmount[0]).toMatch(/^(validation\.amountTooLarge|admin\.settings\.aboveCeiling)/);
    const inverted = await post({ maxAmount: "10.000.000", correctionApprovalThreshold: "20.000.000" }, admin.cookie);
    expect((await inverted.json()).errors.correctionApprovalThreshold).toEqual(["admin.settings.thresholdAboveMax"]);
    expect((await post({ maxAmount: "abc", correctionApprovalThreshold: "" }, admin.cookie)).status).toBe(400);
    expect(await getLimits()).toEqual({ ...DEFAULT_LIMITS });

    const saved = await post({ maxAmount: "50.000.000.000", correctionApprovalThreshold: "1.000.000" }, admin.cookie);
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe("/admin/settings");
    expect(await getLimits()).toEqual({ maxAmount: 50_000_000_000, correctionApprovalThreshold: 1_000_000 });
    expect(await AuditEvent.countDocuments({ action: "settings.update_limits", actorId: admin.id })).toBe(1);

    // Now a 2.000.000 ₫ correction — booked at once under the default — waits for approval.
    const institution = await createInstitution({ provinceSlug: "ha-noi" });
    const programmeId = String((await openProgramme(institution))._id);
    const institutionManager = await person({ role: "manager", institutionIds: [String(institution._id)] });
    const giftId = await recordCash(institutionManager, programmeId, 5_000_000);
    const response = await postCorrection(programmeId, giftId, { amount: "2.000.000", reason: "Nhập nhầm số tiền" }, institutionManager.cookie);
    expect(response.status).toBe(302);
    expect(await CorrectionRequest.findOne({ donationId: giftId }).lean()).toMatchObject({ state: "requested", needsApproval: true });
    expect(await correctionEntries(giftId)).toHaveLength(0);
  });
});
