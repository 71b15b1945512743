import { createHash } from "node:crypto";
import fs from "node:fs";
import { parse } from "csv-parse/sync";
import mongoose from "mongoose";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { notePledgeReference } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { publishReport } from "#services/reports/publish";
import { openNote, parseCheckpoint } from "#services/transparency/checkpoint";
import { configureLogSigner } from "#services/transparency/log";
import { leafHash, verifyInclusion } from "#services/transparency/merkle";
import { createInstalmentPledge } from "#tests/fixtures/domain";
import { parseVerifierKey } from "../../scripts/lib/ledger-verifier";
import { baseUrl, launchBrowser, screenshot, textOf } from "./browser";
import { connectE2eDatabase, createAccount, createManagerWithProgramme, sweepIntoLog } from "./db";

/**
 * J4 end to end, as one person goes (issue 12): from a programme's page (its goods received against its
 * needs) to its whole ledger; "find my gift" by the transfer reference the donor quoted, to the gift's
 * receipt and its inclusion proof, checked against the signed checkpoint with the published key; the open
 * data package and one of its CSVs; the province's annual report PDF, whose SHA-256 is the one shown.
 * Vietnamese with JavaScript first, then English without.
 */
const stamp = Date.now().toString(36);
const slug = `hanh-trinh-j4-${stamp}`;
const title = `Phòng đọc số Lai Châu ${stamp}`;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
let browser: Browser;
let reference = "";
let receiptNumber = "";
let reportId = "";

/** The inclusion proof behind a receipt page's link, verified against the checkpoint /transparency/ledger shows, with its key. */
async function proofChecksOut(page: Page, proofHref: string) {
  await page.goto(`${baseUrl()}/transparency/ledger`);
  const note = (await page.getByTestId("checkpoint-note").textContent())!;
  const key = parseVerifierKey((await page.getByTestId("verifier-key").textContent())!.trim());
  const checkpoint = parseCheckpoint(openNote(note, key.name!, key.publicKey)!)!;
  const response = await page.request.get(`${baseUrl()}${proofHref}`);
  expect(response.headers()["content-type"]).toContain("application/json");
  const proof = (await response.json()) as { leafIndex: number; treeSize: number; leafData: string; proof: string[] };
  expect(proof.treeSize).toBe(checkpoint.size);
  const data = Buffer.from(proof.leafData, "base64");
  expect(verifyInclusion(leafHash(data), proof.leafIndex, proof.treeSize, proof.proof.map((h) => Buffer.from(h, "hex")), checkpoint.root)).toBe(true);
  // Tampered (another leaf's data), the same proof fails.
  expect(verifyInclusion(leafHash(Buffer.concat([data, Buffer.from([0])])), proof.leafIndex, proof.treeSize, proof.proof.map((h) => Buffer.from(h, "hex")), checkpoint.root)).toBe(false);
}

/** The province's annual report on /transparency/reports: the PDF downloaded is one, and its SHA-256 is the one shown. */
async function reportPdfMatchesItsHash(page: Page) {
  await page.goto(`${baseUrl()}/transparency/reports`);
  const card = page.locator(`[data-report-id="${reportId}"]`);
  await card.getByRole("heading", { name: /Lai Châu/ }).waitFor();
  const shown = (await card.getByTestId("pdf-sha256").textContent())!.trim();
  const [download] = await Promise.all([page.waitForEvent("download"), card.getByTestId("download-pdf").click()]);
  const pdf = fs.readFileSync((await download.path())!);
  expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(sha256(pdf)).toBe(shown);
}

