/**
 * Currencies a donor abroad may pay a card gift in (issue 13, decision 0044), and what Stripe asks of an
 * amount in each: amounts in the currency's minor unit (zero-decimal currencies — VND, JPY, KRW — have
 * none: ¥6,000 is 6000; US$39.37 is 3937), at most eight digits, and at least Stripe's minimum charge
 * (docs.stripe.com/currencies, "Minimum and maximum charge amounts"). The books stay in đồng: a payment
 * in another currency is booked at the đồng Stripe settled (services/payments.ts). Pure: safe for the
 * browser bundle.
 */
import { formatNumber, formatVnd } from "./format";

export const CARD_CURRENCIES = ["vnd", "usd", "eur", "jpy", "krw", "aud", "sgd"] as const;
export type CardCurrency = (typeof CARD_CURRENCIES)[number];
export const FOREIGN_CARD_CURRENCIES = CARD_CURRENCIES.filter((c) => c !== "vnd") as Array<Exclude<CardCurrency, "vnd">>;

/** Decimal places of the minor unit Stripe counts in. */
export const CURRENCY_DECIMALS: Record<CardCurrency, number> = { vnd: 0, usd: 2, eur: 2, jpy: 0, krw: 0, aud: 2, sgd: 2 };

/**
 * Stripe's smallest charge, in minor units, where its table names one (US$0.50, €0.50, A$0.50, S$0.50,
 * ¥50). KRW has none listed: its charge must convert to the settlement currency's minimum, which the
 * platform's own floor in đồng (STRIPE_MIN_VND at the indicative rate, cardChargeLimits) covers.
 */
const STRIPE_MINIMUM_MINOR: Partial<Record<CardCurrency, number>> = { usd: 50, eur: 50, aud: 50, sgd: 50, jpy: 50 };

/** Eight digits in the minor unit, in every one of these currencies (US$999,999.99; ¥99,999,999). */
export const STRIPE_MAX_MINOR = 99_999_999;

export function isCardCurrency(value: unknown): value is CardCurrency {
  return typeof value === "string" && (CARD_CURRENCIES as readonly string[]).includes(value);
}

/** A whole number of minor units as the currency's own amount (3937 usd → 39.37). */
export function fromMinor(amount: number, currency: CardCurrency): number {
  return amount / 10 ** CURRENCY_DECIMALS[currency];
}

/** "US$39.37", "JP¥6,000", "₩54,000" (en), "39,37 US$" (vi) — as the reader's locale writes the currency. */
export function formatMoney(amountMinor: number, currency: CardCurrency, locale: "vi" | "en"): string {
  if (currency === "vnd") return formatVnd(amountMinor, locale);
  const key = `${locale}:${currency}`;
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    const digits = CURRENCY_DECIMALS[currency];
    moneyFormatters.set(key, (formatter = new Intl.NumberFormat(locale === "en" ? "en-GB" : "vi-VN", { style: "currency", currency: currency.toUpperCase(), minimumFractionDigits: digits, maximumFractionDigits: digits })));
  }
  return formatter.format(fromMinor(amountMinor, currency));
}

/** Built once per locale and currency, then kept (as services/format.ts keeps its own). */
const moneyFormatters = new Map<string, Intl.NumberFormat>();

/**
 * The charge, in minor units, for `vnd` đồng at an indicative rate (đồng for one unit of the currency):
 * rounded up to the minor unit, so what Stripe settles is at least what was pledged when the rate holds.
 */
export function chargeForVnd(vnd: number, currency: CardCurrency, vndPerUnit: number): number {
  if (currency === "vnd") return vnd;
  const minor = (vnd / vndPerUnit) * 10 ** CURRENCY_DECIMALS[currency];
  // A float a hair over a whole number (3937.0000000001) is that number, not the next.
  return Math.ceil(minor - 1e-9);
}

/**
 * What one card charge may be in `currency`: Stripe's minimum (or the đồng floor at the indicative rate,
 * whichever is more) and its eight-digit maximum. In minor units.
 */
export function cardChargeLimits(currency: CardCurrency, vndPerUnit: number, minVnd: number): { min: number; max: number } {
  const floor = chargeForVnd(minVnd, currency, vndPerUnit);
  return { min: Math.max(floor, STRIPE_MINIMUM_MINOR[currency] ?? 0), max: STRIPE_MAX_MINOR };
}

/**
 * "6.000 ¥ — quy đổi 168,6 ₫/JPY" / "JP¥6,000 — at 168.6 ₫ per JPY": what a card was charged in another
 * currency and the rate Stripe settled it at (decision 0044).
 */
export function paidInLine(paidIn: { currency: CardCurrency; amount: number; exchangeRate: number }, locale: "vi" | "en") {
  const rate = formatNumber(paidIn.exchangeRate, locale, 4);
  const code = paidIn.currency.toUpperCase();
  return locale === "vi" ? `${formatMoney(paidIn.amount, paidIn.currency, "vi")} — quy đổi ${rate} ₫/${code}` : `${formatMoney(paidIn.amount, paidIn.currency, "en")} — at ${rate} ₫ per ${code}`;
}
