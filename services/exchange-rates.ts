import { recordAudit } from "#models/audit-event.server";
import { CARD_RATES_ID, CardRates } from "#models/exchange-rate.server";
import type { SessionUser } from "#models/user.server";
import { FOREIGN_CARD_CURRENCIES, cardChargeLimits, chargeForVnd, type CardCurrency } from "./currencies";
import { forbidden } from "./errors";
import { STRIPE_MIN_VND } from "./payment-limits";
import type { CardRatesInput } from "./validation/exchange-rates";

/**
 * Indicative rates for card gifts in another currency (issue 13, decision 0045): an admin keeps them
 * (with the day and the source, e.g. a bank's published transfer rate); a donor sees what their card
 * will be charged before they pay. The books count what Stripe settles (decision 0044), never these.
 */
export type CardRatesView = { rates: Partial<Record<Exclude<CardCurrency, "vnd">, number>>; asOf: Date; source: string } | null;

export async function findCardRates(): Promise<CardRatesView> {
  const doc = await CardRates.findById(CARD_RATES_ID).lean();
  if (!doc) return null;
  const rates: Partial<Record<Exclude<CardCurrency, "vnd">, number>> = {};
  for (const currency of FOREIGN_CARD_CURRENCIES) {
    const rate = doc.rates?.[currency];
    if (typeof rate === "number" && rate > 0) rates[currency] = rate;
  }
  return { rates, asOf: doc.asOf, source: doc.source };
}

export async function saveCardRates(actor: SessionUser, input: CardRatesInput): Promise<void> {
  if (actor.role !== "admin") throw forbidden();
  const rates = Object.fromEntries(FOREIGN_CARD_CURRENCIES.map((c) => [c, input[c] ?? null]));
  await CardRates.findOneAndUpdate({ _id: CARD_RATES_ID }, { $set: { rates, asOf: input.asOf, source: input.source, updatedBy: actor.id } }, { upsert: true, runValidators: true });
  await recordAudit({ actor, action: "settings.card_rates", subjectType: "CardRates", details: { rates, asOf: input.asOf.toISOString(), source: input.source } });
}

/** One way to pay `vnd` đồng by card: its charge in minor units and whether Stripe takes it. */
export type CardOption = { currency: CardCurrency; charge: number; rate: number | null; fits: "ok" | "below_minimum" | "above_maximum" };

/**
 * The currencies a card gift of `vnd` đồng can be paid in: đồng always, then each currency with a rate,
 * its charge rounded up to the minor unit, checked against Stripe's limits in that currency.
 */
export function cardOptions(vnd: number, rates: CardRatesView): CardOption[] {
  const quotes: Array<[CardCurrency, number | null]> = [["vnd", null], ...FOREIGN_CARD_CURRENCIES.flatMap((c): Array<[CardCurrency, number]> => (rates?.rates[c] ? [[c, rates.rates[c]!]] : []))];
  return quotes.map(([currency, rate]) => {
    const charge = chargeForVnd(vnd, currency, rate ?? 1);
    const limits = cardChargeLimits(currency, rate ?? 1, STRIPE_MIN_VND);
    return { currency, charge, rate, fits: charge < limits.min ? "below_minimum" : charge > limits.max ? "above_maximum" : "ok" };
  });
}
