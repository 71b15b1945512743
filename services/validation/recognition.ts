import { z } from "zod";
import "./error-map";
import { CERTIFICATE_TYPE_KEYS, RULE_DONOR_KINDS, RULE_SCOPES } from "#models/reference/recognition";
import { positiveVndAmountField } from "./fields";
import { messageWithParams } from "./messages";

/**
 * The recognition forms' schemas (J3), shared by the pages (react-hook-form) and the services.
 * Messages are translation keys.
 */

/** The placeholders a citation may use, in each language: filled when a certificate is issued. */
export const CITATION_PLACEHOLDERS = {
  vi: ["tên", "tổng", "chương trình", "năm", "tỉnh"],
  en: ["name", "total", "programmes", "year", "province"],
} as const;

const citationField = (locale: "vi" | "en") =>
  z
    .string({ required_error: "validation.required" })
    .trim()
    .min(10, "validation.tooShort")
    .max(400, "validation.tooLong")
    .superRefine((text, ctx) => {
      const allowed: readonly string[] = CITATION_PLACEHOLDERS[locale];
      for (const [, name] of text.matchAll(/\{([^{}]*)\}/g)) {
        if (!allowed.includes(name!.trim())) ctx.addIssue({ code: "custom", message: messageWithParams("recognition.unknownPlaceholder", { placeholder: `{${name}}`, allowed: allowed.map((p) => `{${p}}`).join(" ") }) });
      }
      if (/[{}]/.test(text.replace(/\{[^{}]*\}/g, ""))) ctx.addIssue({ code: "custom", message: "recognition.unbalancedBraces" });
    });

const checkbox = z.union([z.literal("on"), z.literal("true"), z.boolean(), z.undefined()]).transform((v) => v === true || v === "on" || v === "true");

export const recognitionRuleSchema = z
  .object({
    ruleSet: z.string({ required_error: "validation.required" }).trim().min(3, "validation.tooShort").max(120, "validation.tooLong"),
    type: z.enum(CERTIFICATE_TYPE_KEYS as [string, ...string[]], { errorMap: () => ({ message: "validation.required" }) }),
    nameVi: z.string({ required_error: "validation.required" }).trim().min(3, "validation.tooShort").max(200, "validation.tooLong"),
    nameEn: z.string({ required_error: "validation.required" }).trim().min(3, "validation.tooShort").max(200, "validation.tooLong"),
    donorKinds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(RULE_DONOR_KINDS)).min(1, "recognition.donorKindsRequired")),
    minTotal: positiveVndAmountField,
    year: z.coerce.number({ invalid_type_error: "recognition.yearInvalid" }).int("recognition.yearInvalid").min(2020, "recognition.yearInvalid").max(2100, "recognition.yearInvalid"),
    countInKind: checkbox,
    countVolunteerHours: checkbox,
    scope: z.enum(RULE_SCOPES as unknown as [string, ...string[]], { errorMap: () => ({ message: "validation.required" }) }),
    citationVi: citationField("vi"),
    citationEn: citationField("en"),
  })
  .strip();
export type RecognitionRuleInput = z.input<typeof recognitionRuleSchema>;
export type RecognitionRuleValues = z.output<typeof recognitionRuleSchema>;

const reasonField = z.string().trim().max(2000, "validation.tooLong");

export const nominationSchema = z.object({
  ruleId: z.string().regex(/^[a-f0-9]{24}$/, "validation.required"),
  donorIds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[a-f0-9]{24}$/)).min(1, "recognition.chooseDonors").max(1000)),
  justification: z.string({ required_error: "validation.required" }).trim().min(10, "recognition.justificationTooShort").max(2000, "validation.tooLong"),
});

export const reviewSchema = z
  .object({
    nominationIds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[a-f0-9]{24}:[a-f0-9]{24}$/)).min(1, "recognition.chooseNominations").max(1000)),
    decision: z.enum(["approve", "reject"], { errorMap: () => ({ message: "validation.required" }) }),
    reason: reasonField.optional().default(""),
  })
  .superRefine((value, ctx) => {
    if (value.decision === "reject" && value.reason.length < 5) ctx.addIssue({ code: "custom", path: ["reason"], message: "recognition.rejectReasonRequired" });
  });

/** How the certificates of a batch are signed and dated (a state award also its decision). */
export const issueSchema = z.object({
  nominationIds: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(/^[a-f0-9]{24}:[a-f0-9]{24}$/)).min(1, "recognition.chooseNominations").max(1000)),
  signerName: z.string({ required_error: "validation.required" }).trim().min(3, "validation.tooShort").max(120, "validation.tooLong"),
  signerTitle: z.string({ required_error: "validation.required" }).trim().min(3, "validation.tooShort").max(120, "validation.tooLong"),
  place: z.string().trim().min(2, "validation.tooShort").max(60, "validation.tooLong").default("Hà Nội"),
  decisionNumber: z.string().trim().max(60, "validation.tooLong").regex(/^$|^[0-9]+\/[A-ZĐ0-9-]+$/u, "recognition.decisionNumberShape").optional().default(""),
  decisionDate: z.string().trim().regex(/^$|^\d{4}-\d{2}-\d{2}$/, "validation.date").optional().default(""),
});
export type IssueValues = z.output<typeof issueSchema>;

export const revokeSchema = z.object({
  code: z.string().trim().regex(/^[A-HJ-NP-Z2-9]{32}$/, "validation.required"),
  reason: z.string({ required_error: "validation.required" }).trim().min(5, "recognition.revokeReasonRequired").max(1000, "validation.tooLong"),
});
