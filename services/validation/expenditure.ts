import { z } from "zod";
import { vietnamMidnight } from "../calendar";
import { dateInputField, plainText, positiveVndAmountField } from "./fields";

/**
 * Forms of money out (issue 12, docs/decisions/0036-money-out.md), shared by the browser
 * (react-hook-form's zodResolver) and the actions. Messages are translation keys.
 */

/** Receipts of an expenditure (an invoice, a bill, a signed hand-over): images or PDF, as for a gift's evidence. */
export { EVIDENCE_TYPES as RECEIPT_TYPES, MAX_EVIDENCE_BYTES as MAX_RECEIPT_BYTES, MAX_EVIDENCE_FILES as MAX_RECEIPT_FILES } from "./offline-gift";

const text = (max: number, min = 0) => z.preprocess((value) => (value == null ? "" : value), plainText(max, min));

/** The day the money was spent: a real date, from 2000 on, not later than today. */
const spentAtField = z.preprocess(
  (value) => (value == null ? "" : value),
  dateInputField
    .refine((date) => !(date instanceof Date) || date.getTime() >= vietnamMidnight(2000, 1, 1).getTime(), "validation.date")
    .refine((date) => !(date instanceof Date) || date.getTime() <= Date.now(), "expenditures.validation.spentInFuture"),
);

/** A manager records an expenditure against one of the programme's budget lines (a draft until published). */
export const expenditureSchema = z.object({
  /** A random token put in the form when it is rendered: the same form submitted twice is one expenditure. */
  clientToken: z.preprocess((value) => (value == null ? "" : value), z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "expenditures.validation.clientToken")),
  budgetLineCode: text(40).refine((value) => value.length > 0, "expenditures.validation.budgetLine"),
  amount: z.preprocess((value) => (value == null ? "" : value), positiveVndAmountField),
  spentAt: spentAtField,
  payee: text(200).refine((value) => value.length >= 2, "expenditures.validation.payee"),
  description: text(1000).refine((value) => value.length >= 5, "expenditures.validation.purpose"),
});
export type ExpenditureInput = z.output<typeof expenditureSchema>;

export const EXPENDITURE_ACTIONS = ["publish", "approve", "reject", "delete", "reverse"] as const;

/** What a manager (or the second person) does with one expenditure; a reversal and a rejection say why. */
export const expenditureActionSchema = z
  .object({
    intent: z.enum(EXPENDITURE_ACTIONS, { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    reason: text(500),
  })
  .refine((value) => !(value.intent === "reverse" || value.intent === "reject") || value.reason.length >= 5, { path: ["reason"], message: "expenditures.validation.reason" });
export type ExpenditureActionInput = z.output<typeof expenditureActionSchema>;
