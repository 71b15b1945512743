import { z } from "zod";
import { LIBRARY_SECTOR_SLUGS, LIFELONG_SERVICE_SLUGS } from "#models/reference/indicators";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { REPORT_KINDS } from "#models/reference/reports";
import { plainText } from "./fields";

/**
 * The reports' forms (issue 12), one schema each, shared by the browser and the server. Messages are
 * translation keys (app/locales/reports.*.json and the common validation.* keys).
 */

/** The first year of the programme's plan (Decision 1346/QĐ-BVHTTDL, 2023) and the last (2030). */
export const FIRST_REPORT_YEAR = 2023;
export const LAST_REPORT_YEAR = 2030;

/** "70", "70,5" or "70.5" → 70.5: a percent with at most one decimal, 0–1000. */
const percentField = z
  .string({ required_error: "validation.required" })
  .trim()
  .min(1, "validation.required")
  .refine((v) => /^\d{1,4}(?:[.,]\d)?$/.test(v), "reports.validation.percent")
  .transform((v) => Number(v.replace(",", ".")))
  .refine((v) => v <= 1000, "reports.validation.percent");

const wholeCount = z
  .string({ required_error: "validation.required" })
  .trim()
  .transform((v) => v.replace(/[.\s,]/g, ""))
  .refine((v) => /^\d{1,10}$/.test(v), "reports.validation.count")
  .transform(Number);

export const yearField = z
  .string({ required_error: "validation.required" })
  .trim()
  .refine((v) => /^\d{4}$/.test(v), "reports.validation.year")
  .transform(Number)
  .refine((v) => v >= FIRST_REPORT_YEAR && v <= LAST_REPORT_YEAR, "reports.validation.year");

/** One indicator's targets (the ministry's form sends `targets.<id>.y2025` / `.y2030`). */
export const indicatorTargetsSchema = z.object({
  targets: z.record(z.string().regex(/^[a-z0-9-]{1,60}$/), z.object({ y2025: percentField, y2030: percentField })),
});
export type IndicatorTargetsInput = z.output<typeof indicatorTargetsSchema>;

/** An institution's year of lifelong learning. */
export const institutionYearSchema = z.object({
  year: yearField,
  sector: z.enum(LIBRARY_SECTOR_SLUGS, { errorMap: () => ({ message: "reports.validation.sector" }) }),
  services: z
    .preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(LIFELONG_SERVICE_SLUGS, { errorMap: () => ({ message: "reports.validation.service" }) })))
    .transform((list) => [...new Set(list)]),
  learners: wholeCount,
  visitors: wholeCount,
});
export type InstitutionYearInput = z.output<typeof institutionYearSchema>;

/** Which report: its kind, year (annual only; a review's year is its own) and scope. */
export const reportChoiceSchema = z.object({
  kind: z.enum(REPORT_KINDS, { errorMap: () => ({ message: "reports.validation.kind" }) }),
  year: yearField,
  scope: z.enum(["national", ...PROVINCE_SLUGS] as [string, ...string[]], { errorMap: () => ({ message: "reports.validation.scope" }) }),
});
export type ReportChoice = z.output<typeof reportChoiceSchema>;

export const publishReportSchema = reportChoiceSchema.extend({
  /** Required from the second edition on: what the correction changes. */
  reason: z.preprocess((v) => (typeof v === "string" ? v : ""), plainText(1000)),
});
export type PublishReportInput = z.output<typeof publishReportSchema>;
