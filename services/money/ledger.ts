import { createHash } from "node:crypto";
import mongoose, { type Types } from "mongoose";
import { GENESIS_HASH, LedgerEntry, findLedgerEntryByKey, ledgerEntryIdFor, type LedgerEntryDoc, type LedgerEntryKind, type LedgerSourceType } from "#models/ledger-entry.server";
import { hasLegacyIds, type LedgerHeadDoc } from "#models/projection.server";
import { advanceLedgerHead, catchUpProjections, forgetKnownProjections, ledgerSum, projectEntry, readLedgerHead, repairLedgerHead, withInstitutionLock, type PledgeForProjection } from "./projections";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { insertValidated } from "#models/insert-validated";
import { bookedNothing, recordBookedNothing } from "#models/nothing-booked.server";

/**
 * The append-only, hash-chained ledger (one chain per institution). Every receipt, refund,
 * correction and expenditure is one entry; an entry is never edited or removed — a correction is
 * a new, reversing entry. Each entry's hash covers its content and the previous entry's hash, so
 * changing or removing any stored entry breaks the chain from that point on.
 */
/**
 * The head each institution's chain had after this process's last append to it: a guess that saves a
 * read per append. Never trusted for correctness — if another process appended meanwhile, the insert at
 * the guessed sequence fails on the unique {institutionId, sequence} index and the head is read again.
 */
const knownHeads = new Map<string, LedgerHeadDoc>();

/** Forget the remembered heads (a test that rewrites the stored chain or head around the services). */
export function forgetKnownLedgerHeads() {
  knownHeads.clear();
  forgetKnownProjections();
}

export type NewLedgerEntry = {
  institutionId: Types.ObjectId | string;
  programmeId: Types.ObjectId | string;
  kind: LedgerEntryKind;
  amount: number;
  occurredAt: Date;
  idempotencyKey: string;
  sourceType: LedgerSourceType;
  sourceId?: Types.ObjectId | string | null;
  reversesEntryId?: Types.ObjectId | string | null;
  donorId?: Types.ObjectId | string | null;
  pledgeId?: Types.ObjectId | string | null;
  description?: string;
  /** The entry's pledge as read under the institution's lock, if the caller has it (saves reading it again). */
  pledgeAsRead?: PledgeForProjection | null;
};

type Hashable = Pick<LedgerEntryDoc, "institutionId" | "programmeId" | "sequence" | "kind" | "amount" | "currency" | "occurredAt" | "idempotencyKey" | "sourceType" | "sourceId" | "reversesEntryId" | "donorId" | "pledgeId" | "description" | "prevHash">;

const id = (value: unknown) => (value == null ? null : String(value));

/** The canonical form below (docs/decisions/0013-ledger-hash.md). Entries stored before it have none: the same form. */
export const LEDGER_HASH_VERSION = 1;

/**
 * SHA-256 (hex) over the UTF-8 bytes of a JSON array of the stored entry's fields in a fixed order, ids as
 * 24-hex strings or null, `occurredAt` as an ISO-8601 UTC string, then the previous entry's hash
 * (docs/decisions/0013-ledger-hash.md says it for anyone checking the chain with their own program).
 */
