import type { KeyObject } from "node:crypto";
import { LRUCache } from "lru-cache";
import mongoose, { type Types } from "mongoose";
import { findDonationByReceiptNumber, findGiftsOfPledge, giftsOfPledgeWith } from "#models/donation.server";
import { findLookup } from "#models/lookup.server";
import { Pledge, findPledgeByReference, normalisedPledgeReference } from "#models/pledge.server";
import { Institution } from "#models/institution.server";
import { ChainCheck } from "#models/job.server";
import { oneWriter } from "#models/one-writer";
import { LedgerHead, hasLegacyIds } from "#models/projection.server";
import { provinceName } from "#models/reference/provinces";
import { LedgerEntry, ledgerEntryIdFor } from "#models/ledger-entry.server";
import { LOG_STATE_ID, LogCheckpoint, LogNode, LogPosition, LogState, logNodeId, type LogCheckpointDoc, type LogNodeDoc, type LogStateDoc } from "#models/transparency-log.server";
import { signCheckpoint, verifierKey, rawPublicKey } from "./checkpoint";
import { EMPTY_ROOT, consistencyProof, inclusionProof, leafHash, nodeHash, rootHash, type Hash, type TreeReader } from "./merkle";

/**
 * The platform's ledger as one transparency log (issue 12, decision 0034). Every ledger entry of every
 * institution becomes a leaf, each chain in its order; the sweeper appends what is new (under its
 * lease, so one appender at a time) and signs a checkpoint when the log grew, and at least daily.
 * Proofs are read from the stored perfect subtrees by `_id`: O(log n) reads, whatever the log's size.
 *
 * A leaf commits to an entry without naming anybody: the entry's id, its institution, its place in
 * the institution's chain and the entry's own hash (the chain's hash of the entry as stored). Erasing
 * a donor's personal data never changes a leaf.
 */

export const LEAF_FORMAT = "gopsuc-ledger-leaf/v1";
/** Leaves appended per write (nodes, positions, then the state). */
const BATCH = 100;
/** A checkpoint at least this often, even when nothing was added. */
export const CHECKPOINT_EVERY_MS = 24 * 3600_000;

export type LoggedEntry = { _id: Types.ObjectId; institutionId: Types.ObjectId; sequence: number; hash: string };

/** The leaf's data (RFC 9162: the leaf hash is SHA-256(0x00 || data)). */
export function leafData(entry: LoggedEntry): Buffer {
  return Buffer.from(`${LEAF_FORMAT}\n${String(entry._id)}\n${String(entry.institutionId)}\n${entry.sequence}\n${entry.hash}\n`, "utf8");
}

// ——— The signer ———

export type LogSigner = { origin: string; privateKey: KeyObject };
let signer: LogSigner | null = null;

/**
 * The log's name and key, set once at start (app/utils/db.server.ts, scripts/jobs.ts): the name is
 * `<host>/ledger`, the key the platform's Ed25519 key (SIGNING_KEY; decision 0034).
 */
export function configureLogSigner(value: { appUrl: string; privateKey: KeyObject } | null) {
  signer = value ? { origin: `${new URL(value.appUrl).host}/ledger`, privateKey: value.privateKey } : null;
}

/** The log's name and its verifier key as Go's note package and C2SP tools read it (null before it is configured). */
export function logIdentity(): { origin: string; verifierKey: string; publicKey: string } | null {
  if (!signer) return null;
  const publicKey = rawPublicKey(signer.privateKey);
  return { origin: signer.origin, verifierKey: verifierKey(signer.origin, publicKey), publicKey: publicKey.toString("base64") };
}

// ——— Reading ———

/** The log's state; `withMarks`: with every chain's mark (one field per institution: read only by the appender and the chains page). */
async function readState(withMarks = false): Promise<LogStateDoc> {
  const doc = await LogState.findById(LOG_STATE_ID).select(withMarks ? {} : { through: 0 }).lean();
  return { _id: LOG_STATE_ID, size: doc?.size ?? 0, through: doc?.through ?? {}, checkpoint: doc?.checkpoint ?? null };
}

/**
 * The log's upper subtrees — 1,024 leaves and more — kept in memory once read or written (decision 0043):
 * a stored subtree never changes, and there are 2 for every 1,024 leaves (3,200 at 1.65 million, 0.5 MB),
 * so a proof reads from the database only its 10 lowest levels. Loaded at start (preloadUpperNodes).
 */
const CACHED_LEVEL = 10;
const upperNodes = new LRUCache<string, Hash>({ max: 250_000 });
const remember = (level: number, id: string, hash: Hash) => {
  if (level >= CACHED_LEVEL) upperNodes.set(id, hash);
};

