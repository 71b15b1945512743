/** Formatting of money and dates for Vietnamese and English readers (domain.md §5). */
export type Locale = "vi" | "en";
export const TIME_ZONE = "Asia/Ho_Chi_Minh";

const vndFormatters: Record<Locale, Intl.NumberFormat> = {
  vi: new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND" }),
  en: new Intl.NumberFormat("en-US", { style: "currency", currency: "VND", currencyDisplay: "narrowSymbol" }),
};

/**
 * 1000000 → "1.000.000 ₫" (vi, no-break space before ₫) or "₫1,000,000" (en). A fraction of a đồng is
 * a bug and throws; a whole number too large to be exact (a sum of amounts stored before the limits
 * existed) is still shown, so a page renders whatever the books hold.
 */
export function formatVnd(amount: number, locale: Locale = "vi"): string {
  if (!Number.isInteger(amount)) throw new RangeError(`not a whole number of đồng: ${amount}`);
  return vndFormatters[locale].format(amount);
}

// Intl formatters are costly to build (a date formatter with a time zone, ~0.2 ms) and cheap to use:
// built once per option set and kept.
const numberFormatters = new Map<string, Intl.NumberFormat>();

/** Plain number grouping: 70.5 → "70,5" (vi) / "70.5" (en). */
export function formatNumber(value: number, locale: Locale = "vi", maximumFractionDigits = 1): string {
  const key = `${locale}:${maximumFractionDigits}`;
  let formatter = numberFormatters.get(key);
  if (!formatter) numberFormatters.set(key, (formatter = new Intl.NumberFormat(locale === "vi" ? "vi-VN" : "en-US", { maximumFractionDigits })));
  return formatter.format(value);
}

const dayMonthYear = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, day: "2-digit", month: "2-digit", year: "numeric" });
const englishDate = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, day: "numeric", month: "short", year: "numeric" });

function dateParts(date: Date) {
  const parts = dayMonthYear.formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { day: get("day"), month: get("month"), year: get("year") };
}

/** A date in Vietnam's time zone: "01/07/2025" (vi, dd/mm/yyyy) or "1 Jul 2025" (en). */
export function formatDate(date: Date | string, locale: Locale = "vi"): string {
  const d = typeof date === "string" ? new Date(date) : date;
  if (locale === "vi") {
    const { day, month, year } = dateParts(d);
    return `${day}/${month}/${year}`;
  }
  return englishDate.format(d);
}

const timeFormatter = new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** A moment in Vietnam's time zone: "14:05 01/07/2025" (vi) or "1 Jul 2025, 14:05" (en). */
export function formatDateTime(date: Date | string, locale: Locale = "vi"): string {
  const d = typeof date === "string" ? new Date(date) : date;
  const time = timeFormatter.format(d);
  return locale === "vi" ? `${time} ${formatDate(d, "vi")}` : `${formatDate(d, "en")}, ${time}`;
}

/** The place-and-date line of a Vietnamese certificate: "Hà Nội, ngày 05 tháng 01 năm 2025". */
export function formatLongVietnameseDate(date: Date, place?: string): string {
  const { day, month, year } = dateParts(date);
  // Months 1–2 keep their leading zero (tháng 01, tháng 02); other months do not (tháng 3 … tháng 12).
  const monthText = Number(month) <= 2 ? month : String(Number(month));
  const text = `ngày ${day} tháng ${monthText} năm ${year}`;
  return place ? `${place}, ${text}` : text;
}
