import mongoose, { Schema, type Types } from "mongoose";
import { objectId } from "./fields";

/**
 * Published reports to the Prime Minister (issue 12): snapshots, never changed once written. A
 * correction is a new edition with its own `_id` that names the one it supersedes and why; whether an
 * edition was superseded is read by `_id` (the next edition's), so nothing written is ever touched again.
 *
 *   Report      `_id` = "<series>-e<edition>", e.g. "annual-2026-national-e1", "review-2025-ha-noi-e2":
 *               the figures as computed (JSON), the hashes of its files and the transparency-log checkpoint.
 *   ReportFile  `_id` = "<report id>.pdf" / ".csv": the bytes, as published.
 */
import { REPORT_KINDS, type ReportKind } from "./reference/reports";

export { REPORT_KINDS, type ReportKind };
export const REPORT_ID_SHAPE = /^(?:annual-\d{4}|review-2025|review-2030)-[a-z0-9-]+-e\d{1,3}$/;

const reportSchema = new Schema(
  {
    _id: { type: String, required: true, match: REPORT_ID_SHAPE },
    series: { type: String, required: true },
    kind: { type: String, enum: REPORT_KINDS, required: true },
    year: { type: Number, required: true },
    /** "national" or a province's slug. */
    scope: { type: String, required: true },
    edition: { type: Number, required: true, min: 1 },
    supersedes: { type: String, default: null },
    correctionReason: { type: String, trim: true, maxlength: 1000, default: null },
    /** The figures as the report shows them (services/reports/figures.ts ReportFigures). */
    figures: { type: Schema.Types.Mixed, required: true },
    pdfSha256: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    csvSha256: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    pdfBytes: { type: Number, required: true },
    csvBytes: { type: Number, required: true },
    /** The transparency log's checkpoint published just before the figures were computed (null: no signer configured). */
    checkpoint: { type: new Schema({ size: Number, root: String, time: Date, note: String }, { _id: false }), default: null },
    publishedAt: { type: Date, required: true },
    publishedBy: { type: objectId, ref: "User", required: true },
    publishedByRole: { type: String, required: true },
  },
  { versionKey: false }
);
reportSchema.index({ publishedAt: -1 });

export type ReportCheckpoint = { size: number; root: string; time: Date; note: string };
export type ReportDoc = {
  _id: string;
  series: string;
  kind: ReportKind;
  year: number;
  scope: string;
  edition: number;
  supersedes: string | null;
  correctionReason: string | null;
  figures: unknown;
  pdfSha256: string;
  csvSha256: string;
  pdfBytes: number;
  csvBytes: number;
  checkpoint: ReportCheckpoint | null;
  publishedAt: Date;
  publishedBy: Types.ObjectId;
  publishedByRole: string;
};

function refuse(): never {
  throw new Error("Published reports are never changed: publish a new edition");
}
reportSchema.pre(["updateOne", "updateMany", "findOneAndUpdate", "findOneAndReplace", "replaceOne", "deleteOne", "deleteMany", "findOneAndDelete"], { document: false, query: true }, refuse);

export const Report = (mongoose.models.Report as mongoose.Model<ReportDoc> | undefined) ?? mongoose.model<ReportDoc>("Report", reportSchema);

const reportFileSchema = new Schema(
  {
    _id: { type: String, required: true },
    contentType: { type: String, required: true },
    bytes: { type: Buffer, required: true },
    sha256: { type: String, required: true },
  },
  { versionKey: false }
);
reportFileSchema.pre(["updateOne", "updateMany", "findOneAndUpdate", "findOneAndReplace", "replaceOne", "deleteOne", "deleteMany", "findOneAndDelete"], { document: false, query: true }, refuse);
export type ReportFileDoc = { _id: string; contentType: string; bytes: Buffer | { buffer: Uint8Array }; sha256: string };
export const ReportFile = (mongoose.models.ReportFile as mongoose.Model<ReportFileDoc> | undefined) ?? mongoose.model<ReportFileDoc>("ReportFile", reportFileSchema);

export const reportSeries = (kind: ReportKind, year: number, scope: string) => (kind === "annual" ? `annual-${year}-${scope}` : `${kind}-${scope}`);
export const reportId = (series: string, edition: number) => `${series}-e${edition}`;
