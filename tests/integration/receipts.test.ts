import mongoose from "mongoose";
import { describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recordDonation, recordReversal } from "#services/money/donations";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { loader as programmePageLoader } from "~/routes/programmes.$slug";
import { loader as receiptPageLoader } from "~/routes/receipts.$number";
import { loader as receiptPdfLoader } from "~/routes/receipts.$number_.pdf";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { pdfText } from "#tests/utils/pdf";


async function openProgramme() {
  const institution = await createInstitution({ name: "Thư viện tỉnh Bắc Ninh" });
  const slug = `tu-sach-${String(institution._id).slice(-6)}`;
  await Programme.create({ institutionId: institution._id, slug, title: "Tủ sách cho thiếu nhi", startDate: new Date("2026-01-01"), endDate: new Date("2030-12-31"), goal: 500_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  return { institution, slug };
}

/** A pledge made on the pledge form, as the donor would. */
async function pledge(slug: string, cookie: string, fields: Record<string, string>) {
  const response = await responseOf(pledgeAction({ request: await formRequest(`/programmes/${slug}/pledge`, { email: "lienhe@example.vn", ...fields }, { cookie }), params: { slug }, context: {} }));
  expect(response.status).toBe(302);
  const reference = response.headers.get("Location")!.split("/").pop()!;
  return (await Pledge.findOne({ reference }).lean())!;
}

let payments = 0;
/** A confirmed payment towards a pledge (as a reconciled bank transfer books it). */
async function pay(p: { _id: unknown; programmeId: unknown; institutionId: unknown; donorId: unknown; reference: string }, amount: number, extra: Partial<Parameters<typeof recordDonation>[0]> = {}) {
  payments += 1;
  return recordDonation({ idempotencyKey: `bank:receipts-test:${payments}`, pledgeId: String(p._id), programmeId: String(p.programmeId), institutionId: String(p.institutionId), donorId: String(p.donorId), method: "bank_transfer", amount, receivedAt: new Date(), reference: p.reference, ...extra });
}

async function receiptPdf(receiptNumber: string, cookie: string) {
  const response = await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${receiptNumber}/pdf`, cookie), params: { number: receiptNumber }, context: {} }));
  expect(response.headers.get("Content-Type")).toBe("application/pdf");
  return pdfText(Buffer.from(await response.arrayBuffer()));
}

async function receiptPage(receiptNumber: string, cookie?: string) {
  const response = await responseOf(receiptPageLoader({ request: getRequest(`/receipts/${receiptNumber}`, cookie), params: { number: receiptNumber }, context: {} }));
  return { response, text: response.status === 200 ? await response.clone().text() : "", data: response.status === 200 ? (await response.json()).receipt : null };
}

async function publicLedger(slug: string) {
  const page = await (await responseOf(programmePageLoader({ request: getRequest(`/programmes/${slug}`), params: { slug }, context: {} }))).json();
  return page.ledger.entries as Array<{ donorName: string; amount: number | null }>;
}

describe("a receipt is a record of the moment", () => {
  test("a later pledge under the same tax code, or a renamed donor record, never changes an earlier receipt or the public ledger", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const first = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Ánh Dương", taxCode: "0100109106-001", address: "12 Phố Huế, Hà Nội", visibility: "name_and_amount", kind: "cash_once", amount: "2.000.000" });
    const firstGift = await pay(first, 2_000_000);

    const second = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Công ty TNHH Kiểm Thử", taxCode: "0100109106-001", address: "99 Đường Láng, Hà Nội", visibility: "name_and_amount", kind: "cash_once", amount: "3.000.000" });
    const secondGift = await pay(second, 3_000_000);
    // Whatever the donor's record says later (a profile edit), the gifts already confirmed keep theirs.
    await Donor.updateOne({ _id: first.donorId }, { $set: { legalName: "Tên Đổi Sau Này", address: "Địa chỉ mới" } });

    const firstReceipt = await receiptPdf(firstGift.receiptNumber, cookie);
    expect(firstReceipt).toContain("Ánh Dương");
    expect(firstReceipt).toContain("0100109106-001");
    expect(firstReceipt).toContain("12 Phố Huế, Hà Nội");
    expect(firstReceipt).not.toMatch(/Kiểm Thử|Tên Đổi Sau Này|Địa chỉ mới|Đường Láng/);
    const secondReceipt = await receiptPdf(secondGift.receiptNumber, cookie);
    expect(secondReceipt).toContain("Công ty TNHH Kiểm Thử");
    expect(secondReceipt).toContain("99 Đường Láng, Hà Nội");

    const ledger = await publicLedger(slug);
    expect(ledger.map((e) => [e.donorName, e.amount]).sort()).toEqual([["Công ty TNHH Kiểm Thử", 3_000_000], ["Ánh Dương", 2_000_000]].sort());
    expect((await receiptPage(firstGift.receiptNumber)).data.donorName).toBe("Ánh Dương");
  });
});

describe("the receipt's public page", () => {
  test("says what the receipt proves, and that the gift is still on the books, then partly and wholly refunded", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const p = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", visibility: "name_and_amount", kind: "cash_once", amount: "5.000.000" });
    const gift = await pay(p, 5_000_000);

    const page = await receiptPage(gift.receiptNumber);
    expect(page.response.status).toBe(200);
    expect(page.data).toMatchObject({
      receiptNumber: gift.receiptNumber,
      programme: { title: "Tủ sách cho thiếu nhi", slug },
      institution: { name: "Thư viện tỉnh Bắc Ninh" },
      donorName: "Công ty Cổ phần Sách Vina",
      amount: 5_000_000,
      method: "bank_transfer",
      standing: "on_books",
      canDownload: false, // a visitor reads the page; only the donor and the institution's people get the PDF
    });
    expect((await receiptPage(gift.receiptNumber, cookie)).data.canDownload).toBe(true);

    await recordReversal({ donationId: gift.donationId, amount: 2_000_000, idempotencyKey: "stripe-refund:re_part", kind: "refund", occurredAt: new Date(), reason: "Stripe refund" });
    expect((await receiptPage(gift.receiptNumber)).data).toMatchObject({ standing: "partly_reversed", reversedAmount: 2_000_000, reversals: [{ kind: "refund", amount: 2_000_000 }] });
    await recordReversal({ donationId: gift.donationId, amount: 3_000_000, idempotencyKey: "correction:rest", kind: "correction", occurredAt: new Date(), reason: "Ghi nhầm" });
    expect((await receiptPage(gift.receiptNumber)).data).toMatchObject({ standing: "reversed", reversedAmount: 5_000_000 });
  });

  test("never shows a private donor's name, tax code or address; a named-only donor's amount stays hidden", async () => {
    const { slug } = await openProgramme();
    const anonymous = await pledge(slug, await sessionCookieFor((await createTestUser()).id), { donorKind: "individual", fullName: "Nguyễn Thị Riêng Tư", address: "7 Ngõ Kín, Hà Nội", visibility: "anonymous", kind: "cash_once", amount: "1.000.000" });
    const anonymousGift = await pay(anonymous, 1_000_000);
    const page = await receiptPage(anonymousGift.receiptNumber);
    expect(page.data).toMatchObject({ donorName: null, amount: 1_000_000 });
    expect(page.text).not.toMatch(/Riêng Tư|Ngõ Kín|lienhe@example/);

    const namedOnly = await pledge(slug, await sessionCookieFor((await createTestUser()).id), { donorKind: "individual", fullName: "Trần Văn Công Khai", visibility: "name_only", consent: "yes", kind: "cash_once", amount: "4.000.000" });
    const namedGift = await pay(namedOnly, 4_000_000);
    expect((await receiptPage(namedGift.receiptNumber)).data).toMatchObject({ donorName: "Trần Văn Công Khai", amount: null });
  });

  test("an unknown number is a 404, and the PDF's older address leads to the PDF", async () => {
    expect((await receiptPage("R-0000000000000000")).response.status).toBe(404);
    expect((await receiptPage("not-a-receipt")).response.status).toBe(404);
    const old = await responseOf(receiptPageLoader({ request: getRequest("/receipts/R-00000000000000AB.pdf"), params: { number: "R-00000000000000AB.pdf" }, context: {} }));
    expect(old.status).toBe(302);
    expect(old.headers.get("Location")).toBe("/receipts/R-00000000000000AB/pdf");
  });
});

describe("the receipt PDF", () => {
  test("its QR code and link open the receipt's own page; it names the instalment it paid", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const p = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", visibility: "name_and_amount", kind: "cash_instalments", amount: "8.000.000", instalmentCount: "4", frequency: "monthly" });
    const first = await pay(p, 2_000_000);
    const second = await pay(p, 2_000_000);
    const text = await receiptPdf(second.receiptNumber, cookie);
    expect(text).toContain(`http://localhost:3000/receipts/${second.receiptNumber}`);
    expect(text).toContain("Đợt thanh toán: Đợt 2/4");
    expect(await receiptPdf(first.receiptNumber, cookie)).toContain("Đợt 1/4");
    expect((await receiptPage(second.receiptNumber)).data.instalment).toEqual({ from: 2, to: 2, count: 4 });
    // One transfer that pays two instalments at once says so.
    const both = await pay(p, 4_000_000);
    expect(await receiptPdf(both.receiptNumber, cookie)).toContain("Đợt 3–4/4");
  });

  test("goods in kind are labelled by their value in kind, volunteer hours by the value of the hours", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const goods = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", visibility: "name_and_amount", kind: "in_kind", item: "Máy tính bảng", quantity: "5", unitValue: "6.000.000" });
    const goodsGift = await pay(goods, 30_000_000, { method: "in_kind", inKind: { items: [{ item: "Máy tính bảng", quantity: 5, unitValue: 6_000_000 }], valuationBasis: "Hóa đơn mua hàng" } });
    const goodsText = await receiptPdf(goodsGift.receiptNumber, cookie);
    expect(goodsText).toContain("Giá trị hiện vật: 30.000.000 ₫");
    expect(goodsText).not.toContain("Số tiền");

    const hours = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", visibility: "name_and_amount", kind: "volunteer_hours", hours: "10", ratePerHour: "500.000" });
    const hoursGift = await pay(hours, 5_000_000, { method: "volunteer_hours", volunteerHours: { hours: 10, ratePerHour: 500_000 } });
    const hoursText = await receiptPdf(hoursGift.receiptNumber, cookie);
    expect(hoursText).toContain("Giá trị giờ công: 5.000.000 ₫");
    expect(hoursText).toContain("10 giờ × 500.000 ₫/giờ");
    expect(hoursText).not.toContain("Số tiền");
  });
});

describe("a receipt PDF is made once", () => {
  test("the second download is the stored file, byte for byte; the first is kept under the receipt's key", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const p = await pledge(slug, cookie, { donorKind: "organisation", legalName: "Công ty Sách Một Lần", taxCode: "0100109106-005", visibility: "name_and_amount", kind: "cash_once", amount: "1.000.000" });
    const { receiptNumber } = await pay(p, 1_000_000);
    const download = async () => {
      const response = await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${receiptNumber}/pdf`, cookie), params: { number: receiptNumber }, context: {} }));
      return Buffer.from(await response.arrayBuffer());
    };
    const first = await download();
    const stored = await mongoose.connection.db!.collection("uploads.files").findOne({ _id: `receipt:${receiptNumber}` as never });
    expect(stored).toMatchObject({ length: first.length, metadata: { kind: "receipt", receiptNumber } });
    // Even after the donor record changes, the stored receipt is what is served.
    await Donor.updateOne({ _id: p.donorId }, { $set: { legalName: "Tên Khác" } });
    expect((await download()).equals(first)).toBe(true);
    expect(await pdfText(first)).toContain("Công ty Sách Một Lần");
  });
});
