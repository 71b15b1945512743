import fs from "node:fs";
import { parse } from "csv-parse/sync";
import mongoose from "mongoose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { baseUrl, launchBrowser, screenshot, textOf } from "./browser";
import { createManagerWithProgramme } from "./db";

const stamp = Date.now().toString(36);
const GIFTS = 55; // two pages of the public view (50 to a page)

/**
 * A programme's whole public ledger (issue 12): a visitor in Vietnamese with JavaScript goes from the
 * programme's page to its ledger, reads the balance after each entry, turns to the older page and
 * downloads the CSV of the whole; then in English without JavaScript.
 */
describe("a programme's public ledger", () => {
  let browser: Browser;
  let slug: string;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    slug = `so-quy-${stamp}`;
    const programmeId = await createManagerWithProgramme({
      email: `soquy.${stamp}@thuvien.vn`,
      password: "mat-khau-e2e-2026",
      managerName: "Lê Thị Sổ",
      province: { slug: "quang-tri", name: "Quảng Trị" },
      programme: { slug, title: `Sổ quỹ thư viện ${stamp}`, summary: "Sách cho thư viện xã.", goal: 900_000_000 },
      stamp,
    });
    const programme = await Programme.findById(programmeId).lean();
    // Gifts of 1,000,000 + i đồng, by bank transfer, oldest first.
    for (let i = 0; i < GIFTS; i += 1) {
      await recordDonation({ idempotencyKey: `e2e:ledger:${stamp}:${i}`, programmeId: programme!._id, institutionId: programme!.institutionId, method: "bank_transfer", amount: 1_000_000 + i, receivedAt: new Date(Date.now() - (GIFTS - i) * 60_000), reference: `CK ${stamp} ${i}` });
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("Vietnamese, JavaScript on: from the programme to its ledger, the balance after each entry, the older page, the CSV", async () => {
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    await page.goto(`${baseUrl()}/programmes/${slug}`);
    await page.getByTestId("open-ledger").click();
    await page.waitForURL(`${baseUrl()}/programmes/${slug}/ledger`);
    await page.getByRole("heading", { level: 1, name: /^Sổ quỹ công khai/ }).waitFor();
    const total = (GIFTS * (2_000_000 + GIFTS - 1)) / 2; // Σ of 1,000,000 + i
    expect(await textOf(page.getByTestId("ledger-summary"))).toBe(`${GIFTS} bút toán · số dư hiện tại ${total.toLocaleString("vi-VN")} ₫`);
    const rows = page.getByTestId("programme-ledger").locator("tbody tr");
    expect(await rows.count()).toBe(50);
    // The newest first: its balance is the whole.
    expect(await textOf(page.getByTestId("ledger-balance").first())).toBe(`${total.toLocaleString("vi-VN")} ₫`);
    expect(await textOf(rows.first().locator("td").first())).toBe(String(GIFTS));
    await screenshot(page, "programme-ledger-vi");

    await page.getByRole("link", { name: "Trang sau" }).click();
    await page.waitForURL(`${baseUrl()}/programmes/${slug}/ledger?page=2`);
    await page.getByRole("cell", { name: "1", exact: true }).waitFor();
    // The oldest: balance = its own amount.
    expect(await textOf(page.getByTestId("ledger-balance").last())).toBe("1.000.000 ₫");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("ledger-csv").click()]);
    expect(download.suggestedFilename()).toBe(`gopsuc-ledger-${slug}.csv`);
    const text = fs.readFileSync((await download.path())!, "utf8");
    const csv = parse(text.replace(/^\uFEFF/, "")) as string[][];
    expect(csv[0]![0]).toBe("STT");
    expect(csv).toHaveLength(GIFTS + 1);
    expect(csv.at(-1)![6]).toBe(String(total));
  });

  test("English, JavaScript off: the same ledger", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB" })).newPage();
    await page.goto(`${baseUrl()}/programmes/${slug}/ledger`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { level: 1, name: /^Public ledger/ }).waitFor();
    expect(await textOf(page.getByTestId("ledger-summary"))).toMatch(new RegExp(`^${GIFTS} entries · balance now `));
    expect(await page.getByRole("columnheader", { name: "Balance" }).count()).toBe(1);
    await screenshot(page, "programme-ledger-en");
    await page.getByRole("link", { name: "Page 2", exact: true }).click();
    await page.waitForURL(`${baseUrl()}/programmes/${slug}/ledger?page=2`);
    expect(await textOf(page.getByTestId("ledger-balance").last())).toBe("₫1,000,000");
  });
});
