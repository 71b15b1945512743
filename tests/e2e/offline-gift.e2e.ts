import mongoose from "mongoose";
import { receivedOfProgramme } from "#services/money/projections";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot, signIn, textOf, PNG_1X1 } from "./browser";
import { createManagerWithProgramme } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";


describe("a manager records an in-kind gift", () => {
  let browser: Browser;
  let page: Page;
  let programmeId: string;
  const email = `quanly.${stamp}@thuvien.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    programmeId = await createManagerWithProgramme({
      email,
      password: PASSWORD,
      managerName: "Lê Thị Hoa",
      province: { slug: "ninh-binh", name: "Ninh Bình" },
      programme: { slug: `sach-cho-em-${stamp}`, title: `Sách cho em vùng chiêm trũng ${stamp}`, summary: "Tủ sách cho trẻ em các xã ven sông.", goal: 50_000_000, inKindNeeds: [{ item: "Sách thiếu nhi", unit: "cuốn", quantity: 400, unitValue: 45_000 }] },
      stamp,
    });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("fills the form with an evidence photo, sees the gift on the finance page and the received total move", async () => {
    await signIn(page, email, PASSWORD);

    await page.goto(`${baseUrl()}/manage/programmes/${programmeId}/finance`);
    expect(await textOf(page.getByTestId("figure-received"))).toContain("Đã nhận0 ₫");
    await page.getByTestId("record-gift").click();
    await page.waitForURL(`${baseUrl()}/manage/programmes/${programmeId}/gifts/new`);

    await page.getByRole("radio", { name: "Hiện vật" }).check();
    // With JavaScript only the chosen method's fields show.
    expect(await page.getByLabel("Số tiền (đồng)").isVisible()).toBe(false);
    await page.locator('input[name="items.0.item"]').fill("Sách thiếu nhi");
    await page.locator('input[name="items.0.quantity"]').fill("150");
    await page.locator('input[name="items.0.unitValue"]').fill("45.000");
    await page.locator('input[name="items.1.item"]').fill("Kệ sách gỗ");
    await page.locator('input[name="items.1.quantity"]').fill("2");
    await page.locator('input[name="items.1.unitValue"]').fill("1.800.000");
    await page.getByText(/Giá trị ghi nhận: 10\.350\.000\s₫/).waitFor();

    // Without a valuation basis the form says so, in Vietnamese, before anything is sent.
    await page.getByLabel("Tên tổ chức, doanh nghiệp").fill("Công ty Cổ phần Sách Vina");
    await page.getByLabel("Mã số thuế").fill("0100109106");
    await page.getByRole("button", { name: "Ghi nhận khoản đóng góp" }).click();
    await page.getByText("Vui lòng ghi căn cứ định giá hiện vật").waitFor();

    await page.getByLabel("Căn cứ định giá").fill("Hóa đơn mua hàng số 0001234");
    await page.getByLabel("Tệp chứng từ").setInputFiles({ name: "ban-giao.png", mimeType: "image/png", buffer: PNG_1X1 });
    await screenshot(page, "gifts-e2e-form-vi");
    await page.getByRole("button", { name: "Ghi nhận khoản đóng góp" }).click();
    await page.waitForURL(`${baseUrl()}/manage/programmes/${programmeId}/finance`);

    // The toast, and the received figure moved (waited for: the page arrives by a client-side navigation).
    await page.getByText(/Đã ghi nhận khoản đóng góp 10\.350\.000\s₫/).waitFor();
    await page.getByTestId("figure-received").getByText(/^10\.350\.000\s₫$/).waitFor();
    const gifts = page.getByTestId("recent-gifts");
    expect(await gifts.textContent()).toContain("Công ty Cổ phần Sách Vina");
    expect(await gifts.textContent()).toContain("Hóa đơn mua hàng số 0001234");
    const needs = await page.getByTestId("in-kind-table").textContent();
    expect(needs).toContain("150");
    expect(needs).toContain("Kệ sách gỗ");
    await screenshot(page, "gifts-e2e-finance-vi");

    // The evidence photo is served to the manager, as the PNG it is.
    const href = await gifts.getByRole("link", { name: /Chứng từ 1/ }).getAttribute("href");
    const evidence = await page.request.get(`${baseUrl()}${href}`);
    expect(evidence.status()).toBe(200);
    expect(evidence.headers()["content-type"]).toBe("image/png");
    // …and not to a visitor.
    const visitor = await (await browser.newContext()).newPage();
    expect((await visitor.request.get(`${baseUrl()}${href}`)).status()).toBe(403);

    // The programme's public progress moved too.
    expect(await receivedOfProgramme(programmeId)).toBe(10_350_000);
  });
});
