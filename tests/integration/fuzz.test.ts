import type { ActionFunctionArgs } from "@remix-run/node";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BankStatementLine } from "#models/bank-statement-line.server";
import { CorrectionRequest } from "#models/correction-request.server";
import { Donation } from "#models/donation.server";
import { Institution } from "#models/institution.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { Session } from "#models/session.server";
import { User } from "#models/user.server";
import { recordOfflineGift } from "#services/offline-gifts";
import { action as passwordAction } from "~/routes/account_.password";
import { action as sessionsAction } from "~/routes/account_.sessions";
import { action as forgotAction } from "~/routes/forgot-password";
import { action as applyAction } from "~/routes/institutions.apply";
import { action as resetAction } from "~/routes/reset-password.$token";
import { action as reconcileAction } from "~/routes/manage.institutions.$id.reconcile";
import { action as correctAction } from "~/routes/manage.programmes.$id_.gifts.$giftId.correct";
import { action as reviewAction } from "~/routes/review.corrections";
import { action as loginAction } from "~/routes/login";
import { action as giftAction } from "~/routes/manage.programmes.$id_.gifts.new";
import { action as newProgrammeAction } from "~/routes/manage.programmes.new";
import { loader as catalogueLoader } from "~/routes/programmes._index";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { action as registerAction } from "~/routes/register";
import { action as setLanguageAction } from "~/routes/set-language";
import { action as rulesAction } from "~/routes/recognition._index";
import { action as certificatesAction } from "~/routes/recognition.certificates";
import { action as nominationsAction } from "~/routes/recognition.nominations";
import { action as qualifyingAction } from "~/routes/recognition.qualifying";
import { loader as verifyFormLoader } from "~/routes/verify._index";
import { batchesSettled } from "~/utils/certificates-admin.server";
import { Donor } from "#models/donor.server";
import { recordDonation } from "#services/money/donations";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { cashGiftInput, createInstitution, createOpenProgramme } from "#tests/fixtures/domain";
import { BASE, createTestUser, csrfPair, joinCookies, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * Fuzz as a test (issue 10): random submissions to the forms anyone or a donor or a manager can send —
 * wrong types, huge strings, unicode, operator-shaped values, 1e309, duplicated and dotted fields,
 * wrong content types, malformed multipart. Never a 5xx; a refusal (4xx) writes nothing.
 * FUZZ_RUNS sets how many cases per form (CI: 200, × 19 forms, the search and the verification form: 4,200 cases); FUZZ_SEED replays a failure.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);

const nasty = fc.oneof(
  fc.constantFrom("", " ", "0", "-5", "1e309", "-1e309", "NaN", "Infinity", "9007199254740993", "1.5", "0x10", "١٢٣", "3.000.000", "3,000,000", "true", "null", "undefined", "[object Object]"),
  fc.constantFrom('{"$gt":""}', "[$ne]", "$where", "'; DROP TABLE users; --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "\u0000", "\u202e", "𝕏🎉", "Nguyễn Thị Đào", "a@b.vn", "2026-02-30", "2026-12-01", "1000000509"),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer().map(String),
  fc.nat(20_000).map((n) => "đ".repeat(n)),
);

/** A field name: one of the form's own, an operator-shaped or dotted variant of one, or any string. */
const fieldName = (names: readonly string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...names), fc.constantFrom(".$gt", ".$ne", "[$ne]", ".0", ".1", ".101", ".__proto__", ".constructor.prototype", "[]", ".")).map(([n, s]) => n + s) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );

/**
 * Values: the nasty ones, or (when a form has them) the words its own fields expect, such as its
 * intents. With a valid submission of the form (`base`), half the cases start from it and spoil a
 * few of its fields or add more, so the fuzz reaches past the first validation.
 */
