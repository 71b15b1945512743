import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";

/** Two browsers of one person (JavaScript on, Vietnamese): the laptop ends the phone's session, then changes the password. */
describe("sessions in the browser", () => {
  let browser: Browser;
  let laptop: BrowserContext;
  let phone: BrowserContext;
  let a: Page;
  let b: Page;
  const email = `phien.${Date.now()}@example.vn`;
  const password = "mat-khau-rat-dai-2026";
  const newPassword = "mat-khau-moi-cung-dai-2026";

  beforeAll(async () => {
    browser = await launchBrowser();
    laptop = await browser.newContext({ userAgent: "Mozilla/5.0 (X11; Linux x86_64) Laptop-Cua-Hoa" });
    phone = await browser.newContext({ userAgent: "Mozilla/5.0 (iPhone) Dien-Thoai-Cua-Hoa" });
    a = await laptop.newPage();
    b = await phone.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function logIn(page: Page, pass: string) {
    await signIn(page, email, pass);
  }

  test("see two sessions, end the other: the other browser is signed out on its next page", async () => {
    await a.goto(`${baseUrl()}/register`);
    await a.getByLabel("Họ và tên").fill("Phạm Thu Hoa");
    await a.getByLabel("Email").fill(email);
    await a.getByLabel("Mật khẩu").fill(password);
    await a.getByRole("button", { name: "Tạo tài khoản" }).click();
    await a.waitForURL(`${baseUrl()}/account`);
    await logIn(b, password);

    await a.getByRole("link", { name: "Các phiên đăng nhập" }).click();
    await a.waitForURL(`${baseUrl()}/account/sessions`);
    const rows = a.getByTestId("session-row");
    // The URL moves before the new page is drawn: wait for the list itself (the phone's row), then count.
    await a.getByTestId("sessions").getByText("Dien-Thoai-Cua-Hoa").waitFor();
    expect(await rows.count()).toBe(2);
    const mine = a.locator('[data-testid="session-row"][data-current="true"]');
    expect(await mine.textContent()).toContain("Laptop-Cua-Hoa");
    expect(await mine.textContent()).toContain("Thiết bị này");
    expect(await a.getByTestId("sessions").textContent()).toContain("Dien-Thoai-Cua-Hoa");
    await screenshot(a, "sessions-01-two-vi");

    await a.getByRole("button", { name: /^Kết thúc phiên bắt đầu lúc/ }).click();
    await a.getByText("Đã kết thúc phiên đăng nhập đó.").waitFor();
    await a.getByText("Không có phiên nào khác: chỉ thiết bị này đang đăng nhập.").waitFor();
    expect(await rows.count()).toBe(1);

    await b.goto(`${baseUrl()}/account`);
    await b.waitForURL((url) => url.pathname === "/login");
    await b.getByRole("heading", { name: "Đăng nhập" }).waitFor();
  });

  test("changing the password signs the other browser out and keeps this one", async () => {
    await logIn(b, password);

    await a.goto(`${baseUrl()}/account`);
    await a.getByRole("link", { name: "Đổi mật khẩu" }).click();
    await a.waitForURL(`${baseUrl()}/account/password`);
    // A wrong current password: a clear message beside its field, nothing changed.
    await a.getByLabel("Mật khẩu hiện tại").fill("khong-phai-mat-khau");
    await a.getByLabel("Mật khẩu mới", { exact: true }).fill(newPassword);
    await a.getByLabel("Nhập lại mật khẩu mới").fill(newPassword);
    await a.getByRole("button", { name: "Đổi mật khẩu" }).click();
    await a.getByText("Mật khẩu hiện tại không đúng.").waitFor();
    await b.goto(`${baseUrl()}/account`);
    await b.waitForURL(`${baseUrl()}/account`);

    await a.getByLabel("Mật khẩu hiện tại").fill(password);
    await a.getByLabel("Mật khẩu mới", { exact: true }).fill(newPassword);
    await a.getByLabel("Nhập lại mật khẩu mới").fill(newPassword);
    await a.getByRole("button", { name: "Đổi mật khẩu" }).click();
    await a.waitForURL(`${baseUrl()}/account`);
    await a.getByText("Đã đổi mật khẩu. 1 thiết bị khác đã bị đăng xuất.").waitFor();
    await screenshot(a, "sessions-02-password-changed-vi");

    await b.reload();
    await b.waitForURL((url) => url.pathname === "/login");
    await a.reload();
    expect(await a.getByTestId("account-name").textContent()).toContain("Phạm Thu Hoa");

    await logIn(b, newPassword);
  });
});
