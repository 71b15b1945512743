/**
 * The recognition certificate (Giấy chứng nhận, Thư cảm ơn, or a Bằng khen recorded from its signed
 * decision) as a one-page A4 landscape PDF, laid out as a Vietnamese certificate of merit (domain.md §4).
 *
 * Server-only (reads font files, uses pdfkit). Independent of the database: the caller hands over every
 * text already filled in (the citation too) and gets the PDF's bytes. Noto Serif is embedded as a
 * subset (services/pdf-fonts.ts, docs/decisions/0005); the QR code is drawn as vector squares. The
 * output is deterministic for a given input: the PDF's dates and file id come from `issuedAt`
 * (docs/decisions/0024).
 */
import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import { formatDate, formatLongVietnameseDate } from "../format";
import { collectPdf, pdfFonts, type PdfFontName } from "../pdf-fonts";

export type CertificatePdfInput = {
  /** The certificate's type as printed, in red: "GIẤY CHỨNG NHẬN", "THƯ CẢM ƠN", "BẰNG KHEN" (upper-cased if it is not). */
  title: string;
  /** Who gives it, in red above "TẶNG": "BỘ TRƯỞNG BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH" (upper-cased; "\n" breaks a line). */
  issuer: string;
  /** The recipient as they consented to be named. */
  recipientName: string;
  recipientAddress?: string | null;
  /** The achievement, already filled in from the rule's template ("Đã có thành tích …"). */
  citation: string;
  /** The signed decision a state award is recorded from ("1234/QĐ-BVHTTDL"); printed bottom left when given. */
  decisionNumber?: string | null;
  /** The decision's date, printed after its number ("ngày 05/01/2026", Asia/Ho_Chi_Minh). */
  decisionDate?: Date | null;
  /** The platform's register number: "2026/GCN/000123", printed bottom left as "Số: …". */
  serial: string;
  /** Where it is signed: "Hà Nội". */
  place: string;
  /** When it is issued: the place-and-date line (in Asia/Ho_Chi_Minh) and the PDF's own dates. */
  issuedAt: Date;
  /** title: "BỘ TRƯỞNG", or "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG" (upper-cased; "\n" breaks a line). */
  signer: { title: string; name: string };
  /** The absolute address of the certificate's public page (`https://…/verify/<code>`): the QR code and its caption. */
  verifyUrl: string;
};

/**
 * The place-and-date line, in full and in Vietnam's time zone: "Hà Nội, ngày 05 tháng 01 năm 2026".
 * Days below 10 and the months 1 and 2 take a leading zero; months 3 to 12 do not ("tháng 3"), as
 * administrative documents write them (Decree 30/2020/NĐ-CP, appendix I).
 */
export function formatPlaceAndDate(place: string, date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("not a date");
  return formatLongVietnameseDate(date, required(place, "place"));
}

// A4 landscape, in points.
const PAGE = { width: 841.89, height: 595.28 };
const INK = "#111111";
const RED = "#c1121f";
const FRAME_RED = "#9b1b1f";
const FRAME_GOLD = "#b8923a";
const MUTED = "#444444";
const CONTENT_X = 78;
const CONTENT_WIDTH = PAGE.width - 2 * CONTENT_X;
const MIDDLE_WIDTH = 660;
const MIDDLE_X = (PAGE.width - MIDDLE_WIDTH) / 2;
/** The middle (issuer to citation) lies between the national header and the signature blocks. */
const MIDDLE_TOP = 112;
const MIDDLE_BOTTOM = 400;
const BOTTOM_TOP = 410;
const SIGN_WIDTH = 300;
const SIGN_X = PAGE.width - CONTENT_X - SIGN_WIDTH + 10;
const QR_SIZE = 74;

function required(text: string, field: string): string {
  const value = text.normalize("NFC").trim();
  if (!value) throw new TypeError(`certificate PDF: ${field} is empty`);
  return value;
}

const upper = (text: string) => text.toLocaleUpperCase("vi-VN");
const lines = (text: string) => text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);

