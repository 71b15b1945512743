import { createPrivateKey } from "node:crypto";
import mongoose from "mongoose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { Institution } from "#models/institution.server";
import { recordDonation } from "#services/money/donations";
import { openNote, parseCheckpoint, rawPublicKey } from "#services/transparency/checkpoint";
import { flushGiftAmountKeys } from "#services/transparency/gift-amount-keys";
import { configureLogSigner } from "#services/transparency/log";
import { leafHash, verifyInclusion } from "#services/transparency/merkle";
import { parseVerifierKey } from "../../scripts/lib/ledger-verifier";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { connectE2eDatabase, createManagerWithProgramme, sweepIntoLog } from "./db";

/**
 * J4's ledger anyone can check, as a donor goes (issue 12): from "find my gift" to the gift's public receipt page
 * and its place in the transparency log, the log's page with the signed checkpoint and its key, and the
 * inclusion proof — checked here with RFC 9162's verification and the key the page shows, not with
 * anything the server computed. Vietnamese with JavaScript, then English without.
 */
const stamp = Date.now().toString(36);
let browser: Browser;
let receiptNumber = "";
/** A gift found by its amount and day (decision 0040): an amount no other test gives, received late on 15/11/2026 in Vietnam. */
const byAmount = { amount: 1_000_000 + (Date.now() % 900) * 1000 + 100_000, receivedAt: new Date("2026-11-15T23:10:00+07:00"), receiptNumber: "", title: `Sách cho Quảng Trị ${stamp}` };

