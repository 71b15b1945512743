import { randomBytes } from "node:crypto";
import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { CERTIFICATE_TYPE_KEYS, type CertificateType } from "./recognition-rule.server";

export const CERTIFICATE_STATUSES = ["issued", "revoked"] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** The serial printed on a certificate: 2026/GCN/000123 (year, type's code, number within both). */
export function formatCertificateSerial(year: number, code: string, n: number): string {
  return `${year}/${code}/${String(n).padStart(6, "0")}`;
}

/** The verification code: 32 random letters and digits of a 32-symbol alphabet (160 bits), unrelated to the serial. */
export function newVerificationCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return [...randomBytes(32)].map((byte) => alphabet[byte % 32]).join("");
}
export const VERIFICATION_CODE_SHAPE = /^[A-HJ-NP-Z2-9]{32}$/;

/**
 * An issued certificate. Its `_id` is its verification code (the public page, the PDF and the credential
 * are found by it: a read by `_id`). What it says is a snapshot taken when issued. A certificate is never
 * deleted: revoked, it stays with when, why and by whom (and its bit in the status list is set).
 */
const certificateSchema = new Schema(
  {
    _id: { type: String, required: true, match: VERIFICATION_CODE_SHAPE },
    serial: { type: String, required: true, trim: true, maxlength: 40 },
    type: { type: String, enum: CERTIFICATE_TYPE_KEYS, required: true },
    ruleId: { type: objectId, ref: "RecognitionRule", required: true },
    nominationId: { type: String, default: null },
    donorId: { type: objectId, ref: "Donor", required: true },
    /** As the donor consented to be named publicly; null: shown as an anonymous benefactor. */
    recipientName: { type: String, trim: true, maxlength: 300, default: null },
    /** The name printed on the certificate itself (handed to the donor; always their name). */
    printedName: { type: String, required: true, trim: true, maxlength: 300 },
    recipientAddress: { type: String, trim: true, maxlength: 300, default: "" },
    /** The citation as published (the recipient named only as they consented), in both languages. */
    citation: { vi: { type: String, required: true, maxlength: 1000 }, en: { type: String, required: true, maxlength: 1000 } },
    /** The citation as printed on the certificate handed to the donor (their name). */
    printedCitation: { type: String, maxlength: 1000, default: "" },
    year: { type: Number, required: true },
    contribution: vnd(),
    decisionNumber: { type: String, trim: true, maxlength: 60, default: null },
    decisionDate: { type: Date, default: null },
    signerName: { type: String, required: true, trim: true, maxlength: 120 },
    signerTitle: { type: String, required: true, trim: true, maxlength: 200 },
    place: { type: String, required: true, trim: true, maxlength: 60 },
    issuedAt: { type: Date, required: true },
    issuedBy: { type: objectId, ref: "User", required: true },
    batchId: { type: String, default: null },
    /** Its bit in the revocation status list (`statusList`), chosen at random, unique within the list. */
    statusList: { type: Number, required: true, default: 1 },
    statusIndex: { type: Number, required: true },
    /** The signed Open Badges 3.0 credential (VC-JWT), as issued. */
    credential: { type: String, required: true },
    status: { type: String, enum: CERTIFICATE_STATUSES, required: true, default: "issued" },
    revokedAt: { type: Date, default: null },
    revokedReason: { type: String, trim: true, maxlength: 1000, default: null },
    revokedBy: { type: objectId, ref: "User", default: null },
  },
  { timestamps: true },
);
certificateSchema.index({ serial: 1 }, { unique: true });
certificateSchema.index({ statusList: 1, statusIndex: 1 }, { unique: true });
certificateSchema.index({ donorId: 1 });

export type CertificateDoc = InferSchemaType<typeof certificateSchema> & { _id: string; type: CertificateType; status: CertificateStatus };
export const Certificate =
  (mongoose.models.Certificate as mongoose.Model<CertificateDoc> | undefined) ?? mongoose.model<CertificateDoc>("Certificate", certificateSchema);

/**
 * The register of serials: one document per serial taken (`_id` the serial), inserted before its
 * certificate — the insert is what claims the number, so two issuers never get the same one. A serial
 * is then either its certificate's (`code`) or void with the reason (an issue that stopped half-way,
 * completed as void by the next issue of that type and year): the numbers have no gaps.
 */
const certificateSerialSchema = new Schema(
  {
    _id: { type: String, required: true },
    type: { type: String, enum: CERTIFICATE_TYPE_KEYS, required: true },
    year: { type: Number, required: true },
    n: { type: Number, required: true },
    code: { type: String, required: true },
    voidReason: { type: String, default: null },
    voidedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
export type CertificateSerialDoc = InferSchemaType<typeof certificateSerialSchema> & { _id: string };
export const CertificateSerial =
  (mongoose.models.CertificateSerial as mongoose.Model<CertificateSerialDoc> | undefined) ??
  mongoose.model<CertificateSerialDoc>("CertificateSerial", certificateSerialSchema);

/** A batch of certificates being issued in the background, and how far it got (the page shows it). */
const certificateBatchSchema = new Schema(
  {
    _id: { type: String, required: true },
    total: { type: Number, required: true },
    issued: { type: Number, required: true, default: 0 },
    failed: { type: Number, required: true, default: 0 },
    failures: { type: [{ nominationId: String, reason: String }], default: [] },
    state: { type: String, enum: ["running", "done"], required: true, default: "running" },
    startedBy: { type: objectId, ref: "User", required: true },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
export type CertificateBatchDoc = InferSchemaType<typeof certificateBatchSchema> & { _id: string; startedBy: Types.ObjectId };
export const CertificateBatch =
  (mongoose.models.CertificateBatch as mongoose.Model<CertificateBatchDoc> | undefined) ??
  mongoose.model<CertificateBatchDoc>("CertificateBatch", certificateBatchSchema);

/** A revocation status list's version: moved by every revocation, so a list drawn before it is drawn again. */
const statusListSchema = new Schema({ _id: { type: Number, required: true }, version: { type: Number, required: true, default: 0 } }, { versionKey: false, timestamps: true });
export const StatusList =
  (mongoose.models.StatusList as mongoose.Model<{ _id: number; version: number }> | undefined) ?? mongoose.model<{ _id: number; version: number }>("StatusList", statusListSchema);

/** The certificates a user holds (their account page): `_id` `user:<userId>`, the certificates' codes. */
const certificateHolderSchema = new Schema({ _id: { type: String, required: true }, codes: { type: [String], default: [] } }, { versionKey: false, timestamps: true });
export const CertificateHolder =
  (mongoose.models.CertificateHolder as mongoose.Model<{ _id: string; codes: string[] }> | undefined) ??
  mongoose.model<{ _id: string; codes: string[] }>("CertificateHolder", certificateHolderSchema);
