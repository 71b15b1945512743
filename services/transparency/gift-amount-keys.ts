import mongoose, { type Types } from "mongoose";
import { Donation } from "#models/donation.server";
import { upsertAgainIfRaced } from "#models/duplicate-key";
import { Lookup, lookupKey } from "#models/lookup.server";
import { asIdleWork, hurryIdleWork, oneWriter } from "#models/one-writer";
import { readById } from "#models/read-by-id";
import { vietnamDateInput } from "../calendar";
import { oneAtATime } from "../one-at-a-time";

/**
 * The keys of "find my gift" by amount and day (issue 12, decision 0040; read by ./find-by-amount.ts):
 * a donor who kept no receipt number types what they gave and the day, and sees the gifts received
 * that day (in Vietnam) of exactly that amount.
 *
 * A key lookup: one document per (Vietnam day, amount), `_id` "gift-day-amount:2026-12-01:500000" in the
 * Lookup collection, holding the gifts' ids (at most GIFT_KEY_CAP; past it the key is marked `full` and
 * the page says so). Written after a gift is booked, off its path, as idle work (noteGiftForAmountKey);
 * re-added by the sweeper for a gift whose write was lost (addGiftsToAmountKeys); rebuilt from the
 * donations by rebuildGiftAmountKeys. Each write reads the key by `_id` and adds only the ids it lacks
 * ($addToSet), so writing the same gift again changes nothing. Imports no service: the money path calls it.
 */

/** Gift ids one key keeps; the donor of gift 201 of 500.000 ₫ on one day finds it by receipt number or reference instead. */
export const GIFT_KEY_CAP = 200;
/** How long a gift's key waits before it is written, so that a run of gifts costs one write per key. */
export const GIFT_KEY_DELAY_MS = 200;

export type KeyedGift = { _id: Types.ObjectId; amount: number; receivedAt: Date };

/** The key of the gifts of `amount` đồng received on `day` (yyyy-mm-dd in Vietnam). */
export function giftDayAmountKey(day: string, amount: number): string {
  return lookupKey("gift-day-amount", `${day}:${amount}`);
}

const keyOfGift = (gift: KeyedGift) => giftDayAmountKey(vietnamDateInput(new Date(gift.receivedAt)), gift.amount);

/** Keys read side by side when many gifts are added at once (a sweep, a rebuild); writes still go one at a time. */
const READS_AT_ONCE = 16;

/**
 * Adds gifts to their keys: one read by `_id` per key (READS_AT_ONCE side by side), then — only for a key
 * that lacks some of them — one write ($addToSet of what it lacks, as a background write: gifts go first).
 * A key at the cap takes no more, and is marked full once. Returns how many ids were added.
 */
export async function addGiftsToAmountKeys(gifts: KeyedGift[]): Promise<number> {
  const byKey = new Map<string, Map<string, Types.ObjectId>>();
  for (const gift of gifts) {
    const key = keyOfGift(gift);
    const ids = byKey.get(key) ?? new Map<string, Types.ObjectId>();
    ids.set(String(gift._id), gift._id);
    byKey.set(key, ids);
  }
  const keys = [...byKey];
  let added = 0;
  for (let i = 0; i < keys.length; i += READS_AT_ONCE) {
    const chunk = keys.slice(i, i + READS_AT_ONCE);
    const docs = await Promise.all(chunk.map(([key]) => readById<{ ids?: Types.ObjectId[]; full?: boolean }>(Lookup, key, "ids full")));
    for (const [k, [key, ids]] of chunk.entries()) {
      const doc = docs[k];
      const held = new Set((doc?.ids ?? []).map(String));
      const missing = [...ids].filter(([id]) => !held.has(id)).map(([, id]) => id);
      if (missing.length === 0) continue;
      const taken = missing.slice(0, Math.max(0, GIFT_KEY_CAP - held.size));
      const full = taken.length < missing.length;
      if (taken.length === 0 && doc?.full) continue;
      const update = { ...(taken.length > 0 ? { $addToSet: { ids: { $each: taken } } } : {}), ...(full ? { $set: { full: true } } : {}) };
      await upsertAgainIfRaced(() => oneWriter(() => Lookup.collection.updateOne({ _id: key } as never, update, { upsert: true }), { background: true }));
      added += taken.length;
    }
  }
  return added;
}

