import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Indicator } from "#models/indicator.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { RECEIVED_KINDS } from "#models/programme.server";
import { Report, ReportFile } from "#models/report.server";
import type { SessionUser } from "#models/user.server";
import { actOnExpenditure, recordExpenditure } from "#services/expenditures";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { recordOfflineGift } from "#services/offline-gifts";
import { computeReportFigures } from "#services/reports/figures";
import { recordInstitutionYear, updateIndicatorTargets } from "#services/reports/indicators";
import { previewReport, publishedReport, publishedReportFile, publishReport, sha256 } from "#services/reports/publish";
import { configureLogSigner } from "#services/transparency/log";
import { cashGiftInput, createInstitution, createOpenProgramme, formToken, vnDate } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { action as reportsAction, loader as reportsLoader } from "~/routes/reports._index";
import { loader as publicListLoader } from "~/routes/transparency.reports._index";
import { loader as downloadLoader } from "~/routes/transparency.reports.$id_.$format";
import { pdfText } from "#tests/utils/pdf";

/**
 * The reports to the Prime Minister (issue 12): their figures equal the ledger; a published report is a
 * snapshot whose hash matches its stored bytes and never changes, corrected only by a new edition; a
 * province officer reports on their province only; managers and donors publish nothing; editing an
 * indicator's target changes the next report, not a published one.
 */
const { privateKey } = generateKeyPairSync("ed25519");
beforeAll(() => configureLogSigner({ appUrl: "https://gopsuc.example", privateKey }));
afterAll(() => configureLogSigner(null));

type Person = SessionUser & { cookie: string };
async function person(overrides: Parameters<typeof createTestUser>[0]): Promise<Person> {
  const user = await createTestUser(overrides);
  return { ...user, cookie: await sessionCookieFor(user.id) };
}

const year = Number(vnDate(0).slice(0, 4));

