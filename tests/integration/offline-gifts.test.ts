import mongoose from "mongoose";
import { beforeAll, describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { findFile } from "#models/file.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { ledgerSum, verifyLedgerChain } from "#services/money/ledger";
import { loader as fileLoader } from "~/routes/files.$id";
import { action as giftAction, loader as giftLoader } from "~/routes/manage.programmes.$id_.gifts.new";
import { createInstitution, receivedCopyOf } from "#tests/fixtures/domain";
import { BASE, createTestUser, csrfPair, getRequest, joinCookies, responseOf, sessionCookieFor } from "#tests/utils/requests";

const DAY = 24 * 60 * 60 * 1000;
/** yyyy-mm-dd in Vietnam, `days` from today. */
const vnDate = (days = 0) => new Date(Date.now() + days * DAY + 7 * 60 * 60 * 1000).toISOString().slice(0, 10);

// A 1×1 PNG and a minimal (valid) one-page PDF.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
const PDF = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
);
type Upload = { bytes: Uint8Array<ArrayBuffer>; name: string; type: string };
const pdfFile = (name = "phieu-thu.pdf"): Upload => ({ bytes: PDF, name, type: "application/pdf" });
const pngFile = (name = "ban-giao.png"): Upload => ({ bytes: PNG, name, type: "image/png" });

let tokens = 0;
const newToken = () => `test-token-${Date.now().toString(36)}-${(tokens += 1)}-abcdef`;

/** The gift form's fields as a browser sends them: a cash gift from an organisation, unless told otherwise. */
function giftFields(overrides: Record<string, string> = {}) {
  return {
    clientToken: newToken(),
    method: "cash",
    receivedAt: vnDate(-1),
    voucher: "PT-2026-0123",
    amount: "5.000.000",
    donorType: "organisation",
    legalName: "Công ty Cổ phần Sách Vina",
    taxCode: "0100109106",
    fullName: "",
    email: "",
    phone: "",
    pledgeReference: "",
    "items.0.item": "",
    "items.0.quantity": "",
    "items.0.unitValue": "",
    "items.1.item": "",
    "items.1.quantity": "",
    "items.1.unitValue": "",
    valuationBasis: "",
    hours: "",
    ratePerHour: "",
    ...overrides,
  };
}

async function giftRequest(programmeId: string, fields: Record<string, string>, options: { cookie?: string; files?: Upload[] } = {}) {
  const body = new FormData();
  const pair = await csrfPair(options.cookie);
  body.append("csrf", pair.token);
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  for (const file of options.files ?? []) body.append("evidence", new Blob([file.bytes], { type: file.type }), file.name);
  return new Request(`${BASE}/manage/programmes/${programmeId}/gifts/new`, { method: "POST", body, headers: { Cookie: joinCookies(options.cookie, pair.cookie) } });
}

const post = async (programmeId: string, fields: Record<string, string>, options: { cookie?: string; files?: Upload[] } = {}) =>
  responseOf(giftAction({ request: await giftRequest(programmeId, fields, options), params: { id: programmeId }, context: {} }));
const serveFile = (id: string, cookie?: string) => responseOf(fileLoader({ request: getRequest(`/files/${id}`, cookie), params: { id }, context: {} }));

async function storedFileCount() {
  return mongoose.connection.db!.collection("uploads.files").countDocuments();
}
async function snapshot() {
  return { donations: await Donation.countDocuments(), files: await storedFileCount(), donors: await Donor.countDocuments(), ledger: await LedgerEntry.countDocuments() };
}

async function managerOf(institutionId: string) {
  const user = await createTestUser({ role: "manager", institutionIds: [institutionId] });
  return { user, cookie: await sessionCookieFor(user.id) };
}

