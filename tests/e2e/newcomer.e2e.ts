import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Programme } from "#models/programme.server";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { createAccount, createManagerWithProgramme } from "./db";

/**
 * What a newcomer tripped on, walked through in the browser: closing a programme asks first and can
 * be undone (JavaScript off); the demo banner speaks the page's language; a second card instalment
 * is recorded like the first, and a receipt's public page says what it proves.
 */
const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";
const managerEmail = `quanly.moi.${stamp}@thuvien.vn`;
const donorEmail = `nha.tai.tro.${stamp}@sachvina.vn`;
const slug = `lop-hoc-mo-${stamp}`;

async function signIn(page: Page, email: string, to = "/account") {
  await page.goto(`${baseUrl()}/login?redirectTo=${encodeURIComponent(to)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Mật khẩu", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(`${baseUrl()}${to}`);
}

async function run(page: Page, name: string, steps: () => Promise<void>) {
  try {
    await steps();
  } catch (error) {
    await screenshot(page, `failed-${name}`);
    throw error;
  }
}

describe("what a newcomer tripped on", () => {
  let browser: Browser;
  let programmeId: string;
  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    programmeId = await createManagerWithProgramme({
      email: managerEmail,
      password: PASSWORD,
      managerName: "Đỗ Thị Mới",
      province: { slug: "gia-lai", name: "Gia Lai" },
      programme: { slug, title: `Lớp học mở ${stamp}`, summary: "Lớp học cuối tuần.", goal: 90_000_000 },
      stamp,
    });
    await createAccount("donor", donorEmail, PASSWORD, "Ngô Văn Tài");
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("closing a programme asks first, and a closed programme reopens (JavaScript off)", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await run(page, "close-reopen", async () => {
      await signIn(page, managerEmail, "/manage");
      await page.getByRole("link", { name: "Kết thúc", exact: true }).click();
      await page.waitForURL(/\/manage\?close=/);
      await page.getByText(`Kết thúc chương trình “Lớp học mở ${stamp}”?`).waitFor();
      await screenshot(page, "60-close-asks-first");
      expect((await Programme.findById(programmeId).lean())?.state).toBe("open");
      await page.getByRole("button", { name: "Kết thúc chương trình" }).click();
      await page.waitForURL(`${baseUrl()}/manage`);
      await page.getByRole("button", { name: "Mở lại" }).first().waitFor();
      expect((await Programme.findById(programmeId).lean())?.state).toBe("closed");
      await page.getByRole("button", { name: "Mở lại" }).first().click();
      await page.waitForURL(`${baseUrl()}/manage`);
      await page.getByRole("link", { name: "Kết thúc", exact: true }).first().waitFor();
      expect((await Programme.findById(programmeId).lean())?.state).toBe("open");
    });
  });

  test("the demo banner speaks the page's language", async () => {
    const page = await (await browser.newContext()).newPage();
    await run(page, "demo-banner", async () => {
      await page.goto(`${baseUrl()}/programmes`);
      await page.getByText("DEMO — thanh toán thẻ qua Stripe chỉ là giả lập").waitFor();
      await page.getByTestId("language-switch").click();
      await page.getByText("DEMO — Stripe is simulated; no real money moves.").waitFor();
      expect(await page.locator("body").textContent()).not.toContain("thanh toán thẻ qua Stripe chỉ là giả lập");
    });
  });

  test("two instalments paid by card in the demo are both recorded; a receipt's public page says what it proves", async () => {
    const page = await (await browser.newContext()).newPage();
    await run(page, "two-instalments", async () => {
      await signIn(page, donorEmail, `/programmes/${slug}/pledge`);
      await page.getByLabel("Doanh nghiệp, tổ chức").check();
      await page.getByLabel("Tên doanh nghiệp/tổ chức").fill("Công ty TNHH Ánh Dương");
      await page.getByLabel("Mã số thuế").fill("0100109106-001");
      await page.getByLabel("Hình thức").selectOption("cash_instalments");
      await page.getByLabel("Số tiền (đồng)").fill("6.000.000");
      await page.getByLabel("Số đợt (2–12)").fill("3");
      await page.getByLabel("Tên và số tiền").check();
      await page.getByRole("button", { name: "Gửi cam kết" }).click();
      await page.waitForURL(/\/pledges\/GS[0-9A-Z]{8}$/);
      const reference = page.url().split("/").pop()!;
      // The first instalment is due today: not overdue.
      expect(await page.getByTestId("pledge-state").textContent()).not.toMatch(/quá hạn/i);

      for (const paid of ["2.000.000\u00a0₫", "4.000.000\u00a0₫"]) {
        await page.getByRole("button", { name: /Thanh toán 2\.000\.000.*bằng thẻ/ }).click();
        await page.getByText("DEMO — KHÔNG PHẢI STRIPE THẬT").waitFor();
        await page.getByRole("button", { name: /^Thanh toán/ }).click();
        await page.waitForURL(new RegExp(`/pledges/${reference}\\?paid=1`));
        await page.getByTestId("pledge-paid").getByText(paid).waitFor();
      }
      await screenshot(page, "61-two-instalments-paid");

      const second = page.getByRole("link", { name: /Trang công khai của biên nhận/ }).nth(1);
      const receiptNumber = (await second.textContent())!.trim();
      await second.click();
      await page.waitForURL(`${baseUrl()}/receipts/${receiptNumber}`);
      await page.getByTestId("receipt-number").getByText(receiptNumber).waitFor();
      const main = (await page.locator("main").textContent()) ?? "";
      expect(main).toContain("Công ty TNHH Ánh Dương");
      expect(main).toContain("2.000.000\u00a0₫");
      expect(main).toContain("Còn hiệu lực");
      expect(main).toContain("Đợt 2/3");
      expect(main).not.toContain("0100109106");
      await screenshot(page, "62-receipt-public-page");
    });
  });
});
