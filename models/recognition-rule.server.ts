import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { DONOR_KINDS } from "./donor.server";

/**
 * Recognition tiers. The platform itself issues only certificates of recognition (Giấy chứng nhận) and
 * letters of thanks (Thư cảm ơn); Bằng khen of the Minister / Prime Minister are proposals that exist
 * only through a signed decision with a number (Law on Emulation and Commendation 2022).
 */
export const RECOGNITION_TIERS = ["certificate_of_recognition", "letter_of_thanks", "minister_bang_khen_proposal", "pm_bang_khen_proposal"] as const;
export type RecognitionTier = (typeof RECOGNITION_TIERS)[number];

/** A ministry-set rule: donors whose cumulative contribution over periodMonths reaches minTotal qualify for tier. */
const recognitionRuleSchema = new Schema(
  {
    name: {
      vi: { type: String, required: true, trim: true, maxlength: 200 },
      en: { type: String, required: true, trim: true, maxlength: 200 },
    },
    tier: { type: String, enum: RECOGNITION_TIERS, required: true },
    minTotal: vnd(),
    periodMonths: {
      type: Number,
      required: true,
      validate: { validator: (v: number) => Number.isSafeInteger(v) && v >= 1 && v <= 120, message: "periodMonths must be a whole number of months, 1–120" },
    },
    donorKinds: {
      type: [{ type: String, enum: DONOR_KINDS }],
      default: () => [...DONOR_KINDS],
      validate: { validator: (v: unknown[]) => v.length > 0, message: "At least one donor kind" },
    },
    active: { type: Boolean, required: true, default: true },
    createdBy: { type: objectId, ref: "User", default: null },
  },
  { timestamps: true },
);

recognitionRuleSchema.index({ active: 1, tier: 1 });

export type RecognitionRuleDoc = InferSchemaType<typeof recognitionRuleSchema> & { _id: Types.ObjectId };
export const RecognitionRule =
  (mongoose.models.RecognitionRule as mongoose.Model<RecognitionRuleDoc> | undefined) ??
  mongoose.model<RecognitionRuleDoc>("RecognitionRule", recognitionRuleSchema);