/** One stored node's hash: from memory if it is an upper one kept there, else read by `_id` (null when missing). */
async function readNode(level: number, id: string): Promise<Hash | null> {
  const kept = upperNodes.get(id);
  if (kept) return kept;
  const doc = await LogNode.findById(id).select("hash").lean();
  if (!doc) return null;
  const hash = Buffer.from(doc.hash, "hex");
  remember(level, id, hash);
  return hash;
}

/** A reader of the stored tree (one read by `_id` per node, each read once per call). */
function storedTree(made = new Map<string, Hash>()): TreeReader {
  return async (level, index) => {
    const id = logNodeId(level, index);
    const hash = made.get(id) ?? (await readNode(level, id));
    if (!hash) throw new Error(`transparency log: node ${id} is missing`);
    made.set(id, hash);
    return hash;
  };
}

/** Forgets the upper subtrees kept in memory (the benchmark's fresh server). */
export const forgetUpperNodes = () => upperNodes.clear();

/**
 * Reads every upper subtree of the log not yet in memory (32 side by side), as a server does once after
 * it starts: what makes its proofs quick from the first. Returns how many it read.
 */
export async function preloadUpperNodes(): Promise<number> {
  const { size } = await readState();
  const wanted: Array<[number, string]> = [];
  for (let level = CACHED_LEVEL; Math.floor(size / 2 ** level) > 0; level += 1) {
    for (let index = 0; index < Math.floor(size / 2 ** level); index += 1) {
      const id = logNodeId(level, index);
      if (!upperNodes.has(id)) wanted.push([level, id]);
    }
  }
  for (let i = 0; i < wanted.length; i += 32) {
    await Promise.all(wanted.slice(i, i + 32).map(([level, id]) => readNode(level, id)));
  }
  return wanted.length;
}

/**
 * Runs `compute` over the stored tree with every node it needs read first, side by side. Which subtrees
 * a root or a proof asks for follows from the sizes and the leaf's index alone, not from any hash, so a
 * first run with a reader that only notes what is asked lists them; they are then read at once (each by
 * `_id`) and the second run finds them all. At 1.65 million leaves a proof asks for 20–35 nodes: read one
 * after another they took 80–320 ms on a busy machine (bench 0025); side by side, one round.
 */
async function withNodesRead<T>(compute: (read: TreeReader) => Promise<T>): Promise<T> {
  const wanted = new Map<string, [number, number]>();
  await compute((level, index) => {
    wanted.set(logNodeId(level, index), [level, index]);
    return EMPTY_ROOT;
  });
  const made = new Map<string, Hash>();
  await Promise.all(
    [...wanted].map(async ([id, [level]]) => {
      const hash = await readNode(level, id);
      if (hash) made.set(id, hash);
    }),
  );
  // A node not found is asked for again by the stored reader, which says which one is missing.
  return compute(storedTree(made));
}

// ——— Appending ———

/**
 * Appends entries as the next leaves, in the order given. Nodes and positions first (written again the
 * same if a run stopped half-way), then the state — size and each chain's mark — in one write: until
 * it moves, nothing past the old size is in the log.
 */
async function appendLeaves(state: LogStateDoc, entries: LoggedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const made = new Map<string, Hash>();
  const read = storedTree(made);
  const nodes: LogNodeDoc[] = [];
  for (const [k, entry] of entries.entries()) {
    let index = state.size + k;
    let level = 0;
    let hash = leafHash(leafData(entry));
    made.set(logNodeId(0, index), hash);
    nodes.push({ _id: logNodeId(0, index), hash: hash.toString("hex"), entryId: entry._id, institutionId: entry.institutionId, sequence: entry.sequence, entryHash: entry.hash });
    // Every subtree this leaf completes (it is a right child at each level while its index is odd).
    while (index % 2 === 1) {
      hash = nodeHash(await read(level, index - 1), hash);
      level += 1;
      index = (index - 1) / 2;
      made.set(logNodeId(level, index), hash);
      nodes.push({ _id: logNodeId(level, index), hash: hash.toString("hex") });
    }
  }
  await insertOrReplace(LogNode.collection, nodes, state.size);
  await insertOrReplace(LogPosition.collection, entries.map((entry, k) => ({ _id: entry._id, index: state.size + k })), state.size);
  const through: Record<string, number> = {};
  for (const entry of entries) through[`through.${String(entry.institutionId)}`] = entry.sequence;
  // Only from the size this pass read: a second appender (a lease lost mid-pass) is refused, not interleaved.
  // (The state's one document: a filter beyond `_id` reads that one document on the embedded database.)
  const from = state.size;
  const moved = await oneWriter(
    () => LogState.collection.updateOne(from === 0 ? { _id: LOG_STATE_ID as never, size: { $in: [0, null] } } : { _id: LOG_STATE_ID as never, size: from }, { $set: { size: from + entries.length, ...through } }, { upsert: from === 0 }),
    { background: true },
  );
  if (moved.matchedCount === 0 && moved.upsertedCount === 0) throw new Error(`transparency log: another pass moved the log past ${from} entries`);
  // In the log now (a node past the size may still be written again by another pass): the upper ones kept in memory.
  for (const node of nodes) remember(Number(node._id.split(":")[0]), node._id, Buffer.from(node.hash, "hex"));
  state.size = from + entries.length;
  for (const entry of entries) state.through[String(entry.institutionId)] = entry.sequence;
}

