import { z } from "zod";
import { vietnamDateInput, vietnamMidnight } from "../calendar";
import { positiveVndAmountField } from "./fields";

/**
 * "Find my gift" by amount and day (/transparency/find, decision 0040): the amount as a donor types it
 * ("500.000", "500000", "500 000 đ", "500,000 VND") and the day the gift was received in Vietnam, from
 * a date input (yyyy-mm-dd) or typed where the browser has none (dd/mm/yyyy, "1 Dec 2026",
 * "December 1, 2026", "ngày 1 tháng 12 năm 2026"). Messages are translation keys.
 */

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10, november: 11, december: 12,
};

/** A typed day → [year, month, day] (not yet checked to exist), or null when it is in no format this reads. */
export function parseTypedDay(text: string): [number, number, number] | null {
  const value = text.trim().toLowerCase().replace(/\s+/g, " ");
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  // dd/mm/yyyy — as Vietnam writes dates, and as the platform shows them in both languages' numbers.
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (m) return [Number(m[3]), Number(m[2]), Number(m[1])];
  m = /^(?:ngày )?(\d{1,2}) tháng (\d{1,2}),? (?:năm )?(\d{4})$/.exec(value);
  if (m) return [Number(m[3]), Number(m[2]), Number(m[1])];
  m = /^(\d{1,2}) ([a-z]+)\.?,? (\d{4})$/.exec(value);
  if (m && MONTHS[m[2]!]) return [Number(m[3]), MONTHS[m[2]!]!, Number(m[1])];
  m = /^([a-z]+)\.? (\d{1,2}),? (\d{4})$/.exec(value);
  if (m && MONTHS[m[1]!]) return [Number(m[3]), MONTHS[m[1]!]!, Number(m[2])];
  return null;
}

/** The words around an amount that are not the number: "đ", "₫", "VND", "vnđ", "đồng". */
const CURRENCY_WORDS = /\s*(vnđ|vnd|đồng|dong|₫|đ)\.?\s*$/i;

export function findByAmountSchema(now: () => Date = () => new Date()) {
  return z.object({
    amount: z
      .string()
      .trim()
      .min(1, "transparency.findAmountRequired")
      .transform((value, ctx) => {
        const text = value.replace(CURRENCY_WORDS, "").replace(/^(vnđ|vnd|₫|đ)\s*/i, "").trim();
        // "500,000" is five hundred thousand (English grouping): đồng have no decimals, and three of them never were.
        const parsed = positiveVndAmountField.safeParse(text.replace(/^(\d{1,3}),(\d{3})$/, "$1$2"));
        if (parsed.success) return parsed.data;
        // Not a number at all gets this form's own example; a decimal, a negative, a zero or too much, the shared messages.
        const message = parsed.error.issues[0]?.message ?? "transparency.findAmountInvalid";
        ctx.addIssue({ code: "custom", message: message === "validation.amountNotNumber" || message === "validation.required" ? "transparency.findAmountInvalid" : message });
        return z.NEVER;
      }),
    date: z
      .string()
      .trim()
      .min(1, "transparency.findDateRequired")
      .max(40, "transparency.findDateInvalid")
      .transform((value, ctx) => {
        const parts = parseTypedDay(value);
        const [year, month, day] = parts ?? [0, 0, 0];
        const utc = new Date(Date.UTC(year, month - 1, day));
        if (!parts || year < 2000 || utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day) {
          ctx.addIssue({ code: "custom", message: "transparency.findDateInvalid" });
          return z.NEVER;
        }
        const input = vietnamDateInput(vietnamMidnight(year, month, day));
        if (input > vietnamDateInput(now())) {
          ctx.addIssue({ code: "custom", message: "transparency.findDateFuture" });
          return z.NEVER;
        }
        return input;
      }),
  });
}

export type FindByAmountInput = { amount: number; date: string };
