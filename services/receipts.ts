/**
 * The donation receipt ("Biên nhận tài trợ") as an A4 PDF, in Vietnamese.
 *
 * Server-only (reads font files, uses pdfkit): routes reach it through an app/utils/*.server.ts bridge
 * (docs/decisions/0004). The font is Noto Serif, embedded (subset) from the
 * @expo-google-fonts/noto-serif package: it has every Vietnamese letter and "₫" (docs/decisions/0005).
 * The output is deterministic for a given input: the PDF's dates and file id come from `issuedAt`.
 */
import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import type { DonationMethod } from "#models/donation.server";
import { formatDate, formatLongVietnameseDate, formatNumber, formatVnd, type Locale } from "./format";
import { formatMoney, paidInLine, type CardCurrency } from "./currencies";
import { vndInEnglishWords, vndInWords } from "./number-words";
import { collectPdf, pdfFontPaths, pdfFonts, type PdfFontName as FontName } from "./pdf-fonts";

export type ReceiptData = {
  receiptNumber: string;
  /** When the receipt is issued: the place-and-date line and the PDF's own dates. */
  issuedAt: Date;
  /** `country`: the country's name, shown for a donor abroad; `registrationNumber`: an organisation abroad's own number. */
  donor: { name: string; taxCode?: string | null; registrationNumber?: string | null; country?: string | null; address?: string | null; representative?: string | null };
  institution: { name: string; address: string; provinceName: string };
  programme: { title: string };
  /** Whole đồng (for gifts in kind: their valued total). */
  amount: number;
  method: DonationMethod;
  /** Overrides the default Vietnamese label of `method`. */
  methodLabel?: string;
  receivedAt: Date;
  /** Bank-transfer description, pledge reference or cash voucher number. */
  reference: string;
  /** Which instalment(s) of its pledge the gift paid ("Đợt 2/4"); absent when the pledge has no instalments. */
  instalment?: { from: number; to: number; count: number } | null;
  inKindItems?: Array<{ item: string; quantity: number; unitValue: number; declaredUnitValue?: number | null }>;
  valuationBasis?: string | null;
  /** Goods declared in another currency (minor units on the items): the rate the manager converted them at. */
  declaredIn?: { currency: CardCurrency; rate: number; rateDate: Date; rateSource: string } | null;
  /** Volunteer expert hours: what the value is made of. */
  volunteerHours?: { hours: number; ratePerHour: number; mode?: "in_person" | "remote" | null } | null;
  /** A card gift paid in another currency (issue 13): what the card was charged and the rate Stripe settled it at. */
  paidIn?: { currency: CardCurrency; amount: number; exchangeRate: number } | null;
  /** Public page where anyone can check this receipt against the ledger; drawn as text and a QR code. */
  verifyUrl?: string;
};

export const RECEIPT_METHOD_LABELS: Record<DonationMethod, string> = {
  card: "Thẻ thanh toán",
  bank_transfer: "Chuyển khoản ngân hàng",
  cash: "Tiền mặt",
  in_kind: "Hiện vật",
  volunteer_hours: "Giờ công tình nguyện",
};

/** What the amount is: money for money, the declared value for goods and for hours of work. */
export const RECEIPT_AMOUNT_LABELS: Record<DonationMethod, string> = {
  card: "Số tiền:",
  bank_transfer: "Số tiền:",
  cash: "Số tiền:",
  in_kind: "Giá trị hiện vật:",
  volunteer_hours: "Giá trị giờ công:",
};

/**
 * The receipt's words in Vietnamese (the original, the record) and in English (a translation for donors
 * who read English: issue 13; it says so and names the original).
 */