/**
 * Writes documents by `_id` in one insert (a background write: gifts go first, decision 0033). Those a
 * pass that stopped half-way wrote already are refused on their `_id` and replaced instead — rare, and
 * what makes the append idempotent.
 */
async function insertOrReplace(collection: mongoose.mongo.Collection, docs: Array<{ _id: unknown }>, from: number) {
  if (docs.length === 0) return;
  try {
    await oneWriter(() => collection.insertMany(docs as never[], { ordered: false }), { background: true });
  } catch (error) {
    const refused = (error as { writeErrors?: unknown }).writeErrors;
    const list = (Array.isArray(refused) ? refused : refused ? [refused] : []) as Array<{ index: number; code?: number; err?: { code?: number } }>;
    if (list.length === 0 || list.some((e) => (e.code ?? e.err?.code) !== 11000)) throw error;
    // Left by a pass that stopped before moving the size — unless another pass has moved it meanwhile:
    // then these are its nodes, in the log, and are not touched.
    if ((await readState()).size !== from) throw new Error(`transparency log: another pass moved the log past ${from} entries`);
    for (const { index } of list) {
      const doc = docs[index]!;
      await oneWriter(() => collection.replaceOne({ _id: doc._id } as never, doc as never), { background: true });
    }
  }
}

/**
 * Collects entries (as a scan of the ledger yields them, in any order) and appends each chain's next
 * ones in sequence. `add` takes an entry; `finish` appends what is left — reading, for a chain whose
 * entries came out of order with a gap, the missing ones — and returns how many leaves were added.
 */
export async function logAppender(options: { beforeWrite?: () => Promise<void> } = {}): Promise<{ since: Date | null; add: (entry: LoggedEntry) => Promise<void>; finish: () => Promise<number> }> {
  const state = await readState(true);
  const batch: LoggedEntry[] = [];
  const waiting = new Map<string, Map<number, LoggedEntry>>();
  let added = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await options.beforeWrite?.();
    added += batch.length;
    await appendLeaves(state, batch.splice(0));
  };
  const take = async (entry: LoggedEntry) => {
    const inst = String(entry.institutionId);
    let next = entry;
    for (;;) {
      batch.push(next);
      state.through[inst] = next.sequence; // (written with the batch)
      const after = waiting.get(inst)?.get(next.sequence + 1);
      if (!after) break;
      waiting.get(inst)!.delete(after.sequence);
      next = after;
    }
    if (batch.length >= BATCH) await flush();
  };
  // The marks in `state.through` run ahead of what is written only within the batch under way.
  const logged = (inst: string) => state.through[inst] ?? 0;
  return {
    // A log with no leaves yet is built from the whole ledger.
    since: state.size === 0 ? new Date(0) : null,
    add: async (entry) => {
      const inst = String(entry.institutionId);
      if (entry.sequence <= logged(inst)) return;
      if (entry.sequence === logged(inst) + 1) return take(entry);
      const held = waiting.get(inst) ?? new Map<number, LoggedEntry>();
      held.set(entry.sequence, entry);
      waiting.set(inst, held);
    },
    finish: async () => {
      // A gap the scan did not fill (an entry written with an older time than its successor): the chain's
      // entries after the mark, read by {institutionId, sequence} — an index on MongoDB, rare everywhere.
      for (const [inst, held] of waiting) {
        if (held.size === 0) continue;
        const missing = await LedgerEntry.find({ institutionId: new mongoose.Types.ObjectId(inst), sequence: { $gt: logged(inst) } })
          .select("_id institutionId sequence hash")
          .sort({ sequence: 1 })
          .lean<LoggedEntry[]>();
        for (const entry of missing) if (entry.sequence === logged(inst) + 1) await take(entry);
      }
      await flush();
      return added;
    },
  };
}

// ——— Checkpoints ———

