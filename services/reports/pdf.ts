/**
 * A report to the Prime Minister as an A4 PDF, in Vietnamese (issue 12): the administrative header
 * (issuer on the left, the national header on the right), the title, the figures in tables, one chart
 * (money received by province — by institution type in a province's report) drawn with pdfkit, and
 * page numbers. Noto Serif embedded (services/pdf-fonts.ts): every Vietnamese letter and "₫".
 *
 * Server-only. Deterministic for the same input: the PDF's dates come from `publishedAt`.
 */
import PDFDocument from "pdfkit";
import { countryName } from "../countries";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName } from "#models/reference/provinces";
import { CERTIFICATE_TYPES, CERTIFICATE_TYPE_KEYS } from "#models/reference/recognition";
import { THEMES } from "#models/reference/themes";
import { formatDate, formatLongVietnameseDate, formatNumber, formatVnd } from "../format";
import { collectPdf, pdfFonts, type PdfFontName as FontName } from "../pdf-fonts";
import type { ReportFigures } from "./figures";
import type { IndicatorResult } from "./indicators";

export type ReportDocument = {
  id: string;
  edition: number;
  supersedes: string | null;
  correctionReason: string | null;
  publishedAt: Date;
  checkpoint: { size: number; root: string } | null;
  figures: ReportFigures;
};

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 48, bottom: 64, left: 62, right: 50 };
const CONTENT_WIDTH = PAGE.width - MARGIN.left - MARGIN.right;
const FOOTER_RULE_Y = PAGE.height - MARGIN.bottom + 16;
const INK = "#111111";
const MUTED = "#555555";
const RULE = "#9a9a9a";
const HEADER_FILL = "#eeeeee";
const RED = "#b3261e";
const BAR = "#1f5f99";
const BAR_SPENT = "#c77d1a";
const BODY = 10.5;

const nfc = (s: string) => s.normalize("NFC");
const vnd = (n: number) => formatVnd(n, "vi");
const num = (n: number) => formatNumber(n, "vi", 0);
const pct = (v: number | null) => (v === null ? "—" : `${formatNumber(v, "vi", 1)}%`);

export const REPORT_TITLES = {
  annual: (year: number) => `năm ${year}`,
  "review-2025": () => "sơ kết giai đoạn 2023–2025",
  "review-2030": () => "tổng kết giai đoạn 2023–2030",
} as const;

/** The programme, as its decision names it. */
export const PROGRAMME_NAME = "Đẩy mạnh các hoạt động phục vụ học tập suốt đời trong thư viện, bảo tàng, trung tâm văn hóa đến năm 2030";

/** Whether an indicator reached the report's milestone target (null: not measurable). */
export function indicatorMet(result: IndicatorResult, milestone: 2025 | 2030): boolean | null {
  if (result.value === null) return null;
  return result.value >= (milestone === 2025 ? result.target2025 : result.target2030);
}

type Column = { title: string; width: number; align: "left" | "right" | "center" };

