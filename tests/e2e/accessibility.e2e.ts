import fs from "node:fs";
import { createRequire } from "node:module";
import type { Browser } from "playwright-core";
import mongoose from "mongoose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Institution } from "#models/institution.server";
import { receiptNumberFor } from "#models/donation.server";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { baseUrl, launchBrowser } from "./browser";
import { connectE2eDatabase } from "./db";
import { markProgrammesChanged } from "#services/catalogue-index";
import { flushGiftAmountKeys } from "#services/transparency/gift-amount-keys";

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const stamp = Date.now().toString(36);
const giftKey = `e2e:a11y:${stamp}`;

type Violation = { id: string; impact: string; help: string; nodes: Array<{ target: string[] }> };

/** WCAG 2.1 A and AA rules (axe-core) on public pages, in both languages: no serious or critical violation. */
describe("accessibility (axe-core, WCAG 2.1 AA)", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
    await connectE2eDatabase();
    const institution = await Institution.create({ name: `Bảo tàng Cà Mau ${stamp}`, slug: `bao-tang-ca-mau-${stamp}`, type: "museum", level: "provincial", provinceSlug: "ca-mau", address: "Cà Mau", status: "approved", bankAccount: { bankBin: "970418", accountNumber: "7410000123456", accountName: "BAO TANG CA MAU" } });
    const programme = await Programme.create({ institutionId: institution._id, slug: `rung-ngap-man-${stamp}`, title: `Rừng ngập mặn kể chuyện ${stamp}`, summary: "Giáo dục di sản thiên nhiên cho học sinh.", startDate: new Date("2026-09-01"), endDate: new Date("2027-09-01"), goal: 60_000_000, state: "open", themes: ["heritage-education"], inKindNeeds: [{ item: "Kính lúp", unit: "chiếc", quantity: 40, unitValue: 120_000 }], provinceSlug: "ca-mau", institutionType: "museum", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true, publishedAt: new Date() });
    // Written around the services: tell the catalogue, as the services do (services/catalogue-index.ts).
    await markProgrammesChanged([programme._id]);
    // A confirmed gift, so the receipt's public page has something to show.
    await recordDonation({ idempotencyKey: giftKey, programmeId: programme._id, institutionId: institution._id, method: "cash", amount: 1_500_000, receivedAt: new Date() });
    await flushGiftAmountKeys(); // found by amount and day on /transparency/find (its key follows the gift)
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  const pages = ["/", "/programmes", `/programmes/rung-ngap-man-${stamp}`, `/institutions/bao-tang-ca-mau-${stamp}`, `/receipts/${receiptNumberFor(giftKey)}`, "/login", "/register"];
  // "Find my gift" by amount and day: a list found, and the form's messages.
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  pages.push(`/transparency/find?amount=1.500.000&date=${today}`, "/transparency/find?amount=abc&date=");
  for (const lng of ["vi", "en"]) {
    test.each(pages)(`%s (${lng})`, async (path) => {
      const page = await browser.newPage();
      await page.goto(`${baseUrl()}${path}${path.includes("?") ? "&" : "?"}lng=${lng}`);
      // Evaluated, not added as a <script>: the page's Content-Security-Policy allows no inline script of ours.
      await page.evaluate(axeSource);
      const violations = (await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        return result.violations;
      })) as Violation[];
      await page.close();
      const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
      expect(serious).toEqual([]);
    });
  }
});
