import mongoose from "mongoose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { claimSlot } from "#models/rate-limit.server";
import { LIMIT_DEFAULTS } from "~/utils/limits-config.server";
import { limitKey } from "~/utils/rate-limit.server";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { createAccount } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-thu-thach-2026";

/** After many failed logins on an account, the login page solves the proof-of-work challenge by itself (decision 0021). */
describe("the login challenge in the browser", () => {
  let browser: Browser;
  const email = `thu.thach.${stamp}@example.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    await createAccount("manager", email, PASSWORD, "Phạm Thị Thu");
    // The account's failures from other addresses, counted as the server counts them (the browser has
    // one address, which its own backoff would stop first): the account's limit, reached.
    const [points, seconds] = LIMIT_DEFAULTS["login-account"];
    for (let i = 0; i < points; i += 1) await claimSlot(`login-account:${limitKey(email)}`, seconds * 1000, points + 1);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("the page shows the check being done, then the right password gets in (Vietnamese, JavaScript on, under the page's CSP)", async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });
    await page.goto(`${baseUrl()}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Mật khẩu").fill(PASSWORD);
    await page.getByRole("button", { name: "Đăng nhập" }).click();

    // Not signed in yet: the page explains, and the browser does the check by itself.
    await page.getByText("Đã có nhiều lần đăng nhập sai vào tài khoản này.", { exact: false }).waitFor();
    await page.getByText("Đã kiểm tra xong. Hãy nhập mật khẩu và đăng nhập.").waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${baseUrl()}/login`);
    expect(await page.locator('input[name="altcha"]').inputValue()).not.toBe("");
    await screenshot(page, "login-challenge-solved-vi");

    await page.getByLabel("Mật khẩu").fill(PASSWORD);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.waitForURL(`${baseUrl()}/account`);
    expect(await page.getByTestId("account-name").textContent()).toContain("Phạm Thị Thu");
    expect(blocked).toEqual([]);
  });

  test("with JavaScript off the page says to wait or reset the password", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${baseUrl()}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Mật khẩu").fill("sai-mat-khau-khac");
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.getByText("Phép kiểm tra cần JavaScript.", { exact: false }).waitFor();
    expect(await page.getByRole("link", { name: "đặt lại mật khẩu qua email" }).getAttribute("href")).toBe("/forgot-password");
    await context.close();
  });
});