describe("J4: transparency anyone can check, as one visitor goes", () => {
  beforeAll(async () => {
    await connectE2eDatabase();
    const programmeId = await createManagerWithProgramme({
      email: `j4.${stamp}@thuvien.vn`,
      password: "mat-khau-e2e-2026",
      managerName: "Lò Thị Mai",
      province: { slug: "lai-chau", name: "Lai Châu" },
      programme: { slug, title, summary: "Máy tính bảng cho phòng đọc số.", goal: 300_000_000, inKindNeeds: [{ item: "Máy tính bảng", unit: "chiếc", quantity: 20, unitValue: 6_000_000 }] },
      stamp,
    });
    const programme = (await Programme.findById(programmeId).lean())!;
    const owner = { programmeId: programme._id, institutionId: programme.institutionId };
    // A business pledged in two instalments and paid the first by bank transfer, quoting its reference.
    const donor = await Donor.create({ kind: "organisation", legalName: `Công ty TNHH Sách Tây Bắc ${stamp}`, taxCode: String(Date.now()).slice(-10), email: `j4.donor.${stamp}@example.vn` });
    const pledge = await createInstalmentPledge({ ...owner, donorId: donor._id }, [15_000_000, 15_000_000]);
    await notePledgeReference(pledge);
    reference = pledge.reference;
    const paid = await recordDonation({ idempotencyKey: `e2e-j4-${stamp}-transfer`, ...owner, pledgeId: pledge._id, donorId: donor._id, method: "bank_transfer", amount: 15_000_000, receivedAt: new Date(Date.now() - 3_600_000), reference: `${reference} CK dot 1` });
    receiptNumber = paid.receiptNumber;
    // Six tablets given in kind, recorded by the manager.
    await recordDonation({ idempotencyKey: `e2e-j4-${stamp}-goods`, ...owner, method: "in_kind", amount: 36_000_000, receivedAt: new Date(), inKind: { items: [{ item: "Máy tính bảng", quantity: 6, unitValue: 6_000_000 }], valuationBasis: "Hóa đơn" } });
    await sweepIntoLog(baseUrl()); // into the log, and a checkpoint signed
    // The province's annual report, published by the ministry.
    const officer = await createAccount("ministry_officer", `j4.bo.${stamp}@example.vn`, "mat-khau-bao-cao-1", "Cán bộ Vụ Thư viện");
    const year = new Date().getFullYear();
    const published = await publishReport(officer, { kind: "annual", year, scope: "lai-chau", reason: `Hành trình J4 ${stamp}` });
    reportId = published.id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    configureLogSigner(null);
    await browser?.close();
    await mongoose.disconnect();
  });

  test("Vietnamese, JavaScript on: programme and ledger, find my gift by reference, its proof, the data package, the report", async () => {
    const page = await (await browser.newContext({ locale: "vi-VN", acceptDownloads: true })).newPage();
    // The programme: six of twenty tablets received.
    await page.goto(`${baseUrl()}/programmes/${slug}`);
    await page.getByRole("heading", { name: "Hiện vật cần hỗ trợ" }).waitFor();
    expect(await textOf(page.getByTestId("inkind-received").first())).toBe("6/20");
    await screenshot(page, "j4-programme-vi");

    // Its whole ledger: both gifts, the balance after each.
    await page.getByTestId("open-ledger").click();
    await page.waitForURL(`${baseUrl()}/programmes/${slug}/ledger`);
    await page.getByTestId("ledger-summary").waitFor();
    expect(await textOf(page.getByTestId("ledger-summary"))).toBe(`2 bút toán · số dư hiện tại ${(51_000_000).toLocaleString("vi-VN")} ₫`);

    // Find my gift, from /transparency, by the transfer reference typed as the bank statement shows it.
    await page.goto(`${baseUrl()}/transparency`);
    await page.getByRole("link", { name: "Tìm khoản đóng góp của bạn" }).click();
    await page.waitForURL(`${baseUrl()}/transparency/find`);
    await page.getByLabel("Số biên nhận hoặc mã chuyển khoản").fill(reference.toLowerCase());
    await page.getByRole("button", { name: "Tìm", exact: true }).click();
    const found = page.getByTestId("find-gifts");
    await found.waitFor();
    await found.getByRole("link", { name: receiptNumber }).click();
    await page.waitForURL(`${baseUrl()}/receipts/${receiptNumber}`);
    const inLog = page.getByTestId("receipt-in-log");
    await inLog.getByRole("heading", { name: "Trong nhật ký minh bạch" }).waitFor();
    const proofHref = (await inLog.getByRole("link", { name: "Bằng chứng có mặt (JSON)" }).getAttribute("href"))!;
    await screenshot(page, "j4-receipt-vi");
    await proofChecksOut(page, proofHref);

    // The open data package, and the gifts' CSV it describes.
    await page.goto(`${baseUrl()}/transparency/data`);
    const pkg = await page.request.get(`${baseUrl()}${await page.getByTestId("datapackage-link").getAttribute("href")}`);
    const descriptor = (await pkg.json()) as { resources: Array<{ name: string; path: string; schema: { fields: Array<{ name: string }> } }> };
    const names = descriptor.resources.map((r) => r.name);
    expect(names).toContain("programmes");
    const first = descriptor.resources[0]!;
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`download-${first.name}`).click()]);
    const rows = parse(fs.readFileSync((await download.path())!, "utf8").replace(/^\uFEFF/, "")) as string[][];
    expect(rows[0]).toEqual(first.schema.fields.map((f) => f.name));

    await reportPdfMatchesItsHash(page);
  });

  test("English, JavaScript off: the same journey", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB", acceptDownloads: true })).newPage();
    await page.goto(`${baseUrl()}/programmes/${slug}`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { name: "Goods in kind needed" }).waitFor();
    expect(await textOf(page.getByTestId("inkind-received").first())).toBe("6/20");

    await page.getByTestId("open-ledger").click();
    await page.waitForURL(`${baseUrl()}/programmes/${slug}/ledger`);
    await page.getByTestId("ledger-summary").waitFor();
    expect(await textOf(page.getByTestId("ledger-summary"))).toMatch(/^2 entries/);

    await page.goto(`${baseUrl()}/transparency`);
    await page.getByRole("link", { name: "Find my gift" }).click();
    await page.waitForURL(`${baseUrl()}/transparency/find`);
    await page.getByLabel("Receipt number or transfer reference").fill(` ${reference} `);
    await page.getByRole("button", { name: "Find", exact: true }).click();
    const found = page.getByTestId("find-gifts");
    await found.waitFor();
    await found.getByRole("link", { name: receiptNumber }).click();
    await page.waitForURL(`${baseUrl()}/receipts/${receiptNumber}`);
    const inLog = page.getByTestId("receipt-in-log");
    await inLog.getByRole("heading", { name: "In the transparency log" }).waitFor();
    const proofHref = (await inLog.getByRole("link", { name: /inclusion proof/i }).getAttribute("href"))!;
    await screenshot(page, "j4-receipt-en-nojs");
    await proofChecksOut(page, proofHref);

    await reportPdfMatchesItsHash(page);
  });
});