export async function renderCertificatePdf(input: CertificatePdfInput): Promise<Buffer> {
  if (Number.isNaN(input.issuedAt.getTime())) throw new RangeError("certificate PDF: issuedAt is not a date");
  if (input.decisionDate && Number.isNaN(input.decisionDate.getTime())) throw new RangeError("certificate PDF: decisionDate is not a date");
  const verifyUrl = required(input.verifyUrl, "verifyUrl");
  if (!/^https?:$/.test(new URL(verifyUrl).protocol)) throw new TypeError("certificate PDF: verifyUrl is not an http(s) address");
  const title = upper(required(input.title, "title"));
  const issuer = lines(upper(required(input.issuer, "issuer")));
  const recipientName = required(input.recipientName, "recipientName");
  const recipientAddress = input.recipientAddress?.normalize("NFC").trim() || null;
  const citation = required(input.citation, "citation");
  const serial = required(input.serial, "serial");
  const decisionNumber = input.decisionNumber?.normalize("NFC").trim() || null;
  const signerTitle = lines(upper(required(input.signer.title, "signer.title")));
  const signerName = required(input.signer.name, "signer.name");
  const placeAndDate = formatPlaceAndDate(input.place, input.issuedAt);
  const qr = QRCode.create(verifyUrl, { errorCorrectionLevel: "M" });

  // No await from here to doc.end(): the parsed fonts are shared by every PDF of the process.
  const fonts = pdfFonts();
  const doc = new PDFDocument({
    size: "A4",
    layout: "landscape",
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
    font: fonts.regular as never,
    lang: "vi-VN",
    displayTitle: true,
    info: {
      Title: `${title} — ${recipientName}`,
      Author: issuer.join(" "),
      Subject: `Số: ${serial}`,
      Creator: "Góp Sức",
      Producer: "Góp Sức (PDFKit)",
      CreationDate: input.issuedAt,
      ModDate: input.issuedAt,
    },
  });
  const finished = collectPdf(doc, fonts);

  type Style = { font: PdfFontName; size: number; color?: string; gap?: number; spacing?: number };
  const heightOf = (text: string, style: Style, width: number) =>
    doc.font(style.font).fontSize(style.size).heightOfString(text, { width, align: "center", lineGap: style.gap ?? 0, characterSpacing: style.spacing ?? 0 });
  const write = (text: string, style: Style, x: number, y: number, width: number, align: "center" | "left" = "center") => {
    doc.font(style.font).fontSize(style.size).fillColor(style.color ?? INK)
      .text(text, x, y, { width, align, lineGap: style.gap ?? 0, characterSpacing: style.spacing ?? 0 });
    return doc.y;
  };

  drawFrame(doc);

  // National header, top centre; the motto underlined by a rule as long as the motto.
  let y = write("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", { font: "bold", size: 13.5 }, CONTENT_X, 50, CONTENT_WIDTH);
  const motto = "Độc lập - Tự do - Hạnh phúc";
  y = write(motto, { font: "bold", size: 14 }, CONTENT_X, y + 1, CONTENT_WIDTH);
  const mottoWidth = doc.font("bold").fontSize(14).widthOfString(motto);
  doc.save().moveTo((PAGE.width - mottoWidth) / 2, y + 2).lineTo((PAGE.width + mottoWidth) / 2, y + 2).lineWidth(0.9).strokeColor(INK).stroke().restore();

  // The middle: issuer, TẶNG, title, recipient, address, citation, centred in the space between the
  // header and the signature blocks. A long name or citation makes the title, the name and the
  // citation smaller together (down to 70 %), so they keep their proportions; what still does not fit
  // is refused rather than run into the signature.
  const issuerStyle: Style = { font: "bold", size: 15.5, color: RED };
  const giveStyle: Style = { font: "bold", size: 15, spacing: 1.5 };
  const addressStyle: Style = { font: "italic", size: 13 };
  const titleSize = title.length > 18 ? 30 : 38;
  const issuerText = issuer.join("\n");
  const middle = (scale: number) => {
    const titleStyle: Style = { font: "bold", size: titleSize * scale, color: RED, spacing: scale };
    const nameStyle: Style = { font: "bold", size: 25 * scale };
    const citationStyle: Style = { font: "regular", size: 14.5 * scale, gap: 3 * scale };
    const gap = 10 * scale;
    const height =
      heightOf(issuerText, issuerStyle, MIDDLE_WIDTH) + gap +
      heightOf("TẶNG", giveStyle, MIDDLE_WIDTH) + 2 +
      heightOf(title, titleStyle, MIDDLE_WIDTH) + 0.6 * gap +
      heightOf(recipientName, nameStyle, MIDDLE_WIDTH) +
      (recipientAddress ? 3 + heightOf(recipientAddress, addressStyle, MIDDLE_WIDTH) : 0) + gap +
      heightOf(citation, citationStyle, MIDDLE_WIDTH);
    return { titleStyle, nameStyle, citationStyle, gap, height };
  };
  const room = MIDDLE_BOTTOM - MIDDLE_TOP;
  let scale = 1;
  let fitted = middle(scale);
  while (fitted.height > room && scale > 0.7) fitted = middle((scale -= 0.025));
  if (fitted.height > room) throw new RangeError("certificate PDF: the name, address and citation do not fit on one page");
  const { titleStyle, nameStyle, citationStyle, gap } = fitted;
  y = MIDDLE_TOP + (room - fitted.height) / 2.5;
  y = write(issuerText, issuerStyle, MIDDLE_X, y, MIDDLE_WIDTH) + gap;
  y = write("TẶNG", giveStyle, MIDDLE_X, y, MIDDLE_WIDTH) + 2;
  y = write(title, titleStyle, MIDDLE_X, y, MIDDLE_WIDTH) + 0.6 * gap;
  y = write(recipientName, nameStyle, MIDDLE_X, y, MIDDLE_WIDTH);
  if (recipientAddress) y = write(recipientAddress, addressStyle, MIDDLE_X, y + 3, MIDDLE_WIDTH);
  write(citation, citationStyle, MIDDLE_X, y + gap, MIDDLE_WIDTH);

  // Bottom right: place and date, the signer's title, room to sign and stamp, the signer's name.
  y = write(placeAndDate, { font: "italic", size: 13.5 }, SIGN_X, BOTTOM_TOP, SIGN_WIDTH);
  write(signerTitle.join("\n"), { font: "bold", size: 14 }, SIGN_X, y + 3, SIGN_WIDTH);
  write(signerName, { font: "bold", size: 15 }, SIGN_X, PAGE.height - 62, SIGN_WIDTH);

  // Bottom left: the decision (when the award was made by one) and the register number, then the QR code
  // with the address it opens.
  const leftWidth = SIGN_X - CONTENT_X - 30;
  const small: Style = { font: "regular", size: 11.5 };
  y = BOTTOM_TOP + 4;
  if (decisionNumber) {
    const decision = `Quyết định số ${decisionNumber}${input.decisionDate ? ` ngày ${formatDate(input.decisionDate)}` : ""}`;
    y = write(decision, small, CONTENT_X, y, leftWidth, "left") + 2;
  }
  write(`Số: ${serial}`, { ...small, font: "bold" }, CONTENT_X, y, leftWidth, "left");
  const qrTop = PAGE.height - 46 - QR_SIZE;
  drawQr(doc, qr.modules, CONTENT_X, qrTop, QR_SIZE);
  const captionX = CONTENT_X + QR_SIZE + 12;
  const captionWidth = leftWidth - QR_SIZE - 12;
  const caption = "Quét mã QR hoặc truy cập địa chỉ dưới đây để xác thực:";
  const captionStyle: Style = { font: "italic", size: 8.5, color: MUTED };
  const urlStyle: Style = { font: "regular", size: 8.5, color: MUTED };
  const captionHeight = heightOf(caption, captionStyle, captionWidth) + 2 + heightOf(verifyUrl, urlStyle, captionWidth);
  y = write(caption, captionStyle, captionX, qrTop + QR_SIZE - captionHeight, captionWidth, "left");
  write(verifyUrl, urlStyle, captionX, y + 2, captionWidth, "left");

  doc.end();
  return finished;
}

