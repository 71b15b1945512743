import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { PROVINCE_SLUGS } from "./reference/provinces";
import { ROLES } from "./user.server";

export const NOMINATION_STATUSES = ["proposed", "approved", "rejected"] as const;
export type NominationStatus = (typeof NOMINATION_STATUSES)[number];

/** "2025", "2024-2025", "2025-H1", "2025-Q3", "2025-06"… — ASCII, used in the unique key. */
export const PERIOD_KEY_SHAPE = /^\d{4}(?:-(?:\d{4}|\d{2}|H[12]|Q[1-4]))?$/;

const nominationSchema = new Schema(
  {
    ruleId: { type: objectId, ref: "RecognitionRule", required: true },
    donorId: { type: objectId, ref: "Donor", required: true },
    periodKey: { type: String, required: true, trim: true, match: PERIOD_KEY_SHAPE },
    /** Cumulative contribution over the period when nominated (a snapshot). */
    totalContributed: vnd(),
    nominatedBy: { type: objectId, ref: "User", required: true },
    nominatorRole: { type: String, enum: ROLES, required: true },
    /** Institution of a nominating manager, if any. */
    institutionId: { type: objectId, ref: "Institution", default: null },
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, default: null },
    reason: { type: String, trim: true, maxlength: 2000, default: "" },
    status: { type: String, enum: NOMINATION_STATUSES, required: true, default: "proposed" },
    reviewNote: { type: String, trim: true, maxlength: 2000, default: null },
    reviewedBy: { type: objectId, ref: "User", default: null },
    reviewedAt: { type: Date, default: null },
  },
  { timestamps: true },
);

nominationSchema.index({ ruleId: 1, donorId: 1, periodKey: 1 }, { unique: true });
nominationSchema.index({ status: 1, createdAt: -1 });
nominationSchema.index({ provinceSlug: 1, status: 1 });
nominationSchema.index({ donorId: 1 });

export type NominationDoc = InferSchemaType<typeof nominationSchema> & { _id: Types.ObjectId };
export const Nomination =
  (mongoose.models.Nomination as mongoose.Model<NominationDoc> | undefined) ?? mongoose.model<NominationDoc>("Nomination", nominationSchema);
