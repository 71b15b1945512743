import { stringify } from "csv-stringify/sync";
import { countryName } from "../countries";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName } from "#models/reference/provinces";
import { CERTIFICATE_TYPES, CERTIFICATE_TYPE_KEYS } from "#models/reference/recognition";
import { THEMES } from "#models/reference/themes";
import type { ReportDocument } from "./pdf";

/**
 * A report's figures as CSV (issue 12), in one long table that any tool reads: one value per row —
 * section, code, name in Vietnamese and English, measure, value. Amounts are whole đồng without grouping,
 * percentages with a "." decimal point (machine-readable; the PDF is the one formatted for people). Starts
 * with a UTF-8 byte-order mark (Excel), CRLF line ends, as the app's other CSVs.
 */
export const REPORT_CSV_HEADER = ["section", "code", "name_vi", "name_en", "measure", "value"];

export function renderReportCsv(report: ReportDocument): string {
  const f = report.figures;
  const rows: Array<Array<string | number>> = [];
  const meta = (code: string, vi: string, en: string, value: string | number) => rows.push(["report", code, vi, en, "", value]);
  meta("id", "Số báo cáo", "Report number", report.id);
  meta("kind", "Loại báo cáo", "Kind", f.kind);
  meta("year", "Năm", "Year", f.year);
  meta("scope", "Phạm vi", "Scope", f.scope);
  meta("period_from", "Từ ngày", "From", f.period.from);
  meta("period_to", "Đến ngày", "To", f.period.to);
  meta("edition", "Lần ban hành", "Edition", report.edition);
  meta("supersedes", "Thay thế", "Supersedes", report.supersedes ?? "");
  meta("correction_reason", "Lý do đính chính", "Correction reason", report.correctionReason ?? "");
  meta("published_at", "Ban hành lúc", "Published at", report.publishedAt.toISOString());
  meta("checkpoint_size", "Checkpoint: số bút toán", "Checkpoint: tree size", report.checkpoint?.size ?? "");
  meta("checkpoint_root", "Checkpoint: mã gốc", "Checkpoint: root hash", report.checkpoint?.root ?? "");

  const summary = (code: string, vi: string, en: string, measure: string, value: number) => rows.push(["summary", code, vi, en, measure, value]);
  summary("received", "Đã nhận", "Received", "vnd", f.received.total);
  summary("gifts", "Lượt tài trợ", "Gifts", "count", f.received.gifts);
  summary("donors", "Nhà tài trợ", "Donors", "count", f.received.donors);
  summary("spent", "Đã chi", "Spent", "vnd", f.spent);
  summary("pledges_made", "Cam kết trong kỳ", "Pledges made", "count", f.pledges.made);
  summary("pledges_fulfilled", "Cam kết đã hoàn thành", "Pledges fulfilled", "count", f.pledges.fulfilled);
  summary("pledged_amount", "Giá trị cam kết", "Amount pledged", "vnd", f.pledges.amount);
  summary("fulfilled_amount", "Giá trị cam kết đã hoàn thành", "Amount of fulfilled pledges", "vnd", f.pledges.fulfilledAmount);
  summary("certificates", "Giấy chứng nhận đã trao", "Certificates issued", "count", f.certificates.issued);
  for (const type of CERTIFICATE_TYPE_KEYS) summary(`certificates_${type}`, CERTIFICATE_TYPES[type].title.vi, CERTIFICATE_TYPES[type].title.en, "count", f.certificates.byType[type]);

  const money = (section: string, code: string, vi: string, en: string, row: { received: number; gifts: number; spent: number; donors?: number }) => {
    rows.push([section, code, vi, en, "received_vnd", row.received]);
    rows.push([section, code, vi, en, "gifts", row.gifts]);
    if (row.donors !== undefined) rows.push([section, code, vi, en, "donors", row.donors]);
    rows.push([section, code, vi, en, "spent_vnd", row.spent]);
  };
  for (const row of f.byProvince) money("province", row.slug, provinceName(row.slug) ?? row.slug, provinceName(row.slug) ?? row.slug, row);
  for (const row of f.byType) {
    const t = INSTITUTION_TYPES.find((x) => x.slug === row.slug);
    money("institution_type", row.slug, t?.vi ?? row.slug, t?.en ?? row.slug, row);
  }
  for (const row of f.byTheme) {
    const t = THEMES.find((x) => x.slug === row.slug);
    money("theme", row.slug, t?.vi ?? row.slug, t?.en ?? row.slug, row);
  }
  // Support from Việt Nam and from abroad, by the donor's country (issue 13).
  if (f.origin) {
    const origin = (code: string, vi: string, en: string, row: { received: number; gifts: number; donors: number }) => {
      rows.push(["origin", code, vi, en, "received_vnd", row.received]);
      rows.push(["origin", code, vi, en, "gifts", row.gifts]);
      rows.push(["origin", code, vi, en, "donors", row.donors]);
    };
    origin("domestic", "Trong nước (Việt Nam)", "Domestic (Viet Nam)", f.origin.domestic);
    origin("international", "Quốc tế", "International", f.origin.international);
    for (const row of f.origin.byCountry) origin(row.country, countryName(row.country, "vi"), countryName(row.country, "en"), row);
  }
  const indicatorRows = (section: string, prefix: string, results: typeof f.indicators) => {
    for (const r of results) {
      const code = prefix ? `${prefix}:${r.id}` : r.id;
      rows.push([section, code, r.name.vi, r.name.en, "value_percent", r.value === null ? "" : r.value]);
      rows.push([section, code, r.name.vi, r.name.en, "numerator", r.numerator]);
      rows.push([section, code, r.name.vi, r.name.en, "denominator", r.denominator]);
      rows.push([section, code, r.name.vi, r.name.en, "target_2025_percent", r.target2025]);
      rows.push([section, code, r.name.vi, r.name.en, "target_2030_percent", r.target2030]);
    }
  };
  indicatorRows("indicator", "", f.indicators);
  for (const { slug, results } of f.indicatorsByProvince) indicatorRows("indicator_province", slug, results);
  return "\uFEFF" + stringify([REPORT_CSV_HEADER, ...rows], { record_delimiter: "windows" });
}
