import { beforeAll, describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { Nomination, nominationIdFor } from "#models/nomination.server";
import { RecognitionRule } from "#models/recognition-rule.server";
import type { SessionUser } from "#models/user.server";
import { vietnamTime } from "#services/calendar";
import { recordDonation, recordReversal } from "#services/money/donations";
import { fillCitation } from "#services/recognition/certificates";
import { action as rulesAction, loader as rulesLoader } from "~/routes/recognition._index";
import { loader as historyLoader } from "~/routes/recognition.donors.$donorId";
import { action as nominationsAction, loader as nominationsLoader } from "~/routes/recognition.nominations";
import { action as qualifyingAction, loader as qualifyingLoader } from "~/routes/recognition.qualifying";
import { loader as drillLoader } from "~/routes/recognition.qualifying_.$ruleId.$donorId";
import { i18nInstance, serializeLanguageCookie } from "~/utils/i18n.server";
import { translateMessage } from "~/utils/messages";
import { getToast } from "~/utils/session.server";
import { createInstitution, createOpenProgramme, createOrganisationDonor, recognitionRuleFields } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

type Person = SessionUser & { cookie: string };
async function person(overrides: Parameters<typeof createTestUser>[0]): Promise<Person> {
  const user = await createTestUser(overrides);
  return { ...user, cookie: await sessionCookieFor(user.id) };
}

/** The flash message a redirect carries, as the next page would show it. */
async function toastOf(response: Response) {
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return (await getToast(new Request("http://localhost/", { headers: { Cookie: cookie } }))).toast;
}

const call = (fn: (args: never) => Promise<unknown>, request: Request, params: Record<string, string> = {}) => responseOf(fn({ request, params, context: {} } as never));
const post = async (fn: (args: never) => Promise<unknown>, path: string, fields: Record<string, string | string[]>, cookie: string, params: Record<string, string> = {}) => call(fn, await formRequest(path, fields, { cookie }), params);

const RULE_SET = "Vinh danh nhà tài trợ trang 2026";
const ruleFields = (overrides: Record<string, string | string[]> = {}) => ({ intent: "create", ...recognitionRuleFields({ ruleSet: RULE_SET, ...overrides }) });

let key = 0;
const organisation = (name: string) => createOrganisationDonor(name);

let ministry: Person;
let secondOfficer: Person;
let managerA: Person;
let managerB: Person;
let donorUser: Person;
let english: Person;
let instA: Awaited<ReturnType<typeof createInstitution>>;
let instB: Awaited<ReturnType<typeof createInstitution>>;
let progA: Awaited<ReturnType<typeof createOpenProgramme>>;
let progB: Awaited<ReturnType<typeof createOpenProgramme>>;
let sachViet: string;
let vanHoaDoc: string;
let ofB: string;
let ruleId: string;
let giftReceipts: string[] = [];

async function give(donorId: string, amount: number, receivedAt: Date, where: { programme: typeof progA; institution: typeof instA }, method: "cash" | "in_kind" = "cash") {
  return recordDonation({ idempotencyKey: `recognition-pages:${(key += 1)}`, programmeId: where.programme._id, institutionId: where.institution._id, donorId, method, amount, receivedAt });
}

beforeAll(async () => {
  instA = await createInstitution({ name: "Thư viện Vinh Danh Hà Nội", provinceSlug: "ha-noi" });
  instB = await createInstitution({ name: "Bảo tàng Vinh Danh Huế", provinceSlug: "hue" });
  progA = await createOpenProgramme(instA, { title: "Tủ sách cộng đồng" });
  progB = await createOpenProgramme(instB, { title: "Phòng trưng bày mở" });
  ministry = await person({ role: "ministry_officer", name: "Trần Thị Bộ" });
  secondOfficer = await person({ role: "ministry_officer", name: "Lê Văn Hai" });
  managerA = await person({ role: "manager", name: "Quản lý Hà Nội", institutionIds: [String(instA._id)] });
  managerB = await person({ role: "manager", name: "Quản lý Huế", institutionIds: [String(instB._id)] });
  donorUser = await person({ role: "donor" });
  english = await person({ role: "ministry_officer", name: "English Officer" });

  sachViet = String((await organisation("Công ty Cổ phần Sách Việt"))._id);
  const a1 = await give(sachViet, 15_000_000, vietnamTime(2026, 12, 31, 23, 30), { programme: progA, institution: instA });
  const a2 = await give(sachViet, 6_000_000, vietnamTime(2026, 3, 8), { programme: progA, institution: instA }, "in_kind");
  const a3 = await give(sachViet, 4_000_000, vietnamTime(2026, 4, 1), { programme: progA, institution: instA });
  await recordReversal({ donationId: a3.donationId, amount: 4_000_000, idempotencyKey: "recognition-pages-refund", kind: "refund", occurredAt: vietnamTime(2026, 4, 2) });
  giftReceipts = [a1.receiptNumber, a2.receiptNumber, a3.receiptNumber];
  vanHoaDoc = String((await organisation("Tập đoàn Văn hóa Đọc"))._id);
  await give(vanHoaDoc, 45_000_000, vietnamTime(2026, 9, 2), { programme: progA, institution: instA });
  ofB = String((await organisation("Công ty Chỉ Tặng Huế"))._id);
  await give(ofB, 30_000_000, vietnamTime(2026, 6, 1), { programme: progB, institution: instB });
});

describe("the rules page", () => {
  test("a ministry officer adds a rule; a bad one gets the messages of its fields, typed values back, and nothing is stored", async () => {
    const bad = await post(rulesAction, "/recognition", ruleFields({ citationVi: "Cảm ơn {ten_sai} rất nhiều", donorKinds: [], minTotal: "abc", year: "1999" }), ministry.cookie);
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.formError).toBe("validation.fixErrors");
    expect(body.errors.citationVi).toEqual([expect.stringContaining("recognition.unknownPlaceholder")]);
    expect(body.errors.donorKinds).toEqual(["recognition.donorKindsRequired"]);
    expect(body.errors.year).toEqual(["recognition.yearInvalid"]);
    expect(body.errors.minTotal[0]).toBe("validation.amountNotNumber");
    // What was typed comes back (the preview is drawn from it when JavaScript is off).
    expect(body.values).toMatchObject({ citationVi: "Cảm ơn {ten_sai} rất nhiều", citationEn: "For contributing {total} to lifelong learning in {year}.", ruleSet: RULE_SET });
    expect(await RecognitionRule.countDocuments()).toBe(0);

    // The messages a Vietnamese reader sees, with the allowed placeholders named.
    const vi = await i18nInstance("vi");
    expect(translateMessage(vi.t, vi, body.errors.citationVi[0])).toBe("Không có chỗ điền {ten_sai}. Chỉ dùng được: {tên} {tổng} {chương trình} {năm} {tỉnh}.");
    expect(translateMessage(vi.t, vi, body.errors.donorKinds[0])).toBe("Chọn ít nhất một đối tượng áp dụng.");

    const created = await post(rulesAction, "/recognition", ruleFields(), ministry.cookie);
    expect(created.status).toBe(302);
    expect(created.headers.get("Location")).toBe("/recognition");
    expect((await toastOf(created))?.message).toBe("Đã thêm quy tắc “Giấy chứng nhận nhà tài trợ”.");
    await post(rulesAction, "/recognition", ruleFields({ type: "minister_merit", nameVi: "Đề nghị Bằng khen của Bộ trưởng", nameEn: "Minister's merit", minTotal: "40.000.000" }), ministry.cookie);
    const rule = await RecognitionRule.findOne({ type: "certificate" }).lean();
    expect(rule).toMatchObject({ ruleSet: RULE_SET, year: 2026, minTotal: 20_000_000, donorKinds: ["organisation", "individual"], countInKind: true, countVolunteerHours: false, scope: "national", active: true });
    ruleId = String(rule!._id);

    const page = await (await call(rulesLoader, getRequest("/recognition", ministry.cookie))).json();
    expect(page.canKeep).toBe(true);
    expect(page.rules.map((r: { name: { vi: string } }) => r.name.vi)).toEqual(["Đề nghị Bằng khen của Bộ trưởng", "Giấy chứng nhận nhà tài trợ"]);
    expect(page.rules[1]).toMatchObject({ citation: { vi: "Đã có thành tích đóng góp {tổng} cho học tập suốt đời năm {năm}.", en: "For contributing {total} to lifelong learning in {year}." } });
    // The preview fills the placeholders in each language.
    const sample = { name: "Công ty TNHH Sách Bình An", total: 20_000_000, programmes: "", year: 2026, province: "" };
    expect(fillCitation(page.rules[1].citation.vi, sample, "vi")).toBe("Đã có thành tích đóng góp 20.000.000\u00a0₫ cho học tập suốt đời năm 2026.");
    expect(fillCitation(page.rules[1].citation.en, sample, "en")).toBe("For contributing ₫20,000,000 to lifelong learning in 2026.");
  });

  test("managers read the active rules without the keeping controls; a manager cannot add or retire; donors and visitors are refused", async () => {
    const page = await (await call(rulesLoader, getRequest("/recognition", managerA.cookie))).json();
    expect(page.canKeep).toBe(false);
    expect(page.rules).toHaveLength(2);
    expect((await post(rulesAction, "/recognition", ruleFields({ nameVi: "Quy tắc của quản lý" }), managerA.cookie)).status).toBe(403);
    expect((await post(rulesAction, "/recognition", { intent: "retire", ruleId }, managerA.cookie)).status).toBe(403);
    expect(await RecognitionRule.countDocuments({ active: true })).toBe(2);
    expect((await call(rulesLoader, getRequest("/recognition", donorUser.cookie))).status).toBe(403);
    const anonymous = await call(rulesLoader, getRequest("/recognition"));
    expect([anonymous.status, anonymous.headers.get("Location")]).toEqual([302, "/login?redirectTo=%2Frecognition"]);
  });

  test("retiring a rule takes it off the managers' list; activating brings it back (and both are in the audit trail)", async () => {
    const retired = await post(rulesAction, "/recognition", { intent: "retire", ruleId }, ministry.cookie);
    expect(retired.status).toBe(302);
    expect((await toastOf(retired))?.message).toBe("Đã ngừng áp dụng quy tắc.");
    expect((await (await call(rulesLoader, getRequest("/recognition", managerA.cookie))).json()).rules).toHaveLength(1);
    expect((await (await call(rulesLoader, getRequest("/recognition", ministry.cookie))).json()).rules.find((r: { id: string }) => r.id === ruleId).active).toBe(false);
    expect((await post(rulesAction, "/recognition", { intent: "activate", ruleId }, ministry.cookie)).status).toBe(302);
    expect((await RecognitionRule.findById(ruleId).lean())!.active).toBe(true);
    expect(await AuditEvent.countDocuments({ subjectId: ruleId, action: { $in: ["recognition_rule.retire", "recognition_rule.activate"] } })).toBe(2);
    expect((await post(rulesAction, "/recognition", { intent: "retire", ruleId: "not-an-id" }, ministry.cookie)).status).toBe(404);
  });
});

