import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Certificate, CertificateBatch } from "#models/certificate.server";
import { Donor } from "#models/donor.server";
import { Nomination } from "#models/nomination.server";
import type { SessionUser } from "#models/user.server";
import { vietnamTime } from "#services/calendar";
import { recordDonation } from "#services/money/donations";
import { startBatch } from "#services/recognition/certificates";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { loader as batchLoader } from "~/routes/recognition.batches.$id";
import { action as certificatesAction, loader as certificatesLoader } from "~/routes/recognition.certificates";
import { batchesSettled, recognitionConfig } from "~/utils/certificates-admin.server";
import { createInstitution, createOpenProgramme } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

// The key certificates are signed with in this file (as SIGNING_KEY would give it in production).
process.env.SIGNING_KEY = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();

type Person = SessionUser & { cookie: string };
async function person(overrides: Parameters<typeof createTestUser>[0]): Promise<Person> {
  const user = await createTestUser(overrides);
  return { ...user, cookie: await sessionCookieFor(user.id) };
}

const PAGE = "/recognition/certificates";
const YEAR = 2026;
const signer = { signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" };

let ministry: Person;
let secondOfficer: Person;
let admin: Person;
let manager: Person;
let provinceOfficer: Person;
let donor: Person;
let institution: Awaited<ReturnType<typeof createInstitution>>;
let programme: Awaited<ReturnType<typeof createOpenProgramme>>;
let key = 0;

/** Donors who each gave `amount` in 2026, nominated for a new rule of `type` by the manager and approved by the ministry: their nomination ids. */
async function approvedNominations(type: string, names: string[], amount = 2_000_000): Promise<string[]> {
  const rule = await createRule(ministry, {
    ruleSet: `Bộ quy tắc ${type} ${(key += 1)}`,
    type,
    nameVi: type === "minister_merit" ? "Đề nghị Bằng khen của Bộ trưởng" : "Giấy chứng nhận nhà tài trợ",
    nameEn: type === "minister_merit" ? "Minister's merit" : "Sponsor certificate",
    donorKinds: ["organisation", "individual"],
    minTotal: "1.000.000",
    year: String(YEAR),
    countInKind: "on",
    scope: "national",
    citationVi: "Đã có thành tích đóng góp {tổng} cho học tập suốt đời năm {năm}.",
    citationEn: "For contributing {total} to lifelong learning in {year}.",
  });
  const donorIds: string[] = [];
  for (const name of names) {
    const created = await Donor.create({ kind: "individual", fullName: name, email: `cert-page-${(key += 1)}@example.vn` });
    await recordDonation({ idempotencyKey: `certificate-pages:${(key += 1)}`, programmeId: programme._id, institutionId: institution._id, donorId: String(created._id), method: "cash", amount, receivedAt: vietnamTime(YEAR, 6, 1) });
    donorIds.push(String(created._id));
  }
  const outcomes = await nominate(manager, { ruleId: String(rule._id), donorIds, justification: "Đóng góp đều đặn cho tủ sách cộng đồng." });
  expect(outcomes.every((o) => o.result === "nominated")).toBe(true);
  const ids = donorIds.map((donorId) => `${String(rule._id)}:${donorId}`);
  expect((await review(ministry, { nominationIds: ids, decision: "approve", reason: "" })).every((o) => o.result === "approved")).toBe(true);
  return ids;
}

const load = async (cookie: string, path = PAGE) => responseOf(certificatesLoader({ request: getRequest(path, cookie), params: {}, context: {} }));
const post = async (fields: Record<string, string | string[]>, cookie: string) => responseOf(certificatesAction({ request: await formRequest(PAGE, fields, { cookie }), params: {}, context: {} }));
const loadBatch = async (id: string, cookie: string) => responseOf(batchLoader({ request: getRequest(`/recognition/batches/${id}`, cookie), params: { id }, context: {} }));
type PageData = Awaited<ReturnType<Awaited<ReturnType<typeof certificatesLoader>>["json"]>>;
const pageData = async (cookie: string, path = PAGE) => (await (await load(cookie, path)).json()) as PageData;

beforeAll(async () => {
  institution = await createInstitution({ provinceSlug: "ha-noi" });
  programme = await createOpenProgramme(institution, { title: "Tủ sách cộng đồng" });
  ministry = await person({ role: "ministry_officer", name: "Trần Thị Bộ" });
  secondOfficer = await person({ role: "ministry_officer", name: "Lê Văn Hai" });
  admin = await person({ role: "admin" });
  manager = await person({ role: "manager", institutionIds: [String(institution._id)] });
  provinceOfficer = await person({ role: "province_officer", provinceSlug: "ha-noi" });
  donor = await person({ role: "donor" });
});

// A batch started through the page goes on after the answer: it ends before this file's database goes.
afterAll(async () => {
  await batchesSettled();
});

describe("issuing one certificate", () => {
  test("an approved nomination is listed to issue; issuing it answers with its serial and a link to its verification page", async () => {
    const [id] = await approvedNominations("certificate", ["Phạm Thị Sách"]);
    const before = await pageData(ministry.cookie);
    expect(before.toIssue).toEqual([expect.objectContaining({ id, donorName: "Phạm Thị Sách", type: "certificate", needsDecision: false, contribution: 2_000_000 })]);

    const response = await post({ intent: "issue", nominationIds: id!, ...signer }, ministry.cookie);
    expect(response.status).toBe(302);
    const location = response.headers.get("Location")!;
    expect(location).toMatch(/^\/recognition\/certificates\?issued=[A-Z2-9]{32}$/);
    const code = location.split("=")[1]!;
    const certificate = (await Certificate.findById(code).lean())!;
    expect(certificate.serial).toMatch(new RegExp(`^\\d{4}/GCN/000001$`));

    // The page it leads to shows the serial, with the verification page and the PDF.
    const after = await pageData(ministry.cookie, location);
    expect(after.justIssued).toMatchObject({ code, serial: certificate.serial, recipient: "Phạm Thị Sách", status: "issued" });
    expect(after.toIssue).toEqual([]);
    expect(after.certificates.map((c) => c.serial)).toContain(certificate.serial);
  });

  test("a state award without its decision is refused with the message, for that nomination, and nothing is issued; with it, it is issued", async () => {
    const [merit] = await approvedNominations("minister_merit", ["Công ty Sách Giả Định"], 5_000_000);
    const certificates = await Certificate.countDocuments();
    const refused = await post({ intent: "issue", nominationIds: merit!, ...signer }, ministry.cookie);
    expect(refused.status).toBe(400);
    const body = await refused.json();
    expect(body).toMatchObject({ ok: false, formError: "certificatesAdmin.issue.needsDecision", needsDecision: [merit], errors: { decisionNumber: ["certificatesAdmin.issue.decisionRequired"] } });
    expect(await Certificate.countDocuments()).toBe(certificates);
    expect((await Nomination.findById(merit).lean())!.status).toBe("approved");

    // A badly shaped decision number: the schema's message, nothing issued.
    const badShape = await post({ intent: "issue", nominationIds: merit!, ...signer, decisionNumber: "quyết định 125", decisionDate: "2026-11-20" }, ministry.cookie);
    expect(badShape.status).toBe(400);
    expect((await badShape.json()).errors.decisionNumber).toEqual(["recognition.decisionNumberShape"]);
    expect(await Certificate.countDocuments()).toBe(certificates);

    const issued = await post({ intent: "issue", nominationIds: merit!, ...signer, decisionNumber: "125/QĐ-BVHTTDL", decisionDate: "2026-11-20" }, ministry.cookie);
    expect(issued.status).toBe(302);
    const code = issued.headers.get("Location")!.split("=")[1]!;
    expect((await Certificate.findById(code).lean())!).toMatchObject({ type: "minister_merit", decisionNumber: "125/QĐ-BVHTTDL" });
  });

  test("nothing ticked is refused with the message", async () => {
    const response = await post({ intent: "issue", ...signer }, ministry.cookie);
    expect(response.status).toBe(400);
    expect((await response.json()).errors.nominationIds).toEqual(["recognition.chooseNominations"]);
  });
});

describe("issuing a batch", () => {
  test("25 ticked: the action answers at once with the batch's page, which shows its progress", async () => {
    const ids = await approvedNominations("certificate", Array.from({ length: 25 }, (_, i) => `Nhà tài trợ đợt ${i + 1}`));
    const response = await post({ intent: "issue", nominationIds: ids, ...signer }, secondOfficer.cookie);
    expect(response.status).toBe(302);
    const location = response.headers.get("Location")!;
    expect(location).toMatch(/^\/recognition\/batches\/[a-f0-9]{24}$/);
    const batchId = location.split("/").pop()!;
    expect(await CertificateBatch.findById(batchId).lean()).toMatchObject({ total: 25 });

    const page = await loadBatch(batchId, secondOfficer.cookie);
    expect(page.status).toBe(200);
    const { batch } = await page.json();
    expect(batch).toMatchObject({ id: batchId, total: 25 });
    expect(batch.issued).toBeGreaterThanOrEqual(0);
    expect(batch.issued).toBeLessThanOrEqual(25);
    await batchesSettled();
    expect((await (await loadBatch(batchId, secondOfficer.cookie)).json()).batch).toMatchObject({ total: 25, issued: 25, failed: 0, running: false });
  });

  test("a batch of 25 run to its end: its page shows 25/25, done; a failure is named with its reason", async () => {
    const ids = await approvedNominations("certificate", Array.from({ length: 24 }, (_, i) => `Nhà tài trợ đợt hai ${i + 1}`));
    const [merit] = await approvedNominations("minister_merit", ["Tập đoàn Chưa Có Quyết Định"]);
    // Through the service, to await its end: the award without a decision is refused, the others issued.
    const { batchId, finished } = await startBatch(ministry, { nominationIds: [...ids, merit], ...signer }, await recognitionConfig());
    await finished;
    const { batch } = await (await loadBatch(batchId, ministry.cookie)).json();
    expect(batch).toMatchObject({ total: 25, issued: 24, failed: 1, running: false });
    expect(batch.failures).toEqual([{ nominationId: merit, donorName: "Tập đoàn Chưa Có Quyết Định", reason: "needs_decision" }]);

    const all = await approvedNominations("certificate", Array.from({ length: 25 }, (_, i) => `Nhà tài trợ đợt ba ${i + 1}`));
    const second = await startBatch(ministry, { nominationIds: all, ...signer }, await recognitionConfig());
    await second.finished;
    const done = (await (await loadBatch(second.batchId, ministry.cookie)).json()).batch;
    expect(done).toMatchObject({ total: 25, issued: 25, failed: 0, running: false, failures: [] });
  });

  test("several ticked, one of them a state award, without a decision: refused before anything starts, naming that nomination (also with 'select all')", async () => {
    const plain = await approvedNominations("certificate", ["Ngô Văn Một", "Ngô Văn Hai"]);
    const [merit] = await approvedNominations("minister_merit", ["Tổng công ty Đợt Chưa Quyết Định"]);
    const batches = await CertificateBatch.countDocuments();
    const certificates = await Certificate.countDocuments();
    const refused = await post({ intent: "issue", nominationIds: [...plain, merit!], ...signer }, ministry.cookie);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ formError: "certificatesAdmin.issue.needsDecision", needsDecision: [merit], selected: [...plain, merit] });
    // "Select all" (a plain checkbox, so it works without JavaScript): every approved nomination, the award among them.
    const all = await post({ intent: "issue", all: "on", ...signer }, ministry.cookie);
    expect(all.status).toBe(400);
    const body = await all.json();
    expect(body.needsDecision).toEqual(expect.arrayContaining([merit])); // and the award left unissued by the batch above
    expect(body.needsDecision).not.toContain(plain[0]);
    expect(body.selected).toEqual(expect.arrayContaining([...plain, merit]));
    expect(await CertificateBatch.countDocuments()).toBe(batches);
    expect(await Certificate.countDocuments()).toBe(certificates);
    // Leave them issued (with a decision) so later tests see no approved nomination of theirs.
    const issued = await post({ intent: "issue", nominationIds: [...plain, merit!], ...signer, decisionNumber: "126/QĐ-BVHTTDL", decisionDate: "2026-11-21" }, ministry.cookie);
    expect(issued.status).toBe(302);
    await batchesSettled();
  });

  test("no such batch: 404", async () => {
    expect((await loadBatch("0123456789abcdef01234567", ministry.cookie)).status).toBe(404);
    expect((await loadBatch("not-an-id", ministry.cookie)).status).toBe(404);
  });
});

