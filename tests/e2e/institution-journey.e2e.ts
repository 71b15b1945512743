import type { Browser, Page } from "playwright-core";
import mongoose from "mongoose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";
import { createAccount } from "./db";

const stamp = Date.now();
const PASSWORD = "mat-khau-e2e-2026";

async function logIn(page: Page, email: string) {
  await signIn(page, email, PASSWORD);
}

describe("a manager puts a programme up and a visitor finds it", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    await createAccount("ministry_officer", `bo.${stamp}@gopsuc.vn`, PASSWORD, "Cán bộ Bộ VHTTDL");
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("apply → approve → publish → search without diacritics", async () => {
    const institutionName = `Thư viện Xã Đồng Hỷ ${stamp}`;
    const title = `Thư viện số cho nông dân ${stamp}`;

    // 1. A librarian registers and applies for their institution.
    const manager = await (await browser.newContext()).newPage();
    await manager.goto(`${baseUrl()}/register`);
    await manager.getByLabel("Họ và tên").fill("Hoàng Thị Thu");
    await manager.getByLabel("Email").fill(`thu.${stamp}@thuvien.vn`);
    await manager.getByLabel("Mật khẩu").fill(PASSWORD);
    await manager.getByRole("button", { name: "Tạo tài khoản" }).click();
    await manager.waitForURL(`${baseUrl()}/account`);
    await manager.goto(`${baseUrl()}/manage`);
    await manager.getByRole("link", { name: "Đăng ký hoặc tham gia một thiết chế" }).click();
    await manager.getByLabel("Tên thiết chế").fill(institutionName);
    await manager.getByLabel("Loại thiết chế").selectOption("library");
    await manager.getByLabel("Cấp", { exact: true }).selectOption("commune");
    await manager.getByLabel("Tỉnh/thành phố").selectOption("thai-nguyen");
    await manager.getByLabel("Địa chỉ").fill("Xã Đồng Hỷ, Thái Nguyên");
    await manager.getByLabel("Email liên hệ").fill(`thuvien.${stamp}@dongky.vn`);
    await manager.getByLabel("Ngân hàng").selectOption("970405");
    await manager.getByLabel("Số tài khoản").fill("8800205123456");
    await manager.getByLabel("Tên chủ tài khoản").fill("Thư viện xã Đồng Hỷ");
    await screenshot(manager, "10-apply-form");
    await manager.getByRole("button", { name: "Gửi hồ sơ đăng ký" }).click();
    await manager.waitForURL(`${baseUrl()}/manage`);
    await manager.getByText("Hồ sơ đang chờ duyệt").waitFor();

    // Until it is approved, nothing of it is public.
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(`${baseUrl()}/programmes?q=dong+hy`);
    expect(await visitor.getByText(institutionName).count()).toBe(0);

    // 2. A ministry officer approves it.
    const officer = await (await browser.newContext()).newPage();
    await logIn(officer, `bo.${stamp}@gopsuc.vn`);
    await officer.goto(`${baseUrl()}/review/institutions`);
    const card = officer.locator("article", { has: officer.getByRole("heading", { name: institutionName }) });
    await screenshot(officer, "11-review-queue");
    await card.getByRole("button", { name: "Duyệt" }).click();
    await officer.getByText("Đã duyệt thiết chế.").waitFor();

    // 3. The manager creates a programme and publishes it.
    await manager.goto(`${baseUrl()}/manage`);
    await manager.getByRole("link", { name: "Tạo chương trình" }).click();
    await manager.getByLabel("Tên chương trình").fill(title);
    await manager.getByLabel("Tóm tắt").fill("Dạy nông dân dùng điện thoại tra cứu kỹ thuật canh tác và bán hàng trực tuyến.");
    await manager.getByLabel("Kỹ năng số", { exact: true }).check();
    await manager.getByLabel("Ngày bắt đầu").fill("2026-12-01");
    await manager.getByLabel("Ngày kết thúc").fill("2027-10-10");
    await manager.getByLabel("Mục tiêu huy động (đồng)").fill("80.000.000");
    await manager.getByRole("button", { name: "Lưu nháp" }).click();
    await manager.waitForURL(`${baseUrl()}/manage`, { timeout: 10_000 }).catch(async (error) => {
      await screenshot(manager, "failed-programme-form");
      throw error;
    });
    const row = manager.locator("tr", { has: manager.getByRole("link", { name: title }) });
    await row.getByRole("button", { name: "Công bố" }).click();
    await manager.getByText("Đã công bố chương trình.").waitFor();
    await screenshot(manager, "12-manage-dashboard");

    // 4. A visitor finds it by typing without diacritics.
    await visitor.goto(`${baseUrl()}/programmes`);
    await visitor.getByLabel("Tìm chương trình").fill(`thu vien so cho nong dan ${stamp}`);
    await visitor.getByLabel("Tìm chương trình").press("Enter");
    await visitor.waitForURL(/q=thu\+vien\+so/);
    // Wait for this search's results (the count carries its query) before looking at the cards.
    await visitor.locator(`[data-testid="result-count"][data-q="thu vien so cho nong dan ${stamp}"]`).waitFor();
    expect(await visitor.getByTestId("result-count").getAttribute("data-total")).toBe("1");
    await visitor.getByRole("link", { name: title }).first().click();
    await visitor.getByRole("heading", { level: 1, name: title }).waitFor();
    expect(await visitor.getByText(institutionName).count()).toBeGreaterThan(0);
    await screenshot(visitor, "13-programme-found");
  });
});
