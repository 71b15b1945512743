import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { inject } from "vitest";

export const baseUrl = () => inject("baseUrl");

/** Debian's Chromium, driven by playwright-core (no downloaded browser). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
  });
}

/** Saves a screenshot under tests/artifacts/ for people to look at (not committed). */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `tests/artifacts/${name}.png`, fullPage: true });
}

/** Text of an element with no-break spaces (before ₫) as plain spaces. */
export async function textOf(locator: Locator) {
  return ((await locator.textContent()) ?? "").replace(/\u00a0/g, " ");
}

/** Signs in through the login form, in Vietnamese, and waits for the account page it leads to. */
export async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${baseUrl()}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Mật khẩu").fill(password);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(`${baseUrl()}/account`);
}

/** A 1×1 PNG (a photo of a voucher, an invoice, a hand-over). */
export const PNG_1X1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