describe("who qualifies, nominating in bulk", () => {
  const qualifyingPath = `/recognition/qualifying?${new URLSearchParams({ set: RULE_SET, year: "2026" })}`;

  test("a manager sees the qualifying donors of their institution, each for the highest tier reached", async () => {
    const page = await (await call(qualifyingLoader, getRequest(qualifyingPath, managerA.cookie))).json();
    expect(page.period).toEqual({ set: RULE_SET, year: 2026 });
    expect(page.sets).toEqual([{ set: RULE_SET, year: 2026 }]);
    expect(page.rows.map((r: { name: string; type: string; contribution: number; minTotal: number; nomination: unknown }) => [r.name, r.type, r.contribution, r.minTotal, r.nomination])).toEqual([
      ["Tập đoàn Văn hóa Đọc", "minister_merit", 45_000_000, 40_000_000, null],
      ["Công ty Cổ phần Sách Việt", "certificate", 21_000_000, 20_000_000, null],
    ]);
    // Huế's donor is on Huế's manager's list, not on Hà Nội's.
    expect((await (await call(qualifyingLoader, getRequest(qualifyingPath, managerB.cookie))).json()).rows.map((r: { name: string }) => r.name)).toEqual(["Công ty Chỉ Tặng Huế"]);
    expect((await call(qualifyingLoader, getRequest(qualifyingPath, donorUser.cookie))).status).toBe(403);
  });

  test("the drill-down lists every gift behind the figure, with its receipt, what was refunded, and the total counted", async () => {
    const rows = (await (await call(qualifyingLoader, getRequest(qualifyingPath, managerA.cookie))).json()).rows;
    const row = rows.find((r: { donorId: string }) => r.donorId === sachViet);
    const params = { ruleId: row.ruleId, donorId: sachViet };
    const page = await (await call(drillLoader, getRequest(`/recognition/qualifying/${row.ruleId}/${sachViet}`, managerA.cookie), params)).json();
    expect(page.donor.name).toBe("Công ty Cổ phần Sách Việt");
    expect(page.rule).toMatchObject({ ruleSet: RULE_SET, minTotal: 20_000_000 });
    expect(page.lines.map((l: { receiptNumber: string; method: string; amount: number; reversed: number; counted: boolean; programme: string; institution: string }) => [l.receiptNumber, l.method, l.amount, l.reversed, l.counted, l.programme, l.institution])).toEqual([
      [giftReceipts[1], "in_kind", 6_000_000, 0, true, "Tủ sách cộng đồng", "Thư viện Vinh Danh Hà Nội"],
      [giftReceipts[2], "cash", 4_000_000, -4_000_000, true, "Tủ sách cộng đồng", "Thư viện Vinh Danh Hà Nội"],
      [giftReceipts[0], "cash", 15_000_000, 0, true, "Tủ sách cộng đồng", "Thư viện Vinh Danh Hà Nội"],
    ]);
    expect(page.total).toBe(21_000_000);
    // Huế's manager may not open Hà Nội's donor; an id of the wrong shape is not found.
    expect((await call(drillLoader, getRequest(`/recognition/qualifying/${row.ruleId}/${sachViet}`, managerB.cookie), params)).status).toBe(403);
    expect((await call(drillLoader, getRequest("/recognition/qualifying/x/y", managerA.cookie), { ruleId: "x", donorId: "y" })).status).toBe(404);
  });

  test("a manager nominates two qualifying donors at once; a donor of another institution is refused and not named back; nothing is written for it", async () => {
    const rows = (await (await call(qualifyingLoader, getRequest(qualifyingPath, managerA.cookie))).json()).rows as Array<{ ruleId: string; donorId: string }>;
    const selected = [...rows.map((r) => `${r.ruleId}:${r.donorId}`), `${ruleId}:${ofB}`];

    const tooShort = await post(qualifyingAction, qualifyingPath, { selected, justification: "Tốt" }, managerA.cookie);
    expect(tooShort.status).toBe(400);
    expect((await tooShort.json()).errors.justification).toEqual(["recognition.justificationTooShort"]);
    const none = await post(qualifyingAction, qualifyingPath, { justification: "Đóng góp lớn cho tủ sách cộng đồng" }, managerA.cookie);
    expect((await none.json()).errors.selected).toEqual(["recognition.chooseDonors"]);
    expect(await Nomination.countDocuments()).toBe(0);

    const response = await post(qualifyingAction, qualifyingPath, { selected, justification: "Đóng góp lớn và đều đặn cho tủ sách cộng đồng" }, managerA.cookie);
    expect(response.status).toBe(200);
    const { results } = await response.json();
    expect(results).toEqual([
      { donorId: vanHoaDoc, name: "Tập đoàn Văn hóa Đọc", result: "nominated" },
      { donorId: sachViet, name: "Công ty Cổ phần Sách Việt", result: "nominated" },
      { donorId: ofB, name: null, result: "out_of_scope" },
    ]);
    expect(JSON.stringify(results)).not.toContain("Công ty Chỉ Tặng Huế");
    expect(await Nomination.countDocuments()).toBe(2);
    expect(await Nomination.countDocuments({ donorId: ofB })).toBe(0);
    const nomination = await Nomination.findById(nominationIdFor(ruleId, sachViet)).lean();
    expect(nomination).toMatchObject({ status: "proposed", contribution: 21_000_000, nominatorName: "Quản lý Hà Nội", nominatorRole: "manager", justification: "Đóng góp lớn và đều đặn cho tủ sách cộng đồng" });

    // Again: each keeps its first nomination; the list shows them as proposed, with no box left to tick.
    const again = await (await post(qualifyingAction, qualifyingPath, { selected: selected.slice(0, 2), justification: "Đề cử lần thứ hai cho chắc" }, managerA.cookie)).json();
    expect(again.results.map((r: { result: string }) => r.result)).toEqual(["already", "already"]);
    const page = await (await call(qualifyingLoader, getRequest(qualifyingPath, managerA.cookie))).json();
    expect(page.rows.map((r: { nomination: { status: string } }) => r.nomination.status)).toEqual(["proposed", "proposed"]);
  });
});

