import mongoose from "mongoose";
import { receivedOfProgramme } from "#services/money/projections";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { User } from "#models/user.server";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";
import { createAccount } from "./db";
import { markProgrammesChanged } from "#services/catalogue-index";
import { recordDonation } from "#services/money/donations";
import { ledgerSum } from "#services/money/ledger";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";
const pad = (n: number) => String(n).padStart(2, "0");
/** dd/mm/yyyy of the day `days` from today in Hà Nội: the statement is recent whatever day the suite runs. */
const vnDay = (days: number) => {
  const d = new Date(Date.now() + 7 * 60 * 60 * 1000 + days * 24 * 60 * 60 * 1000);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};

describe("J2 — a manager reconciles a bank statement", () => {
  let browser: Browser;
  let page: Page;
  let programmeId: string;
  let reference: string;
  const email = `ketoan.${stamp}@baotang.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    const manager = await createAccount("manager", email, PASSWORD, "Vũ Minh Kế");
    const institution = await Institution.create({ name: `Bảo tàng Quảng Ninh ${stamp}`, slug: `bao-tang-quang-ninh-${stamp}`, type: "museum", level: "provincial", provinceSlug: "quang-ninh", address: "Hạ Long", status: "approved", managerIds: [manager.id], bankAccount: { bankBin: "970436", accountNumber: "1130001234567", accountName: "BAO TANG QUANG NINH" } });
    await User.updateOne({ _id: manager.id }, { $set: { institutionIds: [institution._id] } });
    const programme = await Programme.create({ institutionId: institution._id, slug: `di-san-bien-${stamp}`, title: `Di sản biển cho học sinh ${stamp}`, startDate: new Date("2026-09-01"), endDate: new Date("2027-09-01"), goal: 80_000_000, state: "open", provinceSlug: "quang-ninh", institutionType: "museum", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
    // Written around the services: tell the catalogue, as the services do (services/catalogue-index.ts).
    await markProgrammesChanged([programme._id]);
    programmeId = String(programme._id);
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Than Hạ Long", taxCode: "1000000298" });
    const pledge = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount: 15_000_000, visibility: "name_and_amount" });
    reference = pledge.reference;
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("upload, preview (matched / unmatched / dated in the future), confirm; the same statement again adds nothing", async () => {
    const csv = [
      "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả",
      `1,${vnDay(-2)} 09:15:00,5201 - 11111,,"15.000.000","CT DEN:5123 ${reference.toLowerCase()} ung ho bao tang"`,
      `2,${vnDay(-1)} 10:00:00,5202 - 22222,,"3.000.000","NGUYEN THI HA ung ho"`,
      `3,${vnDay(-1)} 11:00:00,5203 - 33333,"22.000",,"Phi dich vu"`,
      `4,${vnDay(2)} 08:00:00,5204 - 44444,,"500.000","CT DEN:5124 ung ho som"`,
    ].join("\n");
    const futureReason = "Ngày giao dịch trong tương lai: chưa ghi nhận trước ngày đó.";
    await signIn(page, email, PASSWORD);
    await page.goto(`${baseUrl()}/manage`);
    await page.getByRole("link", { name: "Đối soát sao kê ngân hàng" }).click();
    await page.waitForURL(/\/manage\/institutions\/[0-9a-f]{24}\/reconcile$/);

    const upload = async () => {
      await page.getByLabel("Tệp sao kê (CSV)").setInputFiles({ name: "saoke-vcb.csv", mimeType: "text/csv", buffer: Buffer.from(`\ufeff${csv}`, "utf8") });
      await page.getByRole("button", { name: "Xem trước" }).click();
    };
    await upload();
    // The preview is there once its confirm button is: only then are its lines counted.
    await page.getByRole("button", { name: "Xác nhận nhập sao kê" }).waitFor();
    const lines = page.getByRole("table", { name: "Các dòng tiền vào của sao kê và kết quả đối chiếu" });
    expect(await lines.getByText("khớp", { exact: true }).count()).toBe(1);
    expect(await lines.getByText("không khớp", { exact: true }).count()).toBe(2);
    // The line dated after today is not booked, and says why.
    await page.getByText(futureReason, { exact: true }).waitFor();
    await screenshot(page, "30-reconcile-preview");
    await page.getByRole("button", { name: "Xác nhận nhập sao kê" }).click();
    await page.getByText(/Đã nhập sao kê: ghi nhận 1 khoản/).waitFor();
    await page.getByText(/Hàng chờ xử lý \(2\)/).waitFor();
    expect(await page.getByTestId("queue-reason").allTextContents()).toEqual([futureReason]);
    await screenshot(page, "31-reconcile-queue");
    expect(await receivedOfProgramme(programmeId)).toBe(15_000_000);

    // Importing the same statement again adds nothing.
    await upload();
    await page.getByText("Mọi dòng của sao kê này đã được nhập trước đây", { exact: false }).waitFor();
    expect(await receivedOfProgramme(programmeId)).toBe(15_000_000);
  });

  test("a part payment is accepted on its own line; a transfer already recorded by hand is shown as such and not booked again", async () => {
    const programme = (await Programme.findById(programmeId).lean())!;
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Cảng Cái Lân", taxCode: "5700100256" });
    const pledgeOf = (amount: number) => Pledge.create({ programmeId: programme._id, institutionId: programme.institutionId, donorId: donor._id, kind: "cash_once", amount, visibility: "name_and_amount" });
    const [ticked, unticked, byHand] = [await pledgeOf(10_000_000), await pledgeOf(8_000_000), await pledgeOf(4_000_000)];
    // The accountant typed the 4.000.000 transfer on the gift form yesterday (as recordOfflineGift books it).
    await recordDonation({ idempotencyKey: `offline:e2e-${stamp}`, programmeId: String(programme._id), institutionId: String(programme.institutionId), pledgeId: String(byHand._id), donorId: String(donor._id), method: "bank_transfer", amount: 4_000_000, receivedAt: new Date(Date.now() - 24 * 60 * 60 * 1000), reference: byHand.reference, provider: { name: "offline" } });
    const before = await receivedOfProgramme(programmeId);
    const csv = [
      "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả",
      `1,${vnDay(-1)} 09:00:00,5301 - 11111,,"6.000.000","CT DEN ${ticked.reference} dot dau"`,
      `2,${vnDay(-1)} 10:00:00,5302 - 22222,,"5.000.000","CT DEN ${unticked.reference} mot phan"`,
      `3,${vnDay(0)} 08:00:00,5303 - 33333,,"4.000.000","CT DEN ${byHand.reference}"`,
    ].join("\n");
    await page.goto(`${baseUrl()}/manage`);
    await page.getByRole("link", { name: "Đối soát sao kê ngân hàng" }).click();
    await page.waitForURL(/\/reconcile$/);
    await page.getByLabel("Tệp sao kê (CSV)").setInputFiles({ name: "saoke-2.csv", mimeType: "text/csv", buffer: Buffer.from(`\ufeff${csv}`, "utf8") });
    await page.getByRole("button", { name: "Xem trước" }).click();
    await page.getByRole("button", { name: "Xác nhận nhập sao kê" }).waitFor();
    const lines = page.getByRole("table", { name: "Các dòng tiền vào của sao kê và kết quả đối chiếu" });
    expect(await lines.getByText("lệch số tiền", { exact: true }).count()).toBe(2);
    expect(await lines.getByText("đã ghi nhận thủ công", { exact: true }).count()).toBe(1);
    await lines.getByText(/Khoản chuyển khoản đã ghi nhận thủ công ngày/).waitFor();
    expect(await lines.getByLabel("Ghi nhận là thanh toán một phần").count()).toBe(2);
    await lines.getByRole("row").filter({ hasText: ticked.reference }).getByLabel("Ghi nhận là thanh toán một phần").check();
    await screenshot(page, "32-reconcile-part-payment-and-hand-record");
    await page.getByRole("button", { name: "Xác nhận nhập sao kê" }).click();
    await page.getByText(/Đã nhập sao kê: ghi nhận 1 khoản/).waitFor();
    // Only the ticked line was booked; the hand-recorded transfer was linked, not booked again.
    expect(await receivedOfProgramme(programmeId)).toBe(before + 6_000_000);
    expect(await ledgerSum({ pledgeId: unticked._id })).toBe(0);
    expect(await ledgerSum({ pledgeId: byHand._id })).toBe(4_000_000);
  });
});
