import mongoose, { Schema, type InferSchemaType } from "mongoose";
import { DEFAULT_LIMITS, HARD_MAX_AMOUNT } from "#services/payment-limits";
import { objectId, vnd } from "./fields";

/**
 * Platform-wide limits an admin can change (one document, `_id: "limits"`, read by `_id` — the one
 * lookup FerretDB's SQLite backend pushes down). Defaults apply until an admin saves the first change.
 */
export { DEFAULT_LIMITS, HARD_MAX_AMOUNT };

const settingSchema = new Schema(
  {
    _id: { type: String, required: true },
    maxAmount: { ...vnd({ default: DEFAULT_LIMITS.maxAmount }), max: HARD_MAX_AMOUNT, min: 1 },
    correctionApprovalThreshold: { ...vnd({ default: DEFAULT_LIMITS.correctionApprovalThreshold }), max: HARD_MAX_AMOUNT },
    updatedBy: { type: objectId, ref: "User", default: null },
  },
  { timestamps: true },
);

export type SettingDoc = InferSchemaType<typeof settingSchema>;
export const Setting = (mongoose.models.Setting as mongoose.Model<SettingDoc> | undefined) ?? mongoose.model<SettingDoc>("Setting", settingSchema);

export type Limits = { maxAmount: number; correctionApprovalThreshold: number };

export async function findLimits(): Promise<Limits> {
  const doc = await Setting.findById("limits").lean();
  return {
    maxAmount: doc?.maxAmount ?? DEFAULT_LIMITS.maxAmount,
    correctionApprovalThreshold: doc?.correctionApprovalThreshold ?? DEFAULT_LIMITS.correctionApprovalThreshold,
  };
}

export async function saveLimits(limits: Limits, updatedBy: string | null) {
  await Setting.findOneAndUpdate({ _id: "limits" }, { $set: { ...limits, updatedBy } }, { upsert: true, runValidators: true, setDefaultsOnInsert: true });
}
