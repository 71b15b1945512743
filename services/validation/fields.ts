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
