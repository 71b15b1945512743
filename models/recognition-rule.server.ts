import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { CERTIFICATE_TYPE_KEYS, RULE_DONOR_KINDS, RULE_SCOPES, type CertificateType } from "./reference/recognition";

// The reference data (certificate types, donor kinds, scopes) lives in models/reference/recognition.ts,
// free of database code, so the forms' schemas can run in the browser.
export { CERTIFICATE_TYPES, CERTIFICATE_TYPE_KEYS, RULE_DONOR_KINDS, RULE_SCOPES, type CertificateType, type RuleDonorKind } from "./reference/recognition";

/**
 * A recognition rule, kept by ministry officers as data: donors of `donorKinds` whose confirmed
 * contributions in calendar year `year` (Asia/Ho_Chi_Minh; cash, and valued goods and volunteer hours
 * when counted; net of refunds and corrections) reach `minTotal` qualify for a certificate of `type`.
 * Rules of one `ruleSet` are tiers: a donor is listed for the highest one reached only.
 * `citation` is a template with {tên} {tổng} {chương trình} {năm} {tỉnh} ({name} {total} {programmes}
 * {year} {province} in English), filled when a certificate is issued.
 */
const recognitionRuleSchema = new Schema(
  {
    ruleSet: { type: String, required: true, trim: true, maxlength: 120 },
    type: { type: String, enum: CERTIFICATE_TYPE_KEYS, required: true },
    name: {
      vi: { type: String, required: true, trim: true, maxlength: 200 },
      en: { type: String, required: true, trim: true, maxlength: 200 },
    },
    donorKinds: {
      type: [{ type: String, enum: RULE_DONOR_KINDS }],
      validate: { validator: (v: unknown[]) => v.length > 0, message: "At least one donor kind" },
      required: true,
    },
    minTotal: vnd(),
    year: { type: Number, required: true, min: 2020, max: 2100 },
    countInKind: { type: Boolean, required: true, default: true },
    countVolunteerHours: { type: Boolean, required: true, default: false },
    scope: { type: String, enum: RULE_SCOPES, required: true, default: "national" },
    citation: {
      vi: { type: String, required: true, trim: true, maxlength: 400 },
      en: { type: String, required: true, trim: true, maxlength: 400 },
    },
    active: { type: Boolean, required: true, default: true },
    createdBy: { type: objectId, ref: "User", default: null },
  },
  { timestamps: true },
);

export type RecognitionRuleDoc = InferSchemaType<typeof recognitionRuleSchema> & { _id: Types.ObjectId; type: CertificateType };
export const RecognitionRule =
  (mongoose.models.RecognitionRule as mongoose.Model<RecognitionRuleDoc> | undefined) ??
  mongoose.model<RecognitionRuleDoc>("RecognitionRule", recognitionRuleSchema);