// ——— After a gift, off its path ———

let pending = new Map<string, KeyedGift>();
let pendingWrite: Promise<void> | null = null;

/**
 * A gift was booked: its key follows GIFT_KEY_DELAY_MS later, as idle work (its writes wait for a quiet
 * moment of the writer, decision 0033) — the gift's answer never waits for it. If this process stops
 * first, the sweeper adds it (services/money/sweeper.ts).
 */
export function noteGiftForAmountKey(gift: KeyedGift): void {
  pending.set(String(gift._id), { _id: gift._id, amount: gift.amount, receivedAt: gift.receivedAt });
  pendingWrite ??= new Promise<void>((resolve) => setTimeout(resolve, GIFT_KEY_DELAY_MS)).then(() => asIdleWork(writePending));
}

function writePending(): Promise<void> {
  return oneAtATime("find-by-amount:keys", async () => {
    pendingWrite = null;
    // No connection (a script or test that has ended): kept, unwritten, for the next write; the sweeper adds them otherwise.
    if (pending.size === 0 || mongoose.connection.readyState !== mongoose.ConnectionStates.connected) return;
    const gifts = [...pending.values()];
    pending = new Map();
    try {
      await addGiftsToAmountKeys(gifts);
    } catch (error) {
      // The connection closed meanwhile (a script or test ending): kept for the next write; the sweeper adds them otherwise.
      for (const gift of gifts) if (!pending.has(String(gift._id))) pending.set(String(gift._id), gift);
      console.warn(`find-by-amount: could not write ${gifts.length} gift key(s): ${(error as Error).message}`);
    }
  });
}

/** Writes the keys of the gifts booked in this process now (not after the delay); tests, and scripts before they exit. */
export function flushGiftAmountKeys(): Promise<void> {
  return hurryIdleWork(writePending);
}

/** Forgets the keys waiting to be written, as a process that stops does (tests of the sweeper). */
export function forgetPendingGiftAmountKeys(): void {
  pending = new Map();
}

// ——— Rebuild ———

/** Gift ids a rebuild holds in memory before it writes what it holds (each key once per write). */
const REBUILD_HELD = 200_000;

/**
 * Every key again from the donations (a database loaded around the services, data from before the keys,
 * a repair): one read of the donations, grouped by key in memory (at most GIFT_KEY_CAP + 1 per key, and
 * at most REBUILD_HELD in all before they are written), each key written once per batch with what it
 * lacks. Keys are never removed (a gift is never deleted). Past the cap, which gifts a rebuilt key keeps
 * follows the order the donations are read in. Returns the gifts read and the ids added.
 */
export async function rebuildGiftAmountKeys(): Promise<{ gifts: number; added: number }> {
  let gifts = 0;
  let added = 0;
  let held = new Map<string, KeyedGift[]>();
  let count = 0;
  const write = async () => {
    const batch = [...held.values()].flat();
    held = new Map();
    count = 0;
    added += await addGiftsToAmountKeys(batch);
  };
  for await (const gift of Donation.find({}).select("_id amount receivedAt").lean().cursor()) {
    gifts += 1;
    const key = keyOfGift(gift as KeyedGift);
    const list = held.get(key) ?? [];
    if (list.length > GIFT_KEY_CAP) continue;
    list.push(gift as KeyedGift);
    held.set(key, list);
    count += 1;
    if (count >= REBUILD_HELD) await write();
  }
  await write();
  return { gifts, added };
}
