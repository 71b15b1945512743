import { createHash } from "node:crypto";
import fs from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";
import { createAccount } from "./db";

/**
 * The reports to the Prime Minister (issue 12): a ministry officer, in Vietnamese with JavaScript,
 * publishes the annual report; a visitor, in English without JavaScript, finds it on
 * /transparency/reports and downloads the PDF (whose SHA-256 is the one shown) and the CSV.
 */
const stamp = Date.now().toString(36);
const officer = { email: `bo.baocao.${stamp}@example.vn`, password: "mat-khau-bao-cao-1" };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** WCAG 2.1 A/AA (axe-core) on the page as it is: the serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })).violations;
  })) as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

describe("reports to the Prime Minister", () => {
  let browser: Browser;
  let reportId = "";
  beforeAll(async () => {
    browser = await launchBrowser();
    await createAccount("ministry_officer", officer.email, officer.password, "Cán bộ Vụ Thư viện");
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("Vietnamese, JavaScript on: a ministry officer publishes the annual report", async () => {
    const page = await browser.newPage();
    await signIn(page, officer.email, officer.password);
    // From the account menu to the page that prepares the report.
    await page.locator(".account-menu summary").click();
    await page.getByRole("link", { name: "Báo cáo Thủ tướng" }).click();
    await page.getByRole("heading", { level: 1, name: "Lập báo cáo Thủ tướng" }).waitFor();
    await page.getByLabel("Phạm vi").selectOption("national");
    await page.getByRole("button", { name: "Xem số liệu" }).click();
    await page.getByTestId("preview-title").filter({ hasText: "Toàn quốc" }).waitFor();
    await page.getByRole("heading", { name: /Các chỉ tiêu của Chương trình năm/ }).waitFor();
    // A report already published (this database served an earlier run): the new edition needs a reason.
    const reason = page.getByLabel("Lý do đính chính");
    if (await reason.count()) await reason.fill("Cập nhật số liệu trong lần kiểm thử trình duyệt");
    await page.getByTestId("publish-report").click();
    await page.waitForURL(/\/transparency\/reports\/annual-\d{4}-national-e\d+$/);
    reportId = new URL(page.url()).pathname.split("/").pop()!;
    await page.getByRole("heading", { level: 1, name: /Báo cáo năm \d{4} — Toàn quốc/ }).waitFor();
    expect(await page.getByTestId("pdf-sha256").textContent()).toMatch(/^[0-9a-f]{64}$/);
    await screenshot(page, "reports-e2e-published-vi");
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${baseUrl()}/reports`);
    await page.getByTestId("publish-form").waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // The ministry's targets: one changed on /reports/indicators (applies to the next report only).
    await page.goto(`${baseUrl()}/reports/indicators`);
    await page.getByRole("heading", { level: 1, name: "Chỉ tiêu và mục tiêu" }).waitFor();
    const target = page.locator('input[name="targets.commune-public-libraries.y2030"]');
    expect(await target.inputValue()).toBe("60");
    await target.fill("65,5");
    await page.getByRole("button", { name: "Lưu mục tiêu" }).click();
    await page.getByText("Đã lưu mục tiêu.").waitFor();
    expect(await page.locator('input[name="targets.commune-public-libraries.y2030"]').inputValue()).toBe("65,5");
    await screenshot(page, "reports-e2e-indicators-vi");
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("English, JavaScript off: the published report is listed, its PDF's hash is the one shown, and the CSV downloads", async () => {
    expect(reportId).not.toBe("");
    const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-GB", acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl()}/transparency/reports`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { level: 1, name: "Reports to the Prime Minister" }).waitFor();
    const card = page.locator(`[data-report-id="${reportId}"]`);
    await card.getByRole("heading", { name: /Annual report \d{4} — National/ }).waitFor();
    const shown = (await card.getByTestId("pdf-sha256").textContent())!.trim();
    const shownCsv = (await card.getByTestId("csv-sha256").textContent())!.trim();

    const [download] = await Promise.all([page.waitForEvent("download"), card.getByTestId("download-pdf").click()]);
    const pdf = await readFile((await download.path())!);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(sha256(pdf)).toBe(shown);
    expect(download.suggestedFilename()).toBe(`bao-cao-${reportId}.pdf`);

    const csv = await page.request.get(`${baseUrl()}/transparency/reports/${reportId}/csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    const bytes = Buffer.from(await csv.body());
    expect(sha256(bytes)).toBe(shownCsv);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString("utf8")).toContain(`report,id,Số báo cáo,Report number,,${reportId}`);

    // The edition's own page, in English, with the same hash.
    await card.getByRole("link", { name: /Annual report/ }).click();
    await page.getByRole("heading", { level: 1, name: /Annual report \d{4} — National/ }).waitFor();
    expect((await page.getByTestId("pdf-sha256").textContent())!.trim()).toBe(shown);
    await page.getByRole("heading", { name: /The programme's indicators in/ }).waitFor();
    await screenshot(page, "reports-e2e-public-en-nojs");
    await context.close();
  });
});