let n = 0;
async function openProgramme(institution: Awaited<ReturnType<typeof createInstitution>>, overrides: Record<string, unknown> = {}) {
  n += 1;
  return Programme.create({
    institutionId: institution._id,
    slug: `tu-sach-thieu-nhi-${n}-${Date.now().toString(36)}`,
    title: "Tủ sách thiếu nhi Ngày Sách",
    summary: "Bổ sung sách thiếu nhi.",
    startDate: new Date(Date.now() - 30 * DAY),
    endDate: new Date(Date.now() + 90 * DAY),
    goal: 100_000_000,
    inKindNeeds: [{ item: "Sách thiếu nhi", unit: "cuốn", quantity: 500, unitValue: 45_000 }],
    state: "open",
    provinceSlug: institution.provinceSlug,
    institutionType: institution.type,
    institutionName: institution.name,
    institutionSlug: institution.slug,
    institutionApproved: true,
    themes: ["reading-culture"],
    publishedAt: new Date(),
    ...overrides,
  });
}

describe("recording offline gifts", () => {
  let institution: Awaited<ReturnType<typeof createInstitution>>;
  let programmeId: string;
  let manager: Awaited<ReturnType<typeof managerOf>>;
  beforeAll(async () => {
    institution = await createInstitution({ name: "Thư viện Hà Nội" });
    programmeId = String((await openProgramme(institution))._id);
    manager = await managerOf(String(institution._id));
  });

  test("the form gives each rendering a fresh token; only the institution's managers may open it", async () => {
    const load = async (cookie?: string) => responseOf(giftLoader({ request: getRequest(`/manage/programmes/${programmeId}/gifts/new`, cookie), params: { id: programmeId }, context: {} }));
    const first = await (await load(manager.cookie)).json();
    const second = await (await load(manager.cookie)).json();
    expect(first.clientToken).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(first.clientToken).not.toBe(second.clientToken);
    expect(first.needs).toEqual([{ item: "Sách thiếu nhi", unit: "cuốn" }]);

    const other = await managerOf(String((await createInstitution())._id));
    expect((await load(other.cookie)).status).toBe(403);
    const donor = await createTestUser({ role: "donor" });
    expect((await load(await sessionCookieFor(donor.id))).status).toBe(403);
    const officer = await createTestUser({ role: "province_officer", provinceSlug: "ha-noi" });
    expect((await load(await sessionCookieFor(officer.id))).status).toBe(403); // officers look, they do not record
    const anonymous = await load();
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login\?/);
  });

  test("a cash gift from an organisation, with a PDF voucher: donation, ledger, totals, audit; the evidence is private", async () => {
    const before = await receivedCopyOf(programmeId);
    const response = await post(programmeId, giftFields({ amount: "5.000.000" }), { cookie: manager.cookie, files: [pdfFile()] });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/manage/programmes/${programmeId}/finance`);

    const donation = await Donation.findOne({ programmeId, method: "cash" }).lean();
    expect(donation).toMatchObject({ amount: 5_000_000, reference: "PT-2026-0123", pledgeId: null, recordedBy: new mongoose.Types.ObjectId(manager.user.id) });
    expect(donation!.idempotencyKey).toMatch(/^offline:test-token-/);
    const donor = await Donor.findById(donation!.donorId).lean();
    expect(donor).toMatchObject({ kind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106" });

    const entry = await LedgerEntry.findOne({ sourceId: donation!._id }).lean();
    expect(entry).toMatchObject({ kind: "donation_received", amount: 5_000_000, description: "PT-2026-0123" });
    expect((await receivedCopyOf(programmeId)) - before).toBe(5_000_000);
    expect(await AuditEvent.countDocuments({ action: "donation.record_offline", subjectId: String(donation!._id) })).toBe(1);

    // The voucher went to GridFS as this institution's evidence, typed by its content.
    expect(donation!.evidenceFileIds).toHaveLength(1);
    const fileId = String(donation!.evidenceFileIds[0]);
    expect((await findFile(fileId))?.metadata).toMatchObject({ kind: "evidence", contentType: "application/pdf", institutionId: String(institution._id), uploadedBy: manager.user.id });
    // Served to the institution's managers only.
    expect((await serveFile(fileId)).status).toBe(403);
    const other = await managerOf(String((await createInstitution())._id));
    expect((await serveFile(fileId, other.cookie)).status).toBe(403);
    const donorUser = await createTestUser({ role: "donor" });
    expect((await serveFile(fileId, await sessionCookieFor(donorUser.id))).status).toBe(403);
    const served = await serveFile(fileId, manager.cookie);
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("application/pdf");
    expect(served.headers.get("Cache-Control")).toBe("private, no-store");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PDF);
    expect((await verifyLedgerChain(institution._id)).ok).toBe(true);
  });

  test("an in-kind gift with a photo: amount = Σ quantity × unit value, items and valuation basis kept", async () => {
    const before = await receivedCopyOf(programmeId);
    const response = await post(
      programmeId,
      giftFields({
        method: "in_kind",
        amount: "",
        "items.0.item": "Sách thiếu nhi",
        "items.0.quantity": "120",
        "items.0.unitValue": "45.000",
        "items.1.item": "Kệ sách gỗ",
        "items.1.quantity": "2",
        "items.1.unitValue": "1.800.000",
        valuationBasis: "Hóa đơn mua hàng số 0001234",
        donorType: "individual",
        legalName: "",
        taxCode: "",
        fullName: "Nguyễn Văn Bình",
        email: "binh.nguyen@example.vn",
      }),
      { cookie: manager.cookie, files: [pngFile(), pdfFile("bien-ban.pdf")] },
    );
    expect(response.status).toBe(302);
    const donation = await Donation.findOne({ programmeId, method: "in_kind" }).lean();
    expect(donation!.amount).toBe(120 * 45_000 + 2 * 1_800_000);
    expect(donation!.inKind?.items).toEqual([
      { item: "Sách thiếu nhi", quantity: 120, unitValue: 45_000 },
      { item: "Kệ sách gỗ", quantity: 2, unitValue: 1_800_000 },
    ]);
    expect(donation!.inKind?.valuationBasis).toBe("Hóa đơn mua hàng số 0001234");
    expect(await Donor.findById(donation!.donorId).lean()).toMatchObject({ kind: "individual", fullName: "Nguyễn Văn Bình", email: "binh.nguyen@example.vn" });
    const types = await Promise.all(donation!.evidenceFileIds.map(async (id) => (await findFile(String(id)))?.metadata.contentType));
    expect(types).toEqual(["image/png", "application/pdf"]);
    expect((await LedgerEntry.findOne({ sourceId: donation!._id }).lean())?.kind).toBe("in_kind_received");
    expect((await receivedCopyOf(programmeId)) - before).toBe(9_000_000);
  });

  test("volunteer hours: hours × rate per hour, from an anonymous walk-in donor", async () => {
    const response = await post(
      programmeId,
      giftFields({ method: "volunteer_hours", amount: "", hours: "12,5", ratePerHour: "200.000", donorType: "anonymous", legalName: "", taxCode: "" }),
      { cookie: manager.cookie },
    );
    expect(response.status).toBe(302);
    const donation = await Donation.findOne({ programmeId, method: "volunteer_hours" }).lean();
    expect(donation).toMatchObject({ amount: 2_500_000, donorId: null, evidenceFileIds: [] });
    expect((await LedgerEntry.findOne({ sourceId: donation!._id }).lean())?.kind).toBe("volunteer_hours");
    const audit = await AuditEvent.findOne({ action: "donation.record_offline", subjectId: String(donation!._id) }).lean();
    expect(audit?.details).toMatchObject({ hours: 12.5, ratePerHour: 200_000 });
  });

  test("an organisation is found again by its tax code, not created twice", async () => {
    const donorsBefore = await Donor.countDocuments({ taxCode: "0100109106" });
    await post(programmeId, giftFields({ amount: "1.000.000", legalName: "Cty Sách Vina (viết tắt)" }), { cookie: manager.cookie });
    await post(programmeId, giftFields({ method: "bank_transfer", amount: "2.000.000" }), { cookie: manager.cookie });
    expect(await Donor.countDocuments({ taxCode: "0100109106" })).toBe(Math.max(1, donorsBefore));
  });

  test("the same form submitted twice records one gift", async () => {
    const fields = giftFields({ amount: "7.000.000", legalName: "Công ty TNHH Hai Lần", taxCode: "" });
    const first = await post(programmeId, fields, { cookie: manager.cookie, files: [pngFile()] });
    const filesAfterFirst = await storedFileCount();
    const second = await post(programmeId, fields, { cookie: manager.cookie, files: [pngFile()] });
    expect(first.status).toBe(302);
    expect(second.status).toBe(302);
    expect(second.headers.get("Location")).toBe(`/manage/programmes/${programmeId}/finance`);
    const key = `offline:${fields.clientToken}`;
    expect(await Donation.countDocuments({ idempotencyKey: key })).toBe(1);
    const donation = await Donation.findOne({ idempotencyKey: key }).lean();
    expect(await ledgerSum({ sourceId: donation!._id })).toBe(7_000_000);
    expect(await Donor.countDocuments({ legalName: "Công ty TNHH Hai Lần" })).toBe(1);
    expect(await storedFileCount()).toBe(filesAfterFirst); // the second upload was not kept
  });

  test("a gift towards a pledge counts for that pledge, under the pledge's donor", async () => {
    const donor = await Donor.create({ kind: "organisation", legalName: "Ngân hàng TMCP Phương Nam Xanh", taxCode: "0302000006" });
    const pledge = await Pledge.create({ programmeId, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount: 4_000_000 });
    const response = await post(programmeId, giftFields({ method: "bank_transfer", amount: "4.000.000", voucher: "", pledgeReference: pledge.reference.toLowerCase(), legalName: "", taxCode: "" }), { cookie: manager.cookie });
    expect(response.status).toBe(302);
    const donation = await Donation.findOne({ pledgeId: pledge._id }).lean();
    expect(donation).toMatchObject({ donorId: donor._id, amount: 4_000_000, reference: pledge.reference });
    expect((await Pledge.findById(pledge._id).lean())?.state).toBe("fulfilled");

    // A pledge of another programme is not found here.
    const elsewhere = await openProgramme(institution, { title: "Chương trình khác" });
    const otherPledge = await Pledge.create({ programmeId: elsewhere._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount: 1_000_000 });
    const before = await snapshot();
    const refused = await post(programmeId, giftFields({ pledgeReference: otherPledge.reference }), { cookie: manager.cookie, files: [pdfFile()] });
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors.pledgeReference).toEqual(["gifts.validation.pledgeNotFound"]);
    expect(await snapshot()).toEqual(before);
  });

  test("a text file posing as a PDF is refused, and nothing is written", async () => {
    const before = await snapshot();
    const fake: Upload = { bytes: new TextEncoder().encode("Đây không phải PDF <script>alert(1)</script>"), name: "phieu-thu.pdf", type: "application/pdf" };
    const response = await post(programmeId, giftFields(), { cookie: manager.cookie, files: [pdfFile("that.pdf"), fake] });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors.evidence).toEqual(["gifts.validation.evidenceType"]);
    expect(body.values.legalName).toBe("Công ty Cổ phần Sách Vina"); // the form comes back filled in
    expect(await snapshot()).toEqual(before);
  });

  test("more than three evidence files are refused", async () => {
    const before = await snapshot();
    const response = await post(programmeId, giftFields(), { cookie: manager.cookie, files: [pngFile(), pngFile(), pngFile(), pdfFile()] });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.evidence).toEqual(["gifts.validation.evidenceTooMany"]);
    expect(await snapshot()).toEqual(before);
  });

  test("a manager of another institution gets 403, a donor 403, and nothing is written", async () => {
    const other = await managerOf(String((await createInstitution())._id));
    const donor = await createTestUser({ role: "donor" });
    const before = await snapshot();
    expect((await post(programmeId, giftFields(), { cookie: other.cookie, files: [pdfFile()] })).status).toBe(403);
    expect((await post(programmeId, giftFields(), { cookie: await sessionCookieFor(donor.id), files: [pdfFile()] })).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  test("a post without the CSRF token is refused", async () => {
    const before = await snapshot();
    const body = new FormData();
    for (const [key, value] of Object.entries(giftFields())) body.append(key, value);
    const request = new Request(`${BASE}/manage/programmes/${programmeId}/gifts/new`, { method: "POST", body, headers: { Cookie: manager.cookie } });
    expect((await responseOf(giftAction({ request, params: { id: programmeId }, context: {} }))).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  test("a draft programme takes no gifts; a closed one still does (money can arrive late)", async () => {
    const draft = await openProgramme(institution, { state: "draft", publishedAt: null });
    const refused = await post(String(draft._id), giftFields(), { cookie: manager.cookie });
    expect(refused.status).toBe(400);
    expect((await refused.json()).formError).toBe("gifts.programmeDraft");
    expect(await Donation.countDocuments({ programmeId: draft._id })).toBe(0);

    const closed = await openProgramme(institution, { state: "closed" });
    expect((await post(String(closed._id), giftFields({ amount: "300.000" }), { cookie: manager.cookie })).status).toBe(302);
    expect(await receivedCopyOf(closed._id)).toBe(300_000);
  });

  const inKind = { method: "in_kind", amount: "", "items.0.item": "Sách thiếu nhi", "items.0.quantity": "10", "items.0.unitValue": "45.000", valuationBasis: "Giá thị trường" };
  const badInputs: Array<[string, Record<string, string>, string, string]> = [
    ["a negative amount", { amount: "-5.000.000" }, "amount", "validation.amountNegative"],
    ["an amount with decimals", { amount: "1000000,5" }, "amount", "validation.amountWholeDong"],
    ["a zero amount", { amount: "0" }, "amount", "validation.amountPositive"],
    ["no amount for cash", { amount: "" }, "amount", "validation.required"],
    ["in kind with no valuation basis", { ...inKind, valuationBasis: "" }, "valuationBasis", "gifts.validation.valuationRequired"],
    ["in kind with no items", { ...inKind, "items.0.item": "", "items.0.quantity": "", "items.0.unitValue": "" }, "items", "gifts.validation.itemsRequired"],
    ["in kind with a fractional quantity", { ...inKind, "items.0.quantity": "2.5" }, "items.0.quantity", "validation.quantity"],
    ["in kind with a negative unit value", { ...inKind, "items.0.unitValue": "-45.000" }, "items.0.unitValue", "validation.amountNegative"],
    ["a bad tax code (wrong check digit)", { taxCode: "0100109107" }, "taxCode", "validation.taxCode"],
    ["an organisation with no name", { legalName: "" }, "legalName", "validation.required"],
    ["an individual with no name", { donorType: "individual", fullName: "" }, "fullName", "validation.nameTooShort"],
    ["volunteer hours below zero", { method: "volunteer_hours", amount: "", hours: "-3", ratePerHour: "200.000" }, "hours", "gifts.validation.hours"],
    ["hours × rate not in whole đồng", { method: "volunteer_hours", amount: "", hours: "0,5", ratePerHour: "33.333" }, "hours", "gifts.validation.hoursAmountWhole"],
    ["a date in the future", { receivedAt: vnDate(3) }, "receivedAt", "gifts.validation.receivedInFuture"],
    ["an impossible date", { receivedAt: "2026-02-30" }, "receivedAt", "validation.date"],
    ["an unknown method", { method: "crypto" }, "method", "validation.invalidChoice"],
    ["no form token", { clientToken: "" }, "clientToken", "gifts.validation.clientToken"],
    ["a malformed pledge reference", { pledgeReference: "GS-12" }, "pledgeReference", "gifts.validation.pledgeReference"],
    ["a control character in the voucher", { voucher: "PT\u0000-01" }, "voucher", "validation.invalid"],
  ];
  test("every mistake is reported at once, even with an unknown method", async () => {
    const response = await post(programmeId, giftFields({ method: "crypto", taxCode: "0100109107", receivedAt: vnDate(2), email: "khong-phai-email" }), { cookie: manager.cookie });
    expect(response.status).toBe(400);
    const { errors } = await response.json();
    expect(errors).toMatchObject({
      method: ["validation.invalidChoice"],
      taxCode: ["validation.taxCode"],
      receivedAt: ["gifts.validation.receivedInFuture"],
      email: ["validation.email"],
    });
  });

  test.each(badInputs)("%s is refused with its message, and nothing is written", async (_label, override, field, message) => {
    const before = await snapshot();
    const response = await post(programmeId, giftFields(override), { cookie: manager.cookie, files: [pngFile()] });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors[field]).toContain(message);
    expect(body.formError).toBe("validation.fixErrors");
    expect(await snapshot()).toEqual(before);
  });
});
