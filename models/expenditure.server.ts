import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { currency, objectId, vnd } from "./fields";

export const EXPENDITURE_STATES = ["draft", "published"] as const;
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
  },
  { timestamps: true },
);

expenditureSchema.index({ idempotencyKey: 1 }, { unique: true });
expenditureSchema.index({ programmeId: 1, state: 1, spentAt: -1 });
expenditureSchema.index({ institutionId: 1, spentAt: -1 });

export type ExpenditureDoc = InferSchemaType<typeof expenditureSchema> & { _id: Types.ObjectId };
export const Expenditure =
  (mongoose.models.Expenditure as mongoose.Model<ExpenditureDoc> | undefined) ?? mongoose.model<ExpenditureDoc>("Expenditure", expenditureSchema);
