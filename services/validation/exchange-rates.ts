import { z } from "zod";
import { FOREIGN_CARD_CURRENCIES } from "../currencies";
import { dateInputField, plainText } from "./fields";

/**
 * A rate as an admin types it, đồng for one unit: "25.403" or "25,403" (vi and en thousands), "168,6" or
 * "168.60" (a decimal part), "25403". A single separator followed by exactly three digits groups
 * thousands; otherwise it marks the decimals. Blank: no rate (cards are not offered in that currency).
 */
export function parseRate(text: string): number | null | "invalid" {
  return parseDecimal(text, 10_000_000);
}

/**
 * A positive number typed the Vietnamese or English way, with decimals (the rule parseRate states), up
 * to `max`. Blank: null.
 */
export function parseDecimal(text: string, max: number): number | null | "invalid" {
  const value = text.replace(/[\s\u00a0]|₫|đ$|VND$/gi, "");
  if (value === "") return null;
  let normalised: string;
  if (/^\d+$/.test(value)) normalised = value;
  else if (/^\d{1,3}([.,])\d{3}$/.test(value)) normalised = value.replace(/[.,]/, "");
  else if (/^\d{1,3}(\.\d{3})+(,\d+)?$/.test(value)) normalised = value.replace(/\./g, "").replace(",", ".");
  else if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(value)) normalised = value.replace(/,/g, "");
  else if (/^\d+[.,]\d{1,4}$/.test(value)) normalised = value.replace(",", ".");
  else return "invalid";
  const number = Number(normalised);
  return number > 0 && number <= max ? number : "invalid";
}

/** A rate typed in a form (parseRate): a number, or null when blank. */
export const rateField = z.preprocess(
  (value) => (value == null ? "" : String(value)),
  z.string().max(40, "admin.rates.invalid").transform((text, ctx) => {
    const rate = parseRate(text);
    if (rate === "invalid") {
      ctx.addIssue({ code: "custom", message: "admin.rates.invalid" });
      return z.NEVER;
    }
    return rate;
  }),
);

/** The admin's indicative rates form (app/routes/admin.rates.tsx); messages are translation keys. */
export const cardRatesSchema = z.object({
  ...(Object.fromEntries(FOREIGN_CARD_CURRENCIES.map((c) => [c, rateField])) as Record<(typeof FOREIGN_CARD_CURRENCIES)[number], typeof rateField>),
  asOf: dateInputField,
  source: plainText(200, 3),
});
export type CardRatesInput = z.output<typeof cardRatesSchema>;