export function ledgerEntryHash(entry: Hashable): string {
  const canonical = JSON.stringify([
    id(entry.institutionId),
    id(entry.programmeId),
    entry.sequence,
    entry.kind,
    entry.amount,
    entry.currency ?? "VND",
    new Date(entry.occurredAt).toISOString(),
    entry.idempotencyKey,
    entry.sourceType,
    id(entry.sourceId),
    id(entry.reversesEntryId),
    id(entry.donorId),
    id(entry.pledgeId),
    entry.description ?? "",
    entry.prevHash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * Appends one entry and counts it in the projections. Idempotent: the same idempotency key returns
 * the entry already written (found by `_id`, which follows from the key). Every read and write is by
 * `_id` (decision 0011): the entry by its key, the chain's head by its institution, each running total
 * by its key. Appends to one institution run one at a time in this process; the unique
 * {institutionId, sequence} index keeps the chain from forking when another process appends too (the
 * loser finds its sequence taken, reads the head again, and appends after it).
 */
export async function appendLedgerEntry(input: NewLedgerEntry): Promise<LedgerEntryDoc>;
/**
 * With `decideAmount`: the amount is decided under the institution's lock, after the entry was found not
 * to exist yet — so what it reads (e.g. what is left of a gift to refund) cannot change before the entry
 * is written. A decided 0 writes no entry (null), and is kept by its key (models/nothing-booked.server.ts):
 * the same event again is not decided afresh.
 */
export async function appendLedgerEntry(input: NewLedgerEntry, decideAmount: () => Promise<number>): Promise<LedgerEntryDoc | null>;
export async function appendLedgerEntry(input: NewLedgerEntry, decideAmount?: () => Promise<number>): Promise<LedgerEntryDoc | null> {
  if (!Number.isSafeInteger(input.amount)) throw new RangeError(`ledger amounts are whole đồng: ${input.amount}`);
  // The key as it is stored (the schema trims it): the entry's `_id` and every lookup follow from it.
  input = { ...input, idempotencyKey: input.idempotencyKey.trim() };
  await hasLegacyIds(); // decided before this process's first write (see recordDonation)
  return withInstitutionLock(input.institutionId, async () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      // A plain append tries the insert first (the entry's `_id` follows from its key, so a second
      // append of the key fails on it); the read by key comes on a retry, or first when the amount is
      // decided here — it must not be decided for an entry that exists.
      const existing = decideAmount || attempt > 0 ? await findLedgerEntryByKey(input.idempotencyKey) : null;
      const known = attempt === 0 ? knownHeads.get(String(input.institutionId)) : undefined;
      knownHeads.delete(String(input.institutionId));
      let head = known ?? (await readLedgerHead(input.institutionId));
      // Written by a call that stopped before updating the head: the head is read from the chain again.
      if (existing && existing.sequence > head.sequence && String(existing.institutionId) === String(input.institutionId)) head = await repairLedgerHead(head._id);
      head = await catchUpProjections(head);
      if (existing) return existing;
      // Decided before and booked nothing: the same event again books nothing (whatever is left now).
      if (decideAmount && (await bookedNothing(input.idempotencyKey))) return null;
      const amount = decideAmount ? await decideAmount() : input.amount;
      if (!Number.isSafeInteger(amount)) throw new RangeError(`ledger amounts are whole đồng: ${amount}`);
      if (decideAmount && amount === 0) {
        await recordBookedNothing(input.idempotencyKey);
        return null;
      }
      const entry = {
        institutionId: new mongoose.Types.ObjectId(String(input.institutionId)),
        programmeId: new mongoose.Types.ObjectId(String(input.programmeId)),
        sequence: head.sequence + 1,
        kind: input.kind,
        amount,
        currency: "VND" as const,
        occurredAt: input.occurredAt,
        idempotencyKey: input.idempotencyKey,
        sourceType: input.sourceType,
        sourceId: input.sourceId ? new mongoose.Types.ObjectId(String(input.sourceId)) : null,
        reversesEntryId: input.reversesEntryId ? new mongoose.Types.ObjectId(String(input.reversesEntryId)) : null,
        donorId: input.donorId ? new mongoose.Types.ObjectId(String(input.donorId)) : null,
        pledgeId: input.pledgeId ? new mongoose.Types.ObjectId(String(input.pledgeId)) : null,
        // Exactly as the schema stores it (trimmed, at most 500 characters): the hash covers what is stored.
        description: (input.description ?? "").trim().slice(0, 500).trim(),
        prevHash: head.hash,
        hashVersion: LEDGER_HASH_VERSION,
      };
      let created: LedgerEntryDoc;
      try {
        created = await insertValidated<LedgerEntryDoc>(LedgerEntry, { ...entry, hash: ledgerEntryHash(entry) });
      } catch (error) {
        // The key was written meanwhile (the next round returns it), or the sequence is taken: by
        // another process, or by an append whose head update never happened (a crash). FerretDB's
        // duplicate-key errors do not name the index, so both are handled the same way.
        if (!isDuplicateKeyError(error)) throw error;
        // The key exists: the next round returns it.
        if (await LedgerEntry.exists({ _id: ledgerEntryIdFor(input.idempotencyKey) })) continue;
        // The remembered head was stale (another process appended): the next round reads the stored one.
        if (known) continue;
        await repairLedgerHead(entry.institutionId);
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 15));
        continue;
      }
      // Counted, then the head moves past it with the institution's money in (one write). A crash before that write leaves the head
      // behind the chain: the next append finds its sequence taken, reads the head from the chain again
      // and counts what was not counted (each total remembers what it counted, so nothing twice).
      // After this process's own remembered head (`known`, the insert succeeded on it): nobody else appended
      // meanwhile, so the totals as this process last wrote them are current (knownTotals).
      await projectEntry(created, input.pledgeAsRead, Boolean(known));
      await advanceLedgerHead(created, true);
      knownHeads.set(String(input.institutionId), { _id: entry.institutionId, sequence: created.sequence, hash: created.hash, projectedThrough: created.sequence });
      return created;
    }
    throw new Error("could not append to the ledger after 20 attempts");
  });
}

