import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { Certificate, CertificateBatch, CertificateSerial } from "#models/certificate.server";
import { Donor } from "#models/donor.server";
import { Nomination } from "#models/nomination.server";
import { Pledge } from "#models/pledge.server";
import { addToLookup } from "#models/lookup.server";
import { createUser } from "#models/user.server";
import { Rollup } from "#models/projection.server";
import type { SessionUser } from "#models/user.server";
import { vietnamDateInput, vietnamTime } from "#services/calendar";
import { loadIssuerKeys } from "#services/certificates/keys";
import { recordDonation, recordReversal } from "#services/money/donations";
import { rebuildProjections } from "#services/money/projections";
import { certificatePdf, checkCertificate, issueCertificate, revokeCertificate, startBatch, voidInterruptedSerials, type RecognitionConfig } from "#services/recognition/certificates";
import { createRule, nominate, nomineeHistory, review } from "#services/recognition/nominations";
import { contributionsBehind, qualifyingDonors } from "#services/recognition/qualification";
import { createInstitution, createOpenProgramme, createOrganisationDonor, recognitionRuleFields } from "#tests/fixtures/domain";
import { createTestUser } from "#tests/utils/requests";

let config: RecognitionConfig;
let ministry: SessionUser;
let secondOfficer: SessionUser;
let provinceOfficer: SessionUser;
let manager: SessionUser;
let otherManager: SessionUser;
let donorUser: SessionUser;
let otherDonorUser: SessionUser;
let institution: Awaited<ReturnType<typeof createInstitution>>;
let programme: Awaited<ReturnType<typeof createOpenProgramme>>;
let key = 0;

const organisation = (name: string, userId?: string) => createOrganisationDonor(name, { userId });
async function person(name: string) {
  return Donor.create({ kind: "individual", fullName: name, email: `p${Date.now()}${(key += 1)}@example.vn` });
}
async function give(donorId: unknown, amount: number, receivedAt: Date, method: "cash" | "in_kind" | "volunteer_hours" = "cash", where = { programme, institution }) {
  return recordDonation({ idempotencyKey: `recognition-test:${(key += 1)}`, programmeId: where.programme._id, institutionId: where.institution._id, donorId: String(donorId), method, amount, receivedAt });
}

const RULE_SET = "Vinh danh nhà tài trợ 2026";
const ruleInput = recognitionRuleFields;

beforeAll(async () => {
  const origin = "http://localhost:3000";
  config = { origin, keys: await loadIssuerKeys({ origin, signingKeyPem: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString() }) };
  institution = await createInstitution({ provinceSlug: "ha-noi" });
  programme = await createOpenProgramme(institution, { title: "Tủ sách cộng đồng" });
  ministry = await createTestUser({ role: "ministry_officer", name: "Trần Thị Bộ" });
  secondOfficer = await createTestUser({ role: "ministry_officer", name: "Lê Văn Hai" });
  provinceOfficer = await createTestUser({ role: "province_officer", provinceSlug: "ha-noi" });
  manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
  const other = await createInstitution({ provinceSlug: "hue" });
  otherManager = await createTestUser({ role: "manager", institutionIds: [String(other._id)] });
  donorUser = await createTestUser({ role: "donor" });
  otherDonorUser = await createTestUser({ role: "donor" });
});