describe("reviewing nominations", () => {
  const ids = () => [nominationIdFor(ruleId, sachViet), Nomination.findOne({ donorId: vanHoaDoc }).lean().then((n) => n!._id)] as const;

  test("the list shows who nominated, when, why, and the contribution; managers see it without review controls", async () => {
    const page = await (await call(nominationsLoader, getRequest("/recognition/nominations?status=proposed", ministry.cookie))).json();
    expect(page.canReview).toBe(true);
    expect(page.status).toBe("proposed");
    expect(page.nominations).toHaveLength(2);
    expect(page.nominations.find((n: { donorId: string }) => n.donorId === sachViet)).toMatchObject({ donorName: "Công ty Cổ phần Sách Việt", nominatorName: "Quản lý Hà Nội", nominatorRole: "manager", contribution: 21_000_000, justification: "Đóng góp lớn và đều đặn cho tủ sách cộng đồng", rule: { name: { vi: "Giấy chứng nhận nhà tài trợ" } }, own: false });
    const managers = await (await call(nominationsLoader, getRequest("/recognition/nominations", managerA.cookie))).json();
    expect([managers.canReview, managers.nominations.length]).toEqual([false, 2]);
    expect((await (await call(nominationsLoader, getRequest("/recognition/nominations", managerB.cookie))).json()).nominations).toEqual([]);
    // A manager cannot decide.
    const [first] = ids();
    expect((await post(nominationsAction, "/recognition/nominations", { nominationIds: first, decision: "approve" }, managerA.cookie)).status).toBe(403);
    expect((await Nomination.findById(first).lean())!.status).toBe("proposed");
  });

  test("a reviewer approves one and rejects one with a reason (a rejection without one is refused, nothing decided); the nominee's history shows every step with who and when", async () => {
    const [sachVietId, vanHoaDocId] = [ids()[0], await ids()[1]];
    const noReason = await post(nominationsAction, "/recognition/nominations", { nominationIds: [vanHoaDocId], decision: "reject", reason: "" }, ministry.cookie);
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).errors.reason).toEqual(["recognition.rejectReasonRequired"]);
    expect((await Nomination.findById(vanHoaDocId).lean())!.status).toBe("proposed");

    const approved = await (await post(nominationsAction, "/recognition/nominations", { nominationIds: [sachVietId], decision: "approve" }, ministry.cookie)).json();
    expect(approved.results).toEqual([{ nominationId: sachVietId, name: "Công ty Cổ phần Sách Việt", result: "approved" }]);
    const rejected = await (await post(nominationsAction, "/recognition/nominations", { nominationIds: [vanHoaDocId], decision: "reject", reason: "Đã được khen thưởng năm nay" }, ministry.cookie)).json();
    expect(rejected.results).toEqual([{ nominationId: vanHoaDocId, name: "Tập đoàn Văn hóa Đọc", result: "rejected" }]);

    const approvedList = await (await call(nominationsLoader, getRequest("/recognition/nominations?status=approved", ministry.cookie))).json();
    expect(approvedList.nominations.map((n: { donorName: string; reviewerName: string }) => [n.donorName, n.reviewerName])).toEqual([["Công ty Cổ phần Sách Việt", "Trần Thị Bộ"]]);
    const rejectedList = await (await call(nominationsLoader, getRequest("/recognition/nominations?status=rejected", ministry.cookie))).json();
    expect(rejectedList.nominations[0]).toMatchObject({ donorName: "Tập đoàn Văn hóa Đọc", reviewReason: "Đã được khen thưởng năm nay" });

    const history = await (await call(historyLoader, getRequest(`/recognition/donors/${vanHoaDoc}`, ministry.cookie), { donorId: vanHoaDoc })).json();
    expect(history.donor.name).toBe("Tập đoàn Văn hóa Đọc");
    expect(history.nominations).toHaveLength(1);
    expect(history.trail.map((e: { action: string; actorName: string; actorRole: string; reason: string }) => [e.action, e.actorName, e.actorRole, e.reason])).toEqual([
      ["nomination.propose", "Quản lý Hà Nội", "manager", "Đóng góp lớn và đều đặn cho tủ sách cộng đồng"],
      ["nomination.reject", "Trần Thị Bộ", "ministry_officer", "Đã được khen thưởng năm nay"],
    ]);
    expect(history.trail.every((e: { at: string }) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
    // The history is for reviewers only.
    expect((await call(historyLoader, getRequest(`/recognition/donors/${vanHoaDoc}`, managerA.cookie), { donorId: vanHoaDoc })).status).toBe(403);
  });

  test("a reviewer who nominated cannot decide on their own nomination: someone else must", async () => {
    const own = await post(qualifyingAction, `/recognition/qualifying?${new URLSearchParams({ set: RULE_SET, year: "2026" })}`, { selected: `${ruleId}:${ofB}`, justification: "Đóng góp lớn cho bảo tàng ở Huế" }, secondOfficer.cookie);
    expect((await own.json()).results).toEqual([{ donorId: ofB, name: "Công ty Chỉ Tặng Huế", result: "nominated" }]);
    const id = nominationIdFor(ruleId, ofB);
    const listed = await (await call(nominationsLoader, getRequest("/recognition/nominations?status=proposed", secondOfficer.cookie))).json();
    expect(listed.nominations.find((n: { id: string }) => n.id === id).own).toBe(true);

    const refused = await (await post(nominationsAction, "/recognition/nominations", { nominationIds: id, decision: "approve" }, secondOfficer.cookie)).json();
    expect(refused.results).toEqual([{ nominationId: id, name: "Công ty Chỉ Tặng Huế", result: "own_nomination" }]);
    expect((await Nomination.findById(id).lean())!.status).toBe("proposed");
    const vi = await i18nInstance("vi");
    expect(vi.t(`recognition.nominations.outcomes.${refused.results[0].result}`)).toBe("Đề cử của chính bạn: người khác phải quyết định");

    const decided = await (await post(nominationsAction, "/recognition/nominations", { nominationIds: id, decision: "approve" }, ministry.cookie)).json();
    expect(decided.results[0].result).toBe("approved");
  });
});

