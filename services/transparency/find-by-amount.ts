import type { Types } from "mongoose";
import { ledgerDonationRow } from "#models/catalogue.server";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { Lookup } from "#models/lookup.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { readById } from "#models/read-by-id";
import { vietnamDateInput } from "../calendar";
import { publicLedgerEntry } from "../catalogue";
import { giftDayAmountKey } from "./gift-amount-keys";

/**
 * "Find my gift" by amount and day (issue 12, decision 0040): the reading side. The keys — one document
 * per (Vietnam day, amount) holding the gifts' ids — are written by ./gift-amount-keys.ts.
 */

/**
 * Gifts shown per page of results: each is a read by `_id`, and its pledge's when it has one. 20, as a
 * search page lists (at 50, a busy day read 150 documents for one page: 81 ms at p95 at 1.65 million
 * donations, bench 0030).
 */
export const FIND_PAGE_SIZE = 20;

export type FoundByAmount = { receiptNumber: string; receivedAt: Date; programme: { title: string; slug: string } | null };
export type FindByAmountResult = { day: string; amount: number; gifts: FoundByAmount[]; total: number; page: number; pages: number; full: boolean };

type StoredGift = { _id: Types.ObjectId; receiptNumber: string; programmeId: Types.ObjectId; amount: number; receivedAt: Date; method: string; pledgeId?: Types.ObjectId | null; donorId?: Types.ObjectId | null; donorSnapshot?: { kind?: string | null; name?: string | null } | null };

type PledgeConsent = { visibility?: string | null; consent?: { givenAt?: Date | null; withdrawnAt?: Date | null } | null };

/**
 * Whether the public may see this gift's amount — the programme ledger's rule (publicLedgerEntry): not
 * when its donor, named, chose to show their name without the amount. Listing such a gift under its
 * amount would tell what the receipt page hides. The pledge (read for a gift made on one) is given; the
 * donor is read only when the pledge says "name only".
 */
async function amountIsPublic(gift: StoredGift, pledge: PledgeConsent | null): Promise<boolean> {
  if (!gift.pledgeId || pledge?.visibility !== "name_only") return true;
  const donor = gift.donorId ? await readById<{ kind: string; legalName?: string | null; fullName?: string | null; erasedAt?: Date | null }>(Donor, gift.donorId, "kind legalName fullName erasedAt") : null;
  return publicLedgerEntry(ledgerDonationRow(gift, pledge, donor)).amount !== null;
}

/**
 * The gifts of `amount` received on `day` (yyyy-mm-dd, Vietnam), a page at a time, oldest first: each
 * with its receipt number, its programme and when it came — no donor, whatever they consented to (the
 * receipt page names them as the ledger would). Reads by `_id` only: the key, then each gift on the page,
 * then side by side their pledges and each programme once.
 */
export async function findGiftsByAmount(input: { amount: number; day: string }, page = 1): Promise<FindByAmountResult> {
  const key = await readById<{ ids?: Types.ObjectId[]; full?: boolean }>(Lookup, giftDayAmountKey(input.day, input.amount), "ids full");
  const ids = key?.ids ?? [];
  const pages = Math.max(1, Math.ceil(ids.length / FIND_PAGE_SIZE));
  const at = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const onPage = ids.slice((at - 1) * FIND_PAGE_SIZE, at * FIND_PAGE_SIZE);
  const fields = "receiptNumber programmeId amount receivedAt method pledgeId donorId donorSnapshot";
  const stored = await Promise.all(onPage.map((id) => readById<StoredGift>(Donation, id, fields)));
  // The key is a cache of the donations: what it names is checked against them.
  const matching = stored.filter((g): g is StoredGift => g !== null && g.amount === input.amount && vietnamDateInput(new Date(g.receivedAt)) === input.day);
  // The pledges and the programmes side by side: three rounds in all (a fourth only for a donor shown by name without the amount).
  const programmeIds = [...new Set(matching.map((g) => String(g.programmeId)))];
  const [pledges, programmeList] = await Promise.all([
    Promise.all(matching.map((g) => (g.pledgeId ? readById<PledgeConsent>(Pledge, g.pledgeId, "visibility consent") : null))),
    Promise.all(programmeIds.map(async (id) => [id, await readById<{ title: string; slug: string }>(Programme, id, "title slug")] as const)),
  ]);
  const programmes = new Map(programmeList);
  const shown = (await Promise.all(matching.map(async (g, i) => ((await amountIsPublic(g, pledges[i] ?? null)) ? g : null)))).filter((g): g is StoredGift => g !== null);
  const gifts = shown
    .map((g) => {
      const programme = programmes.get(String(g.programmeId));
      return { receiptNumber: g.receiptNumber, receivedAt: new Date(g.receivedAt), programme: programme ? { title: programme.title, slug: programme.slug } : null };
    })
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.receiptNumber.localeCompare(b.receiptNumber));
  return { day: input.day, amount: input.amount, gifts, total: ids.length, page: at, pages, full: Boolean(key?.full) };
}