/** Signs a checkpoint of the log as it is, if it grew since the last one or that one is a day old. Null: nothing to sign, or no signer. */
export async function publishCheckpoint(now = new Date()): Promise<LogCheckpointDoc | null> {
  if (!signer) return null;
  const state = await readState();
  const last = state.checkpoint;
  if (last && last.size === state.size && now.getTime() - new Date(last.time).getTime() < CHECKPOINT_EVERY_MS) return null;
  const root = await withNodesRead((read) => rootHash(read, state.size));
  const note = signCheckpoint({ origin: signer.origin, size: state.size, root, time: now }, signer.privateKey);
  const doc: LogCheckpointDoc = { _id: state.size, root: root.toString("hex"), time: now, note };
  await LogCheckpoint.replaceOne({ _id: state.size }, doc, { upsert: true });
  await LogState.collection.updateOne({ _id: LOG_STATE_ID as never }, { $set: { checkpoint: { size: state.size, time: now, root: doc.root, note } } }, { upsert: true });
  return doc;
}

/**
 * The latest signed checkpoint (null before the first): a copy of it is kept on the log's state, so this is
 * one read by `_id` (a state written before the copy was kept falls back to the checkpoint's own document).
 */
export async function latestCheckpoint(): Promise<LogCheckpointDoc | null> {
  const { checkpoint } = await readState();
  if (!checkpoint) return null;
  if (checkpoint.note && checkpoint.root) return { _id: checkpoint.size, root: checkpoint.root, time: new Date(checkpoint.time), note: checkpoint.note };
  return LogCheckpoint.findById(checkpoint.size).lean();
}

export async function checkpointOfSize(size: number): Promise<LogCheckpointDoc | null> {
  return Number.isSafeInteger(size) && size >= 0 ? LogCheckpoint.findById(size).lean() : null;
}

// ——— Proofs ———

export type InclusionProof = {
  leafIndex: number;
  treeSize: number;
  /** The leaf's data, base64 (its hash is SHA-256(0x00 || data)). */
  leafData: string;
  leafHash: string;
  proof: string[];
  checkpoint: string;
};

/**
 * Where an entry is in the log and its inclusion proof against a checkpoint: the latest, or the one of
 * `size` leaves. Null: the entry is not in that checkpoint's tree (not logged yet, or added after it).
 */
export async function proveInclusion(entryId: Types.ObjectId, size?: number): Promise<InclusionProof | null> {
  // The checkpoint and the entry's place side by side; then the leaf and the proof's nodes, side by side.
  const [checkpoint, position] = await Promise.all([size === undefined ? latestCheckpoint() : checkpointOfSize(size), LogPosition.findById(entryId).lean()]);
  if (!checkpoint) return null;
  if (!position || position.index >= checkpoint._id) return null;
  const [leaf, proof] = await Promise.all([LogNode.findById(logNodeId(0, position.index)).lean(), withNodesRead((read) => inclusionProof(read, position.index, checkpoint._id))]);
  if (!leaf || String(leaf.entryId) !== String(entryId)) return null;
  return {
    leafIndex: position.index,
    treeSize: checkpoint._id,
    leafData: leafData({ _id: entryId, institutionId: leaf.institutionId!, sequence: leaf.sequence!, hash: leaf.entryHash! }).toString("base64"),
    leafHash: leaf.hash,
    proof: proof.map((h) => h.toString("hex")),
    checkpoint: checkpoint.note,
  };
}

export type ConsistencyProof = { from: number; to: number; proof: string[]; fromCheckpoint: string; toCheckpoint: string };

/** The consistency proof between two published checkpoints (null when either was never published, or from > to). */
export async function proveConsistency(from: number, to: number): Promise<ConsistencyProof | null> {
  if (!(from <= to)) return null;
  const [first, second] = await Promise.all([checkpointOfSize(from), checkpointOfSize(to)]);
  if (!first || !second) return null;
  const proof = await withNodesRead((read) => consistencyProof(read, from, to));
  return { from, to, proof: proof.map((h) => h.toString("hex")), fromCheckpoint: first.note, toCheckpoint: second.note };
}

/**
 * The ledger entry a public reference names: an entry's id (24 hex digits), or a receipt number (the
 * gift's entry). Reads by `_id` only; null when nothing matches.
 */
export async function entryIdForReference(reference: string): Promise<Types.ObjectId | null> {
  const ref = reference.trim();
  if (!ref || ref.length > 60) return null;
  if (/^[0-9a-f]{24}$/i.test(ref)) return new mongoose.Types.ObjectId(ref.toLowerCase());
  const donation = await findDonationByReceiptNumber(ref.toUpperCase());
  return donation ? ledgerEntryIdFor(`donation:${donation.idempotencyKey}`) : null;
}

