/**
 * The route × role matrix (issue 10, decision 0020): every loader and action of every file in app/routes,
 * called with real Requests by eight callers, on ids that belong to someone else. Each row says what each
 * caller must get; the test also checks that nothing of another party is in the body, and that a refused
 * action changed nothing in the database (every collection's count and contents).
 *
 * HOW TO ADD A ROW (a new file in app/routes fails this suite until it has one):
 *   1. Add an entry to MATRIX below, keyed by the route file's name without its extension
 *      (e.g. "account.sessions" for app/routes/account.sessions.tsx).
 *   2. `loader:` and `action:` are each a list of cases, or NO_LOADER / NO_ACTION when the module exports
 *      none (Remix then answers 405 to a POST; the test checks the export really is missing).
 *   3. A case: `path` (and `params`, as Remix would pass them) built from the world `w` (the fixtures made in
 *      beforeAll: donors A and B with their pledges, institutions A and B, their programmes, a gift, a
 *      receipt, an evidence file, a statement line, a correction waiting for review…), `fields` for a POST
 *      (url-encoded; a valid CSRF token for the caller is added), and `expect`: one outcome per caller.
 *      Use `everyone(outcome, { donorA: OK, … })` for "the same for all but these".
 *      Outcomes: OK (200), LOGIN (302 to /login?redirectTo=…), FORBIDDEN (403), NOT_FOUND (404), BAD (400),
 *      status(code, label) for any other, to(/location/) for another redirect, or refusedTo(/location/) for a
 *      redirect that refuses (the database must be unchanged). LOGIN, 4xx and refusedTo are refusals.
 *   4. `hidden`: strings of another party that must not appear in that caller's body (see `secretsOf`).
 *   5. An allowed POST really runs: choose fields so that it does no harm to later rows (callers run in
 *      the order of CALLERS), or give the row its own objects in beforeAll.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import mongoose from "mongoose";
import { beforeAll, describe, expect, test } from "vitest";
import { BankStatementLine } from "#models/bank-statement-line.server";
import { CertificateBatch } from "#models/certificate.server";
import { CorrectionRequest } from "#models/correction-request.server";
import { saveFile } from "#models/file.server";
import { RateLimit } from "#models/rate-limit.server";
import { createSession } from "#models/session.server";
import type { SessionUser } from "#models/user.server";
import { Pledge } from "#models/pledge.server";
import { requestCorrection } from "#services/corrections";
import { issueCertificate } from "#services/recognition/certificates";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { Nomination } from "#models/nomination.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { recordOfflineGift } from "#services/offline-gifts";
import { cashGiftInput, createInstitution, createOpenProgramme, formToken, programmeFormFields, vnDate } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

// The labelled demo (no Stripe keys): the demo checkout page exists and "pay by card" leads to it.
delete process.env.STRIPE_SECRET_KEY;
delete process.env.STRIPE_WEBHOOK_SECRET;
process.env.DEMO_MODE = "true";

const ROUTES_DIR = path.resolve(__dirname, "../../app/routes");

// ───────────── callers and outcomes ─────────────

const CALLERS = ["anonymous", "donorA", "donorB", "managerA", "managerB", "officerOther", "ministry", "admin"] as const;
type Caller = (typeof CALLERS)[number];

type Outcome = { status: number; location?: RegExp; refused: boolean; label: string };
const status = (code: number, label: string): Outcome => ({ status: code, refused: code >= 400, label });
const OK = status(200, "200");
const BAD = status(400, "400");
const FORBIDDEN = status(403, "403");
const NOT_FOUND = status(404, "404");
const LOGIN: Outcome = { status: 302, location: /^\/login\?redirectTo=/, refused: true, label: "→ /login" };
const to = (location: RegExp): Outcome => ({ status: 302, location, refused: false, label: `→ ${location.source}` });
const refusedTo = (location: RegExp): Outcome => ({ status: 302, location, refused: true, label: `refused → ${location.source}` });
type Expectations = Record<Caller, Outcome>;
function everyone(outcome: Outcome, except: Partial<Expectations> = {}): Expectations {
  return Object.fromEntries(CALLERS.map((caller) => [caller, except[caller] ?? outcome])) as Expectations;
}
/** Pages for the signed-in only: anonymous is sent to log in. */
const signedIn = (outcome: Outcome, except: Partial<Expectations> = {}) => everyone(outcome, { anonymous: LOGIN, ...except });

// ───────────── the world: fixtures owned by different parties ─────────────

type World = Awaited<ReturnType<typeof makeWorld>>;
type Case = {
  name: string;
  path: (w: World) => string;
  params?: (w: World) => Record<string, string>;
  fields?: (w: World, caller: Caller) => Record<string, string | string[]>;
  expect: Expectations;
  /** Strings of other parties that must not be in this caller's body. */
  hidden?: (w: World, caller: Caller) => string[];
};
type Row = { loader: Case[] | typeof NO_LOADER; action: Case[] | typeof NO_ACTION };
const NO_LOADER = "no loader" as const;
const NO_ACTION = "no action" as const;

const DAY = 24 * 60 * 60 * 1000;
/** A link token of the right shape that was never issued (the mailed links' tokens are the authority there). */
const FORGED_TOKEN = "Zm9yZ2VkLXRva2VuLW5vYm9keS13YXMtc2VudC0xMjM"; // 43 characters, as issued ones
const token = () => formToken("matrix");

const openProgramme = (institution: Awaited<ReturnType<typeof createInstitution>>, title: string, state: "open" | "draft" = "open") =>
  createOpenProgramme(institution, { title, state, goal: 900_000_000, summary: "Chương trình kiểm thử ma trận quyền." });
const giftInput = cashGiftInput;

