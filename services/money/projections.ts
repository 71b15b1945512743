import { LRUCache } from "lru-cache";
import mongoose, { type Types } from "mongoose";
import { GENESIS_HASH, LedgerEntry, findLedgerHead, type LedgerEntryDoc } from "#models/ledger-entry.server";
import { Pledge, type PledgeDoc, type PledgeState } from "#models/pledge.server";
import { Programme, RECEIVED_KINDS, copyReceivedTotal } from "#models/programme.server";
import { LEDGER_PAGE_ROWS, LedgerHead, Meta, Projection, RECENT_GIFTS_KEPT, Rollup, decodeLedgerRows, decodeRecentGifts, encodeLedgerRows, encodeRecentGifts, hasLegacyIds, isEmbeddedDatabase, projectionKey, type InPeriod, type LedgerHeadDoc, type ProjectionDoc, type ProjectionKind, type RecentGift, type RollupDoc } from "#models/projection.server";
import { Institution } from "#models/institution.server";
import { Donation } from "#models/donation.server";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { isDuplicateKeyError, upsertAgainIfRaced } from "#models/duplicate-key";
import { readById } from "#models/read-by-id";
import { allInTurn, oneWriter } from "#models/one-writer";
import { isPastDueDay, vietnamDateInput } from "../calendar";
import { markCatalogueRebuild, markProgrammeTotalsChanged, markProgrammesChanged } from "../catalogue-index";
import { allocateToInstalments } from "./allocation";
import { oneAtATime } from "../one-at-a-time";
import { rebuildGiftAmountKeys } from "../transparency/gift-amount-keys";

/**
 * The books' running totals, kept by `_id` so that recording a gift and reading a total cost the same
 * at 100 entries and at a million (decision 0011). The ledger (services/money/ledger.ts) is the truth:
 *   received:<programme>  Σ of the programme's entries of RECEIVED_KINDS (money and value in, less reversals),
 *                         and its whole public ledger, money out too, page by page (ledger:<programme>:<n>)
 *   paid:<pledge>         Σ of the entries that pay the pledge
 *   reversed:<entry>      Σ of the refunds and corrections of one gift's entry (negative)
 * and the copies shown everywhere: a programme's receivedTotal, a pledge's instalments and
 * state. Appends and their projection run one at a time per institution in this process (one app
 * process serves the embedded database; on MongoDB the unique {institutionId, sequence} index keeps
 * the chain whole across instances). rebuildProjections derives every total again from the ledger.
 */

const oid = (id: Types.ObjectId | string) => new mongoose.Types.ObjectId(String(id));

/**
 * Runs `fn` after every earlier call for the same institution in this process has finished. Re-entrant:
 * called again from within `fn` (say recordDonation, then appendLedgerEntry), it runs at once.
 */
export function withInstitutionLock<T>(institutionId: Types.ObjectId | string, fn: () => Promise<T>): Promise<T> {
  return oneAtATime(String(institutionId), fn);
}

/** Σ of signed amounts for a match — the ledger read a projection replaces (on the embedded database, a scan). */
export async function ledgerSum(match: Record<string, unknown>): Promise<number> {
  const [row] = await LedgerEntry.aggregate<{ total: number }>([{ $match: match }, { $group: { _id: null, total: { $sum: "$amount" } } }]);
  return row?.total ?? 0;
}

/** Ledger kinds that are a gift (the public ledger lists them; reversals are not gifts). */
const GIFT_KINDS = ["donation_received", "in_kind_received", "volunteer_hours"];

type ProjectedEntry = Pick<LedgerEntryDoc, "_id" | "sequence" | "amount" | "institutionId" | "kind" | "programmeId" | "pledgeId" | "reversesEntryId" | "sourceType" | "sourceId" | "occurredAt" | "donorId">;

/** Whether an entry is money (or value) in: what a programme's received total counts. */
const isMoneyIn = (entry: Pick<ProjectedEntry, "kind">) => (RECEIVED_KINDS as readonly string[]).includes(entry.kind);

function projectionsOf(entry: Omit<ProjectedEntry, "_id" | "sequence" | "amount" | "institutionId" | "occurredAt">): Array<{ kind: ProjectionKind; id: Types.ObjectId }> {
  const keys: Array<{ kind: ProjectionKind; id: Types.ObjectId }> = [];
  // Every entry of a programme is on its public ledger (kept with its received total); money out does not move that total.
  if (entry.programmeId) keys.push({ kind: "received", id: entry.programmeId });
  if (entry.pledgeId) keys.push({ kind: "paid", id: entry.pledgeId });
  if (entry.reversesEntryId) keys.push({ kind: "reversed", id: entry.reversesEntryId });
  if (entry.sourceType === "expenditure") keys.push({ kind: "spent", id: entry.programmeId });
  return keys;
}

/** The ledger read each projection stands for (what rebuilding and old databases use). */
function ledgerMatchOf(kind: LedgerProjectionKind, id: Types.ObjectId | string): Record<string, unknown> {
  if (kind === "received") return { programmeId: oid(id), kind: { $in: [...RECEIVED_KINDS] } };
  if (kind === "spent") return { programmeId: oid(id), sourceType: "expenditure" };
  if (kind === "paid") return { pledgeId: oid(id) };
  return { reversesEntryId: oid(id) };
}

/**
 * A running total, by `_id`. No document means nothing was counted yet (0) — except in a database
 * with records from before projections existed, where it is derived from the ledger instead.
 */
type LedgerProjectionKind = "received" | "paid" | "reversed" | "spent";
export async function projectionTotal(kind: LedgerProjectionKind, id: Types.ObjectId | string): Promise<number> {
  const doc = await Projection.findById(projectionKey(kind, id)).lean();
  if (doc) return doc.total;
  return (await hasLegacyIds()) ? ledgerSum(ledgerMatchOf(kind, id)) : 0;
}

export const receivedOfProgramme = (programmeId: Types.ObjectId | string) => projectionTotal("received", programmeId);
export const paidOfPledge = async (pledgeId: Types.ObjectId | string) => Math.max(0, await projectionTotal("paid", pledgeId));
export const reversedOfEntry = async (entryId: Types.ObjectId | string) => Math.max(0, -(await projectionTotal("reversed", entryId)));
/** What a programme spent: its published expenditures less those reversed (a positive number of đồng). */
export const spentOfProgramme = async (programmeId: Types.ObjectId | string) => Math.max(0, -(await projectionTotal("spent", programmeId)));

/**
 * The institution's head (by `_id`). A missing head means no entries yet — or, in a database from
 * before heads existed, that it is built once from the ledger and every projection of the institution
 * with it.
 */
export async function readLedgerHead(institutionId: Types.ObjectId | string): Promise<LedgerHeadDoc> {
  const id = oid(institutionId);
  const head = await LedgerHead.findById(id).lean();
  if (head) return head;
  if (!(await hasLegacyIds())) return { _id: id, sequence: 0, hash: GENESIS_HASH, projectedThrough: 0 };
  return repairLedgerHead(id, { rebuild: true });
}

/**
 * Reads the head from the entries themselves and stores it: after a crash between an entry's insert and
 * its head's update (the next append then finds its sequence taken), or once for an old database.
 */