export type ChainRow = { institutionId: string; name: string; slug: string; province: string; entries: number; headHash: string; logged: number; check: { ok: boolean; entries: number; sequence: number | null; checkedAt: Date } | null };

/**
 * Every institution's chain as /transparency/ledger shows it, a page at a time (by name): its head, how
 * much of it the log holds, and the sweeper's last walk along it. Reads the heads, the checks and the
 * approved institutions — one document per institution each, never the ledger.
 */
export async function ledgerChains(page: number, perPage = 50): Promise<{ rows: ChainRow[]; total: number; pages: number; page: number }> {
  const [heads, checks, institutions, state] = await Promise.all([
    LedgerHead.find({}).select("_id sequence hash").lean(),
    ChainCheck.find({}).lean(),
    Institution.find({ status: "approved" }).select("_id name slug provinceSlug").lean(),
    readState(true),
  ]);
  const headOf = new Map(heads.map((h) => [String(h._id), h]));
  const checkOf = new Map(checks.map((c) => [String(c._id), c]));
  const all = institutions
    .filter((i) => headOf.has(String(i._id)))
    .map((i): ChainRow => {
      const id = String(i._id);
      const head = headOf.get(id)!;
      const check = checkOf.get(id);
      return {
        institutionId: id,
        name: i.name,
        slug: i.slug,
        province: provinceName(i.provinceSlug) ?? i.provinceSlug,
        entries: head.sequence,
        headHash: head.hash,
        logged: state.through[id] ?? 0,
        check: check ? { ok: check.ok, entries: check.entries, sequence: check.sequence, checkedAt: check.checkedAt } : null,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name, "vi"));
  const pages = Math.max(1, Math.ceil(all.length / perPage));
  const at = Math.min(Math.max(1, page), pages);
  return { rows: all.slice((at - 1) * perPage, at * perPage), total: all.length, pages, page: at };
}

/** Where an entry stands in the log, for its receipt page (two reads by `_id`; no proof is computed). */
export type LogPlace = { leafIndex: number; checkpoint: { size: number; time: Date } | null };

export async function logPlaceOfEntry(entryId: string): Promise<LogPlace | null> {
  if (!mongoose.isValidObjectId(entryId)) return null;
  const [position, state] = await Promise.all([LogPosition.findById(entryId).lean(), readState()]);
  if (!position || position.index >= state.size) return null;
  const checkpoint = state.checkpoint && position.index < state.checkpoint.size ? { size: state.checkpoint.size, time: new Date(state.checkpoint.time) } : null;
  return { leafIndex: position.index, checkpoint };
}

export type FoundGift = { receiptNumber: string; receivedAt: Date };
export type FindResult = { kind: "receipt"; receiptNumber: string } | { kind: "pledge"; reference: string; gifts: FoundGift[] } | { kind: "none" };

/**
 * "Find my gift" (issue 12): a receipt number names one gift; a transfer reference (the pledge's, quoted
 * in a bank transfer) names the gifts paid on it. Key lookups by `_id` only — the pledge through its
 * reference's key, its gifts through its paid total — so an unknown reference costs no scan.
 */
export async function findGift(query: string): Promise<FindResult> {
  const q = query.trim().toUpperCase().replace(/\s+/g, "");
  if (/^R-[0-9A-F]{16}$/.test(q)) return (await findDonationByReceiptNumber(q)) ? { kind: "receipt", receiptNumber: q } : { kind: "none" };
  const reference = normalisedPledgeReference(q);
  if (!reference) return { kind: "none" };
  // Through its key; the query on `reference` only in a database holding pledges from before keys.
  // The pledge and its paid total side by side (then its gifts): three rounds of reads by `_id`.
  const [pledgeId] = await findLookup("pledge-ref", reference);
  if (!pledgeId) {
    const pledge = (await hasLegacyIds()) ? await findPledgeByReference(reference) : null;
    return pledge ? { kind: "pledge", reference, gifts: (await findGiftsOfPledge(pledge._id)).map(foundGift) } : { kind: "none" };
  }
  const { gifts, alongside: pledge } = await giftsOfPledgeWith(pledgeId, () => Pledge.findById(pledgeId).select("reference").lean());
  if (!pledge || pledge.reference !== reference) return { kind: "none" };
  return { kind: "pledge", reference, gifts: gifts.map(foundGift) };
}

const foundGift = (g: { receiptNumber: string; receivedAt: Date }): FoundGift => ({ receiptNumber: g.receiptNumber, receivedAt: g.receivedAt });
