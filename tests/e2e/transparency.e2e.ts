import { createPrivateKey } from "node:crypto";
import mongoose from "mongoose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { Institution } from "#models/institution.server";
import { recordDonation } from "#services/money/donations";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { openNote, parseCheckpoint, rawPublicKey } from "#services/transparency/checkpoint";
import { configureLogSigner } from "#services/transparency/log";
import { leafHash, verifyInclusion } from "#services/transparency/merkle";
import { parseVerifierKey } from "../../scripts/lib/ledger-verifier";
import { baseUrl, launchBrowser, screenshot } from "./browser";
import { connectE2eDatabase, createManagerWithProgramme } from "./db";

/**
 * J4's ledger anyone can check, as a donor goes (issue 12): from "find my gift" to the gift's public receipt page
 * and its place in the transparency log, the log's page with the signed checkpoint and its key, and the
 * inclusion proof — checked here with RFC 9162's verification and the key the page shows, not with
 * anything the server computed. Vietnamese with JavaScript, then English without.
 */
const stamp = Date.now().toString(36);
let browser: Browser;
let receiptNumber = "";

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
    // The sweep that adds it to the log, signed with the server's key (the server's own sweeper does the
    // same every five minutes; one instance holds a lease term, so a free term is taken).
    configureLogSigner({ appUrl: baseUrl(), privateKey: createPrivateKey(inject("signingKey")) });
    for (let term = 1; term < 10; term += 1) {
      if ((await runSweep({ now: () => new Date(Date.now() + term * SWEEPER_LEASE_MS) })).ran) break;
    }
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
    await page.getByRole("button", { name: "Tìm" }).click();
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
    await page.getByRole("button", { name: "Find" }).click();
    await expect(page.getByTestId("find-none").textContent()).resolves.toBe("No gift has this number. Please check the receipt number or transfer reference.");
    await page.getByRole("link", { name: "A ledger anyone can check" }).click();
    await page.waitForURL(`${baseUrl()}/transparency/ledger`);
    await page.getByRole("heading", { level: 1, name: "A ledger anyone can check" }).waitFor();
    await page.getByRole("heading", { name: "Latest checkpoint" }).waitFor();
    await page.getByRole("heading", { name: "How to check it yourself" }).waitFor();
    expect(Number((await page.getByTestId("checkpoint-size").textContent())!.replace(/\D/g, ""))).toBeGreaterThanOrEqual(1);
    await screenshot(page, "transparency-ledger-en-nojs");
  });
});
