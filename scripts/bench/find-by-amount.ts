/**
 * "Find my gift" by amount and day at scale (issue 12, decision 0040), for `npm run bench`: the keys
 * rebuilt from the donations the load wrote around the services (timed), then /transparency/find through
 * HTTP for the busiest key of the load (a page of up to 50 gifts, each read by `_id` with its pledge), for
 * one gift just recorded through the money service, and for a day and amount with no gift.
 */
import { Donation } from "#models/donation.server";
import { vietnamDateInput } from "#services/calendar";
import { flushGiftAmountKeys, rebuildGiftAmountKeys } from "#services/transparency/gift-amount-keys";
import { measure, type MeasureOptions } from "./http";
import { progress, seconds, timed, type Series } from "./stats";

/** The per-address limit of public look-ups, lifted for the bench's one client (added to its RATE_LIMITS). */
export const FIND_RATE_LIMIT = "verify-ip=1000000/60";

export async function rebuildFindKeys(): Promise<number> {
  const rebuilt = await timed(() => rebuildGiftAmountKeys());
  progress(`rebuildGiftAmountKeys: ${seconds(rebuilt.ms)} (${JSON.stringify(rebuilt.result)})`);
  return rebuilt.ms;
}

const listsGifts = (response: Response, body: Uint8Array) =>
  response.status !== 200 ? `status ${response.status}` : Buffer.from(body).includes("find-by-amount-gifts") ? null : "no gifts listed";
const findsNothing = (response: Response) => (response.status === 404 ? null : `status ${response.status}`);

/** `recordedAmount`: the amount of a gift recorded today through recordDonation (its key follows as idle work, flushed here). */
export async function findByAmountSeries(appUrl: string, options: MeasureOptions, recordedAmount: number): Promise<Series[]> {
  await flushGiftAmountKeys();
  const today = vietnamDateInput(new Date());
  // The load gives 100.000 ₫ most often (scripts/bench/data.ts): a day of it is a full page.
  const busy = await Donation.findOne({ amount: 100_000 }).select("receivedAt").lean();
  const url = (amount: number, day: string) => `${appUrl}/transparency/find?amount=${amount}&date=${day}`;
  const series: Series[] = [];
  if (busy) series.push(await measure("find my gift: amount and day, a busy day (≤ 50 gifts shown)", () => url(100_000, vietnamDateInput(busy.receivedAt)), { ...options, check: listsGifts }));
  series.push(await measure("find my gift: amount and day, one gift", () => url(recordedAmount, today), { ...options, check: listsGifts }));
  series.push(await measure("find my gift: amount and day, none", () => url(1, today), { ...options, check: findsNothing }));
  return series;
}
