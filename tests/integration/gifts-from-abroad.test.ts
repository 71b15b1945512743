import { describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Programme } from "#models/programme.server";
import { ledgerSum } from "#services/money/ledger";
import { parseMessage } from "#services/validation/messages";
import { action as giftAction } from "~/routes/manage.programmes.$id_.gifts.new";
import { loader as receiptPdfLoader } from "~/routes/receipts.$number_.pdf";
import { getFixedT } from "~/utils/i18n.server";
import { createInstitution, receivedCopyOf } from "#tests/fixtures/domain";
import { BASE, createTestUser, csrfPair, getRequest, joinCookies, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { pdfText } from "#tests/utils/pdf";

/**
 * Issue 13: goods and expert hours from abroad, recorded by a manager — goods declared in a foreign
 * currency, converted at a dated rate the manager records with its source; hours given remotely or in
 * person. The books stay in đồng, exact to the đồng.
 */
const DAY = 24 * 3600 * 1000;
const vnDate = (days = 0) => new Date(Date.now() + days * DAY + 7 * 3600 * 1000).toISOString().slice(0, 10);
let tokens = 0;

async function setting() {
  const institution = await createInstitution({ name: "Bảo tàng Dân tộc học" });
  const programme = await Programme.create({ institutionId: institution._id, slug: `tu-lieu-${String(institution._id).slice(-6)}`, title: "Tư liệu số", startDate: new Date(Date.now() - 30 * DAY), endDate: new Date(Date.now() + 300 * DAY), goal: 900_000_000, state: "open", provinceSlug: institution.provinceSlug, institutionType: institution.type, institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
  return { programmeId: String(programme._id), cookie: await sessionCookieFor(manager.id) };
}

async function post(programmeId: string, cookie: string, fields: Record<string, string>) {
  const body = new FormData();
  const pair = await csrfPair(cookie);
  body.append("csrf", pair.token);
  const all: Record<string, string> = { clientToken: `abroad-token-${Date.now().toString(36)}-${(tokens += 1)}-abcdef`, receivedAt: vnDate(-1), voucher: "BB-2026-12", donorType: "organisation", country: "JP", legalName: "Sakura Learning Foundation", registrationNumber: "5010405001703", pledgeReference: "", ...fields };
  for (const [key, value] of Object.entries(all)) body.append(key, value);
  const request = new Request(`${BASE}/manage/programmes/${programmeId}/gifts/new`, { method: "POST", body, headers: { Cookie: joinCookies(cookie, pair.cookie) } });
  return responseOf(giftAction({ request, params: { id: programmeId }, context: {} }));
}

const goodsInYen = {
  method: "in_kind",
  valueCurrency: "jpy",
  "items.0.item": "Máy quét sách A3",
  "items.0.quantity": "2",
  "items.0.unitValue": "148,500",
  "items.1.item": "Bộ sách ảnh Nhật Bản",
  "items.1.quantity": "30",
  "items.1.unitValue": "3.980",
  valuationBasis: "Hoá đơn mua hàng số 2026-1187 (Tokyo)",
  rate: "168,6",
  rateDate: vnDate(-2),
  rateSource: "Vietcombank, tỷ giá bán",
};

describe("gifts from abroad, recorded by a manager", () => {
  test("goods declared in yen are booked in đồng at the manager's dated rate, each unit to the đồng, and the receipt shows the yen, the rate, its day and source", async () => {
    const { programmeId, cookie } = await setting();
    const response = await post(programmeId, cookie, goodsInYen);
    expect(response.status).toBe(302);
    const gift = await Donation.findOne({ programmeId, method: "in_kind" }).lean();
    // ¥148,500 × 168.6 = 25,037,100 ₫ a scanner; ¥3,980 × 168.6 = 671,028 ₫ a book.
    expect(gift!.inKind!.items).toEqual([
      { item: "Máy quét sách A3", quantity: 2, unitValue: 25_037_100, declaredUnitValue: 148_500 },
      { item: "Bộ sách ảnh Nhật Bản", quantity: 30, unitValue: 671_028, declaredUnitValue: 3_980 },
    ]);
    expect(gift!.amount).toBe(2 * 25_037_100 + 30 * 671_028);
    expect(gift!.inKind!.declaredIn).toMatchObject({ currency: "jpy", rate: 168.6, rateSource: "Vietcombank, tỷ giá bán" });
    expect(gift!.donorSnapshot).toMatchObject({ name: "Sakura Learning Foundation", country: "JP", registrationNumber: "5010405001703" });
    expect(await Donor.findById(gift!.donorId).lean()).toMatchObject({ country: "JP", uniqueKey: "reg:JP:5010405001703" });
    // The books in đồng: the programme's total and the ledger agree to the đồng.
    expect(await receivedCopyOf(programmeId)).toBe(gift!.amount);
    expect(await ledgerSum({ sourceId: gift!._id })).toBe(gift!.amount);

    const text = pdfText(Buffer.from(await (await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${gift!.receiptNumber}/pdf?lang=en`, cookie), params: { number: gift!.receiptNumber }, context: {} }))).arrayBuffer()));
    expect(text).toContain("₫25,037,100 (JP¥148,500)");
    expect(text).toContain("Values declared in JPY, converted at 168.6 ₫ per JPY");
    expect(text).toContain("(source: Vietcombank, tỷ giá bán)");
    expect(text).toContain("Country: Japan");
    const vi = pdfText(Buffer.from(await (await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${gift!.receiptNumber}/pdf`, cookie), params: { number: gift!.receiptNumber }, context: {} }))).arrayBuffer()));
    expect(vi).toContain("Giá trị khai báo bằng JPY, quy đổi 168,6 ₫/JPY");
  });

  test("dollars with cents convert per unit; a rate without its source or day, a future day, or yen with decimals is refused with a clear message and books nothing", async () => {
    const { programmeId, cookie } = await setting();
    const en = await getFixedT("en");
    const errorsOf = async (response: Response) => {
      expect(response.status).toBe(400);
      const { errors } = (await response.json()) as { errors: Record<string, string[]> };
      return Object.fromEntries(Object.entries(errors).map(([field, messages]) => [field, messages.map((message) => en(parseMessage(message).key, parseMessage(message).params))]));
    };
    const before = await LedgerEntry.countDocuments({ programmeId });
    const noSource = await errorsOf(await post(programmeId, cookie, { ...goodsInYen, rateSource: "", rateDate: "" }));
    expect(noSource.rateSource).toEqual(["Say where the rate comes from (at least 3 characters)."]);
    expect(noSource.rateDate).toBeDefined();
    const future = await errorsOf(await post(programmeId, cookie, { ...goodsInYen, rateDate: vnDate(3) }));
    expect(future.rateDate).toEqual(["The rate's day cannot be in the future."]);
    const yenCents = await errorsOf(await post(programmeId, cookie, { ...goodsInYen, "items.0.unitValue": "148500.5" }));
    expect(yenCents["items.0.unitValue"]).toEqual(["Enter a positive value with at most 0 decimal places."]);
    const noRate = await errorsOf(await post(programmeId, cookie, { ...goodsInYen, rate: "" }));
    expect(noRate.rate).toEqual(["Please fill this in."]);
    expect(await LedgerEntry.countDocuments({ programmeId })).toBe(before);

    const dollars = await post(programmeId, cookie, { ...goodsInYen, valueCurrency: "usd", "items.0.unitValue": "1,250.50", "items.1.unitValue": "12.99", rate: "25.403" });
    expect(dollars.status).toBe(302);
    const gift = await Donation.findOne({ programmeId, method: "in_kind" }).lean();
    // US$1,250.50 × 25,403 = 31,766,451.5 → 31,766,452 ₫; US$12.99 × 25,403 = 329,984.97 → 329,985 ₫.
    expect(gift!.inKind!.items.map((i) => [i.unitValue, i.declaredUnitValue])).toEqual([[31_766_452, 125_050], [329_985, 1_299]]);
    expect(gift!.amount).toBe(2 * 31_766_452 + 30 * 329_985);
  });

  test("expert hours given remotely are recorded as such and said so on the receipt", async () => {
    const { programmeId, cookie } = await setting();
    const response = await post(programmeId, cookie, { method: "volunteer_hours", donorType: "individual", country: "DE", fullName: "Dr. Anna Weber", hours: "12", ratePerHour: "1.500.000", hoursMode: "remote" });
    expect(response.status).toBe(302);
    const gift = await Donation.findOne({ programmeId, method: "volunteer_hours" }).lean();
    expect(gift).toMatchObject({ amount: 18_000_000, volunteerHours: { hours: 12, ratePerHour: 1_500_000, mode: "remote" }, donorSnapshot: { name: "Dr. Anna Weber", country: "DE" } });
    const text = pdfText(Buffer.from(await (await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${gift!.receiptNumber}/pdf?lang=en`, cookie), params: { number: gift!.receiptNumber }, context: {} }))).arrayBuffer()));
    expect(text).toContain("12 hours × ₫1,500,000 per hour (remotely)");
    expect(text).toContain("Country: Germany");
  });
});