describe("the transparency log in the browser", () => {
  beforeAll(async () => {
    await connectE2eDatabase();
    const programmeId = await createManagerWithProgramme({
      email: `minhbach.${stamp}@thuvien.vn`,
      password: "mat-khau-e2e-2026",
      managerName: "Lê Thị Hoa",
      province: { slug: "quang-tri", name: "Quảng Trị" },
      programme: { slug: `minh-bach-${stamp}`, title: `Sách cho Quảng Trị ${stamp}`, summary: "Sách cho bạn đọc nhỏ.", goal: 50_000_000 },
      stamp,
    });
    const { Programme } = await import("#models/programme.server");
    const programme = (await Programme.findById(programmeId).lean())!;
    const institution = (await Institution.findById(programme.institutionId).lean())!;
    const gift = await recordDonation({ idempotencyKey: `e2e-log-${stamp}`, programmeId: programme._id, institutionId: institution._id, method: "cash", amount: 1_250_000, receivedAt: new Date(), reference: `PT-${stamp}` });
    receiptNumber = gift.receiptNumber;
    const found = await recordDonation({ idempotencyKey: `e2e-amount-${stamp}`, programmeId: programme._id, institutionId: institution._id, method: "bank_transfer", amount: byAmount.amount, receivedAt: byAmount.receivedAt, reference: `CK-${stamp}` });
    byAmount.receiptNumber = found.receiptNumber;
    await flushGiftAmountKeys(); // its key by amount and day follows the gift off its path
    await sweepIntoLog(baseUrl()); // into the log, and a checkpoint signed
    browser = await launchBrowser();
  });
  afterAll(async () => {
    configureLogSigner(null);
    await browser?.close();
    await mongoose.disconnect();
  });

  test("Vietnamese, JavaScript on: find my gift by its receipt number, then from the receipt to the log's page, and the proof checks out with the key shown there", async () => {
    const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
    // "Find my gift": the donor types the receipt number as printed (lower case, spaces around it).
    await page.goto(`${baseUrl()}/transparency/find`);
    await page.getByLabel("Số biên nhận hoặc mã chuyển khoản").fill(` ${receiptNumber.toLowerCase()} `);
    await page.getByRole("button", { name: "Tìm", exact: true }).click();
    await page.waitForURL(`${baseUrl()}/receipts/${receiptNumber}`);
    const inLog = page.getByTestId("receipt-in-log");
    // Waits for the receipt page to render (the address changes before the new page is drawn).
    await inLog.getByRole("heading", { name: "Trong nhật ký minh bạch" }).waitFor();
    const leafText = await inLog.textContent();
    expect(leafText).toMatch(/là dòng thứ [\d.]+ \(chỉ số \d+ trong bằng chứng\) của nhật ký minh bạch chung/);
    const proofHref = await inLog.getByRole("link", { name: "Bằng chứng có mặt (JSON)" }).getAttribute("href");
    await screenshot(page, "transparency-receipt-vi");

    await inLog.getByRole("link", { name: "Cách tự kiểm tra" }).click();
    await page.waitForURL(`${baseUrl()}/transparency/ledger`);
    await page.getByRole("heading", { level: 1, name: "Sổ cái ai cũng kiểm tra được" }).waitFor();
    const note = (await page.getByTestId("checkpoint-note").textContent())!;
    const verifierKey = (await page.getByTestId("verifier-key").textContent())!.trim();
    expect(await page.getByTestId("chains").locator("tbody tr").count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, "transparency-ledger-vi");

    // The proof, checked with the key the page published (Go's verifier key form: name+id+base64(0x01 || key)).
    const key = parseVerifierKey(verifierKey);
    expect(rawPublicKey(createPrivateKey(inject("signingKey"))).equals(key.publicKey)).toBe(true);
    const checkpoint = parseCheckpoint(openNote(note, key.name!, key.publicKey)!)!;
    const proof = (await (await fetch(`${baseUrl()}${proofHref}`)).json()) as { leafIndex: number; treeSize: number; leafData: string; proof: string[] };
    expect(proof.treeSize).toBe(checkpoint.size);
    const data = Buffer.from(proof.leafData, "base64");
    expect(verifyInclusion(leafHash(data), proof.leafIndex, proof.treeSize, proof.proof.map((h) => Buffer.from(h, "hex")), checkpoint.root)).toBe(true);
  });

  test("English, JavaScript off: a number no gift has is said so; the log's page explains how to check and shows the checkpoint", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB" })).newPage();
    await page.goto(`${baseUrl()}/transparency/find`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { name: "Find my gift" }).waitFor();
    await page.getByLabel("Receipt number or transfer reference").fill("R-0000000000000000");
    await page.getByRole("button", { name: "Find", exact: true }).click();
    await expect(page.getByTestId("find-none").textContent()).resolves.toBe("No gift has this number. Please check the receipt number or transfer reference.");
    await page.getByRole("link", { name: "A ledger anyone can check" }).click();
    await page.waitForURL(`${baseUrl()}/transparency/ledger`);
    await page.getByRole("heading", { level: 1, name: "A ledger anyone can check" }).waitFor();
    await page.getByRole("heading", { name: "Latest checkpoint" }).waitFor();
    await page.getByRole("heading", { name: "How to check it yourself" }).waitFor();
    expect(Number((await page.getByTestId("checkpoint-size").textContent())!.replace(/\D/g, ""))).toBeGreaterThanOrEqual(1);
    await screenshot(page, "transparency-ledger-en-nojs");
  });

  test("Vietnamese, JavaScript on: a donor without a receipt number finds their gift by the amount and the day, then opens its receipt", async () => {
    const page = await (await browser.newContext({ locale: "vi-VN" })).newPage();
    await page.goto(`${baseUrl()}/transparency/find`);
    await page.getByRole("heading", { name: "Tìm theo số tiền và ngày" }).waitFor();
    // Without the day first: told so, in Vietnamese.
    await page.getByLabel("Số tiền (đồng)").fill(byAmount.amount.toLocaleString("de-DE")); // "1.357.000", as Vietnamese write it
    await page.getByRole("button", { name: "Tìm theo số tiền" }).click();
    await expect(page.getByTestId("date-error").textContent()).resolves.toBe("Vui lòng chọn ngày nhận.");
    await page.getByLabel("Ngày nhận").fill("2026-11-15");
    await page.getByRole("button", { name: "Tìm theo số tiền" }).click();
    const table = page.getByTestId("find-by-amount-gifts");
    await table.waitFor();
    const heading = await page.getByTestId("find-by-amount-result").getByRole("heading").textContent();
    expect(heading!.replace(/\s/g, " ")).toBe(`Các khoản ${byAmount.amount.toLocaleString("de-DE")} ₫ nhận ngày 15/11/2026`);
    expect(await table.locator("tbody tr").count()).toBe(1);
    const row = table.locator("tbody tr").first();
    await expect(row.textContent()).resolves.toContain(byAmount.title);
    await expect(row.textContent()).resolves.toContain("23:10 15/11/2026");
    await screenshot(page, "find-by-amount-vi");
    await row.getByRole("link", { name: byAmount.receiptNumber }).click();
    await page.waitForURL(`${baseUrl()}/receipts/${byAmount.receiptNumber}`);
    await expect(page.getByTestId("receipt-number").textContent()).resolves.toBe(byAmount.receiptNumber);
  });

  test("English, JavaScript off: the same gift found by the amount typed with 'VND' and the day, and a day not yet come is refused", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB" })).newPage();
    await page.goto(`${baseUrl()}/transparency/find`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { name: "Find by amount and day" }).waitFor();
    await page.getByLabel("Amount (đồng)").fill(`${byAmount.amount.toLocaleString("en-GB")} VND`);
    await page.getByLabel("Day received").fill("2099-01-01");
    await page.getByRole("button", { name: "Find by amount" }).click();
    await expect(page.getByTestId("date-error").textContent()).resolves.toBe("This day has not come yet. Choose today or an earlier day.");
    await page.getByLabel("Day received").fill("2026-11-15");
    await page.getByRole("button", { name: "Find by amount" }).click();
    const table = page.getByTestId("find-by-amount-gifts");
    await table.waitFor();
    const heading = await page.getByTestId("find-by-amount-result").getByRole("heading").textContent();
    expect(heading!.replace(/\s/g, " ")).toBe(`Gifts of ₫${byAmount.amount.toLocaleString("en-GB")} received on 15 Nov 2026`);
    const row = table.locator("tbody tr").first();
    expect(await table.locator("tbody tr").count()).toBe(1);
    await expect(row.textContent()).resolves.toContain(byAmount.title);
    await screenshot(page, "find-by-amount-en-nojs");
    await row.getByRole("link", { name: byAmount.receiptNumber }).click();
    await page.waitForURL(`${baseUrl()}/receipts/${byAmount.receiptNumber}`);
    await expect(page.getByTestId("receipt-number").textContent()).resolves.toBe(byAmount.receiptNumber);
  });
});
