import { createHash } from "node:crypto";
import mongoose, { Schema, Types } from "mongoose";
import { upsertAgainIfRaced } from "./duplicate-key";
import { LEDGER_ENTRY_KINDS, LEDGER_SOURCE_TYPES, type LedgerEntryKind, type LedgerSourceType } from "./ledger-entry.server";

/**
 * What the books say, kept ready to read by `_id` (decision 0011): the head of each institution's
 * ledger chain, and running totals of the ledger (received per programme, paid per pledge, reversed
 * per gift). The ledger is the truth; these are projections of it that a rebuild from the ledger must
 * equal (services/money/projections.ts rebuildProjections, and the randomised money test checks it).
 *
 * Each total remembers the last entry it counted (`through`, the entry's sequence in its
 * institution's chain). Entries are applied in sequence order per institution, so an entry is counted
 * exactly once even when applying it is retried after a crash.
 */

/** The head of one institution's chain: `_id` is the institution's id. */
const ledgerHeadSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    /** The highest sequence written (0 before the first entry) and its hash. */
    sequence: { type: Number, required: true, default: 0 },
    hash: { type: String, required: true },
    /** Every entry up to this sequence is counted in the projections. */
    projectedThrough: { type: Number, required: true, default: 0 },
    /**
     * The institution's money in through `projectedThrough`, as a rollup keeps it (below: Σ of the entries
     * of RECEIVED_KINDS, how many gifts, and the same per month `months.YYYY-MM`) — on the head, so that
     * it moves with the head's position in one write (decision 0032). Absent until money comes in.
     */
    total: { type: Number, default: undefined },
    gifts: { type: Number, default: undefined },
    months: { type: Schema.Types.Mixed, default: undefined },
  },
  { versionKey: false, timestamps: true },
);
export type LedgerHeadDoc = { _id: Types.ObjectId; sequence: number; hash: string; projectedThrough: number; total?: number; gifts?: number; months?: InPeriod };
export const LedgerHead =
  (mongoose.models.LedgerHead as mongoose.Model<LedgerHeadDoc> | undefined) ?? mongoose.model<LedgerHeadDoc>("LedgerHead", ledgerHeadSchema);

export const PROJECTION_KINDS = ["received", "paid", "reversed", "inkind", "spent", "ledger"] as const;
export type ProjectionKind = (typeof PROJECTION_KINDS)[number];

/**
 * A running total: `_id` is "<kind>:<id>" — received:<programme> (with how many gifts, and the latest
 * ones for the public ledger), paid:<pledge> (with its gifts), reversed:<ledger entry>; inkind:<programme>
 * (goods pledged, per item: kept from pledges, not the ledger); spent:<programme> (its published
 * expenditures less their reversals: negative); ledger:<programme>:<n> (page n of the programme's public
 * ledger: LEDGER_PAGE_ROWS entries in chain order, with the balance before them — decision 0039).
 *
 * received:<programme> also keeps the programme's whole ledger as it grows: every entry of the programme
 * (money in and money out) is counted there in chain order (`through`), its total moving only with money
 * in; the rows after the last full page are its `ledger`, `ledgerPages` full pages come before them, and
 * `ledgerOpening` is the balance before its first row. When a page fills it is written as its own
 * document (its `_id` deterministic, so writing it again is a duplicate key) and the tail starts again.
 */
const projectionSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Σ of the signed amounts counted (whole đồng). */
    total: { type: Number, required: true, default: 0 },
    /** The sequence of the last entry counted, in the chain of `institutionId`. */
    through: { type: Number, required: true, default: 0 },
    institutionId: { type: Schema.Types.ObjectId, required: true },
    /** received: how many gifts (reversals are not gifts). */
    gifts: { type: Number, default: undefined },
    /**
     * Gifts, newest first by when they were received: received, the latest RECENT_GIFTS_KEPT; paid, all
     * of the pledge's. One string (encodeRecentGifts), not an array of documents: FerretDB decodes and
     * encodes a document field by field, and a total is read and written on every gift — 100 gifts as
     * sub-documents made that 19 ms, as one string 5 ms (decision 0015).
     */
    recent: { type: String, default: undefined },
    /** received: the rows after the last full ledger page; ledger:<programme>:<n>: that page's rows (encodeLedgerRows). */
    ledger: { type: String, default: undefined },
    /** received: how many full ledger pages come before `ledger`. */
    ledgerPages: { type: Number, default: undefined },
    /** received: the balance before `ledger`'s first row; ledger:<programme>:<n>: before the page's first row. */
    ledgerOpening: { type: Number, default: undefined },
    /** inkind: quantity pledged per item; received: goods received per item (in-kind gifts not reversed in full, decision 0042). */
    items: { type: [new Schema({ item: { type: String, required: true }, quantity: { type: Number, required: true } }, { _id: false })], default: undefined },
  },
  { versionKey: false },
);
export const RECENT_GIFTS_KEPT = 100;
export type RecentGift = { id: Types.ObjectId; at: Date };
export type ProjectionDoc = {
  _id: string;
  total: number;
  through: number;
  institutionId: Types.ObjectId;
  gifts?: number;
  recent?: string;
  ledger?: string;
  ledgerPages?: number;
  ledgerOpening?: number;
  items?: Array<{ item: string; quantity: number }>;
};

