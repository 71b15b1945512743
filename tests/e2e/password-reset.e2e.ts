import fs from "node:fs";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { createAccount } from "./db";

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** No serious or critical WCAG 2.1 A/AA violation on the page as it stands (axe-core, as accessibility.e2e.ts). */
async function expectAccessible(page: Page) {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })).violations;
  })) as Array<{ id: string; impact: string; help: string }>;
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

/**
 * A donor forgets the password (decision 0019): asks for a link, the mail lands in the demo outbox (read
 * here by an admin, in a browser of their own: the outbox is theirs alone), the donor follows the link,
 * chooses a new password and is signed in with it; the old password no longer works.
 */
describe("password reset in the browser", () => {
  let browser: Browser;
  let donorContext: BrowserContext;
  let adminContext: BrowserContext;
  let donor: Page;
  let admin: Page;
  const stamp = Date.now();
  const email = `quen.mat.khau.${stamp}@example.vn`;
  const oldPassword = "mat-khau-cu-2026-abc";
  const newPassword = "mat-khau-moi-2026-xyz";
  const adminEmail = `quan.tri.${stamp}@gopsuc.vn`;
  const adminPassword = "mat-khau-quan-tri-2026";

  beforeAll(async () => {
    await createAccount("donor", email, oldPassword, "Hoàng Thị Lan");
    await createAccount("admin", adminEmail, adminPassword, "Quản trị viên");
    browser = await launchBrowser();
    donorContext = await browser.newContext();
    adminContext = await browser.newContext();
    donor = await donorContext.newPage();
    admin = await adminContext.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function logIn(page: Page, who: string, password: string) {
    await page.goto(`${baseUrl()}/login`);
    await page.getByLabel("Email").fill(who);
    await page.getByLabel("Mật khẩu").fill(password);
    await page.getByRole("button", { name: "Đăng nhập" }).click();
  }

  test("forgot → mail in the outbox → new password → signed in; the old password fails", async () => {
    // The donor asks for a link from the login page.
    await donor.goto(`${baseUrl()}/login`);
    await donor.getByRole("link", { name: "Quên mật khẩu?" }).click();
    await donor.waitForURL(`${baseUrl()}/forgot-password`);
    await expectAccessible(donor);
    await donor.getByLabel("Email").fill(email);
    await donor.getByRole("button", { name: "Gửi liên kết đặt lại" }).click();
    await donor.getByTestId("forgot-sent").waitFor();
    expect(await donor.getByTestId("forgot-sent").textContent()).toContain(`Nếu ${email} là email của một tài khoản Góp Sức`);
    await screenshot(donor, "password-reset-01-sent-vi");

    // The mail, read in the demo outbox by an admin (it is written just after the answer: wait for it).
    await logIn(admin, adminEmail, adminPassword);
    await admin.waitForURL(`${baseUrl()}/account`);
    const mail = admin.getByTestId("outbox-mail").filter({ hasText: email });
    for (let attempt = 0; attempt < 20 && (await mail.count()) === 0; attempt += 1) {
      await admin.goto(`${baseUrl()}/dev/outbox`);
    }
    await mail.first().waitFor();
    expect(await admin.getByTestId("outbox-banner").textContent()).toContain("KHÔNG GỬI ĐI");
    expect(await mail.getByRole("heading").textContent()).toBe("Đặt lại mật khẩu tài khoản Góp Sức");
    await screenshot(admin, "password-reset-02-outbox-vi");
    await expectAccessible(admin);
    const link = await mail.locator('a[href*="/reset-password/"]').first().getAttribute("href");
    expect(link).toMatch(new RegExp(`^${baseUrl()}/reset-password/[A-Za-z0-9_-]{43}$`));

    // The donor follows the link: two passwords that differ are caught before sending.
    await donor.goto(link!);
    await donor.getByRole("heading", { name: "Đặt mật khẩu mới" }).waitFor();
    expect(await donor.getByText(`Mật khẩu mới dùng cho tài khoản ${email}.`).isVisible()).toBe(true);
    await expectAccessible(donor);
    await donor.getByLabel("Mật khẩu mới", { exact: true }).fill(newPassword);
    await donor.getByLabel("Nhập lại mật khẩu mới").fill(`${newPassword}-khac`);
    await donor.getByRole("button", { name: "Lưu mật khẩu mới" }).click();
    await donor.getByText("Hai mật khẩu không giống nhau").waitFor();
    await screenshot(donor, "password-reset-03-mismatch-vi");
    await donor.getByLabel("Nhập lại mật khẩu mới").fill(newPassword);
    await donor.getByRole("button", { name: "Lưu mật khẩu mới" }).click();
    await donor.waitForURL(`${baseUrl()}/account`);
    expect(await donor.getByRole("status").first().textContent()).toContain("Đã đổi mật khẩu");
    expect(await donor.getByTestId("account-name").textContent()).toContain("Hoàng Thị Lan");
    await screenshot(donor, "password-reset-04-account-vi");
    await expectAccessible(donor);

    // The link is spent.
    await donor.goto(link!);
    await donor.getByTestId("reset-invalid").waitFor();
    expect(await donor.getByTestId("reset-invalid").textContent()).toContain("đã được dùng");
    await screenshot(donor, "password-reset-05-used-vi");

    // Signed out, the old password fails and the new one signs in.
    await donorContext.clearCookies();
    await logIn(donor, email, oldPassword);
    await donor.getByText("Email hoặc mật khẩu không đúng.").waitFor();
    await donor.getByLabel("Mật khẩu").fill(newPassword);
    await donor.getByRole("button", { name: "Đăng nhập" }).click();
    await donor.waitForURL(`${baseUrl()}/account`);
  });
});
