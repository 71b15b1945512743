import fs from "node:fs";
import { createRequire } from "node:module";
import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatVnd } from "#services/format";
import { recordDonation } from "#services/money/donations";
import { moneyIn } from "#services/money/projections";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { connectE2eDatabase, createManagerWithProgramme } from "./db";

/**
 * /transparency in the browser (issue 12, decision 0035): Vietnamese with JavaScript, then English
 * without — the charts are SVG drawn by the server, so they are there either way, and the table behind
 * each chart holds the same numbers (here: Cà Mau's money in, which this test moved by a gift).
 */
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const stamp = Date.now().toString(36);
const AMOUNT = 3_456_000;
let browser: Browser;
let expected = 0;

/** WCAG 2.1 A and AA rules (axe-core, as tests/e2e/accessibility.e2e.ts runs them): the serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })).violations;
  })) as Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

/** The province table's row of Cà Mau, as a reader sees it (opening the table first). */
async function camauRow(page: Page, showTable: string) {
  const block = page.getByTestId("block-province");
  await block.getByText(showTable).click();
  const row = block.getByTestId("table-province").locator("tbody tr", { hasText: "Cà Mau" });
  await row.waitFor();
  return [await row.locator("th").textContent(), await row.locator("td").first().textContent()];
}

describe("the transparency dashboard in the browser", () => {
  beforeAll(async () => {
    await connectE2eDatabase();
    const programmeId = await createManagerWithProgramme({
      email: `bangtin.${stamp}@thuvien.vn`,
      password: "mat-khau-e2e-2026",
      managerName: "Phạm Văn Bình",
      province: { slug: "ca-mau", name: "Cà Mau" },
      programme: { slug: `bang-tin-${stamp}`, title: `Sách cho Cà Mau ${stamp}`, summary: "Sách cho bạn đọc vùng sông nước.", goal: 80_000_000 },
      stamp,
    });
    const { Programme } = await import("#models/programme.server");
    const programme = (await Programme.findById(programmeId).lean())!;
    await recordDonation({ idempotencyKey: `e2e-dashboard-${stamp}`, programmeId: programme._id, institutionId: programme.institutionId, method: "cash", amount: AMOUNT, receivedAt: new Date() });
    // What the books say Cà Mau received (other browser tests may have given there too): the page must show it.
    expected = (await moneyIn.province("ca-mau")).total;
    expect(expected).toBeGreaterThanOrEqual(AMOUNT);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("Vietnamese, JavaScript on: the charts are SVG, and the province table shows Cà Mau's total", async () => {
    const page = await (await browser.newContext({ locale: "vi-VN", viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${baseUrl()}/transparency`);
    await page.getByRole("heading", { level: 1, name: "Minh bạch tài chính" }).waitFor();
    const chart = page.locator('svg[data-testid="chart-province"]');
    await chart.waitFor();
    expect(await chart.getAttribute("role")).toBe("img");
    expect(await chart.locator("text", { hasText: "Cà Mau" }).count()).toBe(1);
    await page.getByTestId("chart-month").waitFor();
    expect(await camauRow(page, "Xem bảng số liệu")).toEqual(["Cà Mau", formatVnd(expected, "vi")]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "transparency-dashboard-vi");
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "transparency-dashboard-vi-phone");
  });

  test("English, JavaScript off: the same charts drawn by the server, and the same total", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB", viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${baseUrl()}/transparency`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { level: 1, name: "Money at a glance" }).waitFor();
    // The chart is in the HTML the server sent: an <svg> element, though no script ran.
    await page.locator('svg[data-testid="chart-province"]').waitFor();
    expect(await page.locator("svg.chart").count()).toBeGreaterThanOrEqual(3);
    expect(await camauRow(page, "Show the figures as a table")).toEqual(["Cà Mau", formatVnd(expected, "en")]);
    // Each table downloads as CSV (open data).
    const csv = await (await fetch(`${baseUrl()}/transparency/totals.csv?by=province`)).text();
    expect(csv).toContain(`ca-mau,Cà Mau,${expected},`);
    await screenshot(page, "transparency-dashboard-en-nojs");
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "transparency-dashboard-en-nojs-phone");
  });
});
