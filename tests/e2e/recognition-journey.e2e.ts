import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLocalJWKSet, jwtVerify } from "jose";
import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Programme } from "#models/programme.server";
import { vietnamDateInput } from "#services/calendar";
import { recordDonation } from "#services/money/donations";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { connectE2eDatabase, createAccount, createManagerWithProgramme } from "./db";

/**
 * J3 in the browser, as its people go: a ministry officer sets a rule, a library's manager nominates the
 * donors who qualify, the officer approves them, issues the certificates as a batch, downloads a PDF and
 * a credential, verifies one, revokes it, verifies again — in Vietnamese, then the same way in English
 * (one certificate issued alone).
 */
const stamp = Date.now().toString(36);
const PASSWORD = "mat-khau-e2e-2026";
const year = Number(vietnamDateInput(new Date()).slice(0, 4));
const TAX_CODES = ["1000000509", "1000000516", "1000000523", "1000000530", "1000000548", "1000000555"];

type Labels = typeof VI;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const VI = {
  email: "Email",
  password: "Mật khẩu",
  login: "Đăng nhập",
  ruleSet: "Bộ quy tắc",
  type: "Loại giấy khen",
  typeOption: "Giấy chứng nhận",
  year: "Năm tính đóng góp",
  nameVi: "Tên mức (tiếng Việt)",
  nameEn: "Tên mức (tiếng Anh)",
  organisation: "Tổ chức, doanh nghiệp",
  minTotal: "Ngưỡng đóng góp (đồng)",
  citationVi: "Lời khen (tiếng Việt)",
  citationEn: "Lời khen (tiếng Anh)",
  addRule: "Thêm quy tắc",
  justification: "Lý do đề cử",
  nominate: "Đề cử những nhà tài trợ đã chọn",
  nominated: "Đã đề cử",
  reason: "Lý do",
  approve: "Duyệt",
  approved: "Đã duyệt",
  signerName: "Họ tên người ký",
  signerTitle: "Chức vụ người ký",
  issueMany: (n: number) => `Cấp ${n} giấy chứng nhận`,
  issueOne: "Cấp giấy chứng nhận",
  batchDone: /Hoàn tất lúc/,
  verifyLink: "Trang xác minh",
  genuine: "Giấy chứng nhận THẬT và ĐANG CÓ HIỆU LỰC",
  revoked: "Giấy chứng nhận ĐÃ BỊ THU HỒI",
  revokeOpen: "Thu hồi…",
  revokeReason: (serial: string) => `Lý do thu hồi giấy ${serial}`,
  revokeSubmit: "Thu hồi giấy chứng nhận",
  revokeText: "Cấp nhầm tên đơn vị trong đợt e2e",
};
const EN: Labels = {
  email: "Email",
  password: "Password",
  login: "Log in",
  ruleSet: "Rule set",
  type: "Certificate type",
  typeOption: "Certificate of recognition",
  year: "Contribution year",
  nameVi: "Tier name (Vietnamese)",
  nameEn: "Tier name (English)",
  organisation: "Organisations and businesses",
  minTotal: "Contribution threshold (đồng)",
  citationVi: "Citation (Vietnamese)",
  citationEn: "Citation (English)",
  addRule: "Add rule",
  justification: "Justification",
  nominate: "Nominate the selected donors",
  nominated: "Nominated",
  reason: "Reason",
  approve: "Approve",
  approved: "Approved",
  signerName: "Signer's full name",
  signerTitle: "Signer's title",
  issueMany: (n: number) => `Issue ${n} certificates`,
  issueOne: "Issue certificate",
  batchDone: /Finished at/,
  verifyLink: "Verification page",
  genuine: "GENUINE and IN FORCE",
  revoked: "This certificate has been REVOKED",
  revokeOpen: "Revoke…",
  revokeReason: (serial: string) => `Why certificate ${serial} is revoked`,
  revokeSubmit: "Revoke certificate",
  revokeText: "Issued to the wrong organisation in the e2e run",
};

