import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { PROVINCE_SLUGS } from "./reference/provinces";

export const CORRECTION_STATES = ["requested", "approved", "rejected"] as const;
export type CorrectionState = (typeof CORRECTION_STATES)[number];

/**
 * A manager's correction of a gift the institution recorded (cash, bank transfer, goods, hours).
 * The money side is a reversing ledger entry (kind "correction", idempotency key
 * `correction:<this id>`), written by services/corrections.ts when the request is approved — at once
 * when it is below the platform's approval threshold, otherwise when a second person (the province
 * officer of the institution's province, a ministry officer or an admin) approves it. The request is
 * a workflow record, not money: its state moves requested → approved | rejected exactly once, and a
 * rejected request leaves the books untouched.
 */
const correctionRequestSchema = new Schema(
  {
    donationId: { type: objectId, ref: "Donation", required: true },
    programmeId: { type: objectId, ref: "Programme", required: true },
    institutionId: { type: objectId, ref: "Institution", required: true },
    /** The institution's province: whose officer approves. */
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, required: true },
    /** How much of the gift to reverse, in đồng (> 0, never more than is left of the gift). */
    amount: {
      ...vnd(),
      validate: { validator: (v: number) => Number.isSafeInteger(v) && v > 0, message: "Số tiền điều chỉnh phải là số nguyên dương (amount must be a positive whole number)" },
    },
    reason: { type: String, required: true, trim: true, minlength: 1, maxlength: 500 },
    /** The form's one-time token: a form submitted twice is one request. */
    clientToken: { type: String, required: true, trim: true, maxlength: 64 },
    requestedBy: { type: objectId, ref: "User", required: true },
    /** False when the amount was below the threshold and the correction was booked at once. */
    needsApproval: { type: Boolean, required: true },
    state: { type: String, enum: CORRECTION_STATES, required: true, default: "requested" },
    /** Null for a correction booked at once (no second person needed). */
    decidedBy: { type: objectId, ref: "User", default: null },
    decidedAt: { type: Date, default: null },
    decisionReason: { type: String, trim: true, maxlength: 1000, default: null },
  },
  { timestamps: true },
);

correctionRequestSchema.index({ clientToken: 1 }, { unique: true });
correctionRequestSchema.index({ state: 1, provinceSlug: 1, createdAt: -1 });
correctionRequestSchema.index({ programmeId: 1, createdAt: -1 });
correctionRequestSchema.index({ donationId: 1 });

export type CorrectionRequestDoc = InferSchemaType<typeof correctionRequestSchema> & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };
export const CorrectionRequest =
  (mongoose.models.CorrectionRequest as mongoose.Model<CorrectionRequestDoc> | undefined) ??
  mongoose.model<CorrectionRequestDoc>("CorrectionRequest", correctionRequestSchema);

/** The ledger idempotency key of a request's reversing entry. */
export const correctionKey = (requestId: Types.ObjectId | string) => `correction:${String(requestId)}`;

export async function findCorrectionRequest(id: string) {
  if (!mongoose.isValidObjectId(id)) return null;
  return CorrectionRequest.findById(id).lean();
}

export async function findCorrectionByToken(clientToken: string) {
  return CorrectionRequest.findOne({ clientToken }).lean();
}

/** Moves a request out of "requested" exactly once; null when it was already decided (or never existed). */
export async function decideCorrectionRequest(id: Types.ObjectId | string, decision: { state: "approved" | "rejected"; decidedBy: string; decisionReason: string | null }) {
  return CorrectionRequest.findOneAndUpdate(
    { _id: id, state: "requested" },
    { $set: { state: decision.state, decidedBy: decision.decidedBy, decidedAt: new Date(), decisionReason: decision.decisionReason } },
    { new: true },
  ).lean();
}

/** Requests waiting for a decision, oldest first; a province's only when given. */
export async function listPendingCorrections(provinceSlug: string | null, limit = 200) {
  return CorrectionRequest.find({ state: "requested", ...(provinceSlug ? { provinceSlug } : {}) })
    .sort({ createdAt: 1 })
    .limit(limit)
    .lean();
}

/** Recently decided requests that needed a second person (for the review page's history). */
export async function listDecidedCorrections(provinceSlug: string | null, limit = 30) {
  return CorrectionRequest.find({ state: { $in: ["approved", "rejected"] }, needsApproval: true, ...(provinceSlug ? { provinceSlug } : {}) })
    .sort({ decidedAt: -1 })
    .limit(limit)
    .lean();
}

export async function listProgrammeCorrections(programmeId: Types.ObjectId | string, limit = 100) {
  return CorrectionRequest.find({ programmeId }).sort({ createdAt: -1 }).limit(limit).lean();
}

/** Amounts of a gift's requests still waiting for a decision (reserved against what is left of it). */
export async function pendingAmountOf(donationId: Types.ObjectId | string, exceptId?: Types.ObjectId | string) {
  const pending = await CorrectionRequest.find({ donationId, state: "requested", ...(exceptId ? { _id: { $ne: exceptId } } : {}) })
    .select("amount")
    .lean();
  return pending.reduce((sum, r) => sum + r.amount, 0);
}
