import mongoose from "mongoose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Institution } from "#models/institution.server";
import { Programme } from "#models/programme.server";
import { User } from "#models/user.server";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";
import { createAccount } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";

/** Managers' forms are plain Remix forms: with JavaScript off the server validates and saves. */
describe("programme management with JavaScript off", () => {
  let browser: Browser;
  const email = `nojs.${stamp}@thuvien.vn`;
  let institutionId: string;
  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    const manager = await createAccount("manager", email, PASSWORD, "Đinh Văn Khoa");
    const institution = await Institution.create({ name: `Thư viện Lạng Sơn ${stamp}`, slug: `thu-vien-lang-son-${stamp}`, type: "library", level: "provincial", provinceSlug: "lang-son", address: "Lạng Sơn", status: "approved", managerIds: [manager.id], bankAccount: { bankBin: "970405", accountNumber: "8300205123456", accountName: "THU VIEN LANG SON" } });
    institutionId = String(institution._id);
    await User.updateOne({ _id: manager.id }, { $set: { institutionIds: [institution._id] } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("errors come back next to their fields in Vietnamese; the corrected form saves a draft", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await signIn(page, email, PASSWORD);
    await page.goto(`${baseUrl()}/manage/programmes/new?institution=${institutionId}`);
    const title = `Lớp tiếng Tày cho thiếu nhi ${stamp}`;
    await page.getByLabel("Tên chương trình").fill(title);
    await page.getByLabel("Tóm tắt").fill("Lớp học cuối tuần cho thiếu nhi.");
    await page.getByLabel("Ngoại ngữ").check();
    await page.getByLabel("Ngày bắt đầu").fill("2027-01-10");
    await page.getByLabel("Ngày kết thúc").fill("2027-01-05");
    await page.getByLabel("Mục tiêu huy động (đồng)").fill("25.000.000,5");
    await page.getByRole("button", { name: "Lưu nháp" }).click();
    await page.getByText("Ngày kết thúc không được trước ngày bắt đầu.").waitFor().catch(async (e) => {
      await screenshot(page, "failed-nojs");
      throw e;
    });
    await page.getByText("Số tiền phải là số nguyên đồng, không có phần thập phân.").waitFor({ timeout: 3000 }).catch(async (e) => {
      await screenshot(page, "failed-nojs");
      throw e;
    });
    await screenshot(page, "40-programme-form-nojs-errors");
    // What was typed is still there.
    expect(await page.getByLabel("Tên chương trình").inputValue()).toBe(title);
    expect(await Programme.countDocuments({ title })).toBe(0);

    await page.getByLabel("Ngày kết thúc").fill("2027-06-30");
    await page.getByLabel("Mục tiêu huy động (đồng)").fill("25.000.000");
    await page.getByRole("button", { name: "Lưu nháp" }).click();
    await page.waitForURL(`${baseUrl()}/manage`);
    await page.getByText("Đã tạo chương trình (nháp).").waitFor();
    expect(await Programme.findOne({ title }).lean()).toMatchObject({ state: "draft", goal: 25_000_000, themes: ["languages"] });
  });
});
