import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";
import { createAccount, createManagerWithProgramme } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";

/**
 * A donor's own data (issue 12, Law 91/2025/QH15), in Vietnamese with JavaScript: from their account
 * they open "Dữ liệu của tôi", see their pledge and gift, download them, and withdraw their consent to be
 * named — the programme's public ledger then shows an anonymous benefactor.
 */
describe("a donor takes back their name", () => {
  let browser: Browser;
  let page: Page;
  let slug: string;
  const email = `nhataitro.${stamp}@example.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    slug = `thu-vien-luu-dong-${stamp}`;
    const programmeId = await createManagerWithProgramme({
      email: `quanly.rights.${stamp}@thuvien.vn`,
      password: PASSWORD,
      managerName: "Phạm Văn Lâm",
      province: { slug: "an-giang", name: "An Giang" },
      programme: { slug, title: `Thư viện lưu động ${stamp}`, summary: "Xe sách về các xã.", goal: 60_000_000 },
      stamp,
    });
    const user = await createAccount("donor", email, PASSWORD, "Võ Thị Thu");
    const programme = await Programme.findById(programmeId).lean();
    const donor = await Donor.create({ kind: "individual", fullName: "Võ Thị Thu", email, userId: user.id });
    const pledge = await Pledge.create({
      programmeId: programme!._id,
      institutionId: programme!.institutionId,
      donorId: donor._id,
      kind: "cash_once",
      amount: 1_500_000,
      visibility: "name_and_amount",
      consent: { text: "Tôi đồng ý công khai tên và số tiền.", givenAt: new Date() },
      pledgedBy: user.id,
      donorSnapshot: { kind: "individual", name: "Võ Thị Thu" },
    });
    await recordDonation({ idempotencyKey: `e2e:rights:${stamp}`, programmeId: programme!._id, institutionId: programme!.institutionId, pledgeId: pledge._id, donorId: donor._id, method: "bank_transfer", amount: 1_500_000, receivedAt: new Date(), reference: pledge.reference });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("sees their data, downloads it, withdraws consent, and the public ledger no longer names them", async () => {
    const ledgerText = async () => {
      const visitor = await (await browser.newContext()).newPage();
      await visitor.goto(`${baseUrl()}/programmes/${slug}`);
      await visitor.getByTestId("ledger").waitFor();
      const text = (await visitor.getByTestId("ledger").textContent()) ?? "";
      await visitor.close();
      return text;
    };
    expect(await ledgerText()).toContain("Võ Thị Thu");

    await signIn(page, email, PASSWORD);
    await page.getByRole("link", { name: "Dữ liệu của tôi" }).click();
    await page.waitForURL(`${baseUrl()}/account/data`);
    await page.getByRole("heading", { name: "Dữ liệu cá nhân của bạn" }).waitFor();
    expect(await page.getByTestId("shown-as").textContent()).toBe("Tên và số tiền");
    expect(await page.getByTestId("data-gifts").textContent()).toContain("1.500.000");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-data").click()]);
    expect(download.suggestedFilename()).toMatch(/^gopsuc-du-lieu-ca-nhan-\d{4}-\d{2}-\d{2}\.json$/);

    // Not ticked: the page says so and nothing changes.
    await page.getByRole("button", { name: "Rút lại đồng ý" }).click();
    await page.getByText("Hãy đánh dấu ô xác nhận.").first().waitFor();
    await page.getByLabel("Tôi muốn rút lại sự đồng ý công khai tên").check();
    await page.getByRole("button", { name: "Rút lại đồng ý" }).click();
    await page.getByText("Đã rút lại đồng ý công khai cho 1 cam kết.").waitFor();
    await page.getByTestId("shown-as").getByText("Ẩn danh").waitFor();
    await page.getByTestId("data-requests").getByText(/Rút lại đồng ý công khai/).waitFor();
    await screenshot(page, "data-rights-e2e-vi");

    expect(await ledgerText()).not.toContain("Võ Thị Thu");
  });
});
