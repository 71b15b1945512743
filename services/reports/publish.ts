import { createHash } from "node:crypto";
import mongoose from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { readById } from "#models/read-by-id";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { REPORT_ID_SHAPE, Report, ReportFile, reportId, reportSeries, type ReportCheckpoint, type ReportDoc, type ReportKind } from "#models/report.server";
import type { SessionUser } from "#models/user.server";
import { hasRole } from "../access";
import { ServiceError, forbidden, invalid, notFound } from "../errors";
import { latestCheckpoint, publishCheckpoint } from "../transparency/log";
import type { PublishReportInput, ReportChoice } from "../validation/reports";
import { computeReportFigures, reportYear, type ReportFigures } from "./figures";
import { renderReportCsv } from "./csv";
import { renderReportPdf, type ReportDocument } from "./pdf";

/**
 * Publishing the reports to the Prime Minister (issue 12). A published report is a snapshot: its figures,
 * its CSV and PDF bytes, their SHA-256 and the transparency log's checkpoint (published first, with every
 * report), written once under ids that follow from the report (models/report.server.ts) and never
 * changed. A correction is the next edition: it names the one it supersedes and why; the earlier one
 * stays as it was and downloads the same bytes.
 *
 * Who: a ministry officer or an admin, for the nation or any province; a province officer, for their own
 * province only (publishing, and previewing figures not yet published). Everyone reads what is published.
 */

export const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** The scopes this person may preview and publish: "national" and provinces. Empty: none. */
export function reportScopesFor(actor: SessionUser): string[] {
  if (hasRole(actor, ["ministry_officer"])) return ["national", ...PROVINCE_SLUGS];
  if (actor.role === "province_officer" && actor.provinceSlug) return [actor.provinceSlug];
  return [];
}

function requireScope(actor: SessionUser, scope: string) {
  if (!reportScopesFor(actor).includes(scope)) throw forbidden();
}

/** The editions of a series, read by `_id` one after another (e1, e2, …) until one is missing. */
async function editionsOf(series: string): Promise<Array<Pick<ReportDoc, "_id" | "edition" | "publishedAt" | "pdfSha256">>> {
  const found: Array<Pick<ReportDoc, "_id" | "edition" | "publishedAt" | "pdfSha256">> = [];
  for (let n = 1; n < 1000; n += 1) {
    const doc = await readById<Pick<ReportDoc, "_id" | "edition" | "publishedAt" | "pdfSha256">>(Report, reportId(series, n), "_id edition publishedAt pdfSha256");
    if (!doc) break;
    found.push(doc);
  }
  return found;
}

export type ReportPreview = { choice: ReportChoice; series: string; figures: ReportFigures; editions: Array<{ id: string; edition: number; publishedAt: Date }> };

/** What the report would say if published now (computed, not stored), and the editions already published. */
export async function previewReport(actor: SessionUser, choice: ReportChoice, now = new Date()): Promise<ReportPreview> {
  requireScope(actor, choice.scope);
  const year = reportYear(choice.kind, choice.year);
  const series = reportSeries(choice.kind, year, choice.scope);
  const [figures, editions] = await Promise.all([computeReportFigures(choice.kind, year, choice.scope, now), editionsOf(series)]);
  return { choice: { ...choice, year }, series, figures, editions: editions.map((e) => ({ id: e._id, edition: e.edition, publishedAt: e.publishedAt })) };
}

/**
 * Publishes the report: a new checkpoint of the log, the figures computed at it, the PDF and CSV made and
 * stored with their hashes. The first edition needs no reason; every later one does (it is a correction).
 */
