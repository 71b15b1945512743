import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { receiptFontPaths, renderDonationReceiptPdf, type ReceiptData } from "#services/receipts";

const POPPLER_HINT = "poppler-utils is missing (pdftotext/pdfinfo): `apt-get install -y poppler-utils` — .ci/run installs it";
const workDir = mkdtempSync(path.join(tmpdir(), "gopsuc-receipt-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function poppler(tool: "pdftotext" | "pdfinfo", pdf: Buffer, args: string[] = []): string {
  if (!existsSync(`/usr/bin/${tool}`)) throw new Error(POPPLER_HINT);
  const file = path.join(workDir, `r-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  const output = execFileSync(`/usr/bin/${tool}`, [...args, file, ...(tool === "pdftotext" ? ["-"] : [])], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
  if (tool === "pdfinfo") return output;
  // Lines wrap where the layout needs them, and pdftotext keeps the no-break space of "50.000.000 ₫":
  // compare text with single plain spaces.
  return output.replace(/\s+/g, " ").normalize("NFC");
}

const base: ReceiptData = {
  receiptNumber: "R-3F9A1C27B04D5E61",
  issuedAt: new Date("2025-01-05T09:30:00+07:00"),
  donor: { name: "Công ty TNHH Sách Đông Á", taxCode: "0100109106", address: "12 Phố Tràng Tiền, phường Hoàn Kiếm, Hà Nội" },
  institution: { name: "Thư viện Hà Nội", address: "47 Bà Triệu, phường Hai Bà Trưng, Hà Nội", provinceName: "Hà Nội" },
  programme: { title: "Tủ sách học tập suốt đời cho thư viện xã" },
  amount: 50_000_000,
  method: "bank_transfer",
  receivedAt: new Date("2025-01-03T15:00:00+07:00"),
  reference: "GS7K2M9QXA",
  verifyUrl: "https://gopsuc.example/bien-nhan/R-3F9A1C27B04D5E61",
};

describe("donation receipt PDF", () => {
  test("is a PDF with an embedded TrueType font (Noto Serif), no unembedded standard font", async () => {
    const pdf = await renderDonationReceiptPdf(base);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const bytes = pdf.toString("latin1");
    expect(bytes).toContain("/FontFile2");
    expect(bytes).toContain("NotoSerif-Regular");
    expect(bytes).toContain("NotoSerif-Bold");
    expect(bytes).not.toContain("/Helvetica");
  });

  test("its text reads back in correct Vietnamese", async () => {
    const text = poppler("pdftotext", await renderDonationReceiptPdf(base), ["-enc", "UTF-8"]);
    for (const expected of [
      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      "Độc lập - Tự do - Hạnh phúc",
      "BIÊN NHẬN TÀI TRỢ",
      "Số: R-3F9A1C27B04D5E61",
      "Thư viện Hà Nội",
      "47 Bà Triệu, phường Hai Bà Trưng, Hà Nội",
      "Công ty TNHH Sách Đông Á",
      "0100109106",
      "Tủ sách học tập suốt đời cho thư viện xã",
      "50.000.000 ₫",
      "Năm mươi triệu đồng",
      "Chuyển khoản ngân hàng",
      "03/01/2025",
      "GS7K2M9QXA",
      "Hà Nội, ngày 05 tháng 01 năm 2025",
      "ĐẠI DIỆN ĐƠN VỊ NHẬN TÀI TRỢ",
      "sổ cái công khai của Góp Sức",
      "https://gopsuc.example/bien-nhan/R-3F9A1C27B04D5E61",
    ]) {
      expect(text).toContain(expected);
    }
    expect(poppler("pdfinfo", await renderDonationReceiptPdf(base))).toMatch(/Pages:\s+1\n/);
  });

  test("a donor without tax code or address, and a method label override", async () => {
    const text = poppler(
      "pdftotext",
      await renderDonationReceiptPdf({ ...base, donor: { name: "Nhà hảo tâm", taxCode: null, address: null }, method: "cash", methodLabel: "Tiền mặt tại quầy", verifyUrl: undefined }),
      ["-enc", "UTF-8"],
    );
    expect(text).toContain("Nhà hảo tâm");
    expect(text).not.toContain("Mã số thuế");
    expect(text).toContain("Tiền mặt tại quầy");
    expect(text).not.toContain("Tra cứu");
  });

  test("gifts in kind list their items, total and valuation basis", async () => {
    const pdf = await renderDonationReceiptPdf({
      ...base,
      method: "in_kind",
      amount: 12_750_000,
      inKindItems: [
        { item: "Bộ sách “Lịch sử Việt Nam bằng tranh”", quantity: 5, unitValue: 1_350_000 },
        { item: "Kệ sách gỗ 5 tầng", quantity: 2, unitValue: 2_500_000 },
        { item: "Máy tính bảng phục vụ tra cứu", quantity: 1, unitValue: 1_000_000 },
      ],
      valuationBasis: "Theo hóa đơn mua hàng số 0001234 ngày 15/11/2025",
    });
    const text = poppler("pdftotext", pdf, ["-enc", "UTF-8"]);
    for (const expected of ["DANH MỤC HIỆN VẬT", "Hiện vật", "Bộ sách “Lịch sử Việt Nam bằng tranh”", "Kệ sách gỗ 5 tầng", "6.750.000 ₫", "Tổng giá trị", "12.750.000 ₫", "Mười hai triệu bảy trăm năm mươi nghìn đồng", "Cơ sở định giá: Theo hóa đơn mua hàng số 0001234"]) {
      expect(text).toContain(expected);
    }
  });

  test("a long item list flows onto further pages, each with the footer and a page number", async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ item: `Sách tham khảo tập ${i + 1}`, quantity: 1, unitValue: 100_000 }));
    const pdf = await renderDonationReceiptPdf({ ...base, method: "in_kind", amount: 4_000_000, inKindItems: items });
    const pages = Number(/Pages:\s+(\d+)/.exec(poppler("pdfinfo", pdf))?.[1]);
    expect(pages).toBeGreaterThan(1);
    const text = poppler("pdftotext", pdf, ["-enc", "UTF-8"]);
    expect(text).toContain(`Trang ${pages}/${pages}`);
    expect(text).toContain("Sách tham khảo tập 40");
    expect(text.match(/sổ cái công khai của Góp Sức/g)).toHaveLength(pages);
  });

  test("is deterministic: the same receipt gives the same bytes, dated from issuedAt", async () => {
    const [a, b] = await Promise.all([renderDonationReceiptPdf(base), renderDonationReceiptPdf(base)]);
    expect(a.equals(b)).toBe(true);
    expect(poppler("pdfinfo", a)).toMatch(/CreationDate:\s+Sun Jan\s+5 02:30:00 2025/);
  });

  test("refuses a fraction of a đồng", async () => {
    await expect(renderDonationReceiptPdf({ ...base, amount: 1000.5 })).rejects.toThrow(RangeError);
  });
});

/** Glyph id for a code point from the font's Windows Unicode BMP cmap (format 4) — independent of pdfkit. */
function glyphLookup(font: Buffer): (codePoint: number) => number {
  const tables = font.readUInt16BE(4);
  let cmap = -1;
  for (let i = 0; i < tables; i++) {
    const record = 12 + 16 * i;
    if (font.toString("latin1", record, record + 4) === "cmap") cmap = font.readUInt32BE(record + 8);
  }
  if (cmap < 0) throw new Error("no cmap table");
  let sub = -1;
  for (let i = 0; i < font.readUInt16BE(cmap + 2); i++) {
    const record = cmap + 4 + 8 * i;
    if (font.readUInt16BE(record) === 3 && font.readUInt16BE(record + 2) === 1) sub = cmap + font.readUInt32BE(record + 4);
  }
  if (sub < 0 || font.readUInt16BE(sub) !== 4) throw new Error("no format-4 Unicode cmap");
  const segments = font.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (codePoint) => {
    for (let i = 0; i < segments; i++) {
      if (font.readUInt16BE(ends + 2 * i) < codePoint) continue;
      const start = font.readUInt16BE(starts + 2 * i);
      if (start > codePoint) return 0;
      const delta = font.readInt16BE(deltas + 2 * i);
      const rangeOffset = font.readUInt16BE(rangeOffsets + 2 * i);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeOffsets + 2 * i + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

describe("the receipt font", () => {
  const vowels = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY";
  const tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"];
  const letters = [...vowels].flatMap((v) => tones.map((t) => (v + t).normalize("NFC")));
  const needed = [...letters, ..."bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX", "₫", "\u00a0", "“", "”", "—"];

  test("covers every Vietnamese letter with its diacritics, and ₫, in each weight used", () => {
    expect(letters).toHaveLength(144);
    expect(letters.every((l) => l.length === 1)).toBe(true); // all precomposed in NFC
    for (const [weight, file] of Object.entries(receiptFontPaths())) {
      const glyphOf = glyphLookup(readFileSync(file));
      const missing = needed.filter((ch) => glyphOf(ch.codePointAt(0)!) === 0);
      expect({ weight, missing }).toEqual({ weight, missing: [] });
    }
  });

  test("every Vietnamese letter survives a round trip through the PDF", async () => {
    const alphabet = letters.join("");
    const pdf = await renderDonationReceiptPdf({ ...base, programme: { title: alphabet }, donor: { name: alphabet } });
    const text = poppler("pdftotext", pdf, ["-enc", "UTF-8"]).replace(/ /g, "");
    expect(text).toContain(alphabet);
  });
});