const WORDS = {
  vi: {
    nation: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", motto: "Độc lập - Tự do - Hạnh phúc", title: "BIÊN NHẬN TÀI TRỢ", number: "Số:",
    recipient: "BÊN NHẬN TÀI TRỢ", unit: "Đơn vị:", address: "Địa chỉ:", donorSide: "BÊN TÀI TRỢ", donor: "Nhà tài trợ:", taxCode: "Mã số thuế:", registrationNumber: "Số đăng ký:", country: "Quốc gia:", representative: "Người đại diện:",
    gift: "KHOẢN TÀI TRỢ", programme: "Chương trình:", inWords: "Bằng chữ:", hours: "Số giờ công:", hourUnit: "giờ", perHour: "/giờ", method: "Hình thức:", paidIn: "Số tiền thẻ bị trừ:",
    instalment: "Đợt thanh toán:", receivedAt: "Ngày nhận:", reference: "Mã tham chiếu:", items: "DANH MỤC HIỆN VẬT", valuation: "Cơ sở định giá:",
    declaredRate: (rate: string, code: string, day: string, source: string) => `Giá trị khai báo bằng ${code}, quy đổi ${rate} ₫/${code} ngày ${day} (nguồn: ${source}).`,
    hoursMode: { in_person: "trực tiếp", remote: "từ xa" },
    thanks: (institution: string, donor: string) => `${institution} xác nhận đã nhận khoản tài trợ nêu trên và trân trọng cảm ơn ${donor}.`,
    signatory: "ĐẠI DIỆN ĐƠN VỊ NHẬN TÀI TRỢ", sign: "(Ký, ghi rõ họ tên và đóng dấu)", scan: "Quét mã để đối chiếu biên nhận này với sổ cái công khai",
    footer: "Khoản tài trợ này được ghi nhận trong sổ cái công khai của Góp Sức.", check: "Tra cứu:", page: "Trang", translation: null as string | null,
    columns: ["STT", "Hiện vật", "Số lượng", "Đơn giá", "Thành tiền"], total: "Tổng giá trị",
  },
  en: {
    nation: "SOCIALIST REPUBLIC OF VIET NAM", motto: "Independence - Freedom - Happiness", title: "DONATION RECEIPT", number: "No.",
    recipient: "RECEIVED BY", unit: "Institution:", address: "Address:", donorSide: "DONOR", donor: "Donor:", taxCode: "Tax code:", registrationNumber: "Registration no.:", country: "Country:", representative: "Representative:",
    gift: "THE GIFT", programme: "Programme:", inWords: "In words:", hours: "Hours:", hourUnit: "hours", perHour: " per hour", method: "Method:", paidIn: "Card charge:",
    instalment: "Instalment:", receivedAt: "Received on:", reference: "Reference:", items: "GOODS RECEIVED", valuation: "Valued on the basis of:",
    declaredRate: (rate: string, code: string, day: string, source: string) => `Values declared in ${code}, converted at ${rate} ₫ per ${code} on ${day} (source: ${source}).`,
    hoursMode: { in_person: "in person", remote: "remotely" },
    thanks: (institution: string, donor: string) => `${institution} confirms receipt of the gift above and sincerely thanks ${donor}.`,
    signatory: "FOR THE RECEIVING INSTITUTION", sign: "(Signature, full name and seal)", scan: "Scan the code to check this receipt against the public ledger",
    footer: "This gift is recorded in Góp Sức's public ledger.", check: "Check:", page: "Page",
    translation: "English translation; the Vietnamese original is the record.",
    columns: ["No.", "Item", "Quantity", "Unit value", "Value"], total: "Total value",
  },
};

const METHOD_LABELS_EN: Record<DonationMethod, string> = { card: "Card payment", bank_transfer: "Bank transfer", cash: "Cash", in_kind: "Goods in kind", volunteer_hours: "Volunteer hours" };
const AMOUNT_LABELS_EN: Record<DonationMethod, string> = { card: "Amount:", bank_transfer: "Amount:", cash: "Amount:", in_kind: "Value of the goods:", volunteer_hours: "Value of the hours:" };

/** "Đợt 2/4", or "Đợt 2–3/4" when one gift paid several instalments. */
export function instalmentLabel(instalment: { from: number; to: number; count: number }, locale: Locale = "vi") {
  const seq = instalment.from === instalment.to ? String(instalment.from) : `${instalment.from}–${instalment.to}`;
  return locale === "en" ? `${seq} of ${instalment.count}` : `Đợt ${seq}/${instalment.count}`;
}

/** The font files (Noto Serif, three weights): kept under this name for the receipt's tests. */
export const receiptFontPaths = pdfFontPaths;

// A4 portrait, in points. Left margin wider, as Vietnamese administrative documents have it.
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 50, bottom: 74, left: 70, right: 56 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const FOOTER_RULE_Y = PAGE.height - MARGIN.bottom + 14;
const LABEL_WIDTH = 118;
const BODY_SIZE = 11.5;
const INK = "#111111";
const MUTED = "#555555";
const RULE = "#9a9a9a";
const HEADER_FILL = "#eeeeee";

const nfc = (text: string) => text.normalize("NFC").trim();