const submission = (names: readonly string[], words: readonly string[] = [], base?: Record<string, string>) => {
  const value = words.length ? fc.oneof(nasty, fc.constantFrom(...words)) : nasty;
  const random = fc.array(fc.tuple(fieldName(names), value), { maxLength: 24 });
  const spoiled = base
    ? fc
        .tuple(fc.array(fc.tuple(fc.constantFrom(...Object.keys(base)), value), { maxLength: 3 }), fc.array(fc.tuple(fieldName(names), value), { maxLength: 3 }))
        .map(([changed, extra]): Array<[string, string]> => [...Object.entries({ ...base, ...Object.fromEntries(changed) }), ...extra])
    : random;
  return fc.record({
    pairs: fc.oneof(random, spoiled),
    encoding: fc.constantFrom("urlencoded", "urlencoded", "urlencoded", "multipart", "json", "text", "multipart-no-boundary", "multipart-truncated"),
    csrf: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  });
};

/** What a bank statement upload may hold: CSV-shaped lines of nasty cells, bytes that are not text, or nothing. */
const statementFile = fc.oneof(
  fc.array(fc.array(nasty, { maxLength: 8 }).map((cells) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",")), { maxLength: 30 }).map((lines) => new TextEncoder().encode(lines.join("\r\n"))),
  fc.uint8Array({ maxLength: 2_000 }),
  fc.constant(new Uint8Array(0)),
);

type Submission = { pairs: Array<[string, string]>; encoding: string; csrf: boolean; file?: { field: string; bytes: Uint8Array; name: string } };