/** Entries on one stored page of a programme's ledger. */
export const LEDGER_PAGE_ROWS = 100;

/** One entry of a programme's public ledger, as its pages keep it: what the entry is, nothing personal. */
export type LedgerRow = { sequence: number; kind: LedgerEntryKind; amount: number; at: Date; entryId: Types.ObjectId; sourceType: LedgerSourceType; sourceId: Types.ObjectId | null };

/**
 * Ledger rows as one string (as `recent`, for the same reason): per row `<sequence>.<kind>.<amount>.<when,
 * ms>.<source type>.<entry id>.<source id or empty>`, numbers in base 36, kinds and source types by their
 * place in LEDGER_ENTRY_KINDS and LEDGER_SOURCE_TYPES (lists only ever appended to); rows separated by spaces.
 */
export function encodeLedgerRows(rows: LedgerRow[]): string {
  return rows
    .map((r) => [r.sequence.toString(36), LEDGER_ENTRY_KINDS.indexOf(r.kind).toString(36), r.amount.toString(36), r.at.getTime().toString(36), LEDGER_SOURCE_TYPES.indexOf(r.sourceType).toString(36), String(r.entryId), r.sourceId ? String(r.sourceId) : ""].join("."))
    .join(" ");
}

export function decodeLedgerRows(stored: string | undefined | null): LedgerRow[] {
  if (!stored) return [];
  return stored.split(" ").map((item) => {
    const [sequence, kind, amount, at, sourceType, entryId, sourceId] = item.split(".") as [string, string, string, string, string, string, string];
    return {
      sequence: parseInt(sequence, 36),
      kind: LEDGER_ENTRY_KINDS[parseInt(kind, 36)]!,
      amount: parseInt(amount, 36),
      at: new Date(parseInt(at, 36)),
      sourceType: LEDGER_SOURCE_TYPES[parseInt(sourceType, 36)]!,
      entryId: new Types.ObjectId(entryId),
      sourceId: sourceId ? new Types.ObjectId(sourceId) : null,
    };
  });
}

/**
 * A list of gifts as stored in a total's `recent`: `<when received, ms since 1970 in base 36>.<gift id,
 * 24 hex>`, one per gift, separated by spaces, in the list's order.
 */
export function encodeRecentGifts(gifts: RecentGift[]): string {
  return gifts.map((g) => `${g.at.getTime().toString(36)}.${String(g.id)}`).join(" ");
}

/** The gifts of a total's `recent`, in their order (nothing stored: none). */
export function decodeRecentGifts(recent: string | undefined | null): RecentGift[] {
  if (!recent) return [];
  return recent.split(" ").map((item) => {
    const [at, id] = item.split(".") as [string, string];
    return { id: new Types.ObjectId(id), at: new Date(parseInt(at, 36)) };
  });
}
export const Projection =
  (mongoose.models.Projection as mongoose.Model<ProjectionDoc> | undefined) ?? mongoose.model<ProjectionDoc>("Projection", projectionSchema);

export function projectionKey(kind: ProjectionKind, id: string | Types.ObjectId): string {
  return `${kind}:${String(id)}`;
}

/**
 * Money in, rolled up beyond one institution's chain (decision 0014; an institution's own is kept on its
 * chain's head, LedgerHead, since decision 0032): `_id` is
 *   province:<slug>    by the institutions of one province, per month (the nation: the provinces added up)
 *   donor:<id>         given by one donor to any institution, per year (`years.YYYY`) and per year in a province
 *                      (`provinces.<slug>.YYYY`), each also split into `cash`, `inKind`, `volunteer` (recognition, J3)
 * Σ of the entries of RECEIVED_KINDS (gifts less their reversals) and how many gifts; months and years
 * in Asia/Ho_Chi_Minh, of when received. Entries of many chains meet in one document, so "counted
 * already" is kept per chain: `marks[<institution>]` is the sequence of that chain's last entry counted
 * here (chains are applied in sequence order).
 */
