import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot } from "./browser";

describe("accounts in the browser", () => {
  let browser: Browser;
  let page: Page;
  const email = `nguyen.van.an.${Date.now()}@example.vn`;
  const password = "mat-khau-rat-dai-2026";

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("register, log out, log in, switch language", async () => {
    await page.goto(`${baseUrl()}/`);
    expect(await page.locator("html").getAttribute("lang")).toBe("vi");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Góp sức cho học tập suốt đời");
    await screenshot(page, "01-home-vi");

    // Register: a bad email is refused next to its field, in Vietnamese, before anything is sent.
    await page.getByRole("link", { name: "Đăng ký" }).click();
    await page.getByLabel("Họ và tên").fill("Nguyễn Văn An");
    await page.getByLabel("Email").fill("khong-phai-email");
    await page.getByLabel("Mật khẩu").fill(password);
    await page.getByRole("button", { name: "Tạo tài khoản" }).click();
    await page.getByText("Email không hợp lệ.").waitFor();
    await screenshot(page, "02-register-error-vi");

    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Tạo tài khoản" }).click();
    await page.waitForURL(`${baseUrl()}/account`);
    expect(await page.getByTestId("account-name").textContent()).toContain("Nguyễn Văn An");
    expect(await page.getByRole("status").textContent()).toContain("Chào mừng Nguyễn Văn An");
    await screenshot(page, "03-account-vi");

    // Log out through the account menu.
    await page.locator(".account-menu summary").click();
    await page.getByRole("button", { name: "Đăng xuất" }).click();
    await page.waitForURL(`${baseUrl()}/`);
    await page.getByText("Bạn đã đăng xuất.").waitFor();
    expect(await page.getByRole("link", { name: "Đăng nhập" }).isVisible()).toBe(true);

    // A wrong password is refused; the right one signs in.
    await page.getByRole("link", { name: "Đăng nhập" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Mật khẩu").fill("sai-mat-khau-123");
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.getByText("Email hoặc mật khẩu không đúng.").waitFor();
    await page.getByLabel("Mật khẩu").fill(password);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
    await page.waitForURL(`${baseUrl()}/account`);

    // Switch to English: the same page, now in English, and the choice is remembered.
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { name: "My account" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await page.goto(`${baseUrl()}/`);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Support lifelong learning");
    await screenshot(page, "04-home-en");

    // And back to Vietnamese.
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { name: "Góp sức cho học tập suốt đời" }).waitFor();
  });

  test("pages work without JavaScript: the server validates and answers in Vietnamese", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const noJs = await context.newPage();
    await noJs.goto(`${baseUrl()}/register`);
    await noJs.getByLabel("Họ và tên").fill("Trần Thị Bình");
    await noJs.getByLabel("Email").fill("binh@");
    await noJs.getByLabel("Mật khẩu").fill("ngan");
    await noJs.getByRole("button", { name: "Tạo tài khoản" }).click();
    await noJs.getByText("Email không hợp lệ.").waitFor();
    await noJs.getByText("Mật khẩu cần ít nhất 10 ký tự.").waitFor();
    expect(await noJs.getByLabel("Họ và tên").inputValue()).toBe("Trần Thị Bình");
    await context.close();
  });
});