export async function renderDonationReceiptPdf(receipt: ReceiptData, locale: Locale = "vi"): Promise<Buffer> {
  const w = WORDS[locale];
  const money = (amount: number) => formatVnd(amount, locale);
  if (!Number.isSafeInteger(receipt.amount) || receipt.amount < 0) throw new RangeError(`not a whole number of đồng: ${receipt.amount}`);
  const verifyQr = receipt.verifyUrl
    ? await QRCode.toBuffer(receipt.verifyUrl, { type: "png", errorCorrectionLevel: "M", margin: 0, width: 240 })
    : null;
  // Taken after the last await: from here to doc.end() nothing else uses the shared fonts (services/pdf-fonts.ts).
  const fonts = pdfFonts();

  const receiptNumber = nfc(receipt.receiptNumber);
  const doc = new PDFDocument({
    size: "A4",
    margins: MARGIN,
    bufferPages: true,
    font: fonts.regular as never,
    lang: locale === "en" ? "en-GB" : "vi-VN",
    displayTitle: true,
    info: {
      Title: `${locale === "en" ? "Donation receipt" : "Biên nhận tài trợ"} ${receiptNumber}`,
      Author: nfc(receipt.institution.name),
      Subject: `${nfc(receipt.programme.title)} — ${money(receipt.amount)}`,
      Creator: "Góp Sức",
      Producer: "Góp Sức (PDFKit)",
      CreationDate: receipt.issuedAt,
      ModDate: receipt.issuedAt,
    },
  });
  const finished = collectPdf(doc, fonts);

  const left = MARGIN.left;
  const bottomLimit = () => PAGE.height - MARGIN.bottom;
  /** Starts a new page when `height` points no longer fit on this one; says whether it did. */
  const ensureSpace = (height: number): boolean => {
    if (doc.y + height <= bottomLimit()) return false;
    doc.addPage();
    doc.y = MARGIN.top;
    return true;
  };
  const centred = (text: string, font: FontName, size: number, gapAfter = 0) => {
    doc.font(font).fontSize(size).fillColor(INK).text(text, left, doc.y, { width: CONTENT_WIDTH, align: "center" });
    doc.y += gapAfter;
  };
  const hRule = (y: number, x1 = left, x2 = left + CONTENT_WIDTH, color = RULE, width = 0.6) => {
    doc.save().moveTo(x1, y).lineTo(x2, y).lineWidth(width).strokeColor(color).stroke().restore();
  };
  const section = (title: string) => {
    ensureSpace(60);
    doc.y += 4;
    doc.font("bold").fontSize(10).fillColor(MUTED).text(title, left, doc.y, { width: CONTENT_WIDTH, characterSpacing: 0.6 });
    hRule(doc.y + 1);
    doc.y += 5;
  };
  /** A label on the left and its value beside it, wrapping within the value column. */
  const row = (label: string, value: string, font: FontName = "regular", size = BODY_SIZE) => {
    const valueX = left + LABEL_WIDTH;
    const valueWidth = CONTENT_WIDTH - LABEL_WIDTH;
    doc.font(font).fontSize(size);
    const valueHeight = doc.heightOfString(value, { width: valueWidth });
    ensureSpace(valueHeight);
    const y = doc.y;
    doc.font("regular").fontSize(BODY_SIZE).fillColor(MUTED).text(label, left, y + (size - BODY_SIZE) * 0.8, { width: LABEL_WIDTH - 8 });
    doc.font(font).fontSize(size).fillColor(INK).text(value, valueX, y, { width: valueWidth });
    doc.y = y + valueHeight + 2.5;
  };

  // National header, centred; the motto underlined by a rule as long as the motto.
  centred(w.nation, "bold", 12.5);
  const motto = w.motto;
  centred(motto, "bold", 13);
  const mottoWidth = doc.font("bold").fontSize(13).widthOfString(motto);
  hRule(doc.y + 1, left + (CONTENT_WIDTH - mottoWidth) / 2, left + (CONTENT_WIDTH + mottoWidth) / 2, INK, 0.8);
  doc.y += 24;

  centred(w.title, "bold", 19, 2);
  centred(`${w.number} ${receiptNumber}`, "regular", 11.5, w.translation ? 2 : 10);
  if (w.translation) centred(w.translation, "italic", 9.5, 10);

  section(w.recipient);
  row(w.unit, nfc(receipt.institution.name), "bold");
  row(w.address, nfc(receipt.institution.address));

  section(w.donorSide);
  row(w.donor, nfc(receipt.donor.name), "bold");
  if (receipt.donor.taxCode) row(w.taxCode, nfc(receipt.donor.taxCode));
  if (receipt.donor.registrationNumber) row(w.registrationNumber, nfc(receipt.donor.registrationNumber));
  if (receipt.donor.representative) row(w.representative, nfc(receipt.donor.representative));
  if (receipt.donor.address) row(w.address, nfc(receipt.donor.address));
  if (receipt.donor.country) row(w.country, nfc(receipt.donor.country));

  section(w.gift);
  row(w.programme, nfc(receipt.programme.title));
  row(locale === "en" ? AMOUNT_LABELS_EN[receipt.method] : RECEIPT_AMOUNT_LABELS[receipt.method], money(receipt.amount), "bold", 13);
  row(w.inWords, locale === "en" ? vndInEnglishWords(receipt.amount) : vndInWords(receipt.amount), "italic");
  if (receipt.volunteerHours) {
    const mode = receipt.volunteerHours.mode ? ` (${w.hoursMode[receipt.volunteerHours.mode]})` : "";
    row(w.hours, `${formatNumber(receipt.volunteerHours.hours, locale)} ${w.hourUnit} × ${money(receipt.volunteerHours.ratePerHour)}${w.perHour}${mode}`);
  }
  row(w.method, locale === "en" ? METHOD_LABELS_EN[receipt.method] : nfc(receipt.methodLabel ?? RECEIPT_METHOD_LABELS[receipt.method]));
  if (receipt.paidIn) row(w.paidIn, paidInLine(receipt.paidIn, locale));
  if (receipt.instalment) row(w.instalment, instalmentLabel(receipt.instalment, locale));
  row(w.receivedAt, formatDate(receipt.receivedAt, locale));
  row(w.reference, nfc(receipt.reference));

  if (receipt.inKindItems && receipt.inKindItems.length > 0) {
    section(w.items);
    drawItemsTable(doc, receipt.inKindItems, ensureSpace, locale, receipt.declaredIn?.currency ?? null);
    const note = (text: string) => {
      doc.font("italic").fontSize(10.5);
      ensureSpace(doc.heightOfString(text, { width: CONTENT_WIDTH }));
      doc.fillColor(INK).text(text, left, doc.y, { width: CONTENT_WIDTH });
    };
    if (receipt.valuationBasis) note(`${w.valuation} ${nfc(receipt.valuationBasis)}`);
    if (receipt.declaredIn) {
      const { currency, rate, rateDate, rateSource } = receipt.declaredIn;
      note(w.declaredRate(formatNumber(rate, locale, 4), currency.toUpperCase(), formatDate(rateDate, locale), nfc(rateSource)));
    }
  }

  // Acknowledgement, then the place-and-date line and the signature block on the right half. They stay
  // together on one page: the block needs ~45 pt of text plus room to sign and stamp above the footer rule.
  doc.y += 10;
  const thanks = w.thanks(nfc(receipt.institution.name), nfc(receipt.donor.name));
  doc.font("regular").fontSize(BODY_SIZE);
  const thanksHeight = doc.heightOfString(thanks, { width: CONTENT_WIDTH });
  const signatureGap = 14;
  const signatureHeight = 90;
  if (doc.y + thanksHeight + signatureGap + signatureHeight > FOOTER_RULE_Y) {
    doc.addPage();
    doc.y = MARGIN.top;
  }
  doc.font("regular").fontSize(BODY_SIZE).fillColor(INK).text(thanks, left, doc.y, { width: CONTENT_WIDTH, align: "justify" });
  doc.y += signatureGap;
  const blockTop = doc.y;
  const signX = left + CONTENT_WIDTH * 0.42;
  const signWidth = CONTENT_WIDTH - CONTENT_WIDTH * 0.42;
  doc.font("italic").fontSize(BODY_SIZE).fillColor(INK)
    .text(locale === "en" ? `${nfc(receipt.institution.provinceName)}, ${formatDate(receipt.issuedAt, "en")}` : formatLongVietnameseDate(receipt.issuedAt, nfc(receipt.institution.provinceName)), signX, blockTop, { width: signWidth, align: "center" });
  doc.font("bold").fontSize(BODY_SIZE).text(w.signatory, signX, doc.y + 2, { width: signWidth, align: "center" });
  doc.font("italic").fontSize(10).fillColor(MUTED).text(w.sign, signX, doc.y, { width: signWidth, align: "center" });

  if (verifyQr) {
    const size = 72;
    doc.image(verifyQr, left, blockTop + 2, { width: size, height: size });
    // The caption sits beside the code, its last line level with the code's foot.
    const caption = w.scan;
    const captionWidth = signX - left - size - 24;
    doc.font("italic").fontSize(8.5);
    const captionHeight = doc.heightOfString(caption, { width: captionWidth });
    doc.fillColor(MUTED).text(caption, left + size + 8, blockTop + 2 + size - captionHeight, { width: captionWidth });
  }

  // Footer on every page: the public-ledger note, the verification link, page numbers when > 1 page.
  const range = doc.bufferedPageRange();
  const footerNote = w.footer;
  for (let index = range.start; index < range.start + range.count; index++) {
    doc.switchToPage(index);
    const previousBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the bottom margin must not start a new page
    const footerTop = FOOTER_RULE_Y + 6;
    hRule(FOOTER_RULE_Y);
    const line = receipt.verifyUrl ? `${footerNote}\n${w.check} ${receipt.verifyUrl}` : footerNote;
    const numberWidth = range.count > 1 ? 60 : 0;
    doc.font("regular").fontSize(8.5).fillColor(MUTED).text(line, left, footerTop, { width: CONTENT_WIDTH - numberWidth });
    if (range.count > 1) {
      doc.text(`${w.page} ${index - range.start + 1}/${range.count}`, left + CONTENT_WIDTH - numberWidth, footerTop, { width: numberWidth, align: "right" });
    }
    doc.page.margins.bottom = previousBottom;
  }

  doc.end();
  return finished;
}

