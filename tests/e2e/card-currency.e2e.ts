import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { CARD_RATES_ID, CardRates } from "#models/exchange-rate.server";
import { Institution } from "#models/institution.server";
import { Programme } from "#models/programme.server";
import { markProgrammesChanged } from "#services/catalogue-index";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { createAccount } from "./db";

/**
 * Issue 13 in the browser, in English with JavaScript on: a foundation from Japan pledges in đồng (its
 * own registration number, no Vietnamese tax code), pays by card in yen (the labelled demo stands in for Stripe and settles at the quoted rate), sees the charge in yen on
 * the checkout page, and their receipt's public page shows the yen, the rate and the đồng booked; the
 * programme's progress moves by exactly the đồng booked.
 */
const stamp = Date.now().toString(36);
const slug = `sach-quoc-te-${stamp}`;
const PASSWORD = "mat-khau-e2e-2026";
const email = `yuki.${stamp}@example.jp`;

describe("a foundation from Japan gives by card in yen (issue 13)", () => {
  let browser: Browser;
  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    await createAccount("donor", email, PASSWORD, "Yuki Tanaka");
    await CardRates.updateOne({ _id: CARD_RATES_ID }, { $set: { rates: { usd: 25_400, eur: 29_500, jpy: 168.6, krw: 18.2, aud: 16_600, sgd: 19_650 }, asOf: new Date("2026-12-01T00:00:00+07:00"), source: "E2E example rates" } }, { upsert: true });
    const institution = await Institution.create({ name: `Thư viện Huế ${stamp}`, slug: `thu-vien-hue-${stamp}`, type: "library", level: "provincial", provinceSlug: "hue", address: "Huế", bankAccount: { bankBin: "970418", accountNumber: "8800654321", accountName: "THU VIEN HUE" }, internationalTransfer: "Bank: BIDV\nSWIFT/BIC: BIDVVNVX\nAccount: 8800654321\nBeneficiary: THU VIEN HUE", status: "approved" });
    const created = await Programme.create({ institutionId: institution._id, slug, title: `Sách tiếng Nhật ${stamp}`, summary: "Tủ sách ngoại văn.", startDate: new Date("2026-09-01"), endDate: new Date("2028-09-01"), goal: 300_000_000, state: "open", provinceSlug: "hue", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true, publishedAt: new Date() });
    await markProgrammesChanged([created._id]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  async function journey(page: Page) {
    await page.goto(`${baseUrl()}/login?redirectTo=${encodeURIComponent(`/programmes/${slug}/pledge`)}`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${baseUrl()}/programmes/${slug}/pledge`);

    // A foundation from Japan: choosing the country swaps the Vietnamese tax code and province for its own number.
    await page.getByLabel("Business or organisation").check();
    await page.getByLabel("Tax code").waitFor();
    await page.getByLabel("Country").selectOption("JP");
    await page.getByLabel("Registration number (organisations abroad)").waitFor();
    expect(await page.getByLabel("Tax code").count()).toBe(0);
    expect(await page.getByLabel("Province").count()).toBe(0);
    await page.getByLabel("Legal name").fill("Sakura Learning Foundation");
    await page.getByLabel("Registration number (organisations abroad)").fill("5010405001703");
    await page.getByLabel("Representative").fill("Yuki Tanaka");
    await page.getByLabel("Address").fill("1-1 Marunouchi, Chiyoda-ku, Tokyo");
    await page.getByLabel("Phone").fill("+81312345678");
    await page.getByLabel("Amount (đồng)").fill("1,000,000");
    await page.getByLabel("Name and amount").check();
    await screenshot(page, "89-foundation-from-japan");
    await page.getByRole("button", { name: "Send pledge" }).click();
    await page.waitForURL(/\/pledges\/GS[0-9A-Z]{8}$/);
    const reference = page.url().split("/").pop()!;

    // From abroad the institution's SWIFT details are offered too, with the reference to quote.
    expect(await page.getByTestId("international-details").textContent()).toContain("SWIFT/BIC: BIDVVNVX");
    expect(await page.getByTestId("international-reference").textContent()).toBe(reference);

    // The card can be paid in yen: 1,000,000 ₫ at 168.6 ₫ per yen, rounded up.
    const currency = page.getByLabel("Pay in");
    expect(await currency.locator("option").allTextContents()).toContain("Japanese yen (JPY) — ≈ JP¥5,932");
    expect(await page.locator("#card-rate-note").textContent()).toMatch(/indicative rate of .*2026 \(E2E example rates\), rounded up/);
    await currency.selectOption("jpy");
    await screenshot(page, "90-pay-in-yen");
    await page.getByRole("button", { name: /Pay ₫1,000,000 by card/ }).click();
    await page.getByTestId("demo-charge").waitFor();
    expect(await page.getByTestId("demo-charge").textContent()).toBe("JP¥5,932");
    await screenshot(page, "91-demo-checkout-yen");
    await page.getByRole("button", { name: "Pay JP¥5,932" }).click();
    await page.waitForURL(new RegExp(`/pledges/${reference}\\?paid=1`));

    // Booked at the đồng the (demo) Stripe settled: ¥5,932 × 168.6 = 1,000,135.2 → ₫1,000,135.
    expect(await page.getByTestId("pledge-paid").textContent()).toBe("₫1,000,135");
    const gift = await Donation.findOne({ reference }).lean();
    expect(gift).toMatchObject({ amount: 1_000_135, paidIn: { currency: "jpy", amount: 5932, exchangeRate: 168.6 } });

    await page.getByRole("link", { name: `Public page of receipt ${gift!.receiptNumber}` }).click();
    await page.getByTestId("receipt-paid-in").waitFor();
    expect(await page.getByTestId("receipt-paid-in").textContent()).toBe("JP¥5,932 — at 168.6 ₫ per JPY");
    expect(await page.getByTestId("receipt-amount").textContent()).toBe("₫1,000,135");
    await screenshot(page, "92-receipt-yen");
    // The receipt PDF (Vietnamese, the record) says the same: the yen, the rate and the đồng.
    const pdf = await page.request.get(`${baseUrl()}/receipts/${gift!.receiptNumber}/pdf`);
    expect(pdf.headers()["content-type"]).toBe("application/pdf");
    const file = path.join(os.tmpdir(), `receipt-yen-${stamp}.pdf`);
    fs.writeFileSync(file, await pdf.body());
    fs.copyFileSync(file, "tests/artifacts/93-receipt-yen.pdf");
    const text = execFileSync("/usr/bin/pdftotext", ["-enc", "UTF-8", "-layout", file, "-"]).toString("utf8");
    expect(text).toMatch(/Số tiền thẻ bị trừ:\s+5\.932\s¥ — quy đổi 168,6 ₫\/JPY/);
    expect(text).toMatch(/1\.000\.135\s₫/);
    // And in English, as this donor reads (the page's button), with the amount in English words.
    const href = await page.getByRole("link", { name: "Receipt (PDF)" }).getAttribute("href");
    expect(href).toBe(`/receipts/${gift!.receiptNumber}/pdf?lang=en`);
    expect(await page.getByRole("link", { name: "Vietnamese original (PDF)" }).getAttribute("href")).toBe(`/receipts/${gift!.receiptNumber}/pdf`);
    const english = path.join(os.tmpdir(), `receipt-yen-en-${stamp}.pdf`);
    fs.writeFileSync(english, await (await page.request.get(`${baseUrl()}${href}`)).body());
    fs.copyFileSync(english, "tests/artifacts/94-receipt-yen-en.pdf");
    const englishText = execFileSync("/usr/bin/pdftotext", ["-enc", "UTF-8", "-layout", english, "-"]).toString("utf8");
    expect(englishText).toContain("DONATION RECEIPT");
    expect(englishText).toMatch(/Amount:\s+₫1,000,135/);
    expect(englishText).toMatch(/In words:\s+One million one hundred thirty-five dong/);
    expect(englishText).toMatch(/Card charge:\s+JP¥5,932 — at 168\.6 ₫ per JPY/);
    expect(englishText).toContain("English translation; the Vietnamese original is the record.");
    expect(englishText).toMatch(/Donor:\s+Sakura Learning Foundation/);
    expect(englishText).toMatch(/Registration no\.:\s+5010405001703/);
    expect(englishText).toMatch(/Country:\s+Japan/);
    expect(englishText).not.toContain("Tax code:");

    await page.goto(`${baseUrl()}/programmes/${slug}`);
    await page.getByText("₫1,000,135").first().waitFor();
  }

  test("in English: a foundation from Japan pledges in đồng, pays by card in yen, booked at the đồng settled, shown in both on its receipt", async () => {
    const page = await (await browser.newContext()).newPage();
    try {
      await journey(page);
    } catch (error) {
      await screenshot(page, "failed-card-currency");
      throw error;
    }
  });
});
