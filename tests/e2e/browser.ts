import { chromium, type Browser, type Page } from "playwright-core";
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