export async function renderReportPdf(report: ReportDocument): Promise<Buffer> {
  const f = report.figures;
  const province = f.scope === "national" ? null : f.scope;
  const provinceLabel = province ? provinceName(province) ?? province : null;
  // From here to doc.end() nothing awaits: the shared fonts are this document's (services/pdf-fonts.ts).
  const fonts = pdfFonts();
  const title = `Báo cáo kết quả thực hiện Chương trình ${REPORT_TITLES[f.kind](f.year)}${provinceLabel ? ` — ${provinceLabel}` : ""}`;
  const doc = new PDFDocument({
    size: "A4",
    margins: MARGIN,
    bufferPages: true,
    font: fonts.regular as never,
    lang: "vi-VN",
    displayTitle: true,
    info: { Title: nfc(title), Author: "Góp Sức", Subject: report.id, Creator: "Góp Sức", Producer: "Góp Sức (PDFKit)", CreationDate: report.publishedAt, ModDate: report.publishedAt },
  });
  const finished = collectPdf(doc, fonts);

  const left = MARGIN.left;
  // pdfkit starts a new page by itself for text below the bottom margin: stay above it.
  const bottom = () => PAGE.height - MARGIN.bottom - 1;
  const ensureSpace = (height: number): boolean => {
    if (doc.y + height <= bottom()) return false;
    doc.addPage();
    doc.y = MARGIN.top;
    return true;
  };
  const rule = (y: number, x1: number, x2: number, color = RULE, width = 0.6) => doc.save().moveTo(x1, y).lineTo(x2, y).lineWidth(width).strokeColor(color).stroke().restore();
  const text = (s: string, font: FontName = "regular", size = BODY, options: PDFKit.Mixins.TextOptions = {}) => {
    doc.font(font).fontSize(size).fillColor(INK);
    ensureSpace(doc.heightOfString(nfc(s), { width: CONTENT_WIDTH, ...options }));
    doc.text(nfc(s), left, doc.y, { width: CONTENT_WIDTH, ...options });
  };
  /** A section's title, kept with at least `keep` points of what follows. */
  const heading = (s: string, keep = 70) => {
    ensureSpace(keep);
    doc.y += 8;
    text(s, "bold", 11.5);
    doc.y += 3;
  };

  // ——— Header: the issuer on the left, the national header on the right, each underlined ———
  const leftWidth = CONTENT_WIDTH * 0.4;
  const rightX = left + CONTENT_WIDTH * 0.4;
  const rightWidth = CONTENT_WIDTH * 0.6;
  const top = doc.y;
  const issuer = province ? ["UBND " + (provinceLabel ?? "").toUpperCase(), "SỞ VĂN HÓA, THỂ THAO\nVÀ DU LỊCH"] : ["BỘ VĂN HÓA, THỂ THAO", "VÀ DU LỊCH"];
  doc.font("regular").fontSize(10.5).fillColor(INK).text(nfc(issuer[0]!), left, top, { width: leftWidth, align: "center" });
  doc.font("bold").fontSize(10.5).text(nfc(issuer[1]!), left, doc.y, { width: leftWidth, align: "center" });
  const issuerWidth = doc
    .font("bold")
    .fontSize(10.5)
    .widthOfString(nfc(issuer[1]!.split("\n").at(-1)!));
  const issuerRuleY = doc.y + 2;
  rule(issuerRuleY, left + leftWidth / 2 - Math.min(issuerWidth, 90) / 2, left + leftWidth / 2 + Math.min(issuerWidth, 90) / 2, INK, 0.7);
  doc
    .font("regular")
    .fontSize(10)
    .text(`Số: ${report.id}`, left, issuerRuleY + 6, { width: leftWidth, align: "center" });
  const leftBottom = doc.y;
  doc.font("bold").fontSize(10.5).text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", rightX, top, { width: rightWidth, align: "center" });
  const motto = "Độc lập - Tự do - Hạnh phúc";
  doc.font("bold").fontSize(11.5).text(motto, rightX, doc.y, { width: rightWidth, align: "center" });
  const mottoWidth = doc.widthOfString(motto);
  rule(doc.y + 2, rightX + (rightWidth - mottoWidth) / 2, rightX + (rightWidth + mottoWidth) / 2, INK, 0.7);
  doc
    .font("italic")
    .fontSize(10.5)
    .text(formatLongVietnameseDate(report.publishedAt, province ? provinceLabel ?? undefined : "Hà Nội"), rightX, doc.y + 8, { width: rightWidth, align: "center" });
  doc.y = Math.max(leftBottom, doc.y) + 20;

  // ——— Title ———
  doc.font("bold").fontSize(15).fillColor(INK).text("BÁO CÁO", left, doc.y, { width: CONTENT_WIDTH, align: "center" });
  doc
    .font("bold")
    .fontSize(11.5)
    .text(nfc(`Kết quả thực hiện Chương trình “${PROGRAMME_NAME}” ${REPORT_TITLES[f.kind](f.year)}${provinceLabel ? ` tại ${provinceLabel}` : ""}`), left + 30, doc.y + 2, {
      width: CONTENT_WIDTH - 60,
      align: "center",
    });
  doc.y += 8;
  doc
    .font("regular")
    .fontSize(BODY)
    .text(province ? "Kính gửi: Bộ Văn hóa, Thể thao và Du lịch" : "Kính gửi: Thủ tướng Chính phủ", left, doc.y, { width: CONTENT_WIDTH, align: "center" });
  doc.y += 10;

  text(
    `Thực hiện Quyết định số 1520/QĐ-TTg ngày 09/12/2022 của Thủ tướng Chính phủ và Quyết định số 1346/QĐ-BVHTTDL ngày 26/5/2023 của Bộ Văn hóa, Thể thao và Du lịch, ${
      province ? `Sở Văn hóa, Thể thao và Du lịch ${provinceLabel}` : "Bộ Văn hóa, Thể thao và Du lịch"
    } báo cáo kết quả huy động nguồn lực xã hội hóa và các chỉ tiêu của Chương trình từ ngày ${formatDate(f.period.from + "T00:00:00+07:00")} đến ngày ${formatDate(
      f.period.to + "T00:00:00+07:00"
    )}, theo số liệu của nền tảng Góp Sức như sau:`,
    "regular",
    BODY,
    { align: "justify" }
  );
  if (report.edition > 1) {
    doc.y += 4;
    doc.font("italic").fontSize(BODY).fillColor(RED);
    const note = nfc(`Lần ban hành thứ ${report.edition}, thay thế báo cáo số ${report.supersedes ?? ""}. Lý do: ${report.correctionReason ?? ""}`);
    ensureSpace(doc.heightOfString(note, { width: CONTENT_WIDTH }));
    doc.text(note, left, doc.y, { width: CONTENT_WIDTH });
    doc.fillColor(INK);
  }

  // ——— Tables ———
  const table = (columns: Column[], rows: string[][], options: { size?: number; boldLast?: boolean } = {}) => {
    const size = options.size ?? 9;
    const pad = 3.5;
    const scale = CONTENT_WIDTH / columns.reduce((s, c) => s + c.width, 0);
    const cols = columns.map((c) => ({ ...c, width: c.width * scale }));
    const heightOf = (cells: string[], font: FontName) => {
      doc.font(font).fontSize(size);
      return Math.max(...cells.map((cell, i) => doc.heightOfString(nfc(cell), { width: cols[i]!.width - 2 * pad }))) + 2 * pad;
    };
    const header = cols.map((c) => c.title);
    const draw = (cells: string[], font: FontName, fill?: string) => {
      const height = heightOf(cells, font);
      if (ensureSpace(height) && cells !== header) draw(header, "bold", HEADER_FILL);
      const y = doc.y;
      if (fill) doc.save().rect(left, y, CONTENT_WIDTH, height).fill(fill).restore();
      let x = left;
      cells.forEach((cell, i) => {
        const col = cols[i]!;
        doc
          .font(font)
          .fontSize(size)
          .fillColor(INK)
          .text(nfc(cell), x + pad, y + pad, { width: col.width - 2 * pad, align: col.align });
        x += col.width;
      });
      rule(y + height, left, left + CONTENT_WIDTH, RULE, 0.5);
      doc.y = y + height;
    };
    ensureSpace(heightOf(header, "bold") + 40);
    draw(header, "bold", HEADER_FILL);
    rows.forEach((row, index) => draw(row, options.boldLast && index === rows.length - 1 ? "bold" : "regular"));
    doc.y += 6;
  };

  heading("I. NGUỒN LỰC HUY ĐỘNG VÀ SỬ DỤNG");
  table(
    [
      { title: "Nội dung", width: 300, align: "left" },
      { title: "Kết quả", width: 180, align: "right" },
    ],
    [
      ["Tổng giá trị tài trợ đã nhận (tiền, hiện vật quy đổi, giờ công tình nguyện; đã trừ hoàn trả, điều chỉnh)", vnd(f.received.total)],
      ["Số lượt tài trợ", num(f.received.gifts)],
      ["Số nhà tài trợ", num(f.received.donors)],
      ["Tổng chi đã công khai", vnd(f.spent)],
      ["Số dư (đã nhận trừ đã chi)", vnd(f.received.total - f.spent)],
      ["Số cam kết tài trợ trong kỳ / đã hoàn thành", `${num(f.pledges.made)} / ${num(f.pledges.fulfilled)}`],
      ["Giá trị cam kết trong kỳ / đã hoàn thành", `${vnd(f.pledges.amount)} / ${vnd(f.pledges.fulfilledAmount)}`],
      ["Giấy chứng nhận, thư cảm ơn, bằng khen đã trao (còn hiệu lực)", num(f.certificates.issued)],
    ],
    { size: 9.5 }
  );
  const certificateLine = CERTIFICATE_TYPE_KEYS.filter((type) => f.certificates.byType[type] > 0)
    .map((type) => `${CERTIFICATE_TYPES[type].title.vi}: ${num(f.certificates.byType[type])}`)
    .join("; ");
  if (certificateLine) text(`Trong đó — ${certificateLine}${f.certificates.revoked ? `; đã thu hồi: ${num(f.certificates.revoked)}` : ""}.`, "italic", 9.5);
  // Support from Việt Nam and from abroad, by the donor's country (issue 13; reports published before have none).
  if (f.origin) {
    table(
      [
        { title: "Nguồn tài trợ", width: 200, align: "left" },
        { title: "Đã nhận", width: 130, align: "right" },
        { title: "Lượt", width: 70, align: "right" },
        { title: "Nhà tài trợ", width: 80, align: "right" },
      ],
      [
        ["Trong nước (Việt Nam)", vnd(f.origin.domestic.received), num(f.origin.domestic.gifts), num(f.origin.domestic.donors)],
        ["Quốc tế", vnd(f.origin.international.received), num(f.origin.international.gifts), num(f.origin.international.donors)],
        ...f.origin.byCountry.map((r) => [`— ${countryName(r.country, "vi")}`, vnd(r.received), num(r.gifts), num(r.donors)]),
      ],
      { size: 9.5 }
    );
    text("Theo quốc gia của nhà tài trợ. Khoản tài trợ không ghi nhà tài trợ (ẩn danh, nhận tại chỗ) được tính là trong nước.", "italic", 9);
  }

  // ——— The chart: horizontal bars, received and spent ———
  const chartRows = province
    ? f.byType.map((row) => ({ label: INSTITUTION_TYPES.find((t) => t.slug === row.slug)?.vi ?? row.slug, received: row.received, spent: row.spent }))
    : f.byProvince.map((row) => ({ label: provinceName(row.slug) ?? row.slug, received: row.received, spent: row.spent }));
  heading(province ? "II. BIỂU ĐỒ: TÀI TRỢ THEO LOẠI HÌNH THIẾT CHẾ" : "II. BIỂU ĐỒ: TÀI TRỢ THEO TỈNH, THÀNH PHỐ", Math.min(chartHeight(chartRows.length) + 30, bottom() - MARGIN.top));
  drawBars(chartRows);

  if (!province) {
    heading("III. THEO TỈNH, THÀNH PHỐ");
    table(
      [
        { title: "Tỉnh, thành phố", width: 130, align: "left" },
        { title: "Đã nhận", width: 120, align: "right" },
        { title: "Lượt", width: 55, align: "right" },
        { title: "Nhà tài trợ", width: 65, align: "right" },
        { title: "Đã chi", width: 120, align: "right" },
      ],
      [
        ...f.byProvince.map((r) => [provinceName(r.slug) ?? r.slug, vnd(r.received), num(r.gifts), num(r.donors), vnd(r.spent)]),
        ["Cả nước", vnd(f.received.total), num(f.received.gifts), num(f.received.donors), vnd(f.spent)],
      ],
      { size: 8.5, boldLast: true }
    );
  }
  const section = province ? ["III", "IV", "V"] : ["IV", "V", "VI"];
  heading(`${section[0]}. THEO LOẠI HÌNH THIẾT CHẾ VÀ CHỦ ĐỀ`);
  table(
    [
      { title: "Loại hình thiết chế", width: 200, align: "left" },
      { title: "Đã nhận", width: 140, align: "right" },
      { title: "Lượt", width: 60, align: "right" },
      { title: "Đã chi", width: 140, align: "right" },
    ],
    f.byType.map((r) => [INSTITUTION_TYPES.find((t) => t.slug === r.slug)?.vi ?? r.slug, vnd(r.received), num(r.gifts), vnd(r.spent)])
  );
  table(
    [
      { title: "Chủ đề chương trình", width: 200, align: "left" },
      { title: "Đã nhận", width: 140, align: "right" },
      { title: "Lượt", width: 60, align: "right" },
      { title: "Đã chi", width: 140, align: "right" },
    ],
    f.byTheme.map((r) => [THEMES.find((t) => t.slug === r.slug)?.vi ?? r.slug, vnd(r.received), num(r.gifts), vnd(r.spent)])
  );
  text("Một chương trình thuộc nhiều chủ đề được tính ở mỗi chủ đề, nên bảng theo chủ đề không cộng thành tổng.", "italic", 9);

  heading(`${section[1]}. CÁC CHỈ TIÊU CỦA CHƯƠNG TRÌNH NĂM ${f.year}`);
  table(
    [
      { title: "TT", width: 24, align: "center" },
      { title: "Chỉ tiêu", width: 230, align: "left" },
      { title: "Thực hiện", width: 70, align: "right" },
      { title: "Mục tiêu 2025", width: 60, align: "right" },
      { title: "Mục tiêu 2030", width: 60, align: "right" },
      { title: `Đạt mục tiêu ${f.milestone}`, width: 60, align: "center" },
    ],
    f.indicators.map((r, i) => {
      const met = indicatorMet(r, f.milestone);
      const done = r.measure === "share" ? `${pct(r.value)} (${num(r.numerator)}/${num(r.denominator)})` : pct(r.value);
      return [
        String(i + 1),
        r.name.vi,
        done,
        r.measure === "growth" ? `+${pct(r.target2025)}/năm` : pct(r.target2025),
        r.measure === "growth" ? `+${pct(r.target2030)}/năm` : pct(r.target2030),
        met === null ? "—" : met ? "Đạt" : "Chưa đạt",
      ];
    }),
    { size: 8.5 }
  );
  text(
    "Tỷ lệ tính trên các thiết chế đã được phê duyệt trên nền tảng; thiết chế cung cấp dịch vụ học tập suốt đời là thiết chế đã khai báo ít nhất một dịch vụ trong năm. Chỉ tiêu tăng trưởng so sánh số lượt người đến học tập, nghiên cứu của cùng các bảo tàng đã khai báo cả hai năm.",
    "italic",
    9,
    { align: "justify" }
  );

  if (!province && f.indicatorsByProvince.length > 0) {
    heading(`${section[2]}. CHỈ TIÊU THEO TỈNH, THÀNH PHỐ (%)`);
    const n = f.indicators.length;
    table(
      [{ title: "Tỉnh, thành phố", width: 110, align: "left" }, ...f.indicators.map((_, i) => ({ title: `(${i + 1})`, width: 44, align: "right" as const }))],
      f.indicatorsByProvince.map((row) => [provinceName(row.slug) ?? row.slug, ...row.results.slice(0, n).map((r) => (r.value === null ? "—" : formatNumber(r.value, "vi", 1)))]),
      { size: 8 }
    );
    text("(1)…(" + n + "): các chỉ tiêu theo thứ tự ở bảng trên; “—”: không có thiết chế để tính.", "italic", 9);
  }

  // ——— Closing: where the figures come from, and how to check them ———
  doc.y += 6;
  text(
    report.checkpoint
      ? `Số liệu được tính từ sổ cái công khai của Góp Sức tại điểm kiểm tra (checkpoint) có ${num(report.checkpoint.size)} bút toán, mã gốc ${
          report.checkpoint.root
        }. Mọi người có thể đối chiếu tại /transparency/ledger.`
      : "Số liệu được tính từ sổ cái công khai của Góp Sức.",
    "regular",
    9.5
  );
  ensureSpace(80);
  doc.y += 10;
  const signX = left + CONTENT_WIDTH * 0.5;
  doc
    .font("bold")
    .fontSize(BODY)
    .fillColor(INK)
    .text(province ? "GIÁM ĐỐC SỞ" : "BỘ TRƯỞNG", signX, doc.y, { width: CONTENT_WIDTH * 0.5, align: "center" });
  doc
    .font("italic")
    .fontSize(9.5)
    .fillColor(MUTED)
    .text("(Ký, ghi rõ họ tên và đóng dấu)", signX, doc.y, { width: CONTENT_WIDTH * 0.5, align: "center" });

  // ——— Footer on every page: the report's number and the page ———
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index++) {
    doc.switchToPage(index);
    const previousBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    rule(FOOTER_RULE_Y, left, left + CONTENT_WIDTH);
    doc
      .font("regular")
      .fontSize(8.5)
      .fillColor(MUTED)
      .text(nfc(`Góp Sức — báo cáo số ${report.id}, ban hành ${formatDate(report.publishedAt)}`), left, FOOTER_RULE_Y + 6, { width: CONTENT_WIDTH - 80 });
    doc.text(`Trang ${index - range.start + 1}/${range.count}`, left + CONTENT_WIDTH - 80, FOOTER_RULE_Y + 6, { width: 80, align: "right" });
    doc.page.margins.bottom = previousBottom;
  }
  doc.end();
  return finished;

  /** Bars of received (and spent beneath, thinner) per row, with a scale and the amounts at the bars' ends. */
  function chartHeight(rows: number) {
    return rows * (rows > 10 ? 13 : 22) + 26;
  }

  function drawBars(rows: Array<{ label: string; received: number; spent: number }>) {
    const rowHeight = rows.length > 10 ? 13 : 22;
    const labelWidth = 92;
    const valueWidth = 96;
    const barX = left + labelWidth + 6;
    const barWidth = CONTENT_WIDTH - labelWidth - 6 - valueWidth;
    const max = Math.max(1, ...rows.map((r) => Math.max(r.received, r.spent)));
    const legendHeight = 16;
    ensureSpace(Math.min(rows.length * rowHeight + legendHeight + 10, bottom() - MARGIN.top));
    // Legend.
    const ly = doc.y;
    doc
      .save()
      .rect(left, ly + 2, 9, 7)
      .fill(BAR)
      .restore();
    doc
      .font("regular")
      .fontSize(8.5)
      .fillColor(INK)
      .text("Đã nhận", left + 13, ly, { lineBreak: false });
    doc
      .save()
      .rect(left + 70, ly + 2, 9, 7)
      .fill(BAR_SPENT)
      .restore();
    doc.text("Đã chi", left + 83, ly, { lineBreak: false });
    doc.text(`Thang đo: 0 – ${vnd(max)}`, left, ly, { width: CONTENT_WIDTH, align: "right" });
    doc.y = ly + legendHeight;
    for (const row of rows) {
      if (ensureSpace(rowHeight)) doc.y += 2;
      const y = doc.y;
      doc
        .font("regular")
        .fontSize(rowHeight > 13 ? 9 : 7.5)
        .fillColor(INK)
        .text(nfc(row.label), left, y + (rowHeight > 13 ? 5 : 2), { width: labelWidth, align: "right", lineBreak: false });
      doc
        .save()
        .moveTo(barX, y)
        .lineTo(barX, y + rowHeight)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke()
        .restore();
      const receivedBar = (row.received / max) * barWidth;
      const spentBar = (row.spent / max) * barWidth;
      const receivedHeight = rowHeight * 0.5;
      if (receivedBar > 0)
        doc
          .save()
          .rect(barX, y + 1.5, Math.max(receivedBar, 1), receivedHeight)
          .fill(BAR)
          .restore();
      if (spentBar > 0)
        doc
          .save()
          .rect(barX, y + 1.5 + receivedHeight + 0.5, Math.max(spentBar, 1), rowHeight * 0.25)
          .fill(BAR_SPENT)
          .restore();
      if (row.received > 0)
        doc
          .font("regular")
          .fontSize(rowHeight > 13 ? 8.5 : 7)
          .fillColor(MUTED)
          .text(vnd(row.received), barX + receivedBar + 4, y + (rowHeight > 13 ? 4 : 2), { width: valueWidth + barWidth - receivedBar - 4, lineBreak: false });
      doc.y = y + rowHeight;
    }
    doc.y += 8;
    doc.fillColor(INK);
  }
}
