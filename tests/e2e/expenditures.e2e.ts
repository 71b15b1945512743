import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { spentOfProgramme } from "#services/money/projections";
import { baseUrl, launchBrowser, screenshot, signIn, textOf, PNG_1X1 } from "./browser";
import { createManagerWithProgramme } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";


/**
 * Money out (issue 12): a manager, in Vietnamese with JavaScript, records what the programme spent with
 * the invoice, publishes it, and a visitor — in English, without JavaScript — reads it on the
 * programme's page and opens the invoice.
 */
describe("a manager publishes what a programme spent", () => {
  let browser: Browser;
  let page: Page;
  let programmeId: string;
  let slug: string;
  const email = `chitieu.${stamp}@thuvien.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    slug = `goc-doc-${stamp}`;
    programmeId = await createManagerWithProgramme({
      email,
      password: PASSWORD,
      managerName: "Trần Văn Nam",
      province: { slug: "quang-tri", name: "Quảng Trị" },
      programme: { slug, title: `Góc đọc thiếu nhi ${stamp}`, summary: "Góc đọc cho trẻ em vùng lũ.", goal: 80_000_000 },
      stamp,
    });
    await Programme.updateOne({ _id: programmeId }, { $set: { budgetLines: [{ code: "SACH", label: "Mua sách thiếu nhi", amount: 40_000_000 }, { code: "KE", label: "Kệ sách", amount: 10_000_000 }] } });
    const programme = await Programme.findById(programmeId).lean();
    // Money in first: a bank transfer of 30 million.
    await recordDonation({ idempotencyKey: `e2e:spend:${stamp}`, programmeId: programme!._id, institutionId: programme!.institutionId, method: "bank_transfer", amount: 30_000_000, receivedAt: new Date(), reference: `CK ${stamp}` });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("records an expenditure with its invoice, publishes it, and the spent and balance move", async () => {
    await signIn(page, email, PASSWORD);

    await page.goto(`${baseUrl()}/manage/programmes/${programmeId}/finance`);
    await page.getByTestId("expenditures-link").click();
    await page.waitForURL(`${baseUrl()}/manage/programmes/${programmeId}/expenditures`);
    await page.getByRole("heading", { name: "Chi tiêu của chương trình" }).waitFor();
    expect(await textOf(page.getByTestId("figure-balance"))).toContain("30.000.000 ₫");
    await page.getByTestId("record-expenditure").click();
    await page.waitForURL(`${baseUrl()}/manage/programmes/${programmeId}/expenditures/new`);
    await page.getByRole("heading", { name: "Ghi khoản chi" }).waitFor();

    // Without a budget line and a purpose the form says so, in Vietnamese, before anything is sent.
    await page.getByLabel("Số tiền (đồng)").fill("4.500.000");
    await page.getByRole("button", { name: "Lưu nháp" }).click();
    await page.getByText("Hãy chọn một dòng ngân sách của chương trình.").waitFor();

    await page.getByLabel("Dòng ngân sách").selectOption("SACH");
    await page.getByLabel("Đơn vị / người nhận tiền").fill("Nhà sách Quảng Trị");
    await page.getByLabel("Nội dung chi").fill("Mua 100 cuốn sách thiếu nhi cho góc đọc");
    await page.getByLabel(/^Chứng từ/).setInputFiles({ name: "hoa-don.png", mimeType: "image/png", buffer: PNG_1X1 });
    await screenshot(page, "expenditures-e2e-form-vi");
    await page.getByRole("button", { name: "Lưu nháp" }).click();
    await page.waitForURL(`${baseUrl()}/manage/programmes/${programmeId}/expenditures`);
    await page.getByText(/Đã lưu nháp khoản chi 4\.500\.000\s₫/).waitFor();
    const table = page.getByTestId("expenditures-table");
    expect(await table.getByTestId("expenditure-state").first().textContent()).toBe("Nháp");

    // Published: in the books, spent and the balance move.
    await table.getByRole("button", { name: "Công bố" }).click();
    await page.getByText(/Đã công bố khoản chi 4\.500\.000\s₫/).waitFor();
    await page.getByTestId("figure-spent").getByText(/^4\.500\.000\s₫$/).waitFor();
    expect(await textOf(page.getByTestId("figure-balance"))).toContain("25.500.000 ₫");
    expect(await table.getByTestId("expenditure-state").first().textContent()).toBe("Đã công bố");
    expect(await textOf(page.getByTestId("budget-lines-table"))).toContain("4.500.000 ₫");
    await screenshot(page, "expenditures-e2e-list-vi");
    expect(await spentOfProgramme(programmeId)).toBe(4_500_000);
  });

  test("a visitor in English without JavaScript reads it on the programme's page and opens the invoice", async () => {
    const visitor = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB" })).newPage();
    await visitor.goto(`${baseUrl()}/programmes/${slug}`);
    await visitor.getByTestId("language-switch").click();
    await visitor.getByRole("heading", { name: "Money spent" }).waitFor();
    expect(await textOf(visitor.getByTestId("public-spent"))).toBe("₫4,500,000");
    const row = visitor.getByTestId("public-expenditures").getByRole("row", { name: /Nhà sách Quảng Trị/ });
    expect(await textOf(row)).toContain("Mua 100 cuốn sách thiếu nhi cho góc đọc");
    const href = await row.getByRole("link", { name: "File 1" }).getAttribute("href");
    const invoice = await visitor.request.get(`${baseUrl()}${href}`);
    expect(invoice.status()).toBe(200);
    expect(invoice.headers()["content-type"]).toBe("image/png");
    await screenshot(visitor, "expenditures-e2e-public-en");
  });
});