const rollupSchema = new Schema(
  {
    _id: { type: String, required: true },
    total: { type: Number, required: true, default: 0 },
    gifts: { type: Number, required: true, default: 0 },
    marks: { type: Schema.Types.Mixed, default: {} },
    months: { type: Schema.Types.Mixed, default: undefined },
    years: { type: Schema.Types.Mixed, default: undefined },
    /** province: money out (published expenditures less their reversals, positive), also per month and per `types.<institution type>`, `themes.<theme>`, `days.<campaign day>` (`.spent`). */
    spent: { type: Number, default: undefined },
    types: { type: Schema.Types.Mixed, default: undefined },
    themes: { type: Schema.Types.Mixed, default: undefined },
    days: { type: Schema.Types.Mixed, default: undefined },
    provinces: { type: Schema.Types.Mixed, default: undefined },
  },
  { versionKey: false, minimize: false },
);
/** Per period: the total and gifts; a donor's also split by what was given (cash, valued goods, volunteer hours' value). */
export type InPeriod = Record<string, { total: number; gifts: number; cash?: number; inKind?: number; volunteer?: number; spent?: number }>;
export type RollupDoc = {
  _id: string;
  total: number;
  gifts: number;
  marks: Record<string, number>;
  months?: InPeriod;
  years?: InPeriod;
  provinces?: Record<string, InPeriod>;
  spent?: number;
  types?: Record<string, { spent?: number }>;
  themes?: Record<string, { spent?: number }>;
  days?: Record<string, { spent?: number }>;
};
export const Rollup = (mongoose.models.Rollup as mongoose.Model<RollupDoc> | undefined) ?? mongoose.model<RollupDoc>("Rollup", rollupSchema);

/** A deterministic ObjectId: the same name always gives the same id, so a record is found by `_id` from its key. */
export function objectIdFromName(name: string): Types.ObjectId {
  return new mongoose.Types.ObjectId(createHash("sha256").update(name).digest("hex").slice(0, 24));
}

/** Facts about the database itself (`_id`: the fact's name). */
const metaSchema = new Schema({ _id: { type: String, required: true }, value: { type: Schema.Types.Mixed, default: null } }, { versionKey: false, timestamps: true });
type MetaDoc = { _id: string; value: unknown };
export const Meta = (mongoose.models.Meta as mongoose.Model<MetaDoc> | undefined) ?? mongoose.model<MetaDoc>("Meta", metaSchema);

let legacyIds: Promise<boolean> | null = null;

/**
 * Whether this database holds gifts or ledger entries stored before their `_id`s were derived from
 * their keys (then a record not found by `_id` may still exist, and the finders fall back to a query
 * on the key). Decided once per database — an empty database never needs the fallback — and kept in
 * the meta document "legacy-ids"; read once per process.
 */
export function hasLegacyIds(): Promise<boolean> {
  legacyIds ??= (async () => {
    const known = await Meta.findById("legacy-ids").lean();
    if (known) return known.value === true;
    // An empty filter with a limit is pushed down to the embedded database: one row read, not a scan.
    const [donation, entry] = await Promise.all([
      mongoose.connection.db!.collection("donations").findOne({}, { projection: { _id: 1 } }),
      mongoose.connection.db!.collection("ledgerentries").findOne({}, { projection: { _id: 1 } }),
    ]);
    const legacy = Boolean(donation || entry);
    await upsertAgainIfRaced(() => Meta.updateOne({ _id: "legacy-ids" }, { $setOnInsert: { value: legacy } }, { upsert: true }));
    return ((await Meta.findById("legacy-ids").lean())?.value ?? legacy) === true;
  })().catch((error) => {
    legacyIds = null;
    throw error;
  });
  return legacyIds;
}

let embedded: Promise<boolean> | null = null;

/**
 * Whether the server is FerretDB (the embedded database) rather than MongoDB, asked once per process.
 * It decides how a guarded update is sent: FerretDB v1 serves an update by `_id` alone from an index,
 * but any further condition in an update's filter makes it read the whole collection (measured: 330 ms
 * per update at 20,000 documents) — and it applies such an update as a read then a write anyway. There,
 * the condition is checked on the document read by `_id`, under the in-process lock that already
 * serialises its writers (one app process serves the embedded database, decision 0011). On MongoDB the
 * condition is in the filter, atomic across instances.
 */
export function isEmbeddedDatabase(): Promise<boolean> {
  embedded ??= mongoose.connection
    .db!.admin()
    .command({ buildInfo: 1 })
    .then((info) => typeof info.ferretdbVersion === "string")
    .catch((error) => {
      embedded = null;
      throw error;
    });
  return embedded;
}

/** For tests that drop the database between files: forget what was read. */
export function forgetLegacyIds() {
  legacyIds = null;
}
