/**
 * "Find my gift" at scale (issue 12, decisions 0037 and 0040), for `npm run bench`, each with the issue's
 * target (p95 ≤ 50 ms): by a transfer reference (the pledge's, with the gifts paid on it), by a receipt
 * number (the answer is a redirect to the receipt's public page, measured as well), and by amount and day —
 * the keys rebuilt from the donations the load wrote around the services (timed), then the busiest key of
 * the load (a page of up to FIND_PAGE_SIZE gifts, each read by `_id` with its pledge), one gift just recorded through
 * the money service, and a day and amount with no gift.
 */
import { Donation } from "#models/donation.server";
import { vietnamDateInput } from "#services/calendar";
import { FIND_PAGE_SIZE } from "#services/transparency/find-by-amount";
import { flushGiftAmountKeys, rebuildGiftAmountKeys } from "#services/transparency/gift-amount-keys";
import { measure, type MeasureOptions } from "./http";
import { progress, seconds, timed, type Series } from "./stats";

/** Issue 12: a donor finds their gift "under 50 ms" (p95 here, through HTTP, the page included). */
export const FIND_TARGET_MS = 50;

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
  if (busy) series.push(await measure(`find my gift: amount and day, a busy day (≤ ${FIND_PAGE_SIZE} gifts shown)`, () => url(100_000, vietnamDateInput(busy.receivedAt)), { ...options, check: listsGifts }));
  series.push(await measure("find my gift: amount and day, one gift", () => url(recordedAmount, today), { ...options, check: listsGifts }));
  series.push(await measure("find my gift: amount and day, none", () => url(1, today), { ...options, check: findsNothing }));
  return series.map((s) => ({ ...s, targetMs: FIND_TARGET_MS }));
}

const redirectsToReceipt = (response: Response) =>
  response.status === 302 && (response.headers.get("location") ?? "").startsWith("/receipts/") ? null : `status ${response.status}, location ${response.headers.get("location")}`;
const hasText = (text: string) => (response: Response, body: Uint8Array) =>
  response.status !== 200 ? `status ${response.status}` : Buffer.from(body).includes(text) ? null : `no ${text}`;

/**
 * By what the donor holds: a different transfer reference each request (the signed-in donor's 50 pledges,
 * read here anonymously as anyone would), a different receipt number each request (the redirect), and the
 * receipt's public page it leads to.
 */
export async function findByReferenceSeries(appUrl: string, options: MeasureOptions, references: string[], receiptNumbers: string[]): Promise<Series[]> {
  const at = <T>(list: T[], i: number) => list[(i + list.length + 1) % list.length]!;
  const series = [
    await measure("find my gift: transfer reference", (i) => `${appUrl}/transparency/find?q=${at(references, i)}`, { ...options, check: hasText(`data-testid="find-gifts"`) }),
    await measure("find my gift: receipt number (the redirect)", (i) => `${appUrl}/transparency/find?q=${at(receiptNumbers, i)}`, { ...options, check: redirectsToReceipt }),
    await measure("find my gift: the receipt's public page", (i) => `${appUrl}/receipts/${at(receiptNumbers, i)}`, options),
  ];
  return series.map((s) => ({ ...s, targetMs: FIND_TARGET_MS }));
}
