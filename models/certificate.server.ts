import { randomBytes } from "node:crypto";
import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId } from "./fields";
import { RECOGNITION_TIERS } from "./recognition-rule.server";

export const CERTIFICATE_STATUSES = ["issued", "revoked"] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** Tiers that are state awards: they exist only through a signed decision with a number and date. */
const DECISION_TIERS: readonly string[] = ["minister_bang_khen_proposal", "pm_bang_khen_proposal"];

/** "GS-2026-000123" (the "Số sổ vàng" printed on the certificate). */
export function formatCertificateSerial(year: number, n: number): string {
  return `GS-${year}-${String(n).padStart(6, "0")}`;
}

/** Random URL-safe code for the public verification page (24 base64url chars, 144 bits). */
export function newVerificationCode(): string {
  return randomBytes(18).toString("base64url");
}

const certificateSchema = new Schema(
  {
    serial: { type: String, required: true, trim: true, maxlength: 40, match: /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/ },
    nominationId: { type: objectId, ref: "Nomination", default: null },
    donorId: { type: objectId, ref: "Donor", required: true },
    /** Snapshots as printed (the donor record may later change or be erased). */
    recipientName: { type: String, required: true, trim: true, maxlength: 200 },
    recipientAddress: { type: String, trim: true, maxlength: 300, default: "" },
    citation: { type: String, required: true, trim: true, maxlength: 1000 },
    tier: { type: String, enum: RECOGNITION_TIERS, required: true },
    /** E.g. "1234/QĐ-BVHTTDL"; required for state-award tiers. */
    decisionNumber: { type: String, trim: true, maxlength: 60, default: null },
    decisionDate: { type: Date, default: null },
    signerName: { type: String, required: true, trim: true, maxlength: 120 },
    signerTitle: { type: String, required: true, trim: true, maxlength: 200 },
    issuedAt: { type: Date, required: true, default: Date.now },
    issuedBy: { type: objectId, ref: "User", required: true },
    status: { type: String, enum: CERTIFICATE_STATUSES, required: true, default: "issued" },
    revokedAt: { type: Date, default: null },
    revokedReason: { type: String, trim: true, maxlength: 1000, default: null },
    revokedBy: { type: objectId, ref: "User", default: null },
    verificationCode: { type: String, required: true, match: /^[A-Za-z0-9_-]{16,64}$/, default: newVerificationCode },
  },
  { timestamps: true },
);

certificateSchema.pre("validate", function () {
  if (DECISION_TIERS.includes(this.tier) && (!this.decisionNumber || !this.decisionDate)) {
    this.invalidate("decisionNumber", "Bằng khen cần số và ngày quyết định (a state award needs a decision number and date)", this.decisionNumber);
  }
  if (this.status === "revoked" && (!this.revokedAt || !this.revokedReason)) {
    this.invalidate("revokedReason", "Thu hồi cần lý do và thời điểm (revocation needs a reason and time)", this.revokedReason);
  }
});

certificateSchema.index({ serial: 1 }, { unique: true });
certificateSchema.index({ verificationCode: 1 }, { unique: true });
certificateSchema.index({ donorId: 1, issuedAt: -1 });
certificateSchema.index({ nominationId: 1 });
certificateSchema.index({ status: 1, issuedAt: -1 });

export type CertificateDoc = InferSchemaType<typeof certificateSchema> & { _id: Types.ObjectId };
export const Certificate =
  (mongoose.models.Certificate as mongoose.Model<CertificateDoc> | undefined) ?? mongoose.model<CertificateDoc>("Certificate", certificateSchema);

export async function findCertificateByVerificationCode(code: string) {
  return Certificate.findOne({ verificationCode: code }).lean();
}
