import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import QRCode from "qrcode";
import { afterAll, describe, expect, test } from "vitest";
import { formatPlaceAndDate, renderCertificatePdf, type CertificatePdfInput } from "#services/certificates/pdf";
import { formatVnd } from "#services/format";
import { renderDonationReceiptPdf, type ReceiptData } from "#services/receipts";

const POPPLER_HINT = "poppler-utils is missing (pdftotext/pdfinfo/pdftoppm): `apt-get install -y poppler-utils` — .ci/run installs it";
const workDir = mkdtempSync(path.join(tmpdir(), "gopsuc-certificate-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function pdfFile(pdf: Buffer): string {
  const file = path.join(workDir, `c-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

function poppler(tool: "pdftotext" | "pdfinfo" | "pdftoppm", args: string[]): string {
  if (!existsSync(`/usr/bin/${tool}`)) throw new Error(POPPLER_HINT);
  return execFileSync(`/usr/bin/${tool}`, args, { encoding: tool === "pdftoppm" ? "latin1" : "utf8", env: { ...process.env, TZ: "UTC" }, maxBuffer: 64 << 20 });
}

/** The PDF's text with single plain spaces (lines wrap where the layout needs them; "₫" follows a no-break space). */
const textOf = (pdf: Buffer) => poppler("pdftotext", ["-enc", "UTF-8", pdfFile(pdf), "-"]).replace(/\s+/g, " ").normalize("NFC");

type Word = { text: string; xMin: number; yMin: number; xMax: number; yMax: number };
/** Each word with its box on the page, in points from the top left. */
function wordsOf(pdf: Buffer): Word[] {
  const html = poppler("pdftotext", ["-bbox", "-enc", "UTF-8", pdfFile(pdf), "-"]);
  return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
    xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), text: m[5]!,
  }));
}

const base: CertificatePdfInput = {
  title: "GIẤY CHỨNG NHẬN",
  issuer: "BỘ TRƯỞNG BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
  recipientName: "Công ty TNHH Sách Đông Á",
  recipientAddress: "12 Phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
  citation: `Đã có thành tích đóng góp ${formatVnd(250_000_000)} cho chương trình “Tủ sách học tập suốt đời cho thư viện xã” năm 2025.`,
  decisionNumber: "1234/QĐ-BVHTTDL",
  decisionDate: new Date("2026-01-02T09:00:00+07:00"),
  serial: "2026/GCN/000123",
  place: "Hà Nội",
  issuedAt: new Date("2026-01-05T09:30:00+07:00"),
  signer: { title: "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG", name: "Nguyễn Văn Hùng" },
  verifyUrl: "https://gopsuc.example/verify/K7Q2M9XA4TRB",
};

const longName = "Công ty Cổ phần Đầu tư Phát triển Giáo dục và Văn hóa Đồng bằng sông Cửu Long";
const longCitation =
  `Đã có thành tích xuất sắc trong việc huy động và đóng góp nguồn lực xã hội hóa, tổng giá trị ${formatVnd(1_250_000_000)} bằng tiền và hiện vật ` +
  "(sách, thiết bị tra cứu số, giờ công chuyên gia tình nguyện) cho các thư viện, bảo tàng và trung tâm văn hóa cấp xã thuộc 13 tỉnh, thành phố " +
  "vùng Đồng bằng sông Cửu Long, góp phần thực hiện Đề án “Đẩy mạnh các hoạt động phục vụ học tập suốt đời trong thư viện, bảo tàng, trung tâm văn hóa đến năm 2030”.";
const long: CertificatePdfInput = {
  ...base,
  title: "BẰNG KHEN",
  recipientName: longName,
  recipientAddress: "Số 168 đường Nguyễn Văn Cừ nối dài, phường An Bình, quận Ninh Kiều, thành phố Cần Thơ",
  citation: longCitation,
};

describe("recognition certificate PDF", () => {
  test("reads back in exact Vietnamese: header, issuer, TẶNG, title, recipient, citation with its amount, decision, serial, date line, signer, address to verify", async () => {
    const text = textOf(await renderCertificatePdf(base));
    for (const expected of [
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "BỘ TRƯỞNG BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
      "TẶNG",
      "GIẤY CHỨNG NHẬN",
      "Công ty TNHH Sách Đông Á",
      "12 Phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội",
      "Đã có thành tích đóng góp 250.000.000 ₫ cho chương trình “Tủ sách học tập suốt đời cho thư viện xã” năm 2025.",
      "Quyết định số 1234/QĐ-BVHTTDL ngày 02/01/2026",
      "Số: 2026/GCN/000123",
      "Hà Nội, ngày 05 tháng 01 năm 2026",
      "KT. BỘ TRƯỞNG THỨ TRƯỞNG",
      "Nguyễn Văn Hùng",
      "https://gopsuc.example/verify/K7Q2M9XA4TRB",
    ]) {
      expect(text).toContain(expected);
    }
  });

  test("is one A4 landscape page with the font embedded as a subset, and small", async () => {
    const pdf = await renderCertificatePdf(base);
    const info = poppler("pdfinfo", [pdfFile(pdf)]);
    expect(info).toMatch(/Pages:\s+1\n/);
    expect(info).toMatch(/Page size:\s+841\.89 x 595\.28 pts \(A4\)/); // wider than tall: landscape
    const bytes = pdf.toString("latin1");
    expect(bytes).toContain("/MediaBox [0 0 841.89 595.28]");
    expect(bytes).toContain("/FontFile2");
    expect(bytes.match(/\/BaseFont \/[A-Z]{6}\+NotoSerif-(Regular|Bold|Italic)/g)?.length).toBeGreaterThanOrEqual(3);
    expect(bytes).not.toContain("/Helvetica");
    // ~23 kB: three subset faces (~6 kB each) and the page. One face embedded whole would be ~500 kB;
    // 40 kB leaves room for a long name and citation (long is ~27 kB) and catches a lost subset.
    expect(pdf.length).toBeLessThan(40_000);
    expect((await renderCertificatePdf(long)).length).toBeLessThan(40_000);
  });

  test("its QR code is the verification address, drawn with a quiet zone", async () => {
    const pdf = await renderCertificatePdf(base);
    const qr = findQr(renderGray(pdf));
    expect(mismatches(qr, base.verifyUrl)).toBe(0);
    // The check tells codes apart: another certificate's address does not match.
    expect(mismatches(qr, "https://gopsuc.example/verify/K7Q2M9XA4TRC")).toBeGreaterThan(20);
  });

  test("a long name and a long citation stay on one page, whole, inside the frame, overlapping nothing", async () => {
    const pdf = await renderCertificatePdf(long);
    expect(poppler("pdfinfo", [pdfFile(pdf)])).toMatch(/Pages:\s+1\n/);
    const text = textOf(pdf);
    expect(text).toContain(longName);
    expect(text).toContain(longCitation.replace(/\s+/g, " "));
    expect(text).toContain("Hà Nội, ngày 05 tháng 01 năm 2026");
    for (const input of [base, long]) {
      const words = wordsOf(await renderCertificatePdf(input));
      expect(words.length).toBeGreaterThan(50);
      // Inside the inner frame (28 pt from each edge).
      for (const w of words) expect({ w, inside: w.xMin > 28 && w.yMin > 28 && w.xMax < 841.89 - 28 && w.yMax < 595.28 - 28 }).toMatchObject({ inside: true });
      // No word's box runs into another's (0.5 pt of slack for touching line boxes).
      const overlaps = words.flatMap((a, i) =>
        words.slice(i + 1).filter((b) => Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin) > 0.5 && Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin) > 0.5).map((b) => `${a.text} × ${b.text}`),
      );
      expect(overlaps).toEqual([]);
      // The citation ends above the date line and the decision block.
      const dateTop = Math.min(...words.filter((w) => w.text === "ngày" && w.xMin > 420).map((w) => w.yMin));
      const citationBottom = Math.max(...words.filter((w) => w.text.startsWith("2025.") || w.text.startsWith("2030”.")).map((w) => w.yMax));
      expect(citationBottom).toBeLessThan(dateTop);
    }
  });

  test("a citation too long for one page is refused, not run into the signature", async () => {
    await expect(renderCertificatePdf({ ...long, citation: `${longCitation} ${longCitation} ${longCitation}` })).rejects.toThrow(RangeError);
  });

  test("without a decision, address or two-line title: no decision line, the serial alone bottom left", async () => {
    const pdf = await renderCertificatePdf({
      ...base,
      title: "Thư cảm ơn",
      recipientName: "Bà Trần Thị Ngọc Ánh",
      recipientAddress: null,
      decisionNumber: null,
      decisionDate: null,
      signer: { title: "Bộ trưởng", name: "Nguyễn Văn Hùng" },
    });
    const text = textOf(pdf);
    expect(text).toContain("THƯ CẢM ƠN");
    expect(text).toContain("Hà Nội, ngày 05 tháng 01 năm 2026 BỘ TRƯỞNG"); // the title as given ("Bộ trưởng"), upper-cased
    expect(text).toContain("Bà Trần Thị Ngọc Ánh");
    expect(text).toContain("Số: 2026/GCN/000123");
    expect(text).not.toContain("Quyết định");
    expect(text).not.toContain("Phố Tràng Tiền");
  });

  test("a decision number without its date prints the number alone", async () => {
    const text = textOf(await renderCertificatePdf({ ...base, decisionDate: null }));
    expect(text).toContain("Quyết định số 1234/QĐ-BVHTTDL Số: 2026/GCN/000123");
  });

  test("is deterministic: the same certificate gives the same bytes, dated from issuedAt", async () => {
    const [a, b] = await Promise.all([renderCertificatePdf(base), renderCertificatePdf(base)]);
    expect(a.equals(b)).toBe(true);
    expect(poppler("pdfinfo", [pdfFile(a)])).toMatch(/CreationDate:\s+Mon Jan\s+5 02:30:00 2026/);
  });

  test("every Vietnamese letter, đ and ₫ survive a round trip", async () => {
    const vowels = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY";
    const tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"];
    const letters = [...vowels].flatMap((v) => tones.map((t) => (v + t).normalize("NFC"))).join("");
    // Given decomposed (NFD), as some keyboards type it: printed composed.
    const pdf = await renderCertificatePdf({ ...base, recipientName: `${letters.slice(0, 72)} đĐ`.normalize("NFD"), citation: `${letters.slice(72)} ₫` });
    const text = textOf(pdf).replace(/ /g, "");
    expect(text).toContain(`${letters.slice(0, 72)}đĐ`);
    expect(text).toContain(`${letters.slice(72)}₫`);
  });

  test("a receipt rendered while a certificate is being rendered reads back whole (the fonts are shared)", async () => {
    const receipt: ReceiptData = {
      receiptNumber: "R-3F9A1C27B04D5E61",
      issuedAt: new Date("2025-01-05T09:30:00+07:00"),
      donor: { name: "Công ty TNHH Sách Đông Á", address: "12 Phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội" },
      institution: { name: "Thư viện Hà Nội", address: "47 Bà Triệu, phường Hai Bà Trưng, Hà Nội", provinceName: "Hà Nội" },
      programme: { title: "Tủ sách học tập suốt đời cho thư viện xã" },
      amount: 50_000_000,
      method: "bank_transfer",
      receivedAt: new Date("2025-01-03T15:00:00+07:00"),
      reference: "GS7K2M9QXA",
      verifyUrl: "https://gopsuc.example/bien-nhan/R-3F9A1C27B04D5E61",
    };
    const alone = await renderDonationReceiptPdf(receipt);
    const [together] = await Promise.all([renderDonationReceiptPdf(receipt), renderCertificatePdf(long)]);
    const text = textOf(together);
    for (const expected of ["Thư viện Hà Nội", "47 Bà Triệu, phường Hai Bà Trưng, Hà Nội", "Tủ sách học tập suốt đời cho thư viện xã", "Năm mươi triệu đồng"]) {
      expect(text).toContain(expected);
    }
    expect(together.equals(alone)).toBe(true);
  });

  test("refuses an empty field, an address that is not http(s), and an invalid date", async () => {
    await expect(renderCertificatePdf({ ...base, recipientName: "  " })).rejects.toThrow(TypeError);
    await expect(renderCertificatePdf({ ...base, verifyUrl: "javascript:alert(1)" })).rejects.toThrow(TypeError);
    await expect(renderCertificatePdf({ ...base, verifyUrl: "/verify/K7Q2" })).rejects.toThrow(TypeError);
    await expect(renderCertificatePdf({ ...base, issuedAt: new Date("not a date") })).rejects.toThrow(RangeError);
  });
});

describe("formatPlaceAndDate", () => {
  test.each([
    // [instant (UTC), expected line] — the day is Vietnam's (UTC+7), whatever the server's time zone.
    ["2026-01-05T02:30:00Z", "Hà Nội, ngày 05 tháng 01 năm 2026"],
    ["2025-12-31T20:00:00Z", "Hà Nội, ngày 01 tháng 01 năm 2026"], // still 31/12 in UTC, already New Year in Hà Nội
    ["2025-12-31T16:59:59Z", "Hà Nội, ngày 31 tháng 12 năm 2025"], // one second before midnight in Hà Nội
    ["2026-02-09T00:00:00Z", "Hà Nội, ngày 09 tháng 02 năm 2026"],
    ["2026-02-28T17:00:00Z", "Hà Nội, ngày 01 tháng 3 năm 2026"], // month 3: no leading zero
    ["2028-02-29T10:00:00Z", "Hà Nội, ngày 29 tháng 02 năm 2028"],
    ["2026-09-30T18:00:00Z", "Hà Nội, ngày 01 tháng 10 năm 2026"],
    ["2026-11-10T05:00:00Z", "Hà Nội, ngày 10 tháng 11 năm 2026"],
  ])("%s → %s", (instant, expected) => {
    expect(formatPlaceAndDate("Hà Nội", new Date(instant))).toBe(expected);
  });

  test("the place is written composed and trimmed; an empty place or an invalid date is refused", () => {
    expect(formatPlaceAndDate("  TP Hồ Chí Minh ".normalize("NFD"), new Date("2026-07-01T03:00:00Z"))).toBe("TP Hồ Chí Minh, ngày 01 tháng 7 năm 2026");
    expect(() => formatPlaceAndDate(" ", new Date())).toThrow(TypeError);
    expect(() => formatPlaceAndDate("Hà Nội", new Date(Number.NaN))).toThrow(RangeError);
  });
});

// ---- The QR code, read from the rendered page (poppler draws it; no QR library reads it back) ----

type Gray = { width: number; height: number; at: (x: number, y: number) => number };
const DPI = 200;

/** The page's lower-left quarter (where the code is), rendered to 8-bit gray (PGM) by pdftoppm. */
function renderGray(pdf: Buffer): Gray {
  const pageW = Math.round((841.89 * DPI) / 72);
  const pageH = Math.round((595.28 * DPI) / 72);
  const pgm = Buffer.from(poppler("pdftoppm", ["-gray", "-r", String(DPI), "-x", "0", "-y", String(pageH >> 1), "-W", String(pageW >> 1), "-H", String(pageH - (pageH >> 1)), pdfFile(pdf)]), "latin1");
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString("latin1", 0, 40));
  if (!header) throw new Error("pdftoppm did not write a PGM");
  const width = Number(header[1]);
  const height = Number(header[2]);
  const pixels = pgm.subarray(header[0].length);
  return { width, height, at: (x, y) => (x < 0 || y < 0 || x >= width || y >= height ? 255 : pixels[Math.round(y) * width + Math.round(x)]!) };
}

/**
 * The top-left finder pattern (a dark 7×7-module ring around a 3×3 stone): the first point, row by row,
 * where a dark run across and a dark run down have the same length, with light inside the ring and a
 * dark centre. Returns the code's corner and module size.
 */
type FoundQr = { x: number; y: number; module: number; image: Gray };
function findQr(image: Gray): FoundQr {
  const dark = (x: number, y: number) => image.at(x, y) < 128;
  for (let y = 1; y < image.height; y++) {
    for (let x = 1; x < image.width; x++) {
      if (!dark(x, y) || dark(x - 1, y) || dark(x, y - 1)) continue;
      let across = 0;
      while (dark(x + across, y)) across++;
      let down = 0;
      while (dark(x, y + down)) down++;
      if (across < 21 || across > 140 || Math.abs(across - down) > 2) continue;
      const m = across / 7;
      if (dark(x + 1.5 * m, y + 1.5 * m) && !dark(x + 3.5 * m, y + 3.5 * m)) continue;
      if (!dark(x + 3.5 * m, y + 3.5 * m) || dark(x + 1.5 * m, y + 3.5 * m) || !dark(x + 6.5 * m, y + 6.5 * m)) continue;
      return { x, y, module: m, image };
    }
  }
  throw new Error("no QR finder pattern on the page");
}

/** How many modules of the drawn code differ from the code of `text`, plus any dark pixel in a 4-module quiet zone. */
function mismatches(qr: FoundQr, text: string): number {
  const modules = QRCode.create(text, { errorCorrectionLevel: "M" }).modules;
  let wrong = 0;
  for (let row = -4; row < modules.size + 4; row++) {
    for (let col = -4; col < modules.size + 4; col++) {
      const inside = row >= 0 && col >= 0 && row < modules.size && col < modules.size;
      const expected = inside ? Boolean(modules.get(row, col)) : false;
      const drawn = qr.image.at(qr.x + (col + 0.5) * qr.module, qr.y + (row + 0.5) * qr.module) < 128;
      if (drawn !== expected) wrong++;
    }
  }
  return wrong;
}
