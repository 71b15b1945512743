import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import type { SessionUser } from "#models/user.server";
import { vietnamTime } from "#services/calendar";
import { recordDonation } from "#services/money/donations";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { baseUrl, launchBrowser, screenshot, signIn } from "./browser";
import { createAccount, createManagerWithProgramme } from "./db";

const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";

/** The certificate issuing pages in the browser: issue one, a batch, a state award's decision, revoke (in Vietnamese, then a look in English). */
describe("a ministry officer issues and revokes certificates", () => {
  let browser: Browser;
  let page: Page;
  const officerEmail = `bo.cap.${stamp}@gopsuc.vn`;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    process.env.MONGODB_URI ??= "mongodb://127.0.0.1/unused";
    const programmeId = await createManagerWithProgramme({
      email: `quanly.cap.${stamp}@thuvien.vn`,
      password: PASSWORD,
      managerName: "Quản lý Thư viện",
      province: { slug: "ninh-binh", name: "Ninh Bình" },
      programme: { slug: `tu-sach-${stamp}`, title: `Tủ sách ${stamp}`, summary: "Tủ sách cho thiếu nhi.", goal: 500_000_000 },
      stamp,
    });
    const { Programme } = await import("#models/programme.server");
    const programme = (await Programme.findById(programmeId).lean())!;
    const officer = await createAccount("ministry_officer", officerEmail, PASSWORD, "Trần Thị Bộ");
    const nominator = await createAccount("ministry_officer", `bo.de.nghi.${stamp}@gopsuc.vn`, PASSWORD, "Lê Văn Đề Nghị");
    const actor = (u: SessionUser) => u;
    const rule = (type: string, nameVi: string, nameEn: string) =>
      createRule(actor(officer), { ruleSet: `Vinh danh ${stamp} ${type}`, type, nameVi, nameEn, donorKinds: ["organisation", "individual"], minTotal: "1.000.000", year: "2026", countInKind: "on", scope: "national", citationVi: "Đã có thành tích đóng góp {tổng} cho học tập suốt đời năm {năm}.", citationEn: "For contributing {total} to lifelong learning in {year}." });
    const gcn = await rule("certificate", "Giấy chứng nhận nhà tài trợ", "Sponsor certificate");
    const merit = await rule("minister_merit", "Đề nghị Bằng khen của Bộ trưởng", "Minister's certificate of merit");
    let n = 0;
    const approve = async (ruleId: string, names: string[]) => {
      const ids: string[] = [];
      for (const name of names) {
        const donor = await Donor.create({ kind: "organisation", legalName: name, address: "Hà Nội" });
        await recordDonation({ idempotencyKey: `e2e-cert-${stamp}-${(n += 1)}`, programmeId: programme._id, institutionId: programme.institutionId, donorId: String(donor._id), method: "cash", amount: 25_000_000 + n * 1_000_000, receivedAt: vietnamTime(2026, 6, n) });
        ids.push(String(donor._id));
      }
      await nominate(actor(nominator), { ruleId, donorIds: ids, justification: "Đóng góp lớn cho tủ sách thiếu nhi." });
      await review(actor(officer), { nominationIds: ids.map((id) => `${ruleId}:${id}`), decision: "approve", reason: "" });
    };
    await approve(String(gcn._id), ["Công ty Cổ phần Sách Việt", "Công ty TNHH Thiết bị Giáo dục", "Nhà sách Tri Thức", "Công ty In Hà Nội"]);
    await approve(String(merit._id), ["Tập đoàn Văn hóa Đọc"]);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  test("issues one, refuses the award without its decision, issues a batch, revokes with a reason", async () => {
    const list = `${baseUrl()}/recognition/certificates`;
    await signIn(page, officerEmail, PASSWORD);

    await page.goto(list);
    // Counts are of the whole database (other journeys issue certificates too): the heading, not its number.
    await page.getByRole("heading", { name: /^Chờ cấp \(\d+\)$/ }).waitFor();
    await screenshot(page, "certificates-to-issue-vi");

    // One certificate.
    await page.getByLabel("Chọn Nhà sách Tri Thức").check();
    await page.getByLabel("Họ tên người ký").fill("Nguyễn Văn Hùng");
    await page.getByLabel("Chức vụ người ký").fill("Bộ trưởng");
    await page.getByRole("button", { name: "Cấp giấy chứng nhận" }).click();
    await page.getByTestId("just-issued").waitFor();
    expect(await page.getByTestId("just-issued").textContent()).toMatch(/\d{4}\/GCN\/\d{6}/);
    await screenshot(page, "certificates-issued-one-vi");

    // The award without its decision: asked for in the browser, nothing sent.
    await page.getByLabel("Chọn Tập đoàn Văn hóa Đọc").check();
    await page.getByText("Số quyết định (bắt buộc)").waitFor();
    await page.getByLabel("Họ tên người ký").fill("Nguyễn Văn Hùng");
    await page.getByLabel("Chức vụ người ký").fill("Bộ trưởng");
    await page.getByRole("button", { name: "Cấp giấy chứng nhận" }).click();
    await page.getByText("Nhập số và ngày của quyết định đã ký cho Bằng khen.").first().waitFor();
    await screenshot(page, "certificates-needs-decision-vi");

    // Everything else, with the decision: a batch, and its progress page.
    for (const name of ["Công ty Cổ phần Sách Việt", "Công ty TNHH Thiết bị Giáo dục", "Công ty In Hà Nội", "Tập đoàn Văn hóa Đọc"]) await page.getByLabel(`Chọn ${name}`).check();
    await page.getByLabel(/^Số quyết định/).fill("125/QĐ-BVHTTDL");
    await page.getByLabel(/^Ngày quyết định/).fill("2026-11-20");
    await page.getByRole("button", { name: "Cấp 4 giấy chứng nhận" }).click();
    await page.waitForURL(/\/recognition\/batches\/[a-f0-9]{24}$/);
    await page.locator(".batch-count", { hasText: "Đã cấp 4/4" }).waitFor({ timeout: 30_000 });
    await page.getByRole("link", { name: "Về danh sách giấy chứng nhận" }).waitFor();
    await screenshot(page, "certificates-batch-done-vi");
    await page.getByRole("link", { name: "Về danh sách giấy chứng nhận" }).click();
    await page.getByRole("heading", { name: /^Đã cấp \(\d+\)$/ }).waitFor();

    // Revoke: the reason is required; the row then says revoked, with it.
    const row = page.getByTestId("certificate-row").filter({ hasText: "Nhà sách Tri Thức" });
    await row.getByText("Thu hồi…").click();
    await row.getByRole("button", { name: "Thu hồi giấy chứng nhận" }).click();
    await row.getByText(/lý do thu hồi/i).first().waitFor();
    await row.getByLabel(/Lý do thu hồi giấy/).fill("Cấp nhầm tên đơn vị");
    await row.getByRole("button", { name: "Thu hồi giấy chứng nhận" }).click();
    await page.getByTestId("certificate-row").filter({ hasText: "Nhà sách Tri Thức" }).getByText("Lý do: Cấp nhầm tên đơn vị").waitFor();
    await screenshot(page, "certificates-revoked-vi");

    // The same page in English.
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { name: /^Issued \(\d+\)$/ }).waitFor();
    await screenshot(page, "certificates-en");
  });

  test("a running batch's page updates itself: by polling with JavaScript, by reloading (meta refresh) without", async () => {
    const { CertificateBatch } = await import("#models/certificate.server");
    const { User } = await import("#models/user.server");
    const officer = (await User.findOne({ email: officerEmail }).lean())!;
    const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
    const plain = await noScript.newPage();
    for (const [label, tab, hex] of [["with JavaScript", page, "a"], ["without JavaScript", plain, "f"]] as const) {
      const batchId = `${hex}${stamp}`.padEnd(24, "0").replace(/[^a-f0-9]/g, "0");
      await CertificateBatch.create({ _id: batchId, total: 3, issued: 1, state: "running", startedBy: officer._id });
      await tab.goto(`${baseUrl()}/recognition/batches/${batchId}`);
      await tab.locator(".batch-count", { hasText: "Issued 1/3" }).waitFor();
      // The reload tag exists only where scripts do not run (inside <noscript>).
      expect(await tab.locator('meta[http-equiv="refresh"]').count(), label).toBe(tab === plain ? 1 : 0);
      if (tab === plain) await screenshot(tab, "certificates-batch-running-nojs-en");
      await CertificateBatch.updateOne({ _id: batchId }, { $set: { issued: 2, failed: 1, failures: [{ nominationId: "x", reason: "needs_decision" }], state: "done", finishedAt: new Date() } });
      await tab.getByRole("link", { name: "Back to the certificates" }).waitFor({ timeout: 15_000 });
      await tab.locator(".batch-count", { hasText: "Issued 2/3" }).waitFor();
      await tab.getByText("needs the number and date of a signed decision").waitFor();
      expect(await tab.locator('meta[http-equiv="refresh"]').count(), label).toBe(0);
    }
    await screenshot(plain, "certificates-batch-failures-en");
    await noScript.close();
  });
});
