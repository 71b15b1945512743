import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, vnd } from "./fields";
import { PROVINCE_SLUGS } from "./reference/provinces";

/**
 * Kinds of certificate (domain.md §4). The platform issues a Giấy chứng nhận or a Thư cảm ơn on its own;
 * a Minister's Bằng khen and the Prime Minister's are state awards: recorded here only from a signed
 * decision (its number and date), never invented. `code` is the serial's middle part: 2026/GCN/000123.
 */
export const CERTIFICATE_TYPES = {
  certificate: { code: "GCN", decision: false, title: { vi: "Giấy chứng nhận", en: "Certificate of recognition" } },
  thanks: { code: "TCO", decision: false, title: { vi: "Thư cảm ơn", en: "Letter of thanks" } },
  minister_merit: { code: "BKBT", decision: true, title: { vi: "Bằng khen của Bộ trưởng", en: "Minister's certificate of merit" } },
  pm_merit: { code: "BKTTG", decision: true, title: { vi: "Bằng khen của Thủ tướng Chính phủ", en: "Prime Minister's certificate of merit" } },
} as const;
export type CertificateType = keyof typeof CERTIFICATE_TYPES;
export const CERTIFICATE_TYPE_KEYS = Object.keys(CERTIFICATE_TYPES) as CertificateType[];

/** Who a rule applies to: organisations, individuals, and volunteer experts (individuals who gave hours in the period). */
export const RULE_DONOR_KINDS = ["organisation", "individual", "volunteer_expert"] as const;
export type RuleDonorKind = (typeof RULE_DONOR_KINDS)[number];

/** A rule's reach: the nation, or one province (contributions to that province's institutions). */
export const RULE_SCOPES = ["national", ...PROVINCE_SLUGS] as const;

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
