import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { currency, objectId, vnd } from "./fields";

/**
 * draft: written by a manager, private, editable by deletion only; awaiting_approval: submitted at or
 * above the approval threshold, waiting for a second person; published: booked in the ledger (an entry
 * of kind "expenditure"), public, final — taken back only by a reversing entry (reversedAt set).
 */
export const EXPENDITURE_STATES = ["draft", "awaiting_approval", "published"] as const;
export type ExpenditureState = (typeof EXPENDITURE_STATES)[number];

const expenditureSchema = new Schema(
  {
    programmeId: { type: objectId, ref: "Programme", required: true },
    institutionId: { type: objectId, ref: "Institution", required: true },
    /** A Programme.budgetLines[].code (checked against the programme in services). */
    budgetLineCode: { type: String, required: true, trim: true, maxlength: 40 },
    description: { type: String, required: true, trim: true, maxlength: 1000 },
    amount: vnd(),
    currency,
    spentAt: { type: Date, required: true },
    payee: { type: String, trim: true, maxlength: 200, default: null },
    /** GridFS file ids of invoices/receipts. */
    receiptFileIds: { type: [objectId], default: [] },
    state: { type: String, enum: EXPENDITURE_STATES, required: true, default: "draft" },
    publishedAt: { type: Date, default: null },
    idempotencyKey: { type: String, required: true, trim: true, maxlength: 200 },
    recordedBy: { type: objectId, ref: "User", default: null },
    /** Who asked for it to be published, and when (the maker). */
    submittedBy: { type: objectId, ref: "User", default: null },
    submittedAt: { type: Date, default: null },
    /** The second person who approved it (the checker), when it needed one. */
    approvedBy: { type: objectId, ref: "User", default: null },
    /** Why the second person sent it back to draft (the last time). */
    rejectionReason: { type: String, trim: true, maxlength: 500, default: null },
    /** Its ledger entry, once published; and the entry that took it back, once reversed. */
    entryId: { type: objectId, ref: "LedgerEntry", default: null },
    reversedAt: { type: Date, default: null },
    reversedBy: { type: objectId, ref: "User", default: null },
    reversalReason: { type: String, trim: true, maxlength: 500, default: null },
    reversalEntryId: { type: objectId, ref: "LedgerEntry", default: null },
  },
  { timestamps: true },
);

expenditureSchema.index({ idempotencyKey: 1 }, { unique: true });
expenditureSchema.index({ programmeId: 1, state: 1, spentAt: -1 });
expenditureSchema.index({ institutionId: 1, spentAt: -1 });

export type ExpenditureDoc = InferSchemaType<typeof expenditureSchema> & { _id: Types.ObjectId };
export const Expenditure =
  (mongoose.models.Expenditure as mongoose.Model<ExpenditureDoc> | undefined) ?? mongoose.model<ExpenditureDoc>("Expenditure", expenditureSchema);
