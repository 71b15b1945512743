import { describe, expect, test } from "vitest";
import { LedgerEntry } from "#models/ledger-entry.server";
import { RECEIVED_KINDS } from "#models/programme.server";
import { recordReversal } from "#services/money/donations";
import { recordOfflineGift } from "#services/offline-gifts";
import { computeReportFigures } from "#services/reports/figures";
import { renderReportCsv } from "#services/reports/csv";
import { renderReportPdf } from "#services/reports/pdf";
import { cashGiftInput, createInstitution, createOpenProgramme, vnDate } from "#tests/fixtures/domain";
import { createTestUser } from "#tests/utils/requests";
import { pdfText } from "#tests/utils/pdf";

/**
 * Issue 13: the reports show domestic and international support apart, by the donor's country, in đồng —
 * and the two add up to the report's total to the đồng, refunds of a gift from abroad included.
 */
const year = Number(vnDate(0).slice(0, 4));

describe("support from Việt Nam and from abroad in the reports", () => {
  test("by the donor's country, in đồng; domestic and international add up to the total", async () => {
    const institution = await createInstitution({ provinceSlug: "hue", name: "Thư viện Huế Quốc tế" });
    const programme = await createOpenProgramme(institution, { title: "Sách ngoại văn" });
    const user = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const give = (amount: number, donor: Record<string, string>) => recordOfflineGift(user, String(programme._id), cashGiftInput(amount, { method: "bank_transfer", receivedAt: vnDate(-1), ...donor }));
    const foundation = { donorType: "organisation", country: "JP", legalName: "Sakura Learning Foundation", registrationNumber: "5010405001703" };
    const japan1 = await give(20_000_000, foundation);
    await give(3_000_000, foundation);
    await give(5_000_000, { donorType: "individual", country: "KR", fullName: "Kim Min-ji", email: "minji@example.kr" });
    await give(10_000_000, { donorType: "organisation", country: "VN", legalName: "Công ty Sách Vina", taxCode: "0100109106" });
    await give(1_000_000, { donorType: "anonymous" });
    // Part of a gift from Japan is refunded: Japan's support is what is left of it.
    await recordReversal({ donationId: japan1.donationId, amount: 1_500_000, idempotencyKey: "refund:origin-test:1", kind: "refund", occurredAt: new Date() });

    const figures = await computeReportFigures("annual", year, "national");
    const inYear = { occurredAt: { $gte: new Date(`${year}-01-01T00:00:00+07:00`), $lt: new Date(`${year + 1}-01-01T00:00:00+07:00`) } };
    const received = (await LedgerEntry.find(inYear).lean()).filter((e) => (RECEIVED_KINDS as readonly string[]).includes(e.kind)).reduce((s, e) => s + e.amount, 0);
    expect(received).toBe(37_500_000);
    expect(figures.received).toMatchObject({ total: received, gifts: 5, donors: 3 });
    expect(figures.origin).toEqual({
      domestic: { received: 11_000_000, gifts: 2, donors: 1 },
      international: { received: 26_500_000, gifts: 3, donors: 2 },
      byCountry: [
        { country: "JP", received: 21_500_000, gifts: 2, donors: 1 },
        { country: "KR", received: 5_000_000, gifts: 1, donors: 1 },
      ],
    });
    expect(figures.origin!.domestic.received + figures.origin!.international.received).toBe(figures.received.total);
    // A province's report counts only its own.
    const elsewhere = await computeReportFigures("annual", year, "ha-noi");
    expect(elsewhere.origin).toEqual({ domestic: { received: 0, gifts: 0, donors: 0 }, international: { received: 0, gifts: 0, donors: 0 }, byCountry: [] });

    // The PDF (Vietnamese) and the CSV say the same.
    const document = { id: `annual-${year}-national-e1`, edition: 1, supersedes: null, correctionReason: null, publishedAt: new Date(), checkpoint: null, figures };
    const text = pdfText(await renderReportPdf(document));
    expect(text).toContain("Trong nước (Việt Nam) 11.000.000 ₫ 2 1");
    expect(text).toContain("Quốc tế 26.500.000 ₫ 3 2");
    expect(text).toContain("— Nhật Bản 21.500.000 ₫ 2 1");
    expect(text).toContain("— Hàn Quốc 5.000.000 ₫ 1 1");
    const csv = renderReportCsv(document);
    expect(csv).toContain("origin,JP,Nhật Bản,Japan,received_vnd,21500000");
    expect(csv).toContain("origin,international,Quốc tế,International,received_vnd,26500000");
    expect(csv).toContain("origin,domestic,Trong nước (Việt Nam),Domestic (Viet Nam),received_vnd,11000000");
  });
});