describe("revoking", () => {
  test("without a reason: refused with the message, still valid; with one: shown as revoked with its reason, still listed", async () => {
    const [id] = await approvedNominations("certificate", ["Hoàng Văn Thu Hồi"]);
    const issued = await post({ intent: "issue", nominationIds: id!, ...signer }, ministry.cookie);
    const code = issued.headers.get("Location")!.split("=")[1]!;

    const refused = await post({ intent: "revoke", code, reason: "  " }, ministry.cookie);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ ok: false, intent: "revoke", code, errors: { reason: ["recognition.revokeReasonRequired"] } });
    expect((await Certificate.findById(code).lean())!.status).toBe("issued");

    const revoked = await post({ intent: "revoke", code, reason: "Cấp nhầm người nhận" }, ministry.cookie);
    expect(revoked.status).toBe(302);
    expect(revoked.headers.get("Location")).toBe(PAGE);
    const row = (await pageData(ministry.cookie)).certificates.find((c) => c.code === code);
    expect(row).toMatchObject({ status: "revoked", revokedReason: "Cấp nhầm người nhận", recipient: "Hoàng Văn Thu Hồi" });
    expect(row!.revokedAt).toBeTruthy();
  });
});

describe("who may issue", () => {
  test("a manager, a province officer and a donor are refused (403) on the pages and their actions; nothing is issued or revoked", async () => {
    const [id] = await approvedNominations("certificate", ["Đỗ Thị Không Được Cấp"]);
    const someCertificate = (await Certificate.findOne({ status: "issued" }).lean())!;
    const batch = (await CertificateBatch.findOne().lean())!;
    const certificates = await Certificate.countDocuments();
    for (const caller of [manager, provinceOfficer, donor]) {
      expect((await load(caller.cookie)).status, caller.role).toBe(403);
      expect((await loadBatch(batch._id, caller.cookie)).status, caller.role).toBe(403);
      expect((await post({ intent: "issue", nominationIds: id!, ...signer }, caller.cookie)).status, caller.role).toBe(403);
      expect((await post({ intent: "issue", nominationIds: [id!, id!], ...signer }, caller.cookie)).status, caller.role).toBe(403);
      expect((await post({ intent: "revoke", code: someCertificate._id, reason: "Thu hồi trái phép" }, caller.cookie)).status, caller.role).toBe(403);
    }
    expect(await Certificate.countDocuments()).toBe(certificates);
    expect((await Certificate.findById(someCertificate._id).lean())!.status).toBe("issued");
    expect((await Nomination.findById(id).lean())!.status).toBe("approved");
    // An admin holds every role.
    expect((await load(admin.cookie)).status).toBe(200);
    // Signed out: to the login page.
    const anonymous = await responseOf(certificatesLoader({ request: getRequest(PAGE), params: {}, context: {} }));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
  });
});