export async function repairLedgerHead(institutionId: Types.ObjectId, options: { rebuild?: boolean } = {}): Promise<LedgerHeadDoc> {
  const last = await findLedgerHead(institutionId);
  const stored = await LedgerHead.findById(institutionId).lean();
  const sequence = last?.sequence ?? 0;
  // No stored head and not an old database: the chain's first append stopped before its head was written.
  // Nothing of it is known to be counted (projectedThrough 0): catching up counts each entry once, in
  // every total, rollup and copy (each remembers what it counted). Only an old database is rebuilt here.
  const head = { _id: institutionId, sequence, hash: last?.hash ?? GENESIS_HASH, projectedThrough: Math.min(stored?.projectedThrough ?? 0, sequence) };
  if (options.rebuild) {
    // The institution's money in, kept on its head, derived again with everything else.
    const moneyIn = await rebuildInstitution(institutionId);
    await LedgerHead.replaceOne({ _id: institutionId }, { ...head, projectedThrough: sequence, ...moneyIn }, { upsert: true });
    return { ...head, projectedThrough: sequence };
  }
  // Position only: what the head counted (its money in) stays, and catching up counts the rest.
  await LedgerHead.updateOne({ _id: institutionId }, { $set: head }, { upsert: true });
  return head;
}

/** Newest first by when received, then by id; at most `keep` (RECENT_GIFTS_KEPT). */
function withRecentGift(recent: RecentGift[], gift: RecentGift, keep = RECENT_GIFTS_KEPT): RecentGift[] {
  const list = [...recent.filter((g) => String(g.id) !== String(gift.id)), gift];
  list.sort(byNewest);
  return list.slice(0, keep);
}

/** Whether an entry is a gift (not a reversal): it is listed under its programme and its pledge. */
const isGift = (entry: Pick<ProjectedEntry, "kind" | "sourceType" | "sourceId">) => GIFT_KINDS.includes(entry.kind) && entry.sourceType === "donation" && Boolean(entry.sourceId);

type StoredTotal = Omit<ProjectionDoc, "_id">;

const ledgerRowOf = (entry: ProjectedEntry) => ({ sequence: entry.sequence, kind: entry.kind, amount: entry.amount, at: new Date(entry.occurredAt), entryId: entry._id, sourceType: entry.sourceType, sourceId: entry.sourceId ?? null });

/** A full page of a programme's ledger, as stored: `total` is Σ of its rows, `through` its last row's sequence. */
function ledgerPageDocument(programmeId: Types.ObjectId, page: number, institutionId: Types.ObjectId, opening: number, rows: string) {
  const decoded = decodeLedgerRows(rows);
  return {
    _id: projectionKey("ledger", `${String(programmeId)}:${page}`),
    total: decoded.reduce((sum, r) => sum + r.amount, 0),
    through: decoded.at(-1)?.sequence ?? 0,
    institutionId: oid(institutionId),
    ledger: rows,
    ledgerOpening: opening,
  };
}

/**
 * A programme's ledger after one more entry (decision 0039): its row added to the tail kept on the received
 * total; a full tail becomes a page of its own (returned, to be written first) and the row starts the next.
 */
function withLedgerRow(doc: Pick<StoredTotal, "ledger" | "ledgerPages" | "ledgerOpening"> | null, entry: ProjectedEntry) {
  const row = encodeLedgerRows([ledgerRowOf(entry)]);
  const tail = doc?.ledger ?? "";
  const pages = doc?.ledgerPages ?? 0;
  const opening = doc?.ledgerOpening ?? 0;
  const rows = tail ? tail.split(" ").length : 0;
  if (rows < LEDGER_PAGE_ROWS) return { page: null, tail: { ledger: tail ? `${tail} ${row}` : row, ledgerPages: pages, ledgerOpening: opening } };
  const page = ledgerPageDocument(entry.programmeId, pages, entry.institutionId, opening, tail);
  return { page, tail: { ledger: row, ledgerPages: pages + 1, ledgerOpening: opening + page.total } };
}

type Goods = Array<{ item: string; quantity: number }>;

/** Goods after adding (sign 1) or taking away (sign −1) a gift's items; an item at 0 is dropped. */
function withGoods(goods: Goods, items: Goods, sign: 1 | -1): Goods {
  const by = new Map(goods.map((g) => [g.item, g.quantity]));
  for (const line of items) by.set(line.item, (by.get(line.item) ?? 0) + sign * line.quantity);
  return [...by]
    .filter(([, quantity]) => quantity > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([item, quantity]) => ({ item, quantity }));
}

const itemsOfGift = async (donationId: Types.ObjectId | null | undefined): Promise<Goods> =>
  donationId ? ((await Donation.findById(donationId).select("inKind.items").lean())?.inKind?.items ?? []).map((i) => ({ item: i.item, quantity: i.quantity })) : [];

/**
 * The goods a programme has received (decision 0042), after one more entry: an in-kind gift adds its items
 * (read by `_id` from its donation); the reversal that completes a gift's full correction takes them away
 * again (decision 0009: a partial correction lowers the value, not the items). Both on rare paths; any other
 * entry leaves them as they were.
 */
async function goodsAfter(goods: Goods, entry: ProjectedEntry): Promise<Goods> {
  if (entry.kind === "in_kind_received") return withGoods(goods, await itemsOfGift(entry.sourceId), 1);
  if (!entry.reversesEntryId || GIFT_KINDS.includes(entry.kind) || isMoneyOut(entry)) return goods;
  const gift = await LedgerEntry.findById(entry.reversesEntryId).select("kind amount sourceId").lean();
  if (gift?.kind !== "in_kind_received") return goods;
  // What was reversed of the gift before this entry: its `reversed:` total, less this entry if already counted there.
  const reversed = (await Projection.collection.findOne({ _id: projectionKey("reversed", gift._id) as never }, { projection: { total: 1, through: 1 } })) as { total: number; through: number } | null;
  const before = -((reversed?.total ?? 0) - (reversed && reversed.through >= entry.sequence ? entry.amount : 0));
  const after = before - entry.amount;
  if (before < gift.amount && after >= gift.amount) return withGoods(goods, await itemsOfGift(gift.sourceId), -1);
  if (before >= gift.amount && after < gift.amount) return withGoods(goods, await itemsOfGift(gift.sourceId), 1);
  return goods;
}

/**
 * The running totals as this process last wrote them (embedded database only): a count then goes
 * straight to its write, without reading the total first. Trusted only for an entry appended after this
 * process's own remembered head (projectEntry's `trustKnown`): then no other process appended to the
 * chain since this one last did, so none counted anything in its totals either (another process's
 * sweeper only completes what this one failed to count, and a failed write forgets its total here).
 * Forgotten with the chain heads (forgetKnownLedgerHeads) and at a rebuild. The most recently used
 * 20,000 are kept (a programme's and a pledge's, a few hundred bytes each).
 */
const knownTotals = new LRUCache<string, StoredTotal>({ max: 20_000 });

function forgetKnownTotalsOf(institutionId: Types.ObjectId | string) {
  const institution = String(institutionId);
  const stale = [...knownTotals.entries()].filter(([, total]) => String(total.institutionId) === institution).map(([key]) => key);
  for (const key of stale) knownTotals.delete(key);
}

/**
 * Adds one entry to one running total, unless that total already counted it. Gifts are also listed:
 * `received:<programme>` counts them (`gifts`) and keeps the latest RECENT_GIFTS_KEPT for the public
 * ledger; `paid:<pledge>` keeps every gift of its pledge (a handful: one per instalment), so a pledge's
 * gifts are read by `_id` (findGiftsOfPledge). One document per programme and per pledge, written
 * whole; read first unless this process wrote it last (knownTotals).
 */