export type ChainCheck =
  | { ok: true; entries: number; headHash: string }
  | { ok: false; entries: number; sequence: number; problem: "sequence_gap" | "prev_hash_mismatch" | "hash_mismatch" };

/** Walks an institution's chain from the first entry and recomputes every hash. */
export async function verifyLedgerChain(institutionId: Types.ObjectId | string): Promise<ChainCheck> {
  let expectedSequence = 1;
  let prevHash = GENESIS_HASH;
  const cursor = LedgerEntry.find({ institutionId }).sort({ sequence: 1 }).lean().cursor();
  for await (const entry of cursor) {
    if (entry.sequence !== expectedSequence) return { ok: false, entries: expectedSequence - 1, sequence: expectedSequence, problem: "sequence_gap" };
    if (entry.prevHash !== prevHash) return { ok: false, entries: expectedSequence - 1, sequence: entry.sequence, problem: "prev_hash_mismatch" };
    if (ledgerEntryHash(entry) !== entry.hash) return { ok: false, entries: expectedSequence - 1, sequence: entry.sequence, problem: "hash_mismatch" };
    prevHash = entry.hash;
    expectedSequence += 1;
  }
  return { ok: true, entries: expectedSequence - 1, headHash: prevHash };
}

/** What a one-pass walk keeps per chain: where it is linked up to, the entries read ahead of it, its first problem. */
type Walk = {
  next: number;
  prevHash: string;
  ahead: Map<number, { hash: string; prevHash: string }>;
  problem: { sequence: number; problem: "prev_hash_mismatch" | "hash_mismatch" } | null;
};

/**
 * Every institution's chain checked in one read of the ledger, with what verifyLedgerChain says of each
 * (the first problem in sequence order, the entries before it). For the sweeper's daily pass: one chain
 * at a time is a read of the whole ledger per institution on the embedded database (a filter on
 * `institutionId` and a sort it cannot serve), hours at a province's hundreds of institutions. Entries
 * come in the order stored (for a chain, almost always its own order); one read ahead of its chain is
 * kept until the chain reaches it, so memory follows the institutions, not the entries.
 */
export async function verifyLedgerChains(): Promise<Map<string, ChainCheck>> {
  const walks = new Map<string, Walk>();
  const link = (walk: Walk, sequence: number, entry: { hash: string; prevHash: string }) => {
    // At the same sequence a broken link is named before a changed entry, as verifyLedgerChain does.
    if (entry.prevHash !== walk.prevHash && (!walk.problem || sequence <= walk.problem.sequence)) walk.problem = { sequence, problem: "prev_hash_mismatch" };
    walk.prevHash = entry.hash;
    walk.next = sequence + 1;
  };
  for await (const entry of LedgerEntry.find({}).lean().cursor()) {
    const key = String(entry.institutionId);
    let walk = walks.get(key);
    if (!walk) walks.set(key, (walk = { next: 1, prevHash: GENESIS_HASH, ahead: new Map(), problem: null }));
    // Its own hash first: a problem found out of order is kept if it comes before any found so far.
    if (ledgerEntryHash(entry) !== entry.hash && (!walk.problem || entry.sequence < walk.problem.sequence)) walk.problem = { sequence: entry.sequence, problem: "hash_mismatch" };
    if (entry.sequence !== walk.next) {
      walk.ahead.set(entry.sequence, { hash: entry.hash, prevHash: entry.prevHash });
      continue;
    }
    link(walk, entry.sequence, entry);
    for (let found = walk.ahead.get(walk.next); found; found = walk.ahead.get(walk.next)) {
      walk.ahead.delete(walk.next);
      link(walk, walk.next, found);
    }
  }
  const checks = new Map<string, ChainCheck>();
  for (const [key, walk] of walks) {
    // A sequence never reached with entries after it: a gap there (unless a problem came before it).
    const gap = walk.ahead.size > 0 ? walk.next : null;
    const first = walk.problem && (gap === null || walk.problem.sequence < gap) ? walk.problem : gap !== null ? { sequence: gap, problem: "sequence_gap" as const } : null;
    checks.set(key, first ? { ok: false, entries: first.sequence - 1, sequence: first.sequence, problem: first.problem } : { ok: true, entries: walk.next - 1, headHash: walk.prevHash });
  }
  return checks;
}

export { ledgerSum };
