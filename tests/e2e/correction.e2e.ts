import mongoose from "mongoose";
import { receivedOfProgramme } from "#services/money/projections";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CorrectionRequest } from "#models/correction-request.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { baseUrl, launchBrowser, screenshot, signIn, textOf } from "./browser";
import { createManagerWithProgramme } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";
const REASON = "Nhập nhầm số tiền trên phiếu thu PT-0456";


describe("a manager corrects a gift recorded by mistake", () => {
  let browser: Browser;
  let page: Page;
  let programmeId: string;
  const email = `quanly.suasai.${stamp}@thuvien.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    programmeId = await createManagerWithProgramme({
      email,
      password: PASSWORD,
      managerName: "Trần Văn Sửa",
      province: { slug: "hung-yen", name: "Hưng Yên" },
      programme: { slug: `goc-doc-sach-${stamp}`, title: `Góc đọc sách cộng đồng ${stamp}`, summary: "Góc đọc cho thiếu nhi trong xã.", goal: 50_000_000 },
      stamp,
    });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("records a cash gift, reverses part of it with a reason, and sees the correction and the new total on the finance page", async () => {
    const finance = `${baseUrl()}/manage/programmes/${programmeId}/finance`;
    await signIn(page, email, PASSWORD);

    // 1. The gift, recorded with a wrong amount: 5.000.000 ₫ instead of 3.000.000 ₫.
    await page.goto(finance);
    await page.getByTestId("figure-received").getByText(/^0\s₫$/).waitFor();
    await page.getByTestId("record-gift").click();
    await page.waitForURL(`${baseUrl()}/manage/programmes/${programmeId}/gifts/new`);
    await page.getByRole("radio", { name: "Tiền mặt" }).check();
    await page.getByLabel("Số tiền (đồng)", { exact: true }).fill("5.000.000");
    await page.getByRole("radio", { name: "Khách vãng lai, không để lại tên" }).check();
    await page.getByRole("button", { name: "Ghi nhận khoản đóng góp" }).click();
    await page.waitForURL(finance);
    await page.getByTestId("figure-received").getByText(/^5\.000\.000\s₫$/).waitFor();

    // 2. The correction page, from the gift's row.
    await page.getByTestId("recent-gifts").getByRole("link", { name: /^Điều chỉnh khoản / }).click();
    await page.waitForURL(/\/gifts\/[a-f0-9]{24}\/correct$/);
    await page.getByTestId("correction-form").waitFor();
    expect(await textOf(page.getByTestId("correction-left"))).toBe("5.000.000 ₫");

    // Without a reason the form says so, in Vietnamese, and nothing is booked.
    await page.getByLabel("Số tiền ghi giảm (đồng)").fill("2.000.000");
    await page.getByRole("button", { name: "Ghi điều chỉnh" }).click();
    await page.getByText("Vui lòng nhập thông tin này.").first().waitFor();
    expect(page.url()).toMatch(/\/correct$/);

    await page.getByLabel("Lý do điều chỉnh").fill(REASON);
    await screenshot(page, "correction-e2e-form-vi");
    await page.getByRole("button", { name: "Ghi điều chỉnh" }).click();
    await page.waitForURL(finance);

    // 3. The toast, the received figure down by the correction, and the correction listed with its reason.
    await page.getByText(/Đã ghi sổ điều chỉnh giảm 2\.000\.000\s₫/).waitFor();
    await page.getByTestId("figure-received").getByText(/^3\.000\.000\s₫$/).waitFor();
    const corrections = page.getByTestId("corrections");
    await corrections.waitFor();
    expect(await textOf(corrections)).toContain(REASON);
    expect(await textOf(corrections)).toContain("−2.000.000 ₫");
    expect(await textOf(corrections)).toContain("Đã ghi sổ");
    expect(await textOf(page.getByTestId("recent-gifts"))).toContain("Đã ghi giảm 2.000.000 ₫");
    await screenshot(page, "correction-e2e-finance-vi");

    // The books: one reversing entry with the reason; the gift itself unchanged.
    const entry = await LedgerEntry.findOne({ programmeId, kind: "correction" }).lean();
    expect(entry).toMatchObject({ amount: -2_000_000, description: REASON });
    expect(await CorrectionRequest.countDocuments({ programmeId })).toBe(1);
    expect(await receivedOfProgramme(programmeId)).toBe(3_000_000);
  });
});
