import { z } from "zod";
import { isValidEnterpriseTaxCode } from "./tax-code";

/**
 * Field schemas shared by every form, on the client (react-hook-form's zodResolver) and in
 * actions. Messages are translation keys (app/locales/*), shown in the reader's language.
 */
export const emailField = z
  .string({ required_error: "validation.required" })
  .trim()
  .min(1, "validation.required")
  .max(254, "validation.email")
  .email("validation.email")
  .transform((value) => value.toLowerCase());

export const passwordField = z
  .string({ required_error: "validation.required" })
  .min(10, "validation.passwordTooShort")
  .max(200, "validation.passwordTooLong");

export const personNameField = z
  .string({ required_error: "validation.required" })
  .trim()
  .min(2, "validation.nameTooShort")
  .max(120, "validation.tooLong")
  .refine((value) => !/[<>]/.test(value), "validation.noMarkup");

/** Vietnamese phone: 0xxxxxxxxx or +84xxxxxxxxx (9–10 digits after the prefix). */
export const phoneField = z
  .string()
  .trim()
  .regex(/^(\+84|0)\d{9,10}$/, "validation.phone");

/**
 * An amount of đồng typed into a form: "1000000", "1.000.000", "1,000,000" or "1.000.000 ₫" → 1000000.
 * Decimals ("1000,5", 1000.5), negatives and badly grouped numbers ("1.0000") are refused.
 */
export const vndAmountField = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const fail = (message: string) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  let amount: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return fail("validation.amountNotNumber");
    if (!Number.isInteger(value)) return fail("validation.amountWholeDong");
    amount = value;
  } else {
    const text = value.replace(/[\s\u00a0]|₫|đ$|VND$/gi, "");
    if (text === "") return fail("validation.required");
    if (/^-/.test(text)) return fail("validation.amountNegative");
    // A decimal part — "1000,5", "25.000.000,5" (vi) or "1,000.50" (en) — is a fraction of a đồng.
    if (/^(\d+|\d{1,3}(\.\d{3})+),\d+$/.test(text) || /^(\d+|\d{1,3}(,\d{3})+)\.\d{1,2}$/.test(text)) return fail("validation.amountWholeDong");
    // Thousands grouped with "." (vi) or "," (en), consistently, or no grouping at all.
    if (!/^(\d+|\d{1,3}(\.\d{3})+|\d{1,3}(,\d{3})+)$/.test(text)) return fail("validation.amountNotNumber");
    amount = Number(text.replace(/[.,]/g, ""));
  }
  if (amount < 0) return fail("validation.amountNegative");
  if (!Number.isSafeInteger(amount)) return fail("validation.amountTooLarge");
  return amount;
});

export const taxCodeField = z
  .string()
  .trim()
  .refine(isValidEnterpriseTaxCode, "validation.taxCode");

/** Free text: trimmed, at most `max` characters, at least `min` (0: may be empty), no markup. */
export const plainText = (max: number, min = 0) =>
  z
    .string({ required_error: "validation.required" })
    .trim()
    .max(max, "validation.tooLong")
    .refine((value) => value.length >= min, "validation.required")
    .refine((value) => !/[<>]/.test(value), "validation.noMarkup");

/** An optional field: an empty input means "not given" (undefined), anything else must pass `schema`. */
export const optionalField = <S extends z.ZodTypeAny>(schema: S) =>
  z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema.optional());

/** An amount of đồng that must be more than zero. */
export const positiveVndAmountField = vndAmountField.refine((amount) => amount > 0, "validation.amountPositive");

/** yyyy-mm-dd from a date input → that day's midnight in Vietnam (UTC+7); impossible dates refused. */
export const dateInputField = z
  .string({ required_error: "validation.required" })
  .trim()
  .min(1, "validation.required")
  .regex(/^\d{4}-\d{2}-\d{2}$/, "validation.date")
  .transform((value, ctx) => {
    const [year, month, day] = value.split("-").map(Number) as [number, number, number];
    const utc = new Date(Date.UTC(year, month - 1, day));
    if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) {
      ctx.addIssue({ code: "custom", message: "validation.date" });
      return z.NEVER;
    }
    return new Date(utc.getTime() - 7 * 60 * 60 * 1000);
  });

/** A repeating form row left entirely empty (dropped before validation). */
export const isBlankRow = (row: unknown) =>
  !row || (typeof row === "object" && Object.values(row as Record<string, unknown>).every((v) => v === undefined || v === null || String(v).trim() === ""));