describe("who qualifies", () => {
  test("awkward periods: the last evening of the year counts, the first minutes of the next do not; a refund after the period and a correction count against their gift; goods count; one tier per donor", async () => {
    await createRule(ministry, ruleInput());
    await createRule(ministry, ruleInput({ type: "minister_merit", nameVi: "Đề nghị Bằng khen của Bộ trưởng", nameEn: "Minister's merit", minTotal: "40.000.000" }));
    await createRule(ministry, ruleInput({ ruleSet: "Chuyên gia tình nguyện 2026", nameVi: "Thư cảm ơn chuyên gia", nameEn: "Thanks to experts", type: "thanks", donorKinds: ["volunteer_expert"], minTotal: "10.000.000", countVolunteerHours: "on" }));

    const lastEvening = await organisation("Công ty Cổ phần Sách Việt");
    await give(lastEvening._id, 15_000_000, vietnamTime(2026, 12, 31, 23, 30));
    await give(lastEvening._id, 6_000_000, vietnamTime(2026, 3, 8), "in_kind");
    const refundedLater = await organisation("Công ty TNHH Thiết bị Giáo dục");
    const refunded = await give(refundedLater._id, 25_000_000, vietnamTime(2026, 6, 1));
    await recordReversal({ donationId: refunded.donationId, amount: 10_000_000, idempotencyKey: "refund-after-period", kind: "refund", occurredAt: vietnamTime(2027, 1, 5) });
    const big = await organisation("Tập đoàn Văn hóa Đọc");
    await give(big._id, 45_000_000, vietnamTime(2026, 9, 2));
    const tooLate = await organisation("Công ty Đầu tư Tri thức");
    await give(tooLate._id, 19_000_000, vietnamTime(2026, 12, 31, 12));
    await give(tooLate._id, 5_000_000, vietnamTime(2027, 1, 1, 0, 10));
    const corrected = await organisation("Công ty In Hà Nội");
    const wrong = await give(corrected._id, 30_000_000, vietnamTime(2026, 5, 5));
    await recordReversal({ donationId: wrong.donationId, amount: 15_000_000, idempotencyKey: "correction-in-period", kind: "correction", occurredAt: vietnamTime(2026, 5, 6) });
    const expert = await person("Nguyễn Văn Chuyên Gia");
    await give(expert._id, 25_000_000, vietnamTime(2026, 7, 1), "volunteer_hours");

    const list = await qualifyingDonors(ministry, RULE_SET, 2026);
    expect(list.map((row) => [row.name, row.type, row.contribution])).toEqual([
      ["Tập đoàn Văn hóa Đọc", "minister_merit", 45_000_000],
      ["Công ty Cổ phần Sách Việt", "certificate", 21_000_000],
    ]);
    // Hours count only under a rule that counts them, and only for volunteer experts.
    expect((await qualifyingDonors(ministry, "Chuyên gia tình nguyện 2026", 2026)).map((row) => [row.name, row.contribution])).toEqual([["Nguyễn Văn Chuyên Gia", 25_000_000]]);

    // The drill-down: the gifts behind the figure, with their receipts.
    const rule = list[1]!.ruleId;
    const behind = await contributionsBehind(ministry, rule, String(lastEvening._id));
    expect(behind.total).toBe(21_000_000);
    expect(behind.lines.map((l) => [l.method, l.amount, l.reversed, vietnamDateInput(l.receivedAt)])).toEqual([
      ["in_kind", 6_000_000, 0, "2026-03-08"],
      ["cash", 15_000_000, 0, "2026-12-31"],
    ]);
    expect(behind.lines.every((l) => /^[A-Z0-9-]+$/.test(l.receiptNumber))).toBe(true);
    const refundedBehind = await contributionsBehind(ministry, rule, String(refundedLater._id));
    expect(refundedBehind).toMatchObject({ total: 15_000_000, lines: [{ amount: 25_000_000, reversed: -10_000_000 }] });

    // What the rollups hold equals what a rebuild from the ledger derives.
    const before = await Rollup.find({ _id: /^donor:/ }).sort({ _id: 1 }).lean();
    await rebuildProjections();
    expect(await Rollup.find({ _id: /^donor:/ }).sort({ _id: 1 }).lean()).toEqual(before);
  });

  test("a manager sees the donors of their institution only; a province officer those who gave in the province", async () => {
    expect((await qualifyingDonors(manager, RULE_SET, 2026)).length).toBe(2);
    expect(await qualifyingDonors(otherManager, RULE_SET, 2026)).toEqual([]);
    expect((await qualifyingDonors(provinceOfficer, RULE_SET, 2026)).length).toBe(2);
    await expect(qualifyingDonors(donorUser, RULE_SET, 2026)).rejects.toMatchObject({ code: "forbidden" });
  });

  test("a rule with an unknown placeholder or no donor kind is refused with the field named, and nothing is stored", async () => {
    await expect(createRule(ministry, ruleInput({ citationVi: "Cảm ơn {ten_sai} rất nhiều", donorKinds: [] }))).rejects.toMatchObject({ code: "invalid", fieldErrors: { citationVi: [expect.stringContaining("recognition.unknownPlaceholder")], donorKinds: ["recognition.donorKindsRequired"] } });
    await expect(createRule(manager, ruleInput())).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("nominations and review", () => {
  test("nominated by a manager, approved by a ministry officer; nobody approves their own; a province officer cannot review; a rejection needs a reason; every step is audited", async () => {
    const [first, second] = await qualifyingDonors(ministry, RULE_SET, 2026);
    expect(await nominate(otherManager, { ruleId: first!.ruleId, donorIds: [first!.donorId], justification: "Đóng góp lớn cho thư viện." })).toEqual([{ donorId: first!.donorId, result: "out_of_scope" }]);
    expect(await nominate(manager, { ruleId: first!.ruleId, donorIds: [first!.donorId], justification: "Đóng góp lớn cho thư viện." })).toEqual([{ donorId: first!.donorId, result: "nominated" }]);
    expect(await nominate(ministry, { ruleId: second!.ruleId, donorIds: [second!.donorId], justification: "Tài trợ sách cả năm." })).toEqual([{ donorId: second!.donorId, result: "nominated" }]);
    // Not qualifying for that tier: refused.
    expect(await nominate(ministry, { ruleId: first!.ruleId, donorIds: [second!.donorId], justification: "Thử đề nghị hạng cao hơn." })).toEqual([{ donorId: second!.donorId, result: "not_qualified" }]);

    const ids = (await Nomination.find({ status: "proposed" }).lean()).map((n) => n._id);
    await expect(review(provinceOfficer, { nominationIds: ids, decision: "approve" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(review(secondOfficer, { nominationIds: ids, decision: "reject", reason: "" })).rejects.toMatchObject({ code: "invalid", fieldErrors: { reason: ["recognition.rejectReasonRequired"] } });
    const outcomes = await review(ministry, { nominationIds: ids, decision: "approve", reason: "Đủ điều kiện." });
    expect(outcomes.map((o) => o.result).sort()).toEqual(["approved", "own_nomination"]);
    const own = outcomes.find((o) => o.result === "own_nomination")!.nominationId;
    expect((await Nomination.findById(own).lean())!.status).toBe("proposed");
    expect(await review(secondOfficer, { nominationIds: [own], decision: "approve" })).toEqual([{ nominationId: own, result: "approved" }]);
    // Decided once.
    expect(await review(secondOfficer, { nominationIds: [own], decision: "reject", reason: "Đổi ý sau khi duyệt." })).toEqual([{ nominationId: own, result: "not_pending" }]);

    const history = await nomineeHistory(secondOfficer, first!.donorId);
    expect(history.trail.map((e) => e.action)).toEqual(["nomination.propose", "nomination.approve"]);
    expect(String(history.trail[0]!.actorId)).toBe(manager.id);
    await expect(nomineeHistory(manager, first!.donorId)).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("issuing, verifying, revoking", () => {
  const signer = { signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" };
  const year = Number(vietnamDateInput(new Date()).slice(0, 4));
  let issuedCode = "";

  test("a manager cannot issue; a state award needs its decision; an approved certificate verifies, with its PDF in Vietnamese", async () => {
    const approved = await Nomination.find({ status: "approved" }).lean();
    const gcn = approved.find((n) => n.contribution === 21_000_000)!;
    const merit = approved.find((n) => n.contribution === 45_000_000)!;
    await expect(issueCertificate(manager, { nominationIds: [gcn._id], ...signer }, config)).rejects.toMatchObject({ code: "forbidden" });
    expect(await issueCertificate(ministry, { nominationIds: [merit._id], ...signer }, config)).toMatchObject({ result: "needs_decision" });
    const meritIssued = await issueCertificate(ministry, { nominationIds: [merit._id], ...signer, decisionNumber: "125/QĐ-BVHTTDL", decisionDate: "2027-01-05" }, config);
    expect(meritIssued).toMatchObject({ result: "issued", serial: `${year}/BKBT/000001` });

    const issued = await issueCertificate(ministry, { nominationIds: [gcn._id], ...signer }, config);
    expect(issued).toMatchObject({ result: "issued", serial: `${year}/GCN/000001` });
    issuedCode = issued.code!;
    expect(await issueCertificate(ministry, { nominationIds: [gcn._id], ...signer }, config)).toMatchObject({ result: "already_issued", code: issuedCode });

    const check = await checkCertificate(issuedCode, config);
    expect(check.verification).toMatchObject({ valid: true, revoked: false });
    expect(check.certificate.citation?.vi).toBe("Đã có thành tích đóng góp 21.000.000\u00a0₫ cho học tập suốt đời năm 2026.");
    // The credential names the company (organisations are named) and carries the citation.
    expect(check.verification.credential!.credentialSubject.identifier?.[0]?.identityHash).toBe("Công ty Cổ phần Sách Việt");

    // The PDF: the officer and the donor it was given to, nobody else.
    const donor = await Donor.findById(gcn.donorId);
    donor!.userId = donorUser.id as never;
    await donor!.save();
    const { pdf } = await certificatePdf(donorUser, issuedCode, config);
    await expect(certificatePdf(otherDonorUser, issuedCode, config)).rejects.toMatchObject({ code: "forbidden" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "certificate-"));
    fs.writeFileSync(path.join(dir, "c.pdf"), pdf);
    const text = execFileSync("pdftotext", ["-layout", path.join(dir, "c.pdf"), "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    for (const expected of ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY CHỨNG NHẬN", "Công ty Cổ phần Sách Việt", "21.000.000 ₫", `${year}/GCN/000001`, "Nguyễn Văn Hùng"]) expect(text).toContain(expected);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("changing a signed field makes verification fail", async () => {
    const stored = (await Certificate.findById(issuedCode).lean())!;
    const [header, payload, signature] = stored.credential.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
    claims.description = claims.description.replace("21.000.000", "210.000.000");
    await Certificate.updateOne({ _id: issuedCode }, { $set: { credential: [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".") } });
    expect((await checkCertificate(issuedCode, config)).verification).toMatchObject({ valid: false, problem: "bad-signature" });
    await Certificate.updateOne({ _id: issuedCode }, { $set: { credential: stored.credential } });
    expect((await checkCertificate(issuedCode, config)).verification.valid).toBe(true);
  });

  test("a revoked certificate verifies as revoked, stays listed, with its reason", async () => {
    await expect(revokeCertificate(manager, { code: issuedCode, reason: "Sai tên đơn vị" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(revokeCertificate(ministry, { code: issuedCode, reason: "" })).rejects.toMatchObject({ code: "invalid" });
    expect(await revokeCertificate(ministry, { code: issuedCode, reason: "Cấp nhầm tên đơn vị" })).toEqual({ revoked: true });
    const check = await checkCertificate(issuedCode, config);
    expect(check.certificate).toMatchObject({ status: "revoked", revokedReason: "Cấp nhầm tên đơn vị" });
    expect(check.verification).toMatchObject({ valid: false, revoked: true });
    expect(await AuditEvent.countDocuments({ action: "certificate.revoke" })).toBe(1);
  });

  // 80 donors, 50 certificates signed and rendered, then a batch: work, not waiting — on a busy CI machine it took over 20 s once.
  test("50 certificates issued at once get 50 distinct consecutive serials; a batch shows its progress and continues the numbers", { timeout: 120_000 }, async () => {
    const rule = await createRule(ministry, ruleInput({ ruleSet: "Đợt lớn", nameVi: "Giấy chứng nhận đợt lớn", nameEn: "Large round", minTotal: "1.000.000", citationVi: "Cảm ơn {tên} đã đóng góp {tổng} năm {năm}.", citationEn: "Thanks to {name} for giving {total} in {year}." }));
    const donors = [];
    for (let i = 0; i < 80; i += 1) {
      const donor = await person(`Nhà tài trợ số ${i + 1}`);
      await give(donor._id, 2_000_000, vietnamTime(2026, 10, 1));
      donors.push(String(donor._id));
    }
    expect((await nominate(manager, { ruleId: String(rule._id), donorIds: donors, justification: "Đóng góp cho tủ sách cộng đồng." })).every((o) => o.result === "nominated")).toBe(true);
    const nominationIds = (await Nomination.find({ ruleId: rule._id }).lean()).map((n) => n._id);
    await review(ministry, { nominationIds, decision: "approve", reason: "" });

    const outcomes = await Promise.all(nominationIds.slice(0, 50).map((id) => issueCertificate(secondOfficer, { nominationIds: [id], ...signer }, config)));
    const numbers = outcomes.map((o) => Number(o.serial!.split("/")[2])).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 2)); // 000001 went to the first certificate

    const { batchId, finished } = await startBatch(secondOfficer, { nominationIds: nominationIds.slice(50), ...signer }, config);
    await finished;
    expect(await CertificateBatch.findById(batchId).lean()).toMatchObject({ total: 30, issued: 30, failed: 0, state: "done" });
    const serials = (await CertificateSerial.find({ type: "certificate", year }).lean()).map((s) => s.n).sort((a, b) => a - b);
    expect(serials).toEqual(Array.from({ length: 81 }, (_, i) => i + 1));
    // A person's certificate does not name them publicly unless they chose to be named on a pledge.
    const one = (await Certificate.findOne({ batchId }).lean())!;
    expect(one.recipientName).toBeNull();
    expect(one.printedName).toMatch(/^Nhà tài trợ số/);
    // Nor does the public citation (signed into the credential); the printed one, handed to them, does.
    expect(one.citation).toEqual({ vi: "Cảm ơn Nhà hảo tâm đã đóng góp 2.000.000\u00a0₫ năm 2026.", en: "Thanks to an anonymous benefactor for giving ₫2,000,000 in 2026." });
    expect(JSON.stringify((await checkCertificate(one._id, config)).verification.credential)).not.toContain(one.printedName);
    expect(one.printedCitation).toBe(`Cảm ơn ${one.printedName} đã đóng góp 2.000.000\u00a0₫ năm 2026.`);
  });

  test("a certificate names its recipient as the public ledger would: a person who consented on a pledge by name, an organisation that chose anonymity not", async () => {
    const rule = await createRule(ministry, ruleInput({ ruleSet: "Đợt tên công khai", nameVi: "Giấy chứng nhận tên công khai", nameEn: "Public names", minTotal: "1.000.000" }));
    const account = await createUser({ email: `named.${Date.now()}@example.vn`, name: "Trần Thị Công Khai", passwordHash: "unused" });
    const named = await Donor.create({ kind: "individual", fullName: "Trần Thị Công Khai", email: account.email, userId: account.id });
    const companyAccount = await createUser({ email: `quiet.${Date.now()}@example.vn`, name: "Kế toán", passwordHash: "unused" });
    const quiet = await organisation("Công ty TNHH Lặng Lẽ", companyAccount.id);
    for (const [donor, user, visibility] of [[named, account, "name_and_amount"], [quiet, companyAccount, "anonymous"]] as const) {
      const pledge = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount: 3_000_000, visibility, consent: visibility === "anonymous" ? null : { text: "Đồng ý công khai", givenAt: new Date() }, pledgedBy: user.id });
      await addToLookup("user-pledges", user.id, pledge._id);
      await give(donor._id, 3_000_000, vietnamTime(2026, 9, 1));
    }
    expect((await nominate(manager, { ruleId: String(rule._id), donorIds: [String(named._id), String(quiet._id)], justification: "Đóng góp cho tủ sách cộng đồng." })).map((o) => o.result)).toEqual(["nominated", "nominated"]);
    const nominations = await Nomination.find({ ruleId: rule._id }).lean();
    await review(ministry, { nominationIds: nominations.map((n) => n._id), decision: "approve", reason: "" });
    for (const nomination of nominations) expect((await issueCertificate(secondOfficer, { nominationIds: [nomination._id], ...signer }, config)).result).toBe("issued");
    const issued = await Certificate.find({ ruleId: rule._id }).lean();
    expect(issued.find((c) => String(c.donorId) === String(named._id))!.recipientName).toBe("Trần Thị Công Khai");
    expect(issued.find((c) => String(c.donorId) === String(quiet._id))!.recipientName).toBeNull();
  });

  test("a serial whose issue stopped half-way is recorded as void with the reason", async () => {
    await CertificateSerial.create({ _id: `${year}/TCO/000001`, type: "thanks", year, n: 1, code: "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", createdAt: new Date(Date.now() - 60 * 60 * 1000) });
    expect(await voidInterruptedSerials()).toBe(1);
    expect((await CertificateSerial.findById(`${year}/TCO/000001`).lean())!.voidReason).toMatch(/gián đoạn/);
  });
});
