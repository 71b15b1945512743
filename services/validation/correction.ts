import { z } from "zod";
import { plainText, positiveVndAmountField } from "./fields";

/**
 * Forms of the corrections workflow (docs/decisions/0009-corrections.md), shared by the browser
 * (react-hook-form's zodResolver) and the actions. Messages are translation keys.
 */

/** A manager's correction of one recorded gift: how much of it to reverse, and why. */
export const correctionSchema = z.object({
  /** A random token put in the form when it is rendered: the same form submitted twice is one correction. */
  clientToken: z.preprocess((value) => (value == null ? "" : value), z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "corrections.validation.clientToken")),
  amount: z.preprocess((value) => (value == null ? "" : value), positiveVndAmountField),
  reason: z
    .preprocess((value) => (value == null ? "" : value), plainText(500, 1))
    .refine((value) => value.length >= 5, "corrections.validation.reasonTooShort"),
});
export type CorrectionInput = z.output<typeof correctionSchema>;

export const CORRECTION_DECISIONS = ["approve", "reject"] as const;

/** An officer's decision on a request: a rejection says why. */
export const correctionDecisionSchema = z
  .object({
    requestId: z.string().regex(/^[a-f0-9]{24}$/, "validation.invalidChoice"),
    decision: z.enum(CORRECTION_DECISIONS, { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    reason: z.preprocess((value) => (value == null ? "" : value), plainText(1000)),
  })
  .refine((value) => value.decision !== "reject" || value.reason.length > 0, { path: ["reason"], message: "corrections.validation.rejectReason" });
export type CorrectionDecisionInput = z.output<typeof correctionDecisionSchema>;