async function count(kind: ProjectionKind, id: Types.ObjectId, entry: ProjectedEntry, copy: ((total: number) => Promise<unknown>) | undefined, trustKnown: boolean): Promise<number> {
  const key = projectionKey(kind, id);
  const embedded = await isEmbeddedDatabase();
  try {
    for (let round = 0; ; round += 1) {
      const known = embedded && trustKnown && round === 0 ? knownTotals.get(key) : undefined;
      const doc: StoredTotal | null = known ?? (await Projection.collection.findOne({ _id: key as never }, { projection: { _id: 0 } })) as StoredTotal | null;
      if (doc && doc.through >= entry.sequence) {
        if (copy) await copy(doc.total);
        return doc.total;
      }
      const adds = kind !== "received" || isMoneyIn(entry);
      const written: StoredTotal = { total: (doc?.total ?? 0) + (adds ? entry.amount : 0), through: entry.sequence, institutionId: oid(entry.institutionId) };
      if (kind === "received") {
        // The programme's ledger: a page that fills is written before the total that points past it (its `_id`
        // is its place, so after a crash between the two it is written again as a duplicate key, unchanged).
        const { page, tail } = withLedgerRow(doc, entry);
        Object.assign(written, tail);
        const goods = await goodsAfter(doc?.items ?? [], entry);
        if (goods.length) written.items = goods;
        if (page) await oneWriter(() => Projection.collection.insertOne(page as never)).catch((error: unknown) => {
          if (!isDuplicateKeyError(error)) throw error;
        });
      }
      if (kind === "received" || kind === "paid") {
        const gift = isGift(entry);
        const recent = decodeRecentGifts(doc?.recent);
        written.recent = encodeRecentGifts(gift ? withRecentGift(recent, { id: oid(entry.sourceId!), at: new Date(entry.occurredAt) }, kind === "paid" ? Infinity : RECENT_GIFTS_KEPT) : recent);
        if (kind === "received") written.gifts = (doc?.gifts ?? 0) + (gift ? 1 : 0);
      }
      // Conditional on the position read (`through`): if another instance counted meanwhile (a catch-up
      // racing an append, on MongoDB), nothing is written and the total is read again — never an older sum
      // over a newer one. A missing total is inserted; its `_id` lets one of two inserts win.
      if (doc) {
        // On the embedded database by `_id` alone: there the institution's lock is the condition
        // (isEmbeddedDatabase), so the total computed is final and its copy is written next.
        const replaced = await oneWriter(() => Projection.collection.replaceOne((embedded ? { _id: key } : { _id: key, through: doc.through }) as never, written));
        if (embedded && copy) await copy(written.total);
        if (replaced.matchedCount === 1) {
          if (embedded) knownTotals.set(key, written);
          else if (copy) await copy(written.total);
          return written.total;
        }
        knownTotals.delete(key);
      } else {
        try {
          await oneWriter(() => Projection.collection.insertOne({ _id: key as never, ...written }));
          if (embedded) knownTotals.set(key, written);
          if (copy) await copy(written.total);
          return written.total;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
    }
  } catch (error) {
    knownTotals.delete(key);
    throw error;
  }
}

/** A programme's institution type, themes and campaign days, for money out's rollups (one read by `_id`). */
async function facetsOf(programmeId: Types.ObjectId): Promise<SpendingFacets | null> {
  const programme = await Programme.findById(programmeId).select("institutionType themes campaignDays").lean();
  return programme ? { institutionType: programme.institutionType, themes: programme.themes ?? [], campaignDays: programme.campaignDays ?? [] } : null;
}

const provinces = new Map<string, Promise<string | null>>();
/** An institution's province, read once per process (an institution does not move). */
function provinceOf(institutionId: Types.ObjectId | string): Promise<string | null> {
  const key = String(institutionId);
  let found = provinces.get(key);
  if (!found) {
    found = Institution.findById(key).select("provinceSlug").lean().then((i) => i?.provinceSlug ?? null);
    found.catch(() => provinces.delete(key));
    provinces.set(key, found);
  }
  return found;
}

/** What the dashboard splits money out by (J4): the programme's institution type, themes and campaign days. */
export type SpendingFacets = { institutionType: string; themes: string[]; campaignDays: string[] };

/** Whether an entry is money out: an expenditure or its reversal (counted as `spent`, positive). */
const isMoneyOut = (entry: Pick<ProjectedEntry, "sourceType">) => entry.sourceType === "expenditure";

/**
 * The rollups an entry counts in (models/projection.server.ts, Rollup), each with the period it adds to:
 * its province by month, its donor by year (Asia/Ho_Chi_Minh, when received). Money out counts in its
 * province as `spent` — by month, and by the programme's institution type, themes and campaign days
 * (`facets`: read from the programme, on that rare path).
 */
function rollupsOf(entry: Pick<ProjectedEntry, "kind" | "institutionId" | "occurredAt" | "sourceType"> & { donorId?: Types.ObjectId | null }, province: string | null, giftReceivedAt?: Date | null, facets?: SpendingFacets | null): RollupTarget[] {
  if (isMoneyOut(entry)) {
    if (!province) return [];
    const month = `months.${vietnamDateInput(new Date(entry.occurredAt)).slice(0, 7)}`;
    const split = facets ? [`types.${facets.institutionType}`, ...new Set(facets.themes.map((t) => `themes.${t}`)), ...new Set(facets.campaignDays.map((d) => `days.${d}`))] : [];
    return [{ key: `province:${province}`, periods: [month, ...split], spent: true }];
  }
  if (!(RECEIVED_KINDS as readonly string[]).includes(entry.kind)) return [];
  const day = vietnamDateInput(new Date(entry.occurredAt));
  const month = `months.${day.slice(0, 7)}`;
  // A donor's contribution is the gift less what was taken back of it: a reversal counts in the year
  // of its gift (`giftReceivedAt`), not in the year it happened (money in and out by month does).
  const year = vietnamDateInput(new Date(giftReceivedAt ?? entry.occurredAt)).slice(0, 4);
  // The institution's own is kept on its chain's head (headIncrements).
  const rollups: RollupTarget[] = [];
  if (province) rollups.push({ key: `province:${province}`, periods: [month] });
  // A donor's by year, and by year in the province it gave in, each split by what was given
  // (recognition, J3: rules count cash, valued goods and volunteer hours apart, nationally or in one province).
  if (entry.donorId) rollups.push({ key: `donor:${String(entry.donorId)}`, periods: [`years.${year}`, ...(province ? [`provinces.${province}.${year}`] : [])], byCategory: true });
  return rollups;
}

type RollupTarget = { key: string; periods: string[]; byCategory?: boolean; spent?: boolean };

/** What a gift was, for the rollups split by it: a reversal is of its gift's category (`original`: the reversed entry's kind). */
export type ContributionCategory = "cash" | "inKind" | "volunteer";
export function categoryOf(kind: string, original?: string | null): ContributionCategory {
  const of = GIFT_KINDS.includes(kind) ? kind : original ?? "donation_received";
  return of === "in_kind_received" ? "inKind" : of === "volunteer_hours" ? "volunteer" : "cash";
}

/** The increments one entry makes in a rollup: its total and gifts, and per period the same (and its category's share). */
function rollupIncrements(rollup: RollupTarget, amount: number, gifts: number, category: ContributionCategory): Record<string, number> {
  // Money out: an expenditure's entry is negative, its reversal positive; `spent` is what went out (positive).
  if (rollup.spent) return Object.fromEntries([["spent", -amount], ...rollup.periods.map((period) => [`${period}.spent`, -amount])]);
  const inc: Record<string, number> = { total: amount, gifts };
  for (const period of rollup.periods) {
    inc[`${period}.total`] = amount;
    inc[`${period}.gifts`] = gifts;
    if (rollup.byCategory) inc[`${period}.${category}`] = amount;
  }
  return inc;
}

/** Adds dotted increments into a document held in memory (the rebuild's rollups). */
function addDotted(doc: Record<string, unknown>, dotted: Record<string, number>) {
  for (const [path, value] of Object.entries(dotted)) {
    const parts = path.split(".");
    let at = doc;
    for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[parts.at(-1)!] = ((at[parts.at(-1)!] as number | undefined) ?? 0) + value;
  }
}

/** Dotted increments as the document they make when the rollup does not exist yet. */
function nestedFromDotted(dotted: Record<string, number>): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  addDotted(doc, dotted);
  return doc;
}

/**
 * What this process last counted in each rollup per chain (embedded database only): a count then goes
 * straight to its increment, without reading the rollup first. A guess kept like the chain heads
 * (services/money/ledger.ts knownHeads), and sound for the same reason — one app process writes the
 * embedded database — forgotten with them, and after any failure.
 */
const knownMarks = new Map<string, number>();

/** Forgets what this process remembers of the totals and rollups (with the chain heads, and at a rebuild). */
export function forgetKnownProjections() {
  knownMarks.clear();
  knownTotals.clear();
}

/**
 * Counts an entry in one rollup, once. On MongoDB: one increment whose filter requires the entry's chain
 * not to be counted that far yet (atomic, whatever instance sends it; a duplicate-key error is the upsert
 * of a rollup that already counted it). On the embedded database (isEmbeddedDatabase): the mark checked
 * on the rollup as read by `_id`, or as this process last wrote it, then the increment by `_id` — the
 * rollup's writers in this process one at a time.
 */
async function roll(rollup: RollupTarget, entry: Pick<ProjectedEntry, "institutionId" | "sequence" | "amount" | "kind" | "sourceType" | "sourceId">, category: ContributionCategory) {
  const { key } = rollup;
  const inst = String(entry.institutionId);
  const mark = `marks.${inst}`;
  const gifts = isGift(entry) ? 1 : 0;
  const increments = rollupIncrements(rollup, entry.amount, gifts, category);
  // Money out alone never makes a rollup (a programme spends only what it received, counted here first), but
  // should one be made by it, it has its money in's fields as every rollup does.
  const update = { $inc: increments, $set: { [mark]: entry.sequence }, ...(rollup.spent ? { $setOnInsert: { total: 0, gifts: 0 } } : {}) };
  if (!(await isEmbeddedDatabase())) {
    // A duplicate-key error is a rollup inserted meanwhile by another instance (sent again, it is an
    // update) — or, the second time, one that exists and counted this entry already (the filter missed).
    const send = () => Rollup.collection.updateOne({ _id: key as never, [mark]: { $not: { $gte: entry.sequence } } }, update, { upsert: true });
    try {
      await upsertAgainIfRaced(send);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return;
  }
  const known = `${key}|${inst}`;
  await oneAtATime(`rollup:${key}`, async () => {
    try {
      for (;;) {
        let counted = knownMarks.get(known);
        let exists = counted !== undefined;
        if (counted === undefined) {
          const doc = await Rollup.findById(key).select(mark).lean();
          exists = Boolean(doc);
          counted = doc?.marks?.[inst] ?? 0;
        }
        if (counted >= entry.sequence) return;
        if (exists) {
          await oneWriter(() => Rollup.collection.updateOne({ _id: key as never }, update));
          knownMarks.set(known, entry.sequence);
          return;
        }
        try {
          await oneWriter(() => Rollup.collection.insertOne({ _id: key as never, total: 0, gifts: 0, ...nestedFromDotted(increments), marks: { [inst]: entry.sequence } }));
          knownMarks.set(known, entry.sequence);
          return;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error; // inserted meanwhile by another process: read it again
        }
      }
    } catch (error) {
      knownMarks.delete(known);
      throw error;
    }
  });
}

export type MoneyIn = { total: number; gifts: number };
const NOTHING: MoneyIn = { total: 0, gifts: 0 };
const add = (a: MoneyIn, b: MoneyIn): MoneyIn => ({ total: a.total + b.total, gifts: a.gifts + b.gifts });

/** An institution's money in, kept on its chain's head (decision 0032); or one month of it. */
async function headMoneyIn(institutionId: Types.ObjectId | string, period?: string): Promise<MoneyIn> {
  if (!mongoose.isValidObjectId(institutionId)) return NOTHING;
  const doc = await LedgerHead.findById(oid(institutionId)).select(period ?? "total gifts").lean<HeadMoneyIn>();
  const inPeriod = period ? doc?.months?.[period.slice("months.".length)] : doc;
  return inPeriod ? { total: inPeriod.total ?? 0, gifts: inPeriod.gifts ?? 0 } : NOTHING;
}

/** One rollup by `_id`, or one period of it ("months.2026-12", "years.2026"); nothing counted yet: zero. */
async function rollup(key: string, period?: string): Promise<MoneyIn> {
  const doc = await Rollup.findById(key).select(period ? `${period}` : "total gifts").lean();
  if (!doc) return NOTHING;
  if (!period) return { total: doc.total, gifts: doc.gifts };
  const [field, sub] = period.split(".") as ["months" | "years", string];
  const inPeriod = doc[field]?.[sub];
  return inPeriod ? { total: inPeriod.total, gifts: inPeriod.gifts } : NOTHING;
}

/**
 * Money in (net of reversals) and gifts, for the dashboards and reports (J4) and recognition (J3): each
 * one read by `_id`. Months are YYYY-MM and years YYYY, in Vietnam time, of when the money was received.
 */
export const moneyIn = {
  institution: (institutionId: Types.ObjectId | string) => headMoneyIn(institutionId),
  institutionMonth: (institutionId: Types.ObjectId | string, month: string) => headMoneyIn(institutionId, `months.${month}`),
  province: (provinceSlug: string) => rollup(`province:${provinceSlug}`),
  provinceMonth: (provinceSlug: string, month: string) => rollup(`province:${provinceSlug}`, `months.${month}`),
  donor: (donorId: Types.ObjectId | string) => rollup(`donor:${String(donorId)}`),
  donorYear: (donorId: Types.ObjectId | string, year: number) => rollup(`donor:${String(donorId)}`, `years.${year}`),
  /** The nation: the provinces' rollups added up (one read by `_id` per province). */
  async nation(): Promise<MoneyIn> {
    return (await Promise.all(PROVINCE_SLUGS.map((slug) => rollup(`province:${slug}`)))).reduce(add, NOTHING);
  },
  /** A month across the nation, the same way. */
  async nationMonth(month: string): Promise<MoneyIn> {
    return (await Promise.all(PROVINCE_SLUGS.map((slug) => rollup(`province:${slug}`, `months.${month}`)))).reduce(add, NOTHING);
  },
};

/**
 * A programme's gifts for its public ledger: how many, the ids of the latest (newest first), and the
 * money received. Null in a database with records from before projections existed and none kept yet
 * (then the caller asks the donations themselves).
 */
export async function recentGiftsOfProgramme(programmeId: Types.ObjectId | string): Promise<{ total: number; ids: Types.ObjectId[]; received?: number; goods: Goods } | null> {
  const doc = await readById<StoredTotal>(Projection, projectionKey("received", programmeId), "total gifts recent items");
  // `received`: the programme's money in, from the same read (its page shows the books, not the copy that follows them);
  // `goods`: the items it received in kind (decision 0042).
  if (doc) return { total: doc.gifts ?? 0, ids: decodeRecentGifts(doc.recent).map((g) => g.id), received: Math.max(0, doc.total), goods: (doc.items ?? []).map((i) => ({ item: i.item, quantity: i.quantity })) };
  return (await hasLegacyIds()) ? null : { total: 0, ids: [], goods: [] };
}

/** Goods pledged to a programme, per item (active, overdue and fulfilled in-kind pledges). Null as above. */
export async function pledgedInKindOfProgramme(programmeId: Types.ObjectId | string): Promise<Array<{ item: string; quantity: number }> | null> {
  const doc = await readById<{ items?: Array<{ item: string; quantity: number }> }>(Projection, projectionKey("inkind", programmeId), "items");
  if (doc) return (doc.items ?? []).filter((i) => i.quantity > 0).map((i) => ({ item: i.item, quantity: i.quantity }));
  return (await hasLegacyIds()) ? null : [];
}

/**
 * Allocates what the books say was paid on a pledge to its instalments in order, and sets the pledge's
 * state: fulfilled when paid in full, overdue when an instalment is past due and unpaid, active
 * otherwise (a cancelled pledge stays cancelled). Derived, so it can run any number of times.
 */
export async function refreshPledgeFulfilment(pledgeId: Types.ObjectId | string, now = new Date(), paidTotal?: number, asRead?: PledgeForProjection | null, through?: number) {
  const pledge = asRead && String(asRead._id) === String(pledgeId) ? asRead : await Pledge.findById(pledgeId).lean();
  if (!pledge) return null;
  const totalPaid = paidTotal ?? (await paidOfPledge(pledge._id));
  const set = fulfilmentChanges(pledge, Math.max(0, totalPaid), now);
  if (through !== undefined && (pledge.paidThrough ?? 0) < through) set.paidThrough = through;
  // `$set` by `_id` (and the position: an older copy never overwrites a newer one), not save(): mongoose's
  // save of a changed array filters on {_id, __v}, which the embedded database cannot serve from an index.
  if (Object.keys(set).length === 0) return pledge;
  const guarded = through !== undefined && !(await isEmbeddedDatabase());
  await oneWriter(() => Pledge.updateOne(guarded ? { _id: pledge._id, paidThrough: { $not: { $gte: through } } } : { _id: pledge._id }, { $set: set }));
  const derived = fulfilmentOf(pledge, Math.max(0, totalPaid), now);
  return { ...pledge, state: derived.state, paidTotal: Math.max(0, totalPaid), instalments: pledge.instalments.map((instalment, i) => ({ ...instalment, ...derived.instalments[i] })) };
}

/** The fields of a pledge that differ from what `totalPaid` makes them (dotted paths, for `$set`). */
function fulfilmentChanges(pledge: PledgeForFulfilment & { paidTotal?: number | null }, totalPaid: number, now: Date): Record<string, unknown> {
  const derived = fulfilmentOf(pledge, totalPaid, now);
  const set: Record<string, unknown> = {};
  if (derived.state !== pledge.state) set.state = derived.state;
  if (pledge.paidTotal !== totalPaid) set.paidTotal = totalPaid;
  derived.instalments.forEach((instalment, i) => {
    const stored = pledge.instalments[i]!;
    if (stored.paidAmount !== instalment.paidAmount) set[`instalments.${i}.paidAmount`] = instalment.paidAmount;
    if (stored.status !== instalment.status) set[`instalments.${i}.status`] = instalment.status;
  });
  return set;
}

type InstalmentStatus = "pending" | "paid" | "overdue";
type PledgeForFulfilment = { amount: number; state: PledgeState; instalments: Array<{ amount: number; dueDate: Date; paidAmount?: number; status?: string }> };

/**
 * The pledge as of `now`: its state and instalments derived from what was paid and from the calendar
 * (overdue once a due day has passed), without writing anything — what pages show. The stored copy
 * moves when money moves (projectEntry).
 */
export function pledgeAsOf<P extends PledgeForFulfilment>(pledge: P, totalPaid: number, now = new Date()): P {
  const derived = fulfilmentOf(pledge, totalPaid, now);
  return { ...pledge, state: derived.state, instalments: pledge.instalments.map((instalment, i) => ({ ...instalment, ...derived.instalments[i] })) };
}

/** What a pledge's instalments and state are when `totalPaid` has been paid on it (pure). */
export function fulfilmentOf(pledge: PledgeForFulfilment, totalPaid: number, now = new Date()) {
  let overdue = false;
  // In stored order (the $set paths are positional): stored instalments are in `seq` order.
  const instalments = allocateToInstalments(pledge.instalments.map((instalment) => ({ amount: instalment.amount, dueDate: instalment.dueDate })), totalPaid).map(({ instalment, paid: share }) => {
    let status: InstalmentStatus = "pending";
    if (share >= instalment.amount) status = "paid";
    else if (isPastDueDay(instalment.dueDate, now)) {
      status = "overdue";
      overdue = true;
    }
    return { paidAmount: share, status };
  });
  const state: PledgeState = pledge.state === "cancelled" ? "cancelled" : totalPaid >= pledge.amount ? "fulfilled" : overdue ? "overdue" : "active";
  return { state, instalments };
}

/** A pledge as read by its gift's caller under the institution's lock (nothing else changes it meanwhile). */
export type PledgeForProjection = PledgeDoc;

/**
 * Counts one entry in every total it belongs to, then refreshes the copies those totals feed. `pledgeAsRead`:
 * the entry's pledge, read under the institution's lock by the caller, so it is not read again.
 */
export async function projectEntry(entry: ProjectedEntry, pledgeAsRead?: PledgeForProjection | null, trustKnown = false) {
  // Not after this process's own head: another process may have counted in any of the chain's totals.
  if (!trustKnown) forgetKnownTotalsOf(entry.institutionId);
  // Each total is its own document, and so is each copy and each rollup: all written side by side (the
  // institution's lock keeps other entries of the chain out meanwhile); a copy goes with its total.
  // The programme's copy of its received total is not on this path: it follows after the total is
  // written (markProgrammeTotalsChanged, below; decision 0015).
  const copyOf = (kind: ProjectionKind) =>
    kind === "paid" && entry.pledgeId ? (total: number) => refreshPledgeFulfilment(entry.pledgeId!, new Date(), total, pledgeAsRead, entry.sequence) : undefined;
  // A reversal with a donor counts against its gift's category and year (one read by `_id`, on the rare path that needs it).
  const gift = entry.donorId && entry.reversesEntryId && !GIFT_KINDS.includes(entry.kind) ? await LedgerEntry.findById(entry.reversesEntryId).select("kind occurredAt").lean() : null;
  const rollups = rollupsOf(entry, await provinceOf(entry.institutionId), gift?.occurredAt, isMoneyOut(entry) ? await facetsOf(entry.programmeId) : null);
  const category = categoryOf(entry.kind, gift?.kind);
  const totals = projectionsOf(entry);
  const writes = [...totals.map(({ kind, id }) => () => count(kind, id, entry, copyOf(kind), trustKnown)), ...rollups.map((r) => () => roll(r, entry, category))];
  // On the embedded database one after another: SQLite has one writer, and a write that finds another
  // under way waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 … ms between tries — sent side by
  // side, a gift's four writes took 6–12 ms each instead of 2 (decision 0032). On MongoDB side by side.
  await allInTurn<unknown>(writes);
  if (totals.some(({ kind }) => kind === "received")) markProgrammeTotalsChanged([entry.programmeId]);
}

/** What an institution's head keeps of its money in (decision 0032): as an `institution:` rollup did, without marks. */
export type HeadMoneyIn = { total?: number; gifts?: number; months?: InPeriod };

/** The increments one entry makes in its institution's money in, on the head (none for kinds that are not money in). */
function headIncrements(entry: Pick<ProjectedEntry, "kind" | "occurredAt" | "amount" | "sourceType" | "sourceId">): Record<string, number> | null {
  if (!(RECEIVED_KINDS as readonly string[]).includes(entry.kind)) return null;
  const month = `months.${vietnamDateInput(new Date(entry.occurredAt)).slice(0, 7)}`;
  return rollupIncrements({ key: "head", periods: [month] }, entry.amount, isGift(entry) ? 1 : 0, "cash");
}

/**
 * Moves an institution's head past an entry that every other projection has counted: its position
 * (`projectedThrough`; for an append also its sequence and hash) and the institution's money in, which
 * the head keeps itself (decision 0032) — so the two move in one write, and `projectedThrough` is what
 * keeps the money in from counting an entry twice. On MongoDB only while the head has not counted the
 * entry (another instance's catch-up may have: its filter then misses, and the upsert's duplicate key
 * says so); on the embedded database by `_id`, the institution's lock being the condition.
 */
export async function advanceLedgerHead(entry: ProjectedEntry & { hash: string }, append: boolean): Promise<void> {
  const inc = headIncrements(entry);
  const now = new Date();
  const update = {
    $set: { ...(append ? { sequence: entry.sequence, hash: entry.hash } : {}), projectedThrough: entry.sequence, updatedAt: now },
    $setOnInsert: { createdAt: now },
    ...(inc ? { $inc: inc } : {}),
  };
  const _id = oid(entry.institutionId);
  if (await isEmbeddedDatabase()) {
    await oneWriter(() => LedgerHead.collection.updateOne({ _id }, update, { upsert: true }));
    return;
  }
  try {
    await upsertAgainIfRaced(() => LedgerHead.collection.updateOne({ _id, projectedThrough: { $not: { $gte: entry.sequence } } }, update, { upsert: true }));
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

/**
 * Counts the entries the head has not counted yet (after a crash between an append and its
 * projection), in sequence order. A read of the ledger by sequence: rare, so a query is fine here.
 */
export async function catchUpProjections(head: LedgerHeadDoc): Promise<LedgerHeadDoc> {
  if (head.projectedThrough >= head.sequence) return head;
  const entries = await LedgerEntry.find({ institutionId: head._id, sequence: { $gt: head.projectedThrough, $lte: head.sequence } }).sort({ sequence: 1 }).lean();
  for (const entry of entries) {
    await projectEntry(entry);
    await advanceLedgerHead(entry, false);
  }
  return { ...head, projectedThrough: head.sequence };
}

type Tally = { total: number; through: number; institutionId: Types.ObjectId; recent?: RecentGift[]; gifts?: number; rows?: Array<{ sequence: number; row: string }>; programmeId?: Types.ObjectId; items?: Goods };

/**
 * The goods programmes received, from a pass over the ledger in any order (rebuilds), as goodsAfter keeps
 * them: each in-kind gift's items unless its reversals add up to the whole gift.
 */
function goodsTally() {
  const gifts = new Map<string, { received: string; sourceId: Types.ObjectId | null; amount: number }>();
  const reversed = new Map<string, number>();
  return {
    add(entry: ProjectedEntry) {
      if (entry.kind === "in_kind_received" && entry.programmeId) gifts.set(String(entry._id), { received: projectionKey("received", entry.programmeId), sourceId: entry.sourceId ?? null, amount: entry.amount });
      else if (entry.reversesEntryId && !GIFT_KINDS.includes(entry.kind) && !isMoneyOut(entry)) reversed.set(String(entry.reversesEntryId), (reversed.get(String(entry.reversesEntryId)) ?? 0) + entry.amount);
    },
    /** Adds the kept gifts' items (each read by `_id`, 50 side by side) to the programmes' tallies. */
    async into(totals: Map<string, Tally>) {
      const kept = [...gifts].filter(([id, gift]) => -(reversed.get(id) ?? 0) < gift.amount).map(([, gift]) => gift);
      for (let i = 0; i < kept.length; i += 50) {
        const batch = kept.slice(i, i + 50);
        const items = await Promise.all(batch.map((gift) => itemsOfGift(gift.sourceId)));
        batch.forEach((gift, k) => {
          const t = totals.get(gift.received);
          if (t) t.items = withGoods(t.items ?? [], items[k]!, 1);
        });
      }
    },
  };
}
const byNewest = (a: RecentGift, b: RecentGift) => b.at.getTime() - a.at.getTime() || String(b.id).localeCompare(String(a.id));

/** Counts one entry into in-memory totals, as count() does into stored ones (for rebuilds). */
function tallyEntry(totals: Map<string, Tally>, entry: ProjectedEntry) {
  for (const { kind, id } of projectionsOf(entry)) {
    const key = projectionKey(kind, id);
    const t = totals.get(key) ?? { total: 0, through: 0, institutionId: entry.institutionId };
    t.through = Math.max(t.through, entry.sequence);
    if (kind !== "received" || isMoneyIn(entry)) t.total += entry.amount;
    if (kind === "received") {
      t.programmeId = entry.programmeId;
      (t.rows ??= []).push({ sequence: entry.sequence, row: encodeLedgerRows([ledgerRowOf(entry)]) });
    }
    if (kind === "received" || kind === "paid") {
      t.recent ??= [];
      if (kind === "received") t.gifts ??= 0;
      if (isGift(entry)) {
        t.recent.push({ id: entry.sourceId!, at: new Date(entry.occurredAt) });
        if (kind === "received") {
          t.gifts! += 1;
          if (t.recent.length > 2 * RECENT_GIFTS_KEPT) t.recent = t.recent.sort(byNewest).slice(0, RECENT_GIFTS_KEPT);
        }
      }
    }
    totals.set(key, t);
  }
}

/** A programme's ledger derived from its rows (in chain order): its full pages, and the tail kept on its received total. */
function ledgerPagesOf(t: Tally) {
  const rows = (t.rows ?? []).sort((a, b) => a.sequence - b.sequence).map((r) => r.row);
  const pages: Array<ReturnType<typeof ledgerPageDocument>> = [];
  let opening = 0;
  // A page is full at LEDGER_PAGE_ROWS rows, and the tail keeps 1 to LEDGER_PAGE_ROWS (a page is written when the next row comes).
  for (let start = 0; rows.length - start > LEDGER_PAGE_ROWS; start += LEDGER_PAGE_ROWS) {
    const page = ledgerPageDocument(t.programmeId!, pages.length, t.institutionId, opening, rows.slice(start, start + LEDGER_PAGE_ROWS).join(" "));
    pages.push(page);
    opening += page.total;
  }
  const tail = rows.slice(pages.length * LEDGER_PAGE_ROWS).join(" ");
  return { pages, tail: { ledger: tail || undefined, ledgerPages: pages.length, ledgerOpening: opening } };
}

function tallyDocument(key: string, t: Tally, ledger: ReturnType<typeof ledgerPagesOf>["tail"] | Record<string, never> = {}) {
  const keep = key.startsWith("paid:") ? Infinity : RECENT_GIFTS_KEPT;
  return { _id: key, total: t.total, through: t.through, institutionId: t.institutionId, ...(t.recent ? { recent: encodeRecentGifts(t.recent.sort(byNewest).slice(0, keep)) } : {}), ...(t.gifts !== undefined ? { gifts: t.gifts } : {}), ...ledger, ...(t.items?.length ? { items: t.items } : {}) };
}

/** The tallies as stored documents, and every full ledger page of their programmes (each ledger split once; rebuilds). */
function tallyDocuments(totals: Map<string, Tally>) {
  const docs: Array<ReturnType<typeof tallyDocument>> = [];
  const pages: Array<ReturnType<typeof ledgerPageDocument>> = [];
  for (const [key, t] of totals) {
    const ledger = t.rows ? ledgerPagesOf(t) : null;
    docs.push(tallyDocument(key, t, ledger?.tail));
    if (ledger) pages.push(...ledger.pages);
  }
  return { docs, pages };
}

/** Kinds kept from the ledger (inkind is kept from pledges). */
const LEDGER_KINDS = new Set<string>(["received", "paid", "reversed", "spent", "ledger"]);

/** Every ledger total of one institution derived again from its ledger, and stored (an old database's first append). */
async function rebuildInstitution(institutionId: Types.ObjectId): Promise<HeadMoneyIn> {
  knownTotals.clear();
  const totals = new Map<string, Tally>();
  const moneyIn: HeadMoneyIn = {};
  const goods = goodsTally();
  for await (const entry of LedgerEntry.find({ institutionId }).lean().cursor()) {
    tallyEntry(totals, entry);
    goods.add(entry);
    const inc = headIncrements(entry);
    if (inc) addDotted(moneyIn, inc);
  }
  await goods.into(totals);
  const existing = await Projection.find({ institutionId }).select("_id").lean();
  const { docs, pages } = tallyDocuments(totals);
  const kept = new Set([...totals.keys(), ...pages.map((p) => p._id)]);
  const stale = existing.map((d) => d._id).filter((key) => LEDGER_KINDS.has(key.split(":")[0]!) && !kept.has(key));
  for (const doc of docs) await Projection.replaceOne({ _id: doc._id }, doc, { upsert: true });
  for (const page of pages) await Projection.replaceOne({ _id: page._id }, page, { upsert: true });
  for (const key of stale) await Projection.deleteOne({ _id: key });
  return moneyIn;
}

/**
 * Derives every projection again from the ledger: heads, running totals, programmes' received and
 * pledged copies, pledges' instalments and states. One pass over the ledger and one over the pledges
 * (not a query per programme), for a database loaded in bulk (the benchmark), after a restore, and to
 * prove the running totals right (tests compare the two).
 */
export async function rebuildProjections(): Promise<{ institutions: number; entries: number; programmes: number; pledges: number }> {
  const totals = new Map<string, Tally>();
  const heads = new Map<string, { _id: Types.ObjectId; sequence: number; hash: string } & HeadMoneyIn>();
  let entries = 0;
  const provinceBy = new Map<string, string>();
  for await (const institution of Institution.find({}).select("_id provinceSlug").lean().cursor()) provinceBy.set(String(institution._id), institution.provinceSlug);
  const rollups = new Map<string, RollupDoc>();
  const gifts = new Map<string, { kind: string; occurredAt: Date }>();
  const later: Array<{ entry: ProjectedEntry; province: string | null }> = [];
  const facetsBy = new Map<string, SpendingFacets | null>();
  const goods = goodsTally();
  const fields = "_id institutionId programmeId pledgeId donorId reversesEntryId kind amount sequence hash sourceType sourceId occurredAt";
  for await (const entry of LedgerEntry.find({}).select(fields).lean().cursor()) {
    entries += 1;
    const inst = String(entry.institutionId);
    const head = heads.get(inst);
    if (!head) heads.set(inst, { _id: entry.institutionId, sequence: entry.sequence, hash: entry.hash });
    else if (head.sequence < entry.sequence) Object.assign(head, { sequence: entry.sequence, hash: entry.hash });
    const inc = headIncrements(entry);
    if (inc) addDotted(heads.get(inst)!, inc);
    tallyEntry(totals, entry);
    goods.add(entry);
    if (GIFT_KINDS.includes(entry.kind)) gifts.set(String(entry._id), { kind: entry.kind, occurredAt: entry.occurredAt });
    // Money out is split by its programme's facets: read once per programme (expenditures are few).
    let facets: SpendingFacets | null = null;
    if (isMoneyOut(entry)) {
      const key = String(entry.programmeId);
      if (!facetsBy.has(key)) facetsBy.set(key, await facetsOf(entry.programmeId));
      facets = facetsBy.get(key)!;
    }
    for (const rollup of rollupsOf(entry, provinceBy.get(inst) ?? null, null, facets)) {
      const r = rollups.get(rollup.key) ?? { _id: rollup.key, total: 0, gifts: 0, marks: {} };
      r.marks[inst] = Math.max(r.marks[inst] ?? 0, entry.sequence);
      rollups.set(rollup.key, r);
      // A donor's reversal counts in its gift's category and year, and this pass may not have met the gift yet: counted after.
      if (rollup.byCategory && entry.reversesEntryId && !GIFT_KINDS.includes(entry.kind)) later.push({ entry, province: provinceBy.get(inst) ?? null });
      else addDotted(r, rollupIncrements(rollup, entry.amount, isGift(entry) ? 1 : 0, categoryOf(entry.kind)));
    }
  }
  await goods.into(totals);
  for (const { entry, province } of later) {
    const gift = gifts.get(String(entry.reversesEntryId));
    const rollup = rollupsOf(entry, province, gift?.occurredAt).find((r) => r.byCategory)!;
    addDotted(rollups.get(rollup.key)!, rollupIncrements(rollup, entry.amount, 0, categoryOf(entry.kind, gift?.kind)));
  }
  // Updates go 50 to a command: FerretDB v1.24 holds one SQLite connection per statement of an update
  // command until the command ends (internal/handler/msg_update.go), from a pool of 100 — a command of
  // 100 updates or more waits forever. Inserts are not affected.
  const inBatches = async <T>(items: T[], write: (batch: T[]) => Promise<unknown>, size = 1000) => {
    for (let i = 0; i < items.length; i += size) await write(items.slice(i, i + size));
  };
  // Emptied by dropping the collections: FerretDB v1.24 deletes the matched documents in one
  // `DELETE … WHERE id IN (?, …)`, which fails past SQLite's limit on variables (32,766) — a nation's
  // projections are far more. The next insert creates the collection again (no index but `_id`).
  await dropIfExists(Projection);
  const { docs, pages } = tallyDocuments(totals);
  await inBatches(docs, (batch) => Projection.insertMany(batch, { ordered: false }));
  await inBatches(pages, (batch) => Projection.insertMany(batch, { ordered: false }));
  await dropIfExists(Rollup);
  forgetKnownProjections();
  await inBatches([...rollups.values()], (batch) => Rollup.insertMany(batch, { ordered: false }));
  await dropIfExists(LedgerHead);
  await inBatches([...heads.values()], (batch) => LedgerHead.insertMany(batch.map((h) => ({ ...h, projectedThrough: h.sequence })), { ordered: false }));

  const pledged = new Map<string, number>();
  const inKind = new Map<string, { institutionId: Types.ObjectId; items: Map<string, number> }>();
  let pledges = 0;
  const now = new Date();
  const pledgeUpdates: Array<{ _id: Types.ObjectId; set: Record<string, unknown> }> = [];
  for await (const pledge of Pledge.find({}).select("_id programmeId institutionId kind inKindItems state amount instalments paidTotal paidThrough").lean().cursor()) {
    pledges += 1;
    if ((PLEDGED_STATES as readonly string[]).includes(pledge.state)) {
      pledged.set(String(pledge.programmeId), (pledged.get(String(pledge.programmeId)) ?? 0) + pledge.amount);
      if (pledge.kind === "in_kind") {
        const goods = inKind.get(String(pledge.programmeId)) ?? { institutionId: pledge.institutionId, items: new Map<string, number>() };
        for (const line of pledge.inKindItems ?? []) goods.items.set(line.item, (goods.items.get(line.item) ?? 0) + line.quantity);
        inKind.set(String(pledge.programmeId), goods);
      }
    }
    const paid = totals.get(projectionKey("paid", pledge._id));
    const set = fulfilmentChanges(pledge, Math.max(0, paid?.total ?? 0), now);
    if ((pledge.paidThrough ?? 0) !== (paid?.through ?? 0)) set.paidThrough = paid?.through ?? 0;
    if (Object.keys(set).length) pledgeUpdates.push({ _id: pledge._id, set });
  }
  await inBatches([...inKind], (batch) =>
    Projection.insertMany(
      batch.map(([programmeId, goods]) => ({ _id: projectionKey("inkind", programmeId), total: 0, through: 0, institutionId: goods.institutionId, items: [...goods.items].map(([item, quantity]) => ({ item, quantity })) })),
      { ordered: false },
    ),
  );
  await inBatches(pledgeUpdates, (batch) => Pledge.bulkWrite(batch.map((u) => ({ updateOne: { filter: { _id: u._id }, update: { $set: u.set } } })), { ordered: false }), UPDATES_PER_COMMAND);
  const programmes: Array<{ _id: Types.ObjectId; totals: { receivedTotal: number; receivedThrough: number; pledgedTotal: number } }> = [];
  for await (const programme of Programme.find({}).select("_id").lean().cursor()) {
    const received = totals.get(projectionKey("received", programme._id));
    programmes.push({ _id: programme._id, totals: { receivedTotal: Math.max(0, received?.total ?? 0), receivedThrough: received?.through ?? 0, pledgedTotal: pledged.get(String(programme._id)) ?? 0 } });
  }
  await inBatches(programmes, (batch) => Programme.bulkWrite(batch.map((p) => ({ updateOne: { filter: { _id: p._id }, update: { $set: p.totals } } })), { ordered: false }), UPDATES_PER_COMMAND);
  await markCatalogueRebuild();
  await Meta.replaceOne({ _id: PROJECTIONS_META }, { _id: PROJECTIONS_META, value: PROJECTIONS_VERSION }, { upsert: true });
  return { institutions: heads.size, entries, programmes: programmes.length, pledges };
}

/**
 * What the projections keep, as a number bumped when it changes (2: a pledge's paid total keeps its
 * gifts' ids; 3: a programme's received total counts and lists its gifts, no separate `gifts:` document;
 * 4: money in rolled up by institution, province, month and donor; 5: a total's gifts as one string;
 * 6: an institution's money in kept on its chain's head, no `institution:` rollup; 7: a programme's whole
 * public ledger kept in pages with its received total; 8: the goods it received, there too).
 * A database whose projections are older is rebuilt from the ledger once, at start.
 */
export const PROJECTIONS_VERSION = 8;
const PROJECTIONS_META = "projections-version";

/** Rebuilds the projections of a database written by an older version (see PROJECTIONS_VERSION); true when it did. */
export async function upgradeProjections(log: (message: string) => void = console.log): Promise<boolean> {
  await hasLegacyIds(); // decided at the first connection, before anything is written
  const stored = await Meta.findById(PROJECTIONS_META).lean();
  if (stored?.value === PROJECTIONS_VERSION) return false;
  // An empty filter with a limit is one row read on the embedded database, not a scan.
  const anyEntry = await LedgerEntry.collection.findOne({}, { projection: { _id: 1 } });
  if (!anyEntry) {
    await Meta.replaceOne({ _id: PROJECTIONS_META }, { _id: PROJECTIONS_META, value: PROJECTIONS_VERSION }, { upsert: true });
    return false;
  }
  log("• The books' running totals are from an older version: deriving them again from the ledger (once)…");
  await rebuildProjections();
  // Keys that came with a version: "find my gift" by amount and day (7) — the gifts recorded before it have none.
  if (((stored?.value as number | undefined) ?? 0) < 7) await rebuildGiftAmountKeys();
  return true;
}

async function dropIfExists(model: { collection: { drop: () => Promise<unknown> } }) {
  try {
    await model.collection.drop();
  } catch (error) {
    if ((error as { codeName?: string }).codeName !== "NamespaceNotFound") throw error;
  }
}

/** At most this many updates in one command (FerretDB v1.24 hangs at 100: see rebuildProjections). */
export const UPDATES_PER_COMMAND = 50;

/** States whose amount counts as pledged. */
export const PLEDGED_STATES = ["active", "overdue", "fulfilled"] as const;

/** A programme's pledged total derived again from its pledges (a query over pledges: for rebuilds). */
export async function recomputePledgedTotal(programmeId: Types.ObjectId | string) {
  const [row] = await Pledge.aggregate<{ total: number }>([
    { $match: { programmeId: oid(programmeId), state: { $in: [...PLEDGED_STATES] } } },
    { $group: { _id: null, total: { $sum: "$amount" } } },
  ]);
  await Programme.updateOne({ _id: oid(programmeId) }, { $set: { pledgedTotal: row?.total ?? 0 } });
}

/**
 * A programme's pledged and received copies derived again: pledged from its pledges, received from its
 * running total. For records written around the services (tests, repairs); the services keep both.
 */
export async function recomputeProgrammeTotals(programmeId: Types.ObjectId | string) {
  await recomputePledgedTotal(programmeId);
  await copyReceivedTotal(programmeId);
  await markProgrammesChanged([programmeId]);
}

/**
 * A pledge made (sign +1) or cancelled (−1): the programme's pledged total, and for goods its pledged
 * quantities per item, move by it. By `_id`, one at a time per institution (FerretDB v1 applies $inc
 * as read-modify-write, so concurrent increments could be lost). Pledged is a promise, not the books:
 * a rebuild derives it from the pledges.
 */
export async function countPledge(
  pledge: { programmeId: Types.ObjectId; institutionId: Types.ObjectId; amount: number; kind: string; inKindItems?: Array<{ item: string; quantity: number }> | null },
  sign: 1 | -1,
) {
  if (!Number.isSafeInteger(pledge.amount)) throw new RangeError(`pledged amounts are whole đồng: ${pledge.amount}`);
  await withInstitutionLock(pledge.institutionId, async () => {
    const programme = await Programme.findById(pledge.programmeId).select("pledgedTotal").lean();
    if (!programme) return;
    await Programme.updateOne({ _id: programme._id }, { $set: { pledgedTotal: Math.max(0, (programme.pledgedTotal ?? 0) + sign * pledge.amount) } });
    if (pledge.kind === "in_kind" && pledge.inKindItems?.length) {
      const key = projectionKey("inkind", pledge.programmeId);
      const doc = await Projection.findById(key).lean();
      const items = new Map((doc?.items ?? []).map((i) => [i.item, i.quantity]));
      for (const line of pledge.inKindItems) items.set(line.item, Math.max(0, (items.get(line.item) ?? 0) + sign * line.quantity));
      await Projection.replaceOne({ _id: key }, { _id: key, total: 0, through: 0, institutionId: pledge.institutionId, items: [...items].map(([item, quantity]) => ({ item, quantity })) }, { upsert: true });
    }
  });
  await markProgrammesChanged([pledge.programmeId]);
}

/**
 * Instalments whose due day has passed unpaid are marked overdue, and their pledges with them (the
 * sweeper's daily pass, in Asia/Ho_Chi_Minh days). Pages already show a pledge as of today
 * (pledgeAsOf); this keeps the stored copy — what lists, reminders and reports read — in step. A read
 * of the open pledges; each change is written under its institution's lock, from the pledge read again.
 */
export async function markOverduePledges(now = new Date()): Promise<number> {
  let changed = 0;
  const open = Pledge.find({ state: { $in: ["active", "overdue"] } }).select("_id institutionId state amount instalments paidTotal").lean().cursor();
  for await (const pledge of open) {
    if (Object.keys(fulfilmentChanges(pledge, Math.max(0, pledge.paidTotal ?? 0), now)).length === 0 && pledge.paidTotal != null) continue;
    await withInstitutionLock(pledge.institutionId, async () => {
      // Read once under the lock: what it was, and what the refresh derives from (not read again there).
      const before = await Pledge.findById(pledge._id).lean();
      if (!before) return;
      const after = await refreshPledgeFulfilment(pledge._id, now, undefined, before);
      if (after && (after.state !== before.state || after.instalments.some((i, n) => i.status !== before.instalments[n]?.status))) changed += 1;
    });
  }
  return changed;
}
