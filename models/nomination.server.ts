import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { PROVINCE_SLUGS } from "./reference/provinces";
import { ROLES } from "./reference/roles";

// The statuses live in models/reference/recognition.ts (no database code: the pages use them too).
import { NOMINATION_STATUSES, type NominationStatus } from "./reference/recognition";
export { NOMINATION_STATUSES, type NominationStatus };

/** One nomination per donor and rule: its `_id` is `<ruleId>:<donorId>`, so nominating twice finds the first. */
export const nominationIdFor = (ruleId: Types.ObjectId | string, donorId: Types.ObjectId | string) => `${String(ruleId)}:${String(donorId)}`;

/**
 * A donor proposed for a rule's certificate, with the justification and the contribution counted when
 * proposed; its review, and the certificate issued from it. Every step is also in the audit trail
 * (AuditEvent, subjectType "nomination").
 */
const nominationSchema = new Schema(
  {
    _id: { type: String, required: true },
    ruleId: { type: objectId, ref: "RecognitionRule", required: true },
    donorId: { type: objectId, ref: "Donor", required: true },
    /** The donor's name when nominated (the donor record may change or be erased later). */
    donorName: { type: String, trim: true, maxlength: 300, default: "" },
    year: { type: Number, required: true },
    /** What the rule counts of the donor's contributions, when nominated. */
    contribution: vnd(),
    justification: { type: String, required: true, trim: true, maxlength: 2000 },
    nominatedBy: { type: objectId, ref: "User", required: true },
    nominatorName: { type: String, trim: true, maxlength: 200, default: "" },
    nominatorRole: { type: String, enum: ROLES, required: true },
    /** The nominating manager's institution, or the province officer's province (null for the ministry). */
    institutionId: { type: objectId, ref: "Institution", default: null },
    provinceSlug: { type: String, enum: [...PROVINCE_SLUGS, null], default: null },
    status: { type: String, enum: NOMINATION_STATUSES, required: true, default: "proposed" },
    reviewReason: { type: String, trim: true, maxlength: 2000, default: null },
    reviewedBy: { type: objectId, ref: "User", default: null },
    reviewedAt: { type: Date, default: null },
    /** The certificate issued from it (its verification code). */
    certificateCode: { type: String, default: null },
  },
  { timestamps: true },
);

export type NominationDoc = InferSchemaType<typeof nominationSchema> & { _id: string; status: NominationStatus };
export const Nomination =
  (mongoose.models.Nomination as mongoose.Model<NominationDoc> | undefined) ?? mongoose.model<NominationDoc>("Nomination", nominationSchema);