export async function publishReport(actor: SessionUser, input: PublishReportInput, now = new Date()): Promise<{ id: string; edition: number }> {
  requireScope(actor, input.scope);
  const kind: ReportKind = input.kind;
  const year = reportYear(kind, input.year);
  const series = reportSeries(kind, year, input.scope);
  const editions = await editionsOf(series);
  const previous = editions.at(-1) ?? null;
  const reason = input.reason.trim();
  if (previous && reason.length < 5) throw invalid({ reason: ["reports.validation.reasonRequired"] });
  const edition = (previous?.edition ?? 0) + 1;
  const id = reportId(series, edition);

  // "A new checkpoint is published with every report": then the figures are computed at it.
  await publishCheckpoint(now);
  const signed = await latestCheckpoint();
  const checkpoint: ReportCheckpoint | null = signed ? { size: signed._id, root: signed.root, time: new Date(signed.time), note: signed.note } : null;
  const figures = await computeReportFigures(kind, year, input.scope, now);
  const document: ReportDocument = { id, edition, supersedes: previous?._id ?? null, correctionReason: previous ? reason : null, publishedAt: now, checkpoint, figures };
  const pdf = await renderReportPdf(document);
  const csv = Buffer.from(renderReportCsv(document), "utf8");
  const pdfSha256 = sha256(pdf);
  const csvSha256 = sha256(csv);

  try {
    // The files first, then the report that names them: a report is never listed without its files.
    await ReportFile.collection.insertMany([
      { _id: `${id}.pdf` as never, contentType: "application/pdf", bytes: pdf, sha256: pdfSha256 },
      { _id: `${id}.csv` as never, contentType: "text/csv; charset=utf-8", bytes: csv, sha256: csvSha256 },
    ]);
    await Report.create({
      _id: id,
      series,
      kind,
      year,
      scope: input.scope,
      edition,
      supersedes: document.supersedes,
      correctionReason: document.correctionReason,
      figures,
      pdfSha256,
      csvSha256,
      pdfBytes: pdf.length,
      csvBytes: csv.length,
      checkpoint,
      publishedAt: now,
      publishedBy: new mongoose.Types.ObjectId(actor.id),
      publishedByRole: actor.role,
    });
  } catch (error) {
    // Someone published this edition meanwhile: theirs stands (its files are the ones stored).
    if (isDuplicateKeyError(error)) throw new ServiceError("conflict", "reports.publishedMeanwhile");
    throw error;
  }
  await recordAudit({
    actor,
    action: "report.publish",
    subjectType: "Report",
    subjectId: id,
    provinceSlug: input.scope === "national" ? null : input.scope,
    details: { edition, pdfSha256, csvSha256, checkpoint: checkpoint?.size ?? null },
  });
  return { id, edition };
}

export type PublishedReportRow = Pick<ReportDoc, "_id" | "kind" | "year" | "scope" | "edition" | "supersedes" | "pdfSha256" | "csvSha256" | "pdfBytes" | "csvBytes" | "publishedAt"> & {
  checkpointSize: number | null;
  superseded: boolean;
};

/** Every published edition, newest first (a small collection: one document per report and edition). */
export async function listPublishedReports(): Promise<PublishedReportRow[]> {
  const docs = await Report.find({}).select("_id series kind year scope edition supersedes pdfSha256 csvSha256 pdfBytes csvBytes publishedAt checkpoint.size").sort({ publishedAt: -1 }).lean();
  const latest = new Map<string, number>();
  for (const d of docs) latest.set(d.series, Math.max(latest.get(d.series) ?? 0, d.edition));
  return docs.map((d) => ({
    _id: d._id,
    kind: d.kind,
    year: d.year,
    scope: d.scope,
    edition: d.edition,
    supersedes: d.supersedes,
    pdfSha256: d.pdfSha256,
    csvSha256: d.csvSha256,
    pdfBytes: d.pdfBytes,
    csvBytes: d.csvBytes,
    publishedAt: d.publishedAt,
    checkpointSize: d.checkpoint?.size ?? null,
    superseded: (latest.get(d.series) ?? 0) > d.edition,
  }));
}

/** A published edition by `_id`, and the edition that superseded it (the next one's `_id`), if any. */
export async function publishedReport(id: string): Promise<{ report: ReportDoc; supersededBy: string | null }> {
  if (!REPORT_ID_SHAPE.test(id)) throw notFound();
  const report = await readById<ReportDoc>(Report, id);
  if (!report) throw notFound();
  const next = reportId(report.series, report.edition + 1);
  const later = await readById<{ _id: string }>(Report, next, "_id");
  return { report, supersededBy: later ? later._id : null };
}

export const REPORT_FORMATS = ["pdf", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A published report's file, as stored (one read by `_id`). */
export async function publishedReportFile(id: string, format: ReportFormat): Promise<{ bytes: Buffer; contentType: string; sha256: string; filename: string }> {
  if (!REPORT_ID_SHAPE.test(id) || !(REPORT_FORMATS as readonly string[]).includes(format)) throw notFound();
  const file = await readById<{ bytes: Buffer | { buffer: ArrayBuffer }; contentType: string; sha256: string }>(ReportFile, `${id}.${format}`);
  if (!file) throw notFound();
  const raw = file.bytes as unknown;
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from((raw as { buffer: Uint8Array }).buffer);
  return { bytes, contentType: file.contentType, sha256: file.sha256, filename: `bao-cao-${id}.${format}` };
}
