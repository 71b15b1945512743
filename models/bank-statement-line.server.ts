import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { currency, objectId, vnd } from "./fields";

/**
 * unmatched: waiting in the queue for a person · matched: recorded at import (reference and amount agreed,
 * or the manager accepted a different amount) · assigned: recorded later by a person from the queue ·
 * ignored: not a gift (interest, a refund to us, a transfer between own accounts), with a reason.
 */
export const BANK_LINE_STATUSES = ["unmatched", "matched", "assigned", "ignored"] as const;
export type BankLineStatus = (typeof BANK_LINE_STATUSES)[number];

/**
 * Why a line that names one of the institution's pledges still waits for a person: dated after the
 * day it was imported (Asia/Ho_Chi_Minh), or it would pay more than the pledge still owes and the
 * manager did not confirm the over-payment. Lines without a usable reference have no reason (null).
 */
export const QUEUE_REASONS = ["future_date", "overpayment"] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

/**
 * One credit line of an institution's bank statement, as imported (debit lines are never stored).
 * lineKey is always present (FerretDB v1 has no sparse/partial indexes) and unique: a SHA-256 over the
 * institution, the booking time, the amount, the normalised description, the bank's transaction
 * reference and the line's occurrence among identical lines of its file (services/reconciliation.ts),
 * so the same line imported twice is the same key and is stored, and counted, once.
 */
const bankStatementLineSchema = new Schema(
  {
    institutionId: { type: objectId, ref: "Institution", required: true },
    lineKey: { type: String, required: true, trim: true, match: /^[0-9a-f]{64}$/ },
    /** Which upload brought the line in (one id per confirmed statement). */
    importId: { type: objectId, required: true },
    /** The line number in the uploaded file, for people comparing with the bank's export. */
    fileLine: { type: Number, default: null },
    bookedAt: { type: Date, required: true },
    /** Money in, whole đồng, > 0 (checked by the service as well). */
    amount: vnd(),
    currency,
    description: { type: String, trim: true, maxlength: 1000, default: "" },
    /** The bank's own transaction reference (e.g. Vietcombank's "Số tham chiếu"), when the export has one. */
    bankRef: { type: String, trim: true, maxlength: 100, default: null },
    /** A pledge reference of this institution seen in the description (also on unmatched lines: a suggestion). */
    foundReference: { type: String, trim: true, maxlength: 40, default: null },
    status: { type: String, enum: BANK_LINE_STATUSES, required: true, default: "unmatched" },
    /** Why an unmatched line was not recorded at import although it names a pledge (see QUEUE_REASONS). */
    queueReason: { type: String, enum: QUEUE_REASONS, default: null },
    pledgeId: { type: objectId, ref: "Pledge", default: null },
    donationId: { type: objectId, ref: "Donation", default: null },
    importedBy: { type: objectId, ref: "User", default: null },
    resolvedBy: { type: objectId, ref: "User", default: null },
    resolvedAt: { type: Date, default: null },
    ignoredReason: { type: String, trim: true, maxlength: 500, default: null },
  },
  { timestamps: true },
);

bankStatementLineSchema.pre("validate", function () {
  if (this.amount != null && this.amount <= 0) this.invalidate("amount", "Chỉ lưu dòng ghi có (only credit lines, amount > 0)", this.amount);
});

bankStatementLineSchema.index({ lineKey: 1 }, { unique: true });
bankStatementLineSchema.index({ institutionId: 1, status: 1, bookedAt: -1 });
bankStatementLineSchema.index({ importId: 1 });
// The sweeper's read of lines by state written since its last sweep (on MongoDB; a scan on the embedded database).
bankStatementLineSchema.index({ status: 1, createdAt: 1 });

export type BankStatementLineDoc = InferSchemaType<typeof bankStatementLineSchema> & { _id: Types.ObjectId };
export const BankStatementLine =
  (mongoose.models.BankStatementLine as mongoose.Model<BankStatementLineDoc> | undefined) ??
  mongoose.model<BankStatementLineDoc>("BankStatementLine", bankStatementLineSchema);