describe("J3: recognition, from a rule to a verified and revoked certificate", () => {
  let browser: Browser;
  const people: Record<"vi" | "en", { officer: string; manager: string; donors: string[]; set: string }> = {
    vi: { officer: `bo.vhttdl.${stamp}@gov.vn`, manager: `quanly.vinhdanh.${stamp}@thuvien.vn`, donors: [], set: `Vinh danh e2e ${stamp}` },
    en: { officer: `ministry.en.${stamp}@gov.vn`, manager: `manager.en.${stamp}@library.vn`, donors: [], set: `Recognition e2e ${stamp}` },
  };
  let tax = 0;

  beforeAll(async () => {
    process.env.SESSION_SECRET ??= "e2e-only-secret-for-password-hashing-0000";
    for (const lang of ["vi", "en"] as const) {
      const who = people[lang];
      const programmeId = await createManagerWithProgramme({
        email: who.manager,
        password: PASSWORD,
        managerName: lang === "vi" ? "Đặng Thị Vinh" : "Mai Anh",
        province: lang === "vi" ? { slug: "ninh-binh", name: "Ninh Bình" } : { slug: "lam-dong", name: "Lâm Đồng" },
        programme: { slug: `tu-sach-vinh-danh-${lang}-${stamp}`, title: `Tủ sách vinh danh ${lang} ${stamp}`, summary: "Sách cho thiếu nhi.", goal: 900_000_000 },
        stamp: `${lang}${stamp}`,
      });
      await createAccount("ministry_officer", who.officer, PASSWORD, lang === "vi" ? "Trần Văn Bộ" : "Officer Lê");
      await connectE2eDatabase();
      const programme = (await Programme.findById(programmeId).lean())!;
      const institution = (await Institution.findById(programme.institutionId).lean())!;
      const names = lang === "vi" ? ["Công ty Sách Bình Minh", "Công ty In Phương Nam", "Công ty Giấy Sông Hồng"] : ["Sakura Books Vietnam Co", "Mekong Learning JSC"];
      for (const [i, name] of names.entries()) {
        const donor = await Donor.create({ kind: "organisation", legalName: `${name} ${stamp}`, taxCode: TAX_CODES[tax++], address: "1 Tràng Tiền, Hà Nội" });
        await recordDonation({ idempotencyKey: `e2e-recognition:${lang}:${stamp}:${i}`, programmeId, institutionId: institution._id, donorId: donor._id, method: "cash", amount: 30_000_000 + i * 1_000_000, receivedAt: new Date() });
        who.donors.push(`${name} ${stamp}`);
      }
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mongoose.disconnect();
  });

  async function signedIn(email: string, labels: Labels, english: boolean): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl()}/login`);
    if (english) {
      await page.getByTestId("language-switch").click();
      await page.getByRole("button", { name: labels.login }).waitFor();
    }
    await page.getByLabel(labels.email).fill(email);
    await page.getByLabel(labels.password, { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: labels.login }).click();
    await page.waitForURL(/\/(account|manage|review|admin)/);
    return page;
  }

  for (const lang of ["vi", "en"] as const) {
    test(`in ${lang === "vi" ? "Vietnamese" : "English"}: rule, nominations, approval, issuing, PDF and credential, verification, revocation`, async () => {
      const L = lang === "vi" ? VI : EN;
      const who = people[lang];
      const english = lang === "en";

      // 1. The ministry officer sets a rule (a tier of a rule set for this year).
      const officer = await signedIn(who.officer, L, english);
      await officer.goto(`${baseUrl()}/recognition`);
      await officer.getByLabel(L.ruleSet).fill(who.set);
      await officer.getByLabel(L.type).selectOption({ label: L.typeOption });
      await officer.getByLabel(L.year).fill(String(year));
      await officer.getByLabel(L.nameVi).fill("Giấy chứng nhận nhà tài trợ e2e");
      await officer.getByLabel(L.nameEn).fill("Sponsor certificate e2e");
      await officer.getByLabel(L.organisation).check();
      await officer.getByLabel(L.minTotal).fill("25.000.000");
      await officer.getByLabel(L.citationVi).fill("Đã có thành tích đóng góp {tổng} cho học tập suốt đời năm {năm}.");
      await officer.getByLabel(L.citationEn).fill("For contributing {total} to lifelong learning in {year}.");
      await screenshot(officer, `j3-${lang}-1-rule`);
      await officer.getByRole("button", { name: L.addRule, exact: true }).click();
      await officer.getByTestId("rule-set").filter({ hasText: who.set }).waitFor();

      // 2. The library's manager nominates the donors who qualify (its own donors), all at once.
      const manager = await signedIn(who.manager, L, english);
      await manager.goto(`${baseUrl()}/recognition/qualifying?set=${encodeURIComponent(who.set)}&year=${year}`);
      // Each qualifying donor ticked (the label says "Chọn <name>" / "Select <name>").
      for (const name of who.donors) await manager.getByRole("checkbox", { name: new RegExp(escape(name)) }).check();
      await manager.getByLabel(L.justification).fill(english ? "They funded the children's corner all year." : "Tài trợ góc sách thiếu nhi cả năm.");
      await screenshot(manager, `j3-${lang}-2-qualifying`);
      await manager.getByRole("button", { name: L.nominate }).click();
      const results = manager.getByTestId("nomination-results");
      for (const name of who.donors) await results.locator('li[data-result="nominated"]').filter({ hasText: name }).filter({ hasText: L.nominated }).waitFor();

      // 3. The officer approves them, in one go.
      await officer.goto(`${baseUrl()}/recognition/nominations?status=proposed`);
      for (const name of who.donors) await officer.getByRole("checkbox", { name: new RegExp(escape(name)) }).check();
      // Every label is whole Vietnamese (a screen reader reads it): no replacement character anywhere.
      const labels = await officer.getByRole("checkbox").evaluateAll((boxes) => boxes.map((b) => b.getAttribute("aria-label") ?? b.closest("label")?.textContent ?? ""));
      expect(labels.join(" ")).not.toContain("\uFFFD");
      await officer.getByLabel(L.reason, { exact: true }).fill(english ? "Meets the rule." : "Đủ điều kiện theo quy tắc.");
      await officer.getByRole("button", { name: L.approve, exact: true }).click();
      await officer.getByTestId("review-results").waitFor();
      expect(await officer.getByTestId("review-results").locator('li[data-result="approved"]').filter({ hasText: L.approved }).count()).toBe(who.donors.length);
      await screenshot(officer, `j3-${lang}-3-approved`);

      // 4. Issuing: a batch in Vietnamese (its progress page), one at a time in English.
      await officer.goto(`${baseUrl()}/recognition/certificates`);
      await officer.getByLabel(L.signerName).fill("Nguyễn Văn Hùng");
      await officer.getByLabel(L.signerTitle).fill(english ? "Minister" : "Bộ trưởng");
      if (english) {
        await officer.getByRole("checkbox", { name: new RegExp(escape(who.donors[0]!)) }).check();
        await officer.getByRole("button", { name: L.issueOne, exact: true }).click();
      } else {
        for (const name of who.donors) await officer.getByRole("checkbox", { name: new RegExp(escape(name)) }).check();
        await officer.getByRole("button", { name: L.issueMany(who.donors.length) }).click();
        await officer.waitForURL(/\/recognition\/batches\//);
        await officer.getByText(L.batchDone).waitFor();
        await screenshot(officer, `j3-${lang}-4-batch`);
        await officer.goto(`${baseUrl()}/recognition/certificates`);
      }
      const row = officer.getByRole("row").filter({ hasText: who.donors[0]! });
      await row.waitFor();
      const serial = (await row.getByText(new RegExp(`^${year}/GCN/\\d{6}$`)).textContent())!.trim();
      const verifyHref = (await row.getByRole("link", { name: L.verifyLink }).getAttribute("href"))!;
      const code = verifyHref.split("/").pop()!;

      // 5. The PDF (A4 landscape, in Vietnamese) and the signed credential, which verifies with the published keys alone.
      const pdf = await officer.request.get(`${baseUrl()}/verify/${code}/pdf`);
      expect(pdf.headers()["content-type"]).toContain("application/pdf");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "j3-"));
      fs.writeFileSync(path.join(dir, "c.pdf"), await pdf.body());
      const text = execFileSync("pdftotext", ["-layout", path.join(dir, "c.pdf"), "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
      for (const expected of ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY CHỨNG NHẬN", who.donors[0]!, serial]) expect(text).toContain(expected);
      execFileSync("pdftoppm", ["-png", "-r", "50", "-singlefile", path.join(dir, "c.pdf"), path.join("tests/artifacts", `j3-${lang}-5-certificate`)]);
      fs.rmSync(dir, { recursive: true, force: true });
      const credential = await officer.request.get(`${baseUrl()}/verify/${code}/credential`);
      expect(credential.headers()["content-type"]).toContain("application/vc+jwt");
      const jwks = await (await officer.request.get(`${baseUrl()}/.well-known/jwks.json`)).json();
      const { payload } = await jwtVerify(await credential.text(), createLocalJWKSet(jwks), { typ: "vc+jwt" });
      expect(payload.type).toEqual(["VerifiableCredential", "OpenBadgeCredential"]);

      // 6. Anyone verifies it: genuine and in force.
      const visitor = await (await browser.newContext()).newPage();
      if (english) {
        await visitor.goto(`${baseUrl()}/verify`);
        await visitor.getByTestId("language-switch").click();
        // The English page itself (the Vietnamese heading is there before the switch lands).
        await visitor.getByRole("heading", { level: 1, name: "Verify a certificate" }).waitFor();
      }
      await visitor.goto(`${baseUrl()}/verify/${code}`);
      await visitor.getByText(L.genuine).first().waitFor();
      await screenshot(visitor, `j3-${lang}-6-genuine`);

      // 7. The officer revokes it with a reason; the page then says revoked, and why.
      await row.getByText(L.revokeOpen).click();
      await officer.getByLabel(L.revokeReason(serial)).fill(L.revokeText);
      await officer.getByRole("button", { name: L.revokeSubmit }).click();
      await officer.getByRole("row").filter({ hasText: who.donors[0]! }).getByText(L.revokeText).waitFor();
      await visitor.reload();
      await visitor.getByText(L.revoked).first().waitFor();
      await visitor.getByText(L.revokeText).first().waitFor();
      await screenshot(visitor, `j3-${lang}-7-revoked`);
    });
  }
});