/** A double frame (red outside, gold inside) with small diamonds at the inner corners. */
function drawFrame(doc: PDFKit.PDFDocument) {
  const outer = 20;
  const inner = 28;
  doc.save();
  doc.rect(outer, outer, PAGE.width - 2 * outer, PAGE.height - 2 * outer).lineWidth(3).strokeColor(FRAME_RED).stroke();
  doc.rect(inner, inner, PAGE.width - 2 * inner, PAGE.height - 2 * inner).lineWidth(0.9).strokeColor(FRAME_GOLD).stroke();
  const d = 5;
  for (const [cx, cy] of [[inner, inner], [PAGE.width - inner, inner], [inner, PAGE.height - inner], [PAGE.width - inner, PAGE.height - inner]] as const) {
    doc.polygon([cx, cy - d], [cx + d, cy], [cx, cy + d], [cx - d, cy]).fillColor(FRAME_GOLD).fill();
  }
  doc.restore();
}

/** The QR code as filled squares (one path, runs of dark modules merged): crisp at any zoom, ~1 kB. */
function drawQr(doc: PDFKit.PDFDocument, modules: QRCode.BitMatrix, x: number, y: number, size: number) {
  const count = modules.size;
  const cell = size / count;
  doc.save();
  for (let row = 0; row < count; row++) {
    let col = 0;
    while (col < count) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < count && modules.get(row, col)) col++;
      doc.rect(x + start * cell, y + row * cell, (col - start) * cell, cell);
    }
  }
  doc.fillColor("#000000").fill();
  doc.restore();
}
