import { z } from "zod";
import "./error-map";
import { vietnamMidnight } from "../calendar";
import { HARD_MAX_AMOUNT } from "../payment-limits";
import { messageWithParams } from "./messages";
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
  .max(120, "validation.tooLong");

/**
 * A phone number: Vietnamese (0xxxxxxxxx or +84xxxxxxxxx, 9–10 digits after the prefix) or, for donors
 * abroad, international as E.164 writes it (+ country code, 7–15 digits: "+81312345678").
 */
export const phoneField = z
  .string()
  .trim()
  .regex(/^(?:(\+84|0)\d{9,10}|\+(?!84)[1-9]\d{6,14})$/, "validation.phone");

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
  // An absolute ceiling every form knows; the platform's own (lower) limit is checked by the services.
  if (!Number.isSafeInteger(amount) || amount > HARD_MAX_AMOUNT) return fail(messageWithParams("validation.amountTooLarge", { maxVnd: HARD_MAX_AMOUNT }));
  return amount;
});

export const taxCodeField = z
  .string()
  .trim()
  .refine(isValidEnterpriseTaxCode, "validation.taxCode");

/**
 * Free text: trimmed, at most `max` characters, at least `min` (0: may be empty). "<" and ">" are
 * ordinary characters ("Sách <5 tuổi>"): pages escape on output (React), PDFs and CSV write text.
 * Control characters (other than line breaks and tabs) are refused: they have no place in a form.
 */
export const plainText = (max: number, min = 0) =>
  z
    .string({ required_error: "validation.required" })
    .trim()
    .max(max, "validation.tooLong")
    .refine((value) => value.length >= min, "validation.required")
    .refine((value) => !hasControlCharacter(value), "validation.invalid");

/** A control character other than tab, line feed and carriage return (U+0000–U+001F, U+007F). */
function hasControlCharacter(value: string) {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** An optional field: an empty input means "not given" (undefined), anything else must pass `schema`. */
export const optionalField = <S extends z.ZodTypeAny>(schema: S) =>
  z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema.optional());

/**
 * A checkbox: checked is `true` whatever the browser sends for it ("yes", "on", or react-hook-form's
 * `true`/value); unchecked is `false` — an unchecked box reaches the schema as `false` in the browser
 * and as a missing field on the server, and both mean "not ticked".
 */
export const checkboxField = z.preprocess((value) => value === true || value === "yes" || value === "on" || value === "true", z.boolean());

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
    return vietnamMidnight(year, month, day);
  });

/** A repeating form row left entirely empty (dropped before validation). */
export const isBlankRow = (row: unknown) =>
  !row || (typeof row === "object" && Object.values(row as Record<string, unknown>).every((v) => v === undefined || v === null || String(v).trim() === ""));