async function requestOf(path: string, s: Submission, cookie?: string): Promise<Request> {
  const pairs = [...s.pairs];
  let cookies = cookie;
  if (s.csrf) {
    const pair = await csrfPair(cookie);
    pairs.unshift(["csrf", pair.token]);
    cookies = joinCookies(cookie, pair.cookie);
  }
  const headers: Record<string, string> = cookies ? { Cookie: cookies } : {};
  const url = `${BASE}${path}`;
  switch (s.encoding) {
    case "multipart": {
      const form = new FormData();
      for (const [k, v] of pairs) form.append(k, v);
      if (s.file) form.append(s.file.field, new File([s.file.bytes as Uint8Array<ArrayBuffer>], s.file.name, { type: "text/csv" }));
      return new Request(url, { method: "POST", body: form, headers });
    }
    case "json":
      return new Request(url, { method: "POST", body: JSON.stringify(Object.fromEntries(pairs)), headers: { ...headers, "Content-Type": "application/json" } });
    case "text":
      return new Request(url, { method: "POST", body: pairs.map(([k, v]) => `${k}=${v}`).join("\n"), headers: { ...headers, "Content-Type": "text/plain" } });
    case "multipart-no-boundary":
      return new Request(url, { method: "POST", body: "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--", headers: { ...headers, "Content-Type": "multipart/form-data" } });
    case "multipart-truncated":
      return new Request(url, { method: "POST", body: `--x\r\nContent-Disposition: form-data; name="${pairs[0]?.[0] ?? "a"}"\r\n\r\n${pairs[0]?.[1] ?? "b"}`, headers: { ...headers, "Content-Type": "multipart/form-data; boundary=x" } });
    default:
      return new Request(url, { method: "POST", body: new URLSearchParams(pairs), headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" } });
  }
}

const counts = async () =>
  Promise.all([User, Institution, Programme, Pledge, Donation, Session, CorrectionRequest, BankStatementLine].map((model) => (model as typeof User).countDocuments({})));

type Action = (args: ActionFunctionArgs) => Promise<unknown>;

/** Runs `runs` random submissions to one form: no 5xx, and a refusal leaves every collection as it was. */
async function fuzz(action: Action, path: string, names: readonly string[], options: { cookie?: string; params?: Record<string, string>; file?: string; words?: readonly string[]; base?: Record<string, string>; settle?: () => Promise<unknown> } = {}) {
  const statuses = new Map<number, number>();
  const withFile = options.file
    ? fc.tuple(submission(names, options.words, options.base), statementFile, fc.constantFrom("sao-ke.csv", "a.CSV", "x.png", "", "../../etc/passwd")).map(([s, bytes, name]): Submission => ({ ...s, encoding: "multipart", file: { field: options.file!, bytes, name } }))
    : submission(names, options.words, options.base);
  await fc.assert(
    fc.asyncProperty(withFile, async (s) => {
      const before = await counts();
      const response = await responseOf(action({ request: await requestOf(path, s, options.cookie), params: options.params ?? {}, context: {} }));
      // Work a form starts in the background (a batch of certificates) is over before anything is counted.
      await options.settle?.();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.status).toBeLessThan(500);
      if (response.status >= 400) expect(await counts()).toEqual(before);
    }),
    { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
  );
  console.info(`fuzz ${path.split("?")[0]}: ${RUNS} cases, answered ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(" ")}`);
  return statuses;
}

describe("fuzzed forms never give a 5xx, and what they refuse writes nothing", () => {
  test("anonymous: login, registration, language switch", { timeout: 600_000 }, async () => {
    await createTestUser({ email: "fuzz@example.vn" });
    await fuzz(loginAction, "/login", ["email", "password", "redirectTo"], { base: { email: "fuzz@example.vn", password: "not-the-password", redirectTo: "/account" } });
    await fuzz(registerAction, "/register", ["name", "email", "password", "redirectTo", "locale"], { base: { name: "Nguyễn Thị Đào", email: "dao@example.vn", password: "mat-khau-dai-du-12", redirectTo: "/account" } });
    await fuzz(setLanguageAction, "/set-language", ["lng", "redirectTo"]);
    await fuzz(forgotAction, "/forgot-password", ["email"], { base: { email: "fuzz@example.vn" } });
    const token = "Zm9yZ2VkLXRva2VuLW5vYm9keS13YXMtc2VudC0xMjM";
    await fuzz(resetAction, `/reset-password/${token}`, ["password", "confirmPassword"], { params: { token }, base: { password: "mat-khau-moi-dai-du-1", confirmPassword: "mat-khau-moi-dai-du-1" } });
  });

  test("a signed-in person: a password change, ending sessions", { timeout: 600_000 }, async () => {
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    await fuzz(passwordAction, "/account/password", ["currentPassword", "newPassword", "confirmPassword"], { cookie, base: { currentPassword: "khong-phai-mat-khau", newPassword: "mat-khau-moi-dai-du-1", confirmPassword: "mat-khau-moi-dai-du-1" } });
    const other = String((await Session.findOne({ userId: { $ne: user.id } }).lean())?._id ?? "");
    await fuzz(sessionsAction, "/account/sessions", ["intent", "sessionId"], { cookie, words: ["end", "endOthers", other], base: { intent: "end", sessionId: other } });
  });

  test("a donor: a pledge, and an institution's application", { timeout: 600_000 }, async () => {
    const institution = await createInstitution();
    const { slug } = await createOpenProgramme(institution, { title: "Đọc sách cùng con", inKindNeeds: [{ item: "Sách thiếu nhi", unit: "cuốn", quantity: 100, unitValue: 50_000 }] });
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const pledgeFields = ["donorKind", "legalName", "taxCode", "fullName", "email", "phone", "address", "representative", "provinceSlug", "visibility", "kind", "amount", "instalmentCount", "frequency", "consent", "inKindItems.0.item", "inKindItems.0.quantity", "inKindItems.0.unitValue", "hours", "ratePerHour"];
    const business = { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", email: "csr@sachvina.vn", visibility: "name_and_amount", kind: "cash_once", amount: "5.000.000" };
    await fuzz(pledgeAction, `/programmes/${slug}/pledge`, pledgeFields, { cookie, params: { slug }, words: ["organisation", "individual", "cash_once", "cash_instalments", "in_kind", "volunteer", "monthly", "on"], base: business });
    await fuzz(applyAction, "/institutions/apply", ["name", "type", "level", "provinceSlug", "address", "bankBin", "accountNumber", "accountName", "contactEmail", "contactPhone", "note"], { cookie });
  });

  test("a manager: an offline gift and a new programme", { timeout: 600_000 }, async () => {
    const institution = await createInstitution();
    const programme = await createOpenProgramme(institution, { title: "Quỹ sách" });
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const cookie = await sessionCookieFor(manager.id);
    const giftFields = ["method", "amount", "receivedAt", "voucher", "pledgeReference", "clientToken", "donorType", "fullName", "legalName", "taxCode", "email", "phone", "items.0.item", "items.0.quantity", "items.0.unitValue", "valuationBasis", "hours", "ratePerHour"];
    const cash = { clientToken: "fuzz-offline-gift-token-01", method: "cash", receivedAt: "2026-11-30", voucher: "PT-2026-0123", amount: "5.000.000", donorType: "anonymous" };
    await fuzz(giftAction, `/manage/programmes/${programme._id}/gifts/new`, giftFields, { cookie, params: { id: String(programme._id) }, words: ["cash", "bank_transfer", "in_kind", "volunteer", "organisation", "individual", "anonymous"], base: cash });
    const programmeFields = ["title", "summary", "description", "goal", "startDate", "endDate", "themes", "campaignDays", "budgetLines.0.code", "budgetLines.0.label", "budgetLines.0.amount", "inKindNeeds.0.item", "inKindNeeds.0.quantity", "inKindNeeds.0.unitValue"];
    await fuzz(newProgrammeAction, `/manage/programmes/new?institution=${institution._id}`, programmeFields, { cookie });
  });

  test("a manager and an officer: a correction, its review, a bank statement upload", { timeout: 600_000 }, async () => {
    const institution = await createInstitution();
    const programme = await createOpenProgramme(institution, { title: "Quỹ sách" });
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const { donationId } = await recordOfflineGift(manager, String(programme._id), cashGiftInput(5_000_000));
    const cookie = await sessionCookieFor(manager.id);
    const params = { id: String(programme._id), giftId: String(donationId) };
    await fuzz(correctAction, `/manage/programmes/${params.id}/gifts/${params.giftId}/correct`, ["clientToken", "amount", "reason"], { cookie, params, words: ["fuzz-correction-token-0001", "60000000", "1000000"], base: { clientToken: "fuzz-correction-token-0001", amount: "1.000.000", reason: "Nhập nhầm số tiền trên phiếu thu" } });
    const ministry = await sessionCookieFor((await createTestUser({ role: "ministry_officer" })).id);
    const requestIds = (await CorrectionRequest.find({}).select("_id").lean()).map((r) => String(r._id));
    await fuzz(reviewAction, "/review/corrections", ["requestId", "decision", "reason"], { cookie: ministry, words: ["approve", "reject", ...requestIds], base: { requestId: requestIds[0] ?? "", decision: "reject", reason: "Không đủ chứng từ" } });
    const statementFields = ["intent", "layout", "fileName", "csvText", "dateColumn", "creditColumn", "descriptionColumn", "debitColumn", "referenceColumn", "acceptLine", "confirmOverpayments", "lineId", "reference", "reason", "confirmOverpayment"];
    const words = ["preview", "confirm", "assign", "ignore", "vietcombank", "custom", "on", "yes", "0", "1", "2", "3", "GS-2026-000001", "2026-11-30,5000000,GS-2026-000001 ung ho"];
    const csvText = "Ngày,Số tiền,Nội dung\r\n30/11/2026,5000000,GS-2026-000001 ung ho\r\n";
    const reconcile = { cookie, params: { id: String(institution._id) }, words, base: { intent: "preview", layout: "custom", fileName: "sao-ke.csv", csvText, dateColumn: "0", creditColumn: "1", descriptionColumn: "2" } };
    await fuzz(reconcileAction, `/manage/institutions/${institution._id}/reconcile`, statementFields, reconcile);
    await fuzz(reconcileAction, `/manage/institutions/${institution._id}/reconcile`, statementFields, { ...reconcile, file: "statement" });
  });

  test("recognition: a rule, a nomination, a review, issuing and revoking; the verification form", { timeout: 900_000 }, async () => {
    const institution = await createInstitution();
    const programme = await createOpenProgramme(institution, { title: "Quỹ vinh danh" });
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const officer = await createTestUser({ role: "ministry_officer" });
    const ministry = await sessionCookieFor(officer.id);
    const year = String(new Date(Date.now() + 7 * 3600_000).getUTCFullYear());
    const rule = { ruleSet: "Bộ fuzz", type: "certificate", nameVi: "Giấy chứng nhận fuzz", nameEn: "Fuzz certificate", donorKinds: "organisation", minTotal: "1.000.000", year, scope: "national", citationVi: "Cảm ơn {tên} đã đóng góp {tổng}.", citationEn: "Thanks to {name} for {total}." };
    const ruleFields = ["intent", "ruleId", "ruleSet", "type", "nameVi", "nameEn", "donorKinds", "minTotal", "year", "countInKind", "countVolunteerHours", "scope", "citationVi", "citationEn"];
    await fuzz(rulesAction, "/recognition?index", ruleFields, { cookie: ministry, words: ["create", "retire", "activate", "certificate", "thanks", "minister_merit", "organisation", "individual", "volunteer_expert", "national", "ha-noi", "on", "{tên}", "{ten}", "{"], base: { intent: "create", ...rule } });
    const created = await createRule(officer, { ...rule, donorKinds: ["organisation"] });
    const donors = [];
    for (const name of ["Công ty Fuzz Một", "Công ty Fuzz Hai"]) {
      const donor = await Donor.create({ kind: "organisation", legalName: name, taxCode: name.endsWith("Một") ? "1000000509" : "1000000516" });
      await recordDonation({ idempotencyKey: `fuzz-recognition:${name}`, programmeId: programme._id, institutionId: institution._id, donorId: donor._id, method: "cash", amount: 2_000_000, receivedAt: new Date() });
      donors.push(String(donor._id));
    }
    const selected = donors.map((d) => `${String(created._id)}:${d}`);
    const path = `/recognition/qualifying?set=${encodeURIComponent(rule.ruleSet)}&year=${year}`;
    await fuzz(qualifyingAction, path, ["selected", "justification", "all"], { cookie: await sessionCookieFor(manager.id), words: selected, base: { selected: selected[0]!, justification: "Tài trợ quỹ sách cả năm." } });
    await nominate(manager, { ruleId: String(created._id), donorIds: donors, justification: "Tài trợ quỹ sách cả năm." });
    await fuzz(nominationsAction, "/recognition/nominations", ["nominationIds", "decision", "reason", "all"], { cookie: ministry, words: ["approve", "reject", ...selected], base: { nominationIds: selected[0]!, decision: "reject", reason: "Chưa đủ hồ sơ" } });
    const secondOfficer = await createTestUser({ role: "ministry_officer" });
    await review(secondOfficer, { nominationIds: selected, decision: "approve" });
    const issueFields = ["intent", "nominationIds", "all", "signerName", "signerTitle", "place", "decisionNumber", "decisionDate", "code", "reason"];
    await fuzz(certificatesAction, "/recognition/certificates", issueFields, { cookie: ministry, settle: batchesSettled, words: ["issue", "revoke", ...selected, "125/QĐ-BVHTTDL", "2026-12-01"], base: { intent: "issue", nominationIds: selected[0]!, signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" } });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom("code", "code[]", "code.$gt", "lang"), nasty), { maxLength: 4 }), async (pairs) => {
        const response = await responseOf(verifyFormLoader({ request: new Request(`${BASE}/verify?${new URLSearchParams(pairs)}`), params: {}, context: {} }));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  });

  test("search: any query string is a page", { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom("q", "province", "type", "theme", "sort", "page", "campaignDay", "q.$gt", "page[]"), nasty), { maxLength: 8 }), async (pairs) => {
        const response = await responseOf(catalogueLoader({ request: new Request(`${BASE}/programmes?${new URLSearchParams(pairs)}`), params: {}, context: {} }));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  });
});