describe("in English", () => {
  test("an English reader gets the toast, the field messages and the outcomes in English", async () => {
    const englishCookie = `${english.cookie}; ${(await serializeLanguageCookie("en")).split(";")[0]}`;
    const created = await post(rulesAction, "/recognition", ruleFields({ ruleSet: "Thanks 2026", type: "thanks", nameVi: "Thư cảm ơn", nameEn: "Letter of thanks to sponsors", minTotal: "1.000.000" }), englishCookie);
    expect((await toastOf(created))?.message).toBe("Rule “Letter of thanks to sponsors” added.");

    const bad = await (await post(rulesAction, "/recognition", ruleFields({ citationEn: "Thanks {nom} for {total", donorKinds: [] }), englishCookie)).json();
    const en = await i18nInstance("en");
    expect(bad.errors.citationEn.map((m: string) => translateMessage(en.t, en, m))).toEqual(["There is no placeholder {nom}. You can use: {name} {total} {programmes} {year} {province}.", "Unmatched curly braces: write each placeholder as {name}."]);
    expect(translateMessage(en.t, en, bad.errors.donorKinds[0])).toBe("Choose at least one kind of donor.");
    expect(en.t("recognition.nominations.outcomes.own_nomination")).toBe("Your own nomination: someone else must decide");
    expect(en.t("recognition.qualifying.outcomes.out_of_scope")).toBe("Not within your scope");
    // Every key the schemas may send exists in both languages.
    const vi = await i18nInstance("vi");
    for (const k of ["unknownPlaceholder", "unbalancedBraces", "donorKindsRequired", "yearInvalid", "chooseDonors", "justificationTooShort", "chooseNominations", "rejectReasonRequired", "decisionNumberShape", "revokeReasonRequired"]) {
      expect([vi.exists(`recognition.${k}`), en.exists(`recognition.${k}`)], k).toEqual([true, true]);
    }
  });
});