async function makeWorld() {
  const instA = await createInstitution({ name: "Thư viện Ma Trận Hà Nội", provinceSlug: "ha-noi" });
  const instB = await createInstitution({ name: "Bảo tàng Ma Trận Đà Nẵng", provinceSlug: "da-nang" });
  const instPending = await createInstitution({ name: "Nhà văn hoá Chờ Duyệt Hà Nội", provinceSlug: "ha-noi", status: "pending" });
  const person = async (overrides: Parameters<typeof createTestUser>[0]) => {
    const user = await createTestUser(overrides);
    return { user: user as SessionUser & { password: string }, cookie: await sessionCookieFor(user.id) };
  };
  const people = {
    donorA: await person({ role: "donor", name: "Người Góp An Khang", email: "an.khang.bimat@example.vn" }),
    donorB: await person({ role: "donor", name: "Người Góp Bình Minh", email: "binh.minh.bimat@example.vn" }),
    managerA: await person({ role: "manager", name: "Quản lý Hà Nội", institutionIds: [String(instA._id)] }),
    managerB: await person({ role: "manager", name: "Quản lý Đà Nẵng", institutionIds: [String(instB._id)] }),
    officerOther: await person({ role: "province_officer", name: "Cán bộ Cần Thơ", provinceSlug: "can-tho" }),
    ministry: await person({ role: "ministry_officer", name: "Cán bộ Bộ" }),
    admin: await person({ role: "admin", name: "Quản trị" }),
  };
  const applicant = await person({ role: "donor", name: "Người Xin Lập", email: "xin.lap.bimat@example.vn" });
  await instPending.updateOne({ managerIds: [applicant.user.id] });
  const progA = await openProgramme(instA, "Tu sach Ma Tran A");
  const progB = await openProgramme(instB, "Phong trung bay Ma Tran B");
  const draftB = await openProgramme(instB, "Ban nhap bi mat B", "draft");

  // Pledges of donors A and B on programme A, through the real form.
  const pledge = async (who: "donorA" | "donorB", legalName: string, taxCode: string, amount: string, visibility: string) => {
    const fields = { donorKind: "organisation", legalName, taxCode, email: people[who].user.email, visibility, kind: "cash_once", amount };
    const created = await responseOf((await import("~/routes/programmes.$slug_.pledge")).action({ request: await formRequest(`/programmes/${progA.slug}/pledge`, fields, { cookie: people[who].cookie }), params: { slug: progA.slug }, context: {} }));
    expect(created.status).toBe(302);
    return created.headers.get("Location")!.split("/").pop()!;
  };
  const pledgeA = await pledge("donorA", "Công ty Bí Mật An Khang", "1000000227", "7.777.000", "anonymous");
  const pledgeB = await pledge("donorB", "Công ty Kín Đáo Bình Minh", "1000000298", "8.888.000", "anonymous");
  const pledgeAToCancel = await pledge("donorA", "Công ty Bí Mật An Khang", "1000000227", "1.234.000", "anonymous");

  // A gift on A's pledge (its receipt), a large gift with a correction waiting for review, a small gift to correct.
  const managerA = people.managerA.user;
  const paid = await recordOfflineGift(managerA, String(progA._id), giftInput(2_000_000, { pledgeReference: pledgeA }));
  const large = await recordOfflineGift(managerA, String(progA._id), giftInput(300_000_000));
  const correction = await requestCorrection(managerA, String(progA._id), large.donationId, { clientToken: token(), amount: 60_000_000, reason: "Ghi nhầm số tiền phiếu thu" });
  const small = await recordOfflineGift(managerA, String(progA._id), giftInput(1_500_000));
  const pendingCorrection = await CorrectionRequest.findOne({ donationId: large.donationId }).lean();
  expect(pendingCorrection?.state, JSON.stringify(correction)).toBe("requested");

  // An evidence file of institution A, and one unmatched line of A's bank statement.
  const evidenceId = await saveFile(new TextEncoder().encode("%PDF-1.4\n% phieu thu bi mat\n%%EOF\n"), "phieu-thu-bi-mat.pdf", {
    kind: "evidence",
    contentType: "application/pdf",
    institutionId: String(instA._id),
    uploadedBy: managerA.id,
    originalName: "phieu-thu-bi-mat.pdf",
  });
  const line = await BankStatementLine.create({
    institutionId: instA._id,
    lineKey: "a".repeat(63) + "1",
    importId: new mongoose.Types.ObjectId(),
    bookedAt: new Date(Date.now() - 3 * DAY),
    amount: 4_321_000,
    description: "CK UNG HO THU VIEN MA TRAN BI MAT",
    status: "unmatched",
  });

  // A recognition rule A's donor qualifies under (their gift on A's pledge), and A's manager's nomination of them.
  const recognitionYear = Number(vnDate(-2).slice(0, 4));
  const donorAId = String((await Pledge.findOne({ reference: pledgeA }).lean())!.donorId);
  const rule = await createRule(people.ministry.user, {
    ruleSet: "Bộ quy tắc ma trận",
    type: "certificate",
    nameVi: "Giấy chứng nhận ma trận",
    nameEn: "Matrix certificate",
    donorKinds: ["organisation", "individual"],
    minTotal: "1.000.000",
    year: String(recognitionYear),
    scope: "national",
    citationVi: "Đã đóng góp {tổng} cho học tập suốt đời.",
    citationEn: "For contributing {total} to lifelong learning.",
  });
  const nominated = await nominate(managerA, { ruleId: String(rule._id), donorIds: [donorAId], justification: "Đề cử trong ma trận quyền" });
  expect(nominated.map((n) => n.result)).toEqual(["nominated"]);

  // Donor A's demo checkout page: "pay by card" on the pledge page leads there.
  const pay = await responseOf((await import("~/routes/pledges.$reference")).action({ request: await formRequest(`/pledges/${pledgeA}`, {}, { cookie: people.donorA.cookie }), params: { reference: pledgeA }, context: {} }));
  expect(pay.status).toBe(302);
  const checkoutId = new URL(pay.headers.get("Location")!, "http://localhost:3000").pathname.split("/").pop()!;

  // A second session of donor B (another device): what "end a session" is tried on.
  const otherSessionB = (await createSession(people.donorB.user.id, DAY, { userAgent: "Điện thoại bí mật của Bình Minh", ip: "203.0.113.77" })).id;

  // A certificate batch the ministry ran (its progress page).
  const batch = await CertificateBatch.create({ _id: "b".repeat(24), total: 1, issued: 0, failed: 1, failures: [{ nominationId: "c".repeat(24) + ":" + "d".repeat(24), reason: "not_found" }], state: "done", startedBy: people.ministry.user.id, finishedAt: new Date() });

  // A certificate of donor A's organisation (J3): a rule its 2.000.000 ₫ reaches, nominated by A's manager, issued by the ministry.
  const year = new Date(Date.now() + 7 * 60 * 60 * 1000).getUTCFullYear();
  const thanksRule = await createRule(people.ministry.user, { ruleSet: "Bộ ma trận", type: "thanks", nameVi: "Thư cảm ơn ma trận", nameEn: "Matrix thanks", donorKinds: ["organisation"], minTotal: "1.000.000", year: String(year), countInKind: "on", scope: "national", citationVi: "Cảm ơn {tên} đã đóng góp {tổng}.", citationEn: "Thanks to {name} for {total}." });
  const certificateDonorId = String((await mongoose.connection.db!.collection("donors").findOne({ legalName: "Công ty Bí Mật An Khang" }))!._id);
  expect(await nominate(managerA, { ruleId: String(thanksRule._id), donorIds: [certificateDonorId], justification: "Nhà tài trợ của thư viện ma trận." })).toEqual([{ donorId: certificateDonorId, result: "nominated" }]);
  const nomination = (await Nomination.findOne({ ruleId: thanksRule._id }).lean())!;
  await review(people.ministry.user, { nominationIds: [nomination._id], decision: "approve" });
  const certificate = await issueCertificate(people.ministry.user, { nominationIds: [nomination._id], signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" }, await recognitionConfig());
  expect(certificate.result).toBe("issued");

  return {
    certificateA: certificate.code!,
    ruleA: String(thanksRule._id),
    otherSessionB,
    batchId: batch._id,
    people,
    instA: String(instA._id),
    instB: String(instB._id),
    instASlug: instA.slug,
    instPending: String(instPending._id),
    instPendingSlug: instPending.slug,
    applicantId: applicant.user.id,
    progA: String(progA._id),
    progASlug: progA.slug,
    progB: String(progB._id),
    draftB: String(draftB._id),
    draftBSlug: draftB.slug,
    pledgeA,
    pledgeB,
    pledgeAToCancel,
    receiptA: paid.receiptNumber,
    largeGift: large.donationId,
    smallGift: small.donationId,
    correctionId: String(pendingCorrection!._id),
    evidenceId,
    lineA: String(line._id),
    checkoutId,
    donorAId,
    recognitionYear,
    ruleId: String(rule._id),
    nominationId: `${String(rule._id)}:${donorAId}`,
  };
}

/** What belongs to donor A, donor B, institution A: never in the body of someone who may not see it. */
const secretsOf = {
  donorA: (w: World) => ["Công ty Bí Mật An Khang", "an.khang.bimat@example.vn", w.pledgeA, w.pledgeAToCancel, "7.777.000", "7777000"],
  donorB: (w: World) => ["Công ty Kín Đáo Bình Minh", "binh.minh.bimat@example.vn", w.pledgeB, "8.888.000", "8888000"],
  booksA: (w: World) => ["Ghi nhầm số tiền phiếu thu", "THU VIEN MA TRAN BI MAT", "4321000", "phieu-thu-bi-mat", w.lineA, w.correctionId],
  pendingApplication: () => ["Nhà văn hoá Chờ Duyệt Hà Nội", "xin.lap.bimat@example.vn"],
  draftB: () => ["Ban nhap bi mat B"],
};
/** What no public page shows to anyone: the donors' private details, A's books, B's draft, a pending application. */
const publicSecrets = (w: World) => [...secretsOf.donorA(w), ...secretsOf.donorB(w), ...secretsOf.booksA(w), ...secretsOf.draftB(), ...secretsOf.pendingApplication()];
/** Callers who keep or check institution A's books (Hà Nội): its manager, the ministry, admins. */
const keepsBooksA = (caller: Caller) => caller === "managerA" || caller === "ministry" || caller === "admin";
const hideBooksA = (w: World, caller: Caller) => (keepsBooksA(caller) ? [] : secretsOf.booksA(w));
const hideDonors = (w: World, caller: Caller) => [...(caller === "donorA" || keepsBooksA(caller) ? [] : secretsOf.donorA(w)), ...(caller === "donorB" || keepsBooksA(caller) ? [] : secretsOf.donorB(w))];
const hideAllOfA = (w: World, caller: Caller) => [...hideBooksA(w, caller), ...hideDonors(w, caller)];

// ───────────── the matrix: one entry per file in app/routes ─────────────

const MATRIX: Record<string, Row> = {
  _index: {
    loader: [{ name: "home", path: () => "/", expect: everyone(OK), hidden: (w, c) => [...hideAllOfA(w, c), ...secretsOf.draftB()] }],
    action: NO_ACTION,
  },
  account: {
    loader: [{ name: "own account", path: () => "/account", expect: signedIn(OK), hidden: (w, c) => [...(c === "donorA" ? [] : secretsOf.donorA(w)), ...(c === "donorB" ? [] : secretsOf.donorB(w)), ...secretsOf.booksA(w)] }],
    action: NO_ACTION,
  },
  "account_.sessions": {
    loader: [{ name: "own sessions", path: () => "/account/sessions", expect: signedIn(OK), hidden: (w, c) => (c === "donorB" ? [] : ["Điện thoại bí mật của Bình Minh", "203.0.113.77", w.otherSessionB]) }],
    action: [
      {
        name: "end donor B's other session",
        path: () => "/account/sessions",
        fields: (w) => ({ intent: "end", sessionId: w.otherSessionB }),
        // Ends it only for donor B (last, so every other caller first finds it there and changes nothing).
        expect: signedIn(refusedTo(/^\/account\/sessions$/), { donorB: to(/^\/account\/sessions$/) }),
      },
    ],
  },
  "account_.data": {
    loader: [{ name: "own data", path: () => "/account/data", expect: signedIn(OK), hidden: (w, c) => (c === "donorB" ? [] : [w.pledgeB]) }],
    // Withdrawing consent without ticking the box: refused by the form, nothing changed (only ever the caller's own).
    action: [{ name: "withdraw consent, unconfirmed", path: () => "/account/data", fields: () => ({ intent: "withdraw" }), expect: signedIn(BAD) }],
  },
  "account_.data[.]json": {
    loader: [{ name: "own data as JSON", path: () => "/account/data.json", expect: signedIn(OK), hidden: (w, c) => (c === "donorB" ? [] : [w.pledgeB]) }],
    action: NO_ACTION,
  },
  "account_.password": {
    loader: [{ name: "change password form", path: () => "/account/password", expect: signedIn(OK) }],
    // The two new passwords differ: refused by the form before any password is checked (nothing counted).
    action: [{ name: "change password, mistyped", path: () => "/account/password", fields: () => ({ currentPassword: "khong-phai-mat-khau", newPassword: "mat-khau-moi-dai-du-1", confirmPassword: "mat-khau-moi-khac-2" }), expect: signedIn(BAD) }],
  },
  "account.mail": {
    loader: [{ name: "mail settings (the forms are on /account)", path: () => "/account/mail", expect: everyone(to(/^\/account$/)) }],
    // Only ever the caller's own setting (no id in the form): turning reminders on, as they already are.
    action: [{ name: "reminders on", path: () => "/account/mail", fields: () => ({ intent: "reminders-on" }), expect: signedIn(to(/^\/account$/)) }],
  },
  "dev.outbox": {
    loader: [{ name: "the demo outbox (every mail sent)", path: () => "/dev/outbox", expect: signedIn(FORBIDDEN, { admin: OK }) }],
    action: NO_ACTION,
  },
  "forgot-password": {
    loader: [{ name: "forgot password form", path: () => "/forgot-password", expect: everyone(OK) }],
    action: [{ name: "forgot password, not an address", path: () => "/forgot-password", fields: () => ({ email: "khong-phai-dia-chi" }), expect: everyone(BAD) }],
  },
  "reset-password.$token": {
    loader: [{ name: "a reset link nobody was sent", path: () => `/reset-password/${FORGED_TOKEN}`, params: () => ({ token: FORGED_TOKEN }), expect: everyone(NOT_FOUND) }],
    action: [{ name: "a new password by a forged link", path: () => `/reset-password/${FORGED_TOKEN}`, params: () => ({ token: FORGED_TOKEN }), fields: () => ({ password: "mat-khau-moi-dai-du-1", confirmPassword: "mat-khau-moi-dai-du-1" }), expect: everyone(NOT_FOUND) }],
  },
  "verify-email.$token": {
    loader: [{ name: "a confirmation link nobody was sent", path: () => `/verify-email/${FORGED_TOKEN}`, params: () => ({ token: FORGED_TOKEN }), expect: everyone(NOT_FOUND) }],
    action: NO_ACTION,
  },
  "reminders.off.$token": {
    loader: [{ name: "turn off reminders by a forged link", path: () => `/reminders/off/${FORGED_TOKEN}`, params: () => ({ token: FORGED_TOKEN }), expect: everyone(NOT_FOUND) }],
    action: [{ name: "turn off reminders by a forged link", path: () => `/reminders/off/${FORGED_TOKEN}`, params: () => ({ token: FORGED_TOKEN }), fields: () => ({}), expect: everyone(NOT_FOUND) }],
  },
  "admin.rates": {
    loader: [{ name: "indicative card rates", path: () => "/admin/rates", expect: signedIn(FORBIDDEN, { admin: OK }) }],
    action: [{ name: "change the rates", path: () => "/admin/rates", fields: () => ({ usd: "25.403", jpy: "168,6", asOf: "2026-12-01", source: "Vietcombank" }), expect: signedIn(FORBIDDEN, { admin: to(/^\/admin\/rates$/) }) }],
  },
  "admin.settings": {
    loader: [{ name: "platform limits", path: () => "/admin/settings", expect: signedIn(FORBIDDEN, { admin: OK }) }],
    action: [{ name: "change the limits", path: () => "/admin/settings", fields: () => ({ maxAmount: "10.000.000.000", correctionApprovalThreshold: "50.000.000" }), expect: signedIn(FORBIDDEN, { admin: to(/^\/admin\/settings$/) }) }],
  },
  "admin.users": {
    loader: [{ name: "all users", path: () => "/admin/users", expect: signedIn(FORBIDDEN, { admin: OK }), hidden: (w, c) => (c === "admin" ? [] : ["an.khang.bimat@example.vn", "binh.minh.bimat@example.vn"]) }],
    action: [
      {
        name: "make donor B an admin",
        path: () => "/admin/users",
        // The admin sets B's role to what it is (donor): allowed, and nothing else changes for later rows.
        fields: (w, c) => ({ userId: w.people.donorB.user.id, role: c === "admin" ? "donor" : "admin", provinceSlug: "" }),
        expect: signedIn(FORBIDDEN, { admin: to(/^\/admin\/users$/) }),
      },
    ],
  },
  "demo.stripe-checkout.$id": {
    loader: [{ name: "donor A's checkout page", path: (w) => `/demo/stripe-checkout/${w.checkoutId}`, params: (w) => ({ id: w.checkoutId }), expect: signedIn(NOT_FOUND, { donorA: OK }), hidden: (w, c) => (c === "donorA" ? [] : secretsOf.donorA(w)) }],
    action: [
      {
        name: "pay donor A's checkout",
        path: (w) => `/demo/stripe-checkout/${w.checkoutId}`,
        params: (w) => ({ id: w.checkoutId }),
        // Donor A cancels (paying would call the webhook over the network); anyone else "pays" and is refused.
        fields: (_w, c) => ({ outcome: c === "donorA" ? "cancel" : "pay" }),
        expect: signedIn(NOT_FOUND, { donorA: to(/^http:\/\/localhost:3000\/pledges\/GS[0-9A-Z]+\?cancelled=1$/) }),
      },
    ],
  },
  "files.$id": {
    loader: [
      { name: "institution A's evidence", path: (w) => `/files/${w.evidenceId}`, params: (w) => ({ id: w.evidenceId }), expect: everyone(FORBIDDEN, { managerA: OK, ministry: OK, admin: OK }) },
      { name: "no such file", path: () => "/files/650000000000000000000000", params: () => ({ id: "650000000000000000000000" }), expect: everyone(NOT_FOUND) },
      { name: "not an id", path: () => "/files/..%2F..%2Fetc", params: () => ({ id: "../../etc" }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  healthz: {
    loader: [{ name: "health", path: () => "/healthz", expect: everyone(OK) }],
    action: NO_ACTION,
  },
  "institutions.$slug": {
    loader: [
      { name: "institution A's public page", path: (w) => `/institutions/${w.instASlug}`, params: (w) => ({ slug: w.instASlug }), expect: everyone(OK), hidden: (w) => [...secretsOf.booksA(w), ...secretsOf.donorA(w), ...secretsOf.donorB(w)] },
      { name: "a pending institution", path: (w) => `/institutions/${w.instPendingSlug}`, params: (w) => ({ slug: w.instPendingSlug }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "institutions.apply": {
    loader: [{ name: "apply or join", path: () => "/institutions/apply", expect: signedIn(OK), hidden: () => secretsOf.pendingApplication() }],
    // An empty application: refused by validation for everyone signed in (400), nothing written.
    action: [{ name: "an empty application", path: () => "/institutions/apply", fields: () => ({}), expect: signedIn(BAD) }],
  },
  login: {
    loader: [{ name: "log in page", path: () => "/login", expect: everyone(to(/^\/account$/), { anonymous: OK }) }],
    action: [{ name: "an unknown email", path: () => "/login", fields: (_w, c) => ({ email: `${c.toLowerCase()}.khong-co@example.vn`, password: "khong-phai-mat-khau" }), expect: everyone(BAD) }],
  },
  logout: {
    loader: [{ name: "GET logout", path: () => "/logout", expect: everyone(to(/^\/$/)) }],
    action: logoutCases(),
  },
  "manage._index": {
    loader: [{ name: "own institutions", path: () => "/manage", expect: signedIn(OK), hidden: (w, c) => [...(c === "managerA" || c === "admin" ? [] : ["Tu sach Ma Tran A", "Thư viện Ma Trận Hà Nội"]), ...(c === "managerB" || c === "admin" ? [] : secretsOf.draftB()), ...hideAllOfA(w, c)] }],
    action: [
      {
        name: "close programme A (confirmed)",
        path: () => "/manage",
        // Its manager and the admin are only asked (not confirmed): programme A stays open for the rows below.
        fields: (w, c) => ({ programmeId: w.progA, to: "closed", confirmed: keepsBooksA(c) && c !== "ministry" ? "" : "yes" }),
        expect: signedIn(FORBIDDEN, { managerA: to(/^\/manage\?close=/), admin: to(/^\/manage\?close=/) }),
      },
      { name: "publish B's draft", path: () => "/manage", fields: (w, c) => ({ programmeId: w.draftB, to: c === "managerB" || c === "admin" ? "bogus" : "open" }), expect: signedIn(FORBIDDEN, { managerB: BAD, admin: BAD }) },
      { name: "decide a join request of the pending institution", path: () => "/manage", fields: (w) => ({ intent: "join", institutionId: w.instPending, userId: w.applicantId, decision: "approve" }), expect: signedIn(FORBIDDEN, { ministry: NOT_FOUND, admin: NOT_FOUND }) },
    ],
  },
  "manage.institutions.$id.export[.]csv": {
    loader: [
      { name: "institution A's books", path: (w) => `/manage/institutions/${w.instA}/export.csv`, params: (w) => ({ id: w.instA }), expect: signedIn(FORBIDDEN, { managerA: OK, ministry: OK, admin: OK }), hidden: hideAllOfA },
      { name: "not an id", path: () => "/manage/institutions/x/export.csv", params: () => ({ id: "x" }), expect: signedIn(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "manage.institutions.$id.reconcile": {
    loader: [{ name: "institution A's queue", path: (w) => `/manage/institutions/${w.instA}/reconcile`, params: (w) => ({ id: w.instA }), expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }), hidden: hideBooksA }],
    action: [
      {
        name: "ignore A's line on A's page",
        path: (w) => `/manage/institutions/${w.instA}/reconcile`,
        params: (w) => ({ id: w.instA }),
        // A's manager and the admin get a form error (reason too short): allowed, nothing written.
        fields: (w, c) => ({ intent: "ignore", lineId: w.lineA, reason: c === "managerA" || c === "admin" ? "x" : "Lãi ngân hàng" }),
        expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }),
      },
      {
        name: "ignore A's line through one's own page",
        path: (w) => `/manage/institutions/${w.instB}/reconcile`,
        params: (w) => ({ id: w.instB }),
        fields: (w, c) => ({ intent: "ignore", lineId: w.lineA, reason: c === "admin" ? "x" : "Lãi ngân hàng" }),
        expect: signedIn(FORBIDDEN, { admin: BAD }), // the admin may reach every line: a form error, nothing written
      },
    ],
  },
  "manage.programmes.$id": {
    loader: [
      { name: "programme A", path: (w) => `/manage/programmes/${w.progA}`, params: (w) => ({ id: w.progA }), expect: signedIn(FORBIDDEN, { managerA: OK, ministry: OK, admin: OK }) },
      { name: "B's draft", path: (w) => `/manage/programmes/${w.draftB}`, params: (w) => ({ id: w.draftB }), expect: signedIn(FORBIDDEN, { managerB: OK, ministry: OK, admin: OK }), hidden: (_w, c) => (["managerB", "ministry", "admin"].includes(c) ? [] : secretsOf.draftB()) },
    ],
    action: [
      {
        name: "edit B's draft",
        path: (w) => `/manage/programmes/${w.draftB}`,
        params: (w) => ({ id: w.draftB }),
        fields: (_w, c) => programmeFormFields({ title: c === "managerB" || c === "admin" ? "" : "Bị sửa trộm" }),
        expect: signedIn(FORBIDDEN, { managerB: BAD, admin: BAD }),
      },
    ],
  },
  "manage.programmes.$id_.finance": {
    loader: [{ name: "programme A's books", path: (w) => `/manage/programmes/${w.progA}/finance`, params: (w) => ({ id: w.progA }), expect: signedIn(FORBIDDEN, { managerA: OK, ministry: OK, admin: OK }), hidden: hideAllOfA }],
    action: NO_ACTION,
  },
  "manage.programmes.$id_.expenditures._index": {
    loader: [{ name: "programme A's spending", path: (w) => `/manage/programmes/${w.progA}/expenditures`, params: (w) => ({ id: w.progA }), expect: signedIn(FORBIDDEN, { managerA: OK, ministry: OK, admin: OK }) }],
    action: [
      {
        name: "reverse an expenditure of A",
        path: (w) => `/manage/programmes/${w.progA}/expenditures`,
        params: (w) => ({ id: w.progA }),
        // Those who may see A's books send a reason too short: a form error, nothing written.
        fields: () => ({ expenditureId: "0".repeat(24), intent: "reverse", reason: "x" }),
        expect: signedIn(FORBIDDEN, { managerA: BAD, ministry: BAD, admin: BAD }),
      },
    ],
  },
  "manage.programmes.$id_.expenditures.new": {
    loader: [{ name: "record an expenditure on A", path: (w) => `/manage/programmes/${w.progA}/expenditures/new`, params: (w) => ({ id: w.progA }), expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }) }],
    action: [
      {
        name: "record an expenditure on A",
        path: (w) => `/manage/programmes/${w.progA}/expenditures/new`,
        params: (w) => ({ id: w.progA }),
        fields: (_w, c) => ({ clientToken: token(), budgetLineCode: "SACH", amount: keepsBooksA(c) ? "0" : "5.000.000", spentAt: vnDate(-1), payee: "Công ty giả", description: "Chi trộm tiền chương trình" }),
        expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }),
      },
    ],
  },
  "manage.programmes.$id_.gifts.$giftId.correct": {
    loader: [
      { name: "correct A's gift", path: (w) => `/manage/programmes/${w.progA}/gifts/${w.smallGift}/correct`, params: (w) => ({ id: w.progA, giftId: w.smallGift }), expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }) },
      { name: "A's gift under B's programme", path: (w) => `/manage/programmes/${w.progB}/gifts/${w.smallGift}/correct`, params: (w) => ({ id: w.progB, giftId: w.smallGift }), expect: signedIn(FORBIDDEN, { managerB: NOT_FOUND, admin: NOT_FOUND }) },
    ],
    action: [
      {
        name: "correct A's gift",
        path: (w) => `/manage/programmes/${w.progA}/gifts/${w.smallGift}/correct`,
        params: (w) => ({ id: w.progA, giftId: w.smallGift }),
        // Allowed callers send a reason too short: a form error, nothing written.
        fields: (_w, c) => ({ clientToken: token(), amount: "1.000.000", reason: keepsBooksA(c) ? "x" : "Sửa trộm số tiền" }),
        expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }),
      },
    ],
  },
  "manage.programmes.$id_.gifts.new": {
    loader: [{ name: "record a gift on A", path: (w) => `/manage/programmes/${w.progA}/gifts/new`, params: (w) => ({ id: w.progA }), expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }) }],
    action: [
      {
        name: "record a gift on A",
        path: (w) => `/manage/programmes/${w.progA}/gifts/new`,
        params: (w) => ({ id: w.progA }),
        fields: (_w, c) => ({ clientToken: token(), method: "cash", receivedAt: vnDate(-1), voucher: "PT-1", amount: keepsBooksA(c) ? "0" : "5.000.000", donorType: "anonymous" }),
        expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }),
      },
    ],
  },
  "manage.programmes.new": {
    loader: [{ name: "new programme for A", path: (w) => `/manage/programmes/new?institution=${w.instA}`, expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }) }],
    action: [
      {
        name: "new programme for A",
        path: (w) => `/manage/programmes/new?institution=${w.instA}`,
        fields: (_w, c) => programmeFormFields({ title: keepsBooksA(c) ? "" : "Chương trình giả mạo" }),
        expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }),
      },
    ],
  },
  "pledges.$reference": {
    loader: [
      { name: "donor A's pledge", path: (w) => `/pledges/${w.pledgeA}`, params: (w) => ({ reference: w.pledgeA }), expect: signedIn(FORBIDDEN, { donorA: OK, managerA: OK, ministry: OK, admin: OK }), hidden: hideDonors },
      { name: "no such pledge", path: () => "/pledges/GS-0000-0000", params: () => ({ reference: "GS-0000-0000" }), expect: signedIn(NOT_FOUND) },
    ],
    action: [
      { name: "pay donor B's pledge by card", path: (w) => `/pledges/${w.pledgeB}`, params: (w) => ({ reference: w.pledgeB }), fields: () => ({}), expect: signedIn(FORBIDDEN, { donorB: to(/^http:\/\/localhost:3000\/demo\/stripe-checkout\/cs_test_/) }), hidden: hideDonors },
      { name: "cancel donor A's pledge", path: (w) => `/pledges/${w.pledgeAToCancel}`, params: (w) => ({ reference: w.pledgeAToCancel }), fields: (_w, c) => ({ intent: "cancel", reason: c === "donorA" ? "Đổi kế hoạch" : "Huỷ trộm" }), expect: signedIn(refusedTo(/^\/pledges\/GS[0-9A-Z]+$/), { donorA: to(/^\/pledges\/GS[0-9A-Z]+$/) }) },
    ],
  },
  "programmes.$slug": {
    loader: [
      { name: "programme A", path: (w) => `/programmes/${w.progASlug}`, params: (w) => ({ slug: w.progASlug }), expect: everyone(OK), hidden: (w) => [...secretsOf.donorA(w), ...secretsOf.donorB(w), ...secretsOf.booksA(w)] },
      { name: "B's draft", path: (w) => `/programmes/${w.draftBSlug}`, params: (w) => ({ slug: w.draftBSlug }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "programmes.$slug_.ledger": {
    loader: [
      { name: "programme A's whole ledger (public; donors as consented)", path: (w) => `/programmes/${w.progASlug}/ledger`, params: (w) => ({ slug: w.progASlug }), expect: everyone(OK), hidden: (w) => [...secretsOf.donorA(w), ...secretsOf.donorB(w), ...secretsOf.booksA(w)] },
      { name: "B's draft's ledger", path: (w) => `/programmes/${w.draftBSlug}/ledger`, params: (w) => ({ slug: w.draftBSlug }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "programmes.$slug_.ledger[.]csv": {
    loader: [
      { name: "programme A's ledger as CSV (public; donors as consented)", path: (w) => `/programmes/${w.progASlug}/ledger.csv`, params: (w) => ({ slug: w.progASlug }), expect: everyone(OK), hidden: (w) => [...secretsOf.donorA(w), ...secretsOf.donorB(w), ...secretsOf.booksA(w)] },
      { name: "B's draft's ledger as CSV", path: (w) => `/programmes/${w.draftBSlug}/ledger.csv`, params: (w) => ({ slug: w.draftBSlug }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "programmes.$slug_.pledge": {
    loader: [
      { name: "pledge on A", path: (w) => `/programmes/${w.progASlug}/pledge`, params: (w) => ({ slug: w.progASlug }), expect: everyone(OK), hidden: (w, c) => [...(c === "donorA" ? [] : secretsOf.donorA(w)), ...(c === "donorB" ? [] : secretsOf.donorB(w))] },
      { name: "pledge on B's draft", path: (w) => `/programmes/${w.draftBSlug}/pledge`, params: (w) => ({ slug: w.draftBSlug }), expect: everyone(NOT_FOUND) },
    ],
    action: [
      { name: "pledge on B's draft", path: (w) => `/programmes/${w.draftBSlug}/pledge`, params: (w) => ({ slug: w.draftBSlug }), fields: () => ({ donorKind: "organisation", legalName: "Công ty X", taxCode: "1000000227", email: "x@example.vn", visibility: "anonymous", kind: "cash_once", amount: "1.000.000" }), expect: signedIn(NOT_FOUND) },
    ],
  },
  "programmes._index": {
    loader: [{ name: "catalogue", path: () => "/programmes", expect: everyone(OK), hidden: (w) => [...secretsOf.draftB(), ...secretsOf.donorA(w), ...secretsOf.donorB(w)] }],
    action: NO_ACTION,
  },
  "receipts.$number": {
    loader: [{ name: "donor A's receipt (public page, anonymous donor)", path: (w) => `/receipts/${w.receiptA}`, params: (w) => ({ number: w.receiptA }), expect: everyone(OK), hidden: (w) => ["an.khang.bimat@example.vn", w.pledgeAToCancel, ...secretsOf.booksA(w), ...secretsOf.donorB(w)] }],
    action: NO_ACTION,
  },
  "receipts.$number_.pdf": {
    loader: [{ name: "donor A's receipt PDF", path: (w) => `/receipts/${w.receiptA}/pdf`, params: (w) => ({ number: w.receiptA }), expect: signedIn(FORBIDDEN, { donorA: OK, managerA: OK, ministry: OK, admin: OK }) }],
    action: NO_ACTION,
  },
  "recognition.batches.$id": {
    loader: [
      { name: "a certificate batch's progress", path: (w) => `/recognition/batches/${w.batchId}`, params: (w) => ({ id: w.batchId }), expect: signedIn(FORBIDDEN, { ministry: OK, admin: OK }) },
      { name: "no such batch", path: () => `/recognition/batches/${"e".repeat(24)}`, params: () => ({ id: "e".repeat(24) }), expect: signedIn(FORBIDDEN, { ministry: NOT_FOUND, admin: NOT_FOUND }) },
    ],
    action: NO_ACTION,
  },
  "recognition.certificates": {
    loader: [{ name: "certificates to issue and issued", path: () => "/recognition/certificates", expect: signedIn(FORBIDDEN, { ministry: OK, admin: OK }) }],
    action: [
      {
        name: "issue certificates",
        path: () => "/recognition/certificates",
        // The ministry and the admin tick nothing: a form error, nothing issued.
        fields: (_w, c) => ({ intent: "issue", signerName: "Nguyễn Văn Ký", signerTitle: "Bộ trưởng", place: "Hà Nội", ...(c === "ministry" || c === "admin" ? {} : { nominationIds: "c".repeat(24) + ":" + "d".repeat(24) }) }),
        expect: signedIn(FORBIDDEN, { ministry: BAD, admin: BAD }),
      },
      {
        name: "revoke a certificate",
        path: () => "/recognition/certificates",
        // The ministry and the admin give no reason: a form error, nothing revoked.
        fields: (_w, c) => ({ intent: "revoke", code: "A".repeat(32), reason: c === "ministry" || c === "admin" ? "" : "Thu hồi trái phép" }),
        expect: signedIn(FORBIDDEN, { ministry: BAD, admin: BAD }),
      },
    ],
  },
  register: {
    loader: [{ name: "register page", path: () => "/register", expect: everyone(to(/^\/account$/), { anonymous: OK }) }],
    action: [{ name: "an account with donor A's email", path: () => "/register", fields: () => ({ name: "Kẻ Mạo Danh", email: "an.khang.bimat@example.vn", password: "mat-khau-rat-dai-2026", confirmPassword: "mat-khau-rat-dai-2026" }), expect: everyone(BAD) }],
  },
  "recognition._index": {
    loader: [{ name: "recognition rules", path: () => "/recognition", expect: signedIn(FORBIDDEN, { managerA: OK, managerB: OK, officerOther: OK, ministry: OK, admin: OK }), hidden: hideDonors }],
    action: [
      // The keepers send a rule without its fields: a form error, nothing stored.
      { name: "add a rule", path: () => "/recognition", fields: (w, c) => ({ intent: "create", ruleSet: c === "ministry" || c === "admin" ? "" : "Quy tắc trái phép", type: "certificate", nameVi: "Mức trái phép", nameEn: "Forged tier", donorKinds: "organisation", minTotal: "1.000", year: String(w.recognitionYear), scope: "national", citationVi: "Cảm ơn {tên} rất nhiều.", citationEn: "Thanks to {name} indeed." }), expect: signedIn(FORBIDDEN, { ministry: BAD, admin: BAD }) },
      // The keepers "activate" the active rule (no change); anyone else tries to retire it.
      { name: "retire the rule", path: () => "/recognition", fields: (w, c) => ({ intent: c === "ministry" || c === "admin" ? "activate" : "retire", ruleId: w.ruleId }), expect: signedIn(FORBIDDEN, { ministry: to(/^\/recognition$/), admin: to(/^\/recognition$/) }) },
    ],
  },
  "recognition.donors.$donorId": {
    loader: [
      { name: "donor A's nomination history", path: (w) => `/recognition/donors/${w.donorAId}`, params: (w) => ({ donorId: w.donorAId }), expect: signedIn(FORBIDDEN, { ministry: OK, admin: OK }), hidden: hideDonors },
      { name: "not an id", path: () => "/recognition/donors/x", params: () => ({ donorId: "x" }), expect: signedIn(FORBIDDEN, { ministry: NOT_FOUND, admin: NOT_FOUND }) },
    ],
    action: NO_ACTION,
  },
  "recognition.nominations": {
    loader: [{ name: "nominations", path: () => "/recognition/nominations", expect: signedIn(FORBIDDEN, { managerA: OK, managerB: OK, officerOther: OK, ministry: OK, admin: OK }), hidden: hideDonors }],
    action: [
      // The reviewers reject without a reason: a form error, nothing decided.
      { name: "decide A's manager's nomination", path: () => "/recognition/nominations", fields: (w, c) => ({ nominationIds: w.nominationId, decision: c === "ministry" || c === "admin" ? "reject" : "approve", reason: "" }), expect: signedIn(FORBIDDEN, { ministry: BAD, admin: BAD }) },
    ],
  },
  "recognition.qualifying": {
    loader: [{ name: "who qualifies", path: (w) => `/recognition/qualifying?${new URLSearchParams({ set: "Bộ quy tắc ma trận", year: String(w.recognitionYear) })}`, expect: signedIn(FORBIDDEN, { managerA: OK, managerB: OK, officerOther: OK, ministry: OK, admin: OK }), hidden: hideDonors }],
    action: [
      // Donor A is already nominated (those who may: "already"); others get "out of scope", donor A not named back.
      { name: "nominate donor A", path: (w) => `/recognition/qualifying?${new URLSearchParams({ set: "Bộ quy tắc ma trận", year: String(w.recognitionYear) })}`, fields: (w) => ({ selected: `${w.ruleId}:${w.donorAId}`, justification: "Đề cử lại trong ma trận quyền" }), expect: signedIn(FORBIDDEN, { managerA: OK, managerB: OK, officerOther: OK, ministry: OK, admin: OK }), hidden: hideDonors },
    ],
  },
  "recognition.qualifying_.$ruleId.$donorId": {
    loader: [
      { name: "the gifts behind donor A's figure", path: (w) => `/recognition/qualifying/${w.ruleId}/${w.donorAId}`, params: (w) => ({ ruleId: w.ruleId, donorId: w.donorAId }), expect: signedIn(FORBIDDEN, { managerA: OK, ministry: OK, admin: OK }), hidden: hideAllOfA },
      { name: "not an id", path: () => "/recognition/qualifying/x/y", params: () => ({ ruleId: "x", donorId: "y" }), expect: signedIn(FORBIDDEN, { managerA: NOT_FOUND, managerB: NOT_FOUND, officerOther: NOT_FOUND, ministry: NOT_FOUND, admin: NOT_FOUND }) },
    ],
    action: NO_ACTION,
  },
  "review.corrections": {
    loader: [{ name: "corrections waiting", path: () => "/review/corrections", expect: signedIn(FORBIDDEN, { officerOther: OK, ministry: OK, admin: OK }), hidden: hideBooksA }],
    action: [
      {
        name: "decide A's correction",
        path: () => "/review/corrections",
        // The ministry and the admin leave the reason out: a form error, nothing decided.
        fields: (w, c) => ({ requestId: w.correctionId, decision: "reject", reason: c === "ministry" || c === "admin" ? "" : "Không đồng ý" }),
        expect: signedIn(FORBIDDEN, { ministry: BAD, admin: BAD }),
      },
    ],
  },
  "review.institutions": {
    loader: [{ name: "institutions waiting", path: () => "/review/institutions", expect: signedIn(FORBIDDEN, { officerOther: OK, ministry: OK, admin: OK }), hidden: (_w, c) => (c === "ministry" || c === "admin" ? [] : secretsOf.pendingApplication()) }],
    action: [
      {
        name: "decide the pending Hà Nội institution",
        path: () => "/review/institutions",
        fields: (w, c) => ({ institutionId: w.instPending, decision: "reject", reason: c === "ministry" || c === "admin" ? "" : "Không đủ hồ sơ" }),
        expect: signedIn(FORBIDDEN, { ministry: BAD, admin: BAD }),
      },
    ],
  },
  "set-language": {
    loader: [{ name: "GET", path: () => "/set-language", expect: everyone(to(/^\//)) }],
    action: [{ name: "to English, back to an outside address", path: () => "/set-language", fields: () => ({ lng: "en", redirectTo: "//evil.example" }), expect: everyone(to(/^\/(?!\/)/)) }],
  },
  "[.well-known].did[.]json": {
    loader: [{ name: "the issuer's DID document", path: () => "/.well-known/did.json", expect: everyone(OK) }],
    action: NO_ACTION,
  },
  "[.well-known].jwks[.]json": {
    loader: [{ name: "the issuer's public keys", path: () => "/.well-known/jwks.json", expect: everyone(OK) }],
    action: NO_ACTION,
  },
  "certificates.issuer": {
    loader: [{ name: "the issuer's profile", path: () => "/certificates/issuer", expect: everyone(OK) }],
    action: NO_ACTION,
  },
  "certificates.types.$ruleId": {
    loader: [
      { name: "a kind of certificate", path: (w) => `/certificates/types/${w.ruleA}`, params: (w) => ({ ruleId: w.ruleA }), expect: everyone(OK) },
      { name: "no such kind", path: () => "/certificates/types/650000000000000000000000", params: () => ({ ruleId: "650000000000000000000000" }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "status.$list": {
    loader: [
      { name: "the revocation list", path: () => "/status/1", params: () => ({ list: "1" }), expect: everyone(OK) },
      { name: "no such list", path: () => "/status/9", params: () => ({ list: "9" }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "transparency._index": {
    loader: [
      { name: "money at a glance and the honour roll (public)", path: () => "/transparency", expect: everyone(OK), hidden: (w) => publicSecrets(w) },
      { name: "the honour roll of the recognition year", path: (w) => `/transparency?year=${w.recognitionYear}`, expect: everyone(OK), hidden: (w) => publicSecrets(w) },
    ],
    action: NO_ACTION,
  },
  "transparency.totals[.]csv": {
    loader: [
      { name: "received by province, as CSV (public)", path: () => "/transparency/totals.csv?by=province", expect: everyone(OK), hidden: (w) => publicSecrets(w) },
      { name: "the top programmes, as CSV", path: () => "/transparency/totals.csv?by=programme", expect: everyone(OK), hidden: (w) => publicSecrets(w) },
      { name: "the honour roll, as CSV", path: () => "/transparency/totals.csv?by=honour", expect: everyone(OK), hidden: (w) => publicSecrets(w) },
      { name: "a table that does not exist", path: () => "/transparency/totals.csv?by=donors", expect: everyone(BAD) },
    ],
    action: NO_ACTION,
  },
  "transparency.checkpoint": {
    loader: [{ name: "the latest checkpoint (none signed in this world)", path: () => "/transparency/checkpoint", expect: everyone(NOT_FOUND) }],
    action: NO_ACTION,
  },
  "transparency.data._index": {
    loader: [{ name: "the open data package's page (public)", path: () => "/transparency/data", expect: everyone(OK) }],
    action: NO_ACTION,
  },
  "transparency.data.$file": {
    loader: [
      { name: "datapackage.json (public)", path: () => "/transparency/data/datapackage.json", params: () => ({ file: "datapackage.json" }), expect: everyone(OK) },
      { name: "the programmes, as CSV (public; no donor)", path: () => "/transparency/data/programmes.csv", params: () => ({ file: "programmes.csv" }), expect: everyone(OK), hidden: (w) => publicSecrets(w) },
      { name: "the expenditures, as CSV (public; no donor)", path: () => "/transparency/data/expenditures.csv", params: () => ({ file: "expenditures.csv" }), expect: everyone(OK), hidden: (w) => publicSecrets(w) },
      { name: "no such resource", path: () => "/transparency/data/donors.csv", params: () => ({ file: "donors.csv" }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "transparency.find": {
    loader: [
      { name: "the form", path: () => "/transparency/find", expect: everyone(OK) },
      { name: "a receipt number no gift has", path: () => "/transparency/find?q=R-0000000000000000", expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "reports._index": {
    loader: [
      { name: "prepare a report (officers: their scopes)", path: () => "/reports", expect: signedIn(FORBIDDEN, { officerOther: OK, ministry: OK, admin: OK }), hidden: (w) => publicSecrets(w) },
      { name: "another province's unpublished figures", path: () => "/reports?kind=annual&year=2026&scope=ha-noi", expect: signedIn(FORBIDDEN, { ministry: OK, admin: OK }) },
    ],
    action: [
      // (Publishing itself runs in tests/integration/reports.test.ts: a report signs a checkpoint of the log, and this world has none — see transparency.checkpoint.)
      { name: "publish for a scope that does not exist", path: () => "/reports", fields: () => ({ kind: "annual", year: "2026", scope: "atlantis", reason: "" }), expect: signedIn(FORBIDDEN, { officerOther: BAD, ministry: BAD, admin: BAD }) },
      { name: "publish Cần Thơ's report for a year outside the plan", path: () => "/reports", fields: () => ({ kind: "annual", year: "2019", scope: "can-tho", reason: "" }), expect: signedIn(FORBIDDEN, { officerOther: BAD, ministry: BAD, admin: BAD }) },
    ],
  },
  "reports.indicators": {
    loader: [{ name: "the indicators' targets", path: () => "/reports/indicators", expect: signedIn(FORBIDDEN, { ministry: OK, admin: OK }) }],
    action: [{ name: "set a target to what it is", path: () => "/reports/indicators", fields: () => ({ "targets.provincial-public-libraries.y2025": "100", "targets.provincial-public-libraries.y2030": "100" }), expect: signedIn(FORBIDDEN, { ministry: to(/^\/reports\/indicators$/), admin: to(/^\/reports\/indicators$/) }) }],
  },
  "manage.institutions.$id.learning": {
    loader: [
      { name: "institution A's lifelong-learning year", path: (w) => `/manage/institutions/${w.instA}/learning?year=2026`, params: (w) => ({ id: w.instA }), expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }) },
      { name: "not an id", path: () => "/manage/institutions/x/learning", params: () => ({ id: "x" }), expect: signedIn(NOT_FOUND) },
    ],
    action: [
      { name: "record institution A's year", path: (w) => `/manage/institutions/${w.instA}/learning`, params: (w) => ({ id: w.instA }), fields: () => ({ year: "2026", sector: "public", services: ["reading", "talks"], learners: "120", visitors: "0" }), expect: signedIn(FORBIDDEN, { managerA: to(/^\/manage\/institutions\/[0-9a-f]{24}\/learning\?year=2026$/), admin: to(/^\/manage\/institutions\/[0-9a-f]{24}\/learning\?year=2026$/) }) },
      { name: "a year out of the plan (refused, nothing written)", path: (w) => `/manage/institutions/${w.instA}/learning`, params: (w) => ({ id: w.instA }), fields: () => ({ year: "1999", sector: "public", learners: "1", visitors: "0" }), expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }) },
    ],
  },
  "manage.institutions.$id.international": {
    loader: [
      { name: "institution A's international transfer details", path: (w) => `/manage/institutions/${w.instA}/international`, params: (w) => ({ id: w.instA }), expect: signedIn(FORBIDDEN, { managerA: OK, admin: OK }) },
      { name: "not an id", path: () => "/manage/institutions/x/international", params: () => ({ id: "x" }), expect: signedIn(NOT_FOUND) },
    ],
    action: [
      { name: "set institution A's details", path: (w) => `/manage/institutions/${w.instA}/international`, params: (w) => ({ id: w.instA }), fields: () => ({ internationalTransfer: "Joint Stock Commercial Bank for Foreign Trade of Vietnam, SWIFT BFTVVNVX, account 0011004455667" }), expect: signedIn(FORBIDDEN, { managerA: to(/^\/manage\/institutions\/[0-9a-f]{24}\/international$/), admin: to(/^\/manage\/institutions\/[0-9a-f]{24}\/international$/) }) },
      { name: "details without a SWIFT code (refused, nothing written)", path: (w) => `/manage/institutions/${w.instA}/international`, params: (w) => ({ id: w.instA }), fields: () => ({ internationalTransfer: "Please ask us by email" }), expect: signedIn(FORBIDDEN, { managerA: BAD, admin: BAD }) },
    ],
  },
  "transparency.reports._index": {
    loader: [{ name: "published reports (public)", path: () => "/transparency/reports", expect: everyone(OK), hidden: (w) => publicSecrets(w) }],
    action: NO_ACTION,
  },
  "transparency.reports.$id": {
    loader: [
      { name: "a report never published", path: () => "/transparency/reports/annual-2023-national-e1", params: () => ({ id: "annual-2023-national-e1" }), expect: everyone(NOT_FOUND) },
      { name: "not a report id", path: () => "/transparency/reports/x", params: () => ({ id: "x" }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "transparency.reports.$id_.$format": {
    loader: [
      { name: "the PDF of a report never published", path: () => "/transparency/reports/annual-2023-national-e1/pdf", params: () => ({ id: "annual-2023-national-e1", format: "pdf" }), expect: everyone(NOT_FOUND) },
      { name: "a format that is not offered", path: () => "/transparency/reports/annual-2023-national-e1/exe", params: () => ({ id: "annual-2023-national-e1", format: "exe" }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "transparency.ledger": {
    loader: [{ name: "the ledger's checkpoint, key and chains (public)", path: () => "/transparency/ledger", expect: everyone(OK) }],
    action: NO_ACTION,
  },
  "transparency.proof.inclusion": {
    loader: [
      { name: "an entry not in the log", path: () => "/transparency/proof/inclusion?entry=R-0000000000000000", expect: everyone(NOT_FOUND) },
      { name: "a size that is no number", path: () => "/transparency/proof/inclusion?entry=R-0000000000000000&size=abc", expect: everyone(BAD) },
    ],
    action: NO_ACTION,
  },
  "transparency.proof.consistency": {
    loader: [
      { name: "between checkpoints never signed", path: () => "/transparency/proof/consistency?from=1&to=2", expect: everyone(NOT_FOUND) },
      { name: "from after to", path: () => "/transparency/proof/consistency?from=2&to=1", expect: everyone(BAD) },
    ],
    action: NO_ACTION,
  },
  "verify._index": {
    loader: [
      { name: "the form", path: () => "/verify", expect: everyone(OK) },
      { name: "a code of the wrong shape", path: () => "/verify?code=abc", expect: everyone(BAD) },
    ],
    action: NO_ACTION,
  },
  "verify.$code": {
    loader: [
      { name: "donor A's certificate (public page)", path: (w) => `/verify/${w.certificateA}`, params: (w) => ({ code: w.certificateA }), expect: everyone(OK), hidden: (w) => ["an.khang.bimat@example.vn", w.pledgeA, "7.777.000", ...secretsOf.donorB(w)] },
      { name: "no such certificate", path: () => `/verify/${"Z".repeat(32)}`, params: () => ({ code: "Z".repeat(32) }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "verify.$code.credential": {
    loader: [
      { name: "donor A's signed credential (public)", path: (w) => `/verify/${w.certificateA}/credential`, params: (w) => ({ code: w.certificateA }), expect: everyone(OK) },
      { name: "no such certificate", path: () => `/verify/${"Z".repeat(32)}/credential`, params: () => ({ code: "Z".repeat(32) }), expect: everyone(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "verify.$code.pdf": {
    loader: [
      { name: "donor A's certificate PDF", path: (w) => `/verify/${w.certificateA}/pdf`, params: (w) => ({ code: w.certificateA }), expect: signedIn(FORBIDDEN, { donorA: OK, ministry: OK, admin: OK }) },
      { name: "no such certificate", path: () => `/verify/${"Z".repeat(32)}/pdf`, params: () => ({ code: "Z".repeat(32) }), expect: signedIn(NOT_FOUND) },
    ],
    action: NO_ACTION,
  },
  "webhooks.stripe": {
    loader: [{ name: "GET", path: () => "/webhooks/stripe", expect: everyone(status(405, "405")) }],
    action: [{ name: "an unsigned event", path: () => "/webhooks/stripe", fields: () => ({ type: "checkout.session.completed" }), expect: everyone(BAD) }],
  },
};

/** logout's action ends the session it is sent with: each caller sends a throwaway session of its own (see run()). */
function logoutCases(): Case[] {
  return [{ name: "log out (a throwaway session of the same role)", path: () => "/logout", fields: () => ({}), expect: everyone(to(/^\/$/)) }];
}

// ───────────── running it ─────────────

type RouteModule = { loader?: (args: unknown) => Promise<unknown>; action?: (args: unknown) => Promise<unknown> };
const routeFiles = readdirSync(ROUTES_DIR).filter((file) => /\.(tsx?|jsx?)$/.test(file));
const routeName = (file: string) => file.replace(/\.(tsx?|jsx?)$/, "");
const loadRoute = (name: string) => import(/* @vite-ignore */ path.join(ROUTES_DIR, routeFiles.find((f) => routeName(f) === name)!)) as Promise<RouteModule>;

/**
 * Every collection's count, and the contents of those a request could change (sessions change on their
 * own). The abuse limits' counters are left out: counting an attempt, refused or not, is their job.
 */
async function databaseState() {
  const db = mongoose.connection.db!;
  const collections = (await db.listCollections().toArray()).map((c) => c.name).filter((name) => name !== RateLimit.collection.collectionName).sort();
  const state: Record<string, string | number> = {};
  for (const name of collections) {
    if (/session/i.test(name)) state[name] = await db.collection(name).countDocuments();
    else state[name] = JSON.stringify(await db.collection(name).find().sort({ _id: 1 }).toArray());
  }
  return state;
}

let world: World;
const figures = { routes: 0, cases: 0, requests: 0, callers: CALLERS.length };

async function cookieOf(caller: Caller, throwaway: boolean) {
  if (caller === "anonymous") return undefined;
  if (!throwaway) return world.people[caller].cookie;
  return sessionCookieFor(world.people[caller].user.id);
}

async function run(kind: "loader" | "action", name: string, c: Case, caller: Caller) {
  const module = await loadRoute(name);
  const cookie = await cookieOf(caller, name === "logout");
  const url = c.path(world);
  const request = kind === "loader" ? getRequest(url, cookie) : await formRequest(url, c.fields?.(world, caller) ?? {}, { cookie });
  const fn = module[kind]!;
  figures.requests += 1;
  return responseOf(fn({ request, params: c.params?.(world) ?? {}, context: {} }));
}

beforeAll(async () => {
  world = await makeWorld();
  // Every route's models compiled and their collections made now: mongoose creates a model's collection
  // in the background when its module is first imported, which would look like a refused request's write.
  await Promise.all(routeFiles.map((file) => loadRoute(routeName(file))));
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
}, 120_000);

describe("the route × role matrix", () => {
  test("every file in app/routes has a row, and every row a file", () => {
    const names = routeFiles.map(routeName);
    const missing = names.filter((name) => !(name in MATRIX));
    const stale = Object.keys(MATRIX).filter((name) => !names.includes(name));
    expect(missing, `route files without a row in tests/integration/route-matrix.test.ts (see "How to add a row" at its top): ${missing.map((n) => `app/routes/${n}`).join(", ")}`).toEqual([]);
    expect(stale, `rows for route files that no longer exist: ${stale.join(", ")}`).toEqual([]);
  });

  for (const file of routeFiles) {
    const name = routeName(file);
    const row = MATRIX[name];
    if (!row) continue;
    describe(name, () => {
      test("exports exactly the loader and action its row lists (a POST without an action is answered 405 by Remix)", async () => {
        const module = await loadRoute(name);
        expect(typeof module.loader === "function", "loader").toBe(row.loader !== NO_LOADER);
        expect(typeof module.action === "function", "action").toBe(row.action !== NO_ACTION);
      });
      for (const kind of ["loader", "action"] as const) {
        const cases = row[kind];
        if (!Array.isArray(cases)) continue;
        for (const c of cases) {
          test(`${kind === "loader" ? "GET" : "POST"} ${c.name}`, async () => {
            figures.cases += 1;
            const seen: Record<string, string> = {};
            const wanted: Record<string, string> = {};
            // The state after a refused caller is the state before the next one (nothing ran in between).
            let known: Awaited<ReturnType<typeof databaseState>> | null = null;
            for (const caller of CALLERS) {
              const expected = c.expect[caller];
              const before = kind === "action" && expected.refused ? (known ?? (await databaseState())) : null;
              known = null;
              const response = await run(kind, name, c, caller);
              const body = await response.text();
              const location = response.headers.get("Location") ?? "";
              const matches = response.status === expected.status && (!expected.location || expected.location.test(location));
              seen[caller] = `${response.status}${location ? ` → ${location}` : ""}${matches ? "" : ` ${body.slice(0, 160)}`}`;
              wanted[caller] = matches ? seen[caller]! : expected.label;
              for (const secret of c.hidden?.(world, caller) ?? []) {
                expect(body.includes(secret), `${caller}: "${secret}" must not be in the body of ${kind} ${c.path(world)}`).toBe(false);
              }
              if (before) {
                const after = await databaseState();
                known = after;
                const changed = Object.keys({ ...before, ...after }).filter((name) => before[name] !== after[name]);
                expect(changed, `${caller}: a refused ${c.name} changed these collections`).toEqual([]);
              }
            }
            expect(seen).toEqual(wanted);
          });
        }
      }
    });
  }

  test("figures", () => {
    figures.routes = routeFiles.length;
    console.info(`[route-matrix] ${figures.routes} route files × ${figures.callers} callers: ${figures.cases} cases, ${figures.requests} requests`);
  });
});