describe("reports to the Prime Minister", () => {
  let ministry: Person;
  let officerHN: Person;
  let managerHN: Person;
  let donor: Person;
  let libraryHN: string;

  beforeAll(async () => {
    const hn = await createInstitution({ provinceSlug: "ha-noi", name: "Thư viện Hà Nội Báo Cáo" });
    const dn = await createInstitution({ provinceSlug: "da-nang", type: "museum", name: "Bảo tàng Đà Nẵng Báo Cáo" });
    libraryHN = String(hn._id);
    const progHN = await createOpenProgramme(hn, { title: "Góc đọc báo cáo", themes: ["reading-culture", "digital-skills"], budgetLines: [{ code: "SACH", label: "Mua sách", amount: 50_000_000 }] });
    const progDN = await createOpenProgramme(dn, { title: "Giáo dục di sản báo cáo", themes: ["heritage-education"] });
    ministry = await person({ role: "ministry_officer", name: "Cán bộ Bộ" });
    officerHN = await person({ role: "province_officer", provinceSlug: "ha-noi" });
    managerHN = await person({ role: "manager", institutionIds: [libraryHN] });
    const managerDN = await person({ role: "manager", institutionIds: [String(dn._id)] });
    donor = await person({ role: "donor" });
    await recordOfflineGift(managerHN, String(progHN._id), cashGiftInput(70_000_000, { receivedAt: vnDate(-2) }));
    await recordOfflineGift(managerHN, String(progHN._id), cashGiftInput(5_000_000, { receivedAt: vnDate(-1) }));
    await recordOfflineGift(managerDN, String(progDN._id), cashGiftInput(20_000_000, { receivedAt: vnDate(-1) }));
    const spent = await recordExpenditure(managerHN, String(progHN._id), {
      clientToken: formToken("rep"),
      budgetLineCode: "SACH",
      amount: 12_500_000,
      spentAt: new Date(`${vnDate(-1)}T10:00:00+07:00`),
      payee: "Nhà sách",
      description: "Mua sách thiếu nhi",
    });
    await actOnExpenditure(managerHN, String(progHN._id), spent.id, { intent: "publish", reason: "" } as never);
  });

  test("the report's figures equal the ledger: money in and out, by province, type and theme", async () => {
    const figures = await computeReportFigures("annual", year, "national");
    const inYear = { occurredAt: { $gte: new Date(`${year}-01-01T00:00:00+07:00`), $lt: new Date(`${year + 1}-01-01T00:00:00+07:00`) } };
    const entries = await LedgerEntry.find(inYear).lean();
    const received = entries.filter((e) => (RECEIVED_KINDS as readonly string[]).includes(e.kind)).reduce((s, e) => s + e.amount, 0);
    const spent = -entries.filter((e) => e.sourceType === "expenditure").reduce((s, e) => s + e.amount, 0);
    expect(received).toBe(95_000_000);
    expect(spent).toBe(12_500_000);
    expect(figures.received).toMatchObject({ total: received, gifts: 3 });
    expect(figures.spent).toBe(spent);
    expect(figures.byProvince.find((r) => r.slug === "ha-noi")).toMatchObject({ received: 75_000_000, spent: 12_500_000, gifts: 2 });
    expect(figures.byProvince.find((r) => r.slug === "da-nang")).toMatchObject({ received: 20_000_000, spent: 0, gifts: 1 });
    expect(figures.byProvince.reduce((s, r) => s + r.received, 0)).toBe(received);
    expect(figures.byType.find((r) => r.slug === "library")).toMatchObject({ received: 75_000_000, spent: 12_500_000 });
    expect(figures.byType.find((r) => r.slug === "museum")).toMatchObject({ received: 20_000_000 });
    expect(figures.byTheme.find((r) => r.slug === "digital-skills")).toMatchObject({ received: 75_000_000 });
    expect(figures.byTheme.find((r) => r.slug === "heritage-education")).toMatchObject({ received: 20_000_000 });
    // The dashboard's rollups say the same.
    expect(figures.check).toEqual({ rollupsReceived: received, agrees: true });
    // The year after: nothing.
    expect((await computeReportFigures("annual", year + 1 > 2030 ? year : year + 1, "national")).received.total).toBe(year + 1 > 2030 ? received : 0);
  });

  test("published: the hash matches the stored bytes and never changes; a correction is edition 2, edition 1 downloads unchanged", async () => {
    // The sweeper puts the entries in the transparency log; publishing signs a checkpoint of it.
    expect((await runSweep({ now: () => new Date(Date.now() + SWEEPER_LEASE_MS) })).ran).toBe(true);
    const first = await publishReport(ministry, { kind: "annual", year, scope: "national", reason: "" });
    expect(first).toEqual({ id: `annual-${year}-national-e1`, edition: 1 });
    const { report } = await publishedReport(first.id);
    expect(report.checkpoint?.size).toBe(await LedgerEntry.countDocuments());
    const pdf = await publishedReportFile(first.id, "pdf");
    const csv = await publishedReportFile(first.id, "csv");
    expect(pdf.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(sha256(pdf.bytes)).toBe(report.pdfSha256);
    expect(sha256(csv.bytes)).toBe(report.csvSha256);
    expect(csv.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.bytes.toString("utf8")).toContain("summary,received,Đã nhận,Received,vnd,95000000");
    // The PDF reads as it should: the national header, whom it is for, the money, the provinces, the pages.
    const text = pdfText(pdf.bytes);
    for (const expected of [
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
      "BÁO CÁO",
      "Kính gửi: Thủ tướng Chính phủ",
      "95.000.000 ₫",
      "12.500.000 ₫",
      "Hà Nội 75.000.000 ₫",
      "Đà Nẵng 20.000.000 ₫",
      "BIỂU ĐỒ",
      `Số: ${first.id}`,
      "Trang 1/",
    ]) {
      expect(text, expected).toContain(expected);
    }
    // A second publication without a reason is refused; nothing is written.
    await expect(publishReport(ministry, { kind: "annual", year, scope: "national", reason: "" })).rejects.toMatchObject({ code: "invalid" });
    expect(await Report.countDocuments()).toBe(1);
    // The snapshot refuses any change.
    await expect(Report.updateOne({ _id: first.id }, { $set: { pdfSha256: "0".repeat(64) } })).rejects.toThrow(/never changed/);
    await expect(ReportFile.deleteOne({ _id: `${first.id}.pdf` })).rejects.toThrow(/never changed/);

    // More money, then the correction.
    const second = await publishReport(ministry, { kind: "annual", year, scope: "national", reason: "Bổ sung số liệu tháng cuối năm" });
    expect(second).toEqual({ id: `annual-${year}-national-e2`, edition: 2 });
    const e2 = await publishedReport(second.id);
    expect(e2.report).toMatchObject({ supersedes: first.id, correctionReason: "Bổ sung số liệu tháng cuối năm", edition: 2 });
    expect(e2.supersededBy).toBeNull();
    const e1 = await publishedReport(first.id);
    expect(e1.supersededBy).toBe(second.id);
    expect(pdfText((await publishedReportFile(second.id, "pdf")).bytes)).toContain(`Lần ban hành thứ 2, thay thế báo cáo số ${first.id}. Lý do: Bổ sung số liệu tháng cuối năm`);
    expect(e1.report.pdfSha256).toBe(report.pdfSha256);
    const again = await publishedReportFile(first.id, "pdf");
    expect(sha256(again.bytes)).toBe(report.pdfSha256);
    expect(again.bytes.equals(pdf.bytes)).toBe(true);

    // Public: listed with hashes and checkpoints; the download route serves the same bytes.
    const list = await (await responseOf(publicListLoader({ request: getRequest("/transparency/reports"), params: {}, context: {} }))).json();
    expect(list.reports.map((r: { id: string }) => r.id)).toEqual([second.id, first.id]);
    expect(list.reports[1]).toMatchObject({ pdfSha256: report.pdfSha256, superseded: true });
    const download = await responseOf(downloadLoader({ request: getRequest(`/transparency/reports/${first.id}/pdf`), params: { id: first.id, format: "pdf" }, context: {} }));
    expect(download.headers.get("Content-Type")).toBe("application/pdf");
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(report.pdfSha256);
  });

  test("a province officer reports on their province only; managers and donors publish nothing", async () => {
    const own = await previewReport(officerHN, { kind: "annual", year, scope: "ha-noi" });
    expect(own.figures.received.total).toBe(75_000_000);
    expect(own.figures.byProvince.map((r) => r.slug)).toEqual(["ha-noi"]);
    await expect(previewReport(officerHN, { kind: "annual", year, scope: "da-nang" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(previewReport(officerHN, { kind: "annual", year, scope: "national" })).rejects.toMatchObject({ code: "forbidden" });
    const before = await Report.countDocuments();
    for (const who of [managerHN, donor]) await expect(publishReport(who, { kind: "annual", year, scope: "ha-noi", reason: "" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(publishReport(officerHN, { kind: "annual", year, scope: "da-nang", reason: "" })).rejects.toMatchObject({ code: "forbidden" });
    expect(await Report.countDocuments()).toBe(before);

    // Through the page: the officer's own province is published; another province's preview is a 403.
    const page = await responseOf(reportsLoader({ request: getRequest(`/reports?kind=annual&year=${year}&scope=da-nang`, officerHN.cookie), params: {}, context: {} }).catch((r) => r));
    expect(page.status).toBe(403);
    const published = await responseOf(
      reportsAction({ request: await formRequest("/reports", { kind: "annual", year: String(year), scope: "ha-noi", reason: "" }, { cookie: officerHN.cookie }), params: {}, context: {} })
    );
    expect(published.status).toBe(302);
    const { report } = await publishedReport(`annual-${year}-ha-noi-e1`);
    expect((report.figures as { received: { total: number } }).received.total).toBe(75_000_000);
    const refused = await responseOf(
      reportsAction({ request: await formRequest("/reports", { kind: "annual", year: String(year), scope: "ha-noi", reason: "" }, { cookie: managerHN.cookie }), params: {}, context: {} }).catch(
        (r) => r
      )
    );
    expect(refused.status).toBe(403);
    // Bad input: a clear message, nothing written.
    const bad = await responseOf(
      reportsAction({ request: await formRequest("/reports", { kind: "annual", year: "1999", scope: "ha-noi", reason: "" }, { cookie: officerHN.cookie }), params: {}, context: {} })
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.year).toEqual(["reports.validation.year"]);
    expect(await Report.countDocuments()).toBe(before + 1);
  });

  test("indicators: what institutions record computes the percentages; editing a target changes the next report, not a published one", async () => {
    await recordInstitutionYear(managerHN, libraryHN, { year, sector: "public", services: ["reading", "digital"], learners: 1200, visitors: 0 });
    const first = await publishReport(ministry, { kind: "annual", year, scope: "ha-noi", reason: "Bổ sung chỉ tiêu của thư viện" });
    const indicator = (figures: unknown) =>
      (figures as { indicators: Array<{ id: string; value: number | null; target2030: number; numerator: number; denominator: number }> }).indicators.find(
        (i) => i.id === "provincial-public-libraries"
      )!;
    const published = (await publishedReport(first.id)).report;
    expect(indicator(published.figures)).toMatchObject({ value: 100, numerator: 1, denominator: 1, target2030: 100 });

    await updateIndicatorTargets(ministry, { targets: { "provincial-public-libraries": { y2025: 95, y2030: 99.5 } } });
    expect(await Indicator.findById("provincial-public-libraries").lean()).toMatchObject({ target2025: 95, target2030: 99.5 });
    await expect(updateIndicatorTargets(officerHN, { targets: { "provincial-public-libraries": { y2025: 1, y2030: 1 } } })).rejects.toMatchObject({ code: "forbidden" });

    expect(indicator((await publishedReport(first.id)).report.figures).target2030).toBe(100);
    const next = await previewReport(ministry, { kind: "annual", year, scope: "ha-noi" });
    expect(indicator(next.figures).target2030).toBe(99.5);
  });
});