function drawItemsTable(
  doc: PDFKit.PDFDocument,
  items: NonNullable<ReceiptData["inKindItems"]>,
  ensureSpace: (height: number) => boolean,
  locale: Locale,
  declaredCurrency: CardCurrency | null,
): void {
  const [no, item, quantity, unitValue, value] = WORDS[locale].columns as [string, string, string, string, string];
  const columns = [
    { title: no, width: 30, align: "center" as const },
    { title: item, width: CONTENT_WIDTH - 30 - 58 - 96 - 106, align: "left" as const },
    { title: quantity, width: 58, align: "right" as const },
    { title: unitValue, width: 96, align: "right" as const },
    { title: value, width: 106, align: "right" as const },
  ];
  const pad = 4;
  const size = 10;
  const rowHeight = (cells: string[], font: FontName) => {
    doc.font(font).fontSize(size);
    return Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: (columns[i]?.width ?? 0) - 2 * pad }))) + 2 * pad;
  };
  const header = columns.map((c) => c.title);
  const drawRow = (cells: string[], font: FontName, fill?: string) => {
    const height = rowHeight(cells, font);
    // A row that moves to a new page takes the column titles with it.
    if (ensureSpace(height) && cells !== header) drawRow(header, "bold", HEADER_FILL);
    const y = doc.y;
    if (fill) doc.save().rect(MARGIN.left, y, CONTENT_WIDTH, height).fill(fill).restore();
    let x = MARGIN.left;
    cells.forEach((cell, i) => {
      const column = columns[i];
      if (!column) return;
      doc.font(font).fontSize(size).fillColor(INK).text(cell, x + pad, y + pad, { width: column.width - 2 * pad, align: column.align });
      x += column.width;
    });
    doc.save().moveTo(MARGIN.left, y + height).lineTo(MARGIN.left + CONTENT_WIDTH, y + height).lineWidth(0.5).strokeColor(RULE).stroke().restore();
    doc.y = y + height;
  };

  ensureSpace(rowHeight(header, "bold") + 40); // no column titles alone at the foot of a page
  drawRow(header, "bold", HEADER_FILL);
  let total = 0;
  items.forEach((entry, index) => {
    const lineTotal = entry.quantity * entry.unitValue;
    total += lineTotal;
    // Declared abroad: the unit's value in its currency under its đồng.
    const declared = declaredCurrency && entry.declaredUnitValue ? `\n(${formatMoney(entry.declaredUnitValue, declaredCurrency, locale)})` : "";
    drawRow([String(index + 1), nfc(entry.item), formatNumber(entry.quantity, locale, 0), `${formatVnd(entry.unitValue, locale)}${declared}`, formatVnd(lineTotal, locale)], "regular");
  });
  drawRow(["", WORDS[locale].total, "", "", formatVnd(total, locale)], "bold");
  doc.y += 6;
}
