import { createHash } from "node:crypto";
import mongoose, { type Types } from "mongoose";
import { findLedgerHead, GENESIS_HASH, LedgerEntry, type LedgerEntryDoc, type LedgerEntryKind, type LedgerSourceType } from "#models/ledger-entry.server";

/**
 * The append-only, hash-chained ledger (one chain per institution). Every receipt, refund,
 * correction and expenditure is one entry; an entry is never edited or removed — a correction is
 * a new, reversing entry. Each entry's hash covers its content and the previous entry's hash, so
 * changing or removing any stored entry breaks the chain from that point on.
 */
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
};

type Hashable = Pick<LedgerEntryDoc, "institutionId" | "programmeId" | "sequence" | "kind" | "amount" | "currency" | "occurredAt" | "idempotencyKey" | "sourceType" | "sourceId" | "reversesEntryId" | "donorId" | "pledgeId" | "description" | "prevHash">;

const id = (value: unknown) => (value == null ? null : String(value));

/** SHA-256 over a fixed-order JSON array of the entry's content and the previous hash. */
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
 * Appends one entry. Idempotent: the same idempotency key returns the entry already written.
 * Concurrent appends to one institution race for the next sequence number; the unique
 * {institutionId, sequence} index lets exactly one win and the others retry on the new head.
 */
export async function appendLedgerEntry(input: NewLedgerEntry): Promise<LedgerEntryDoc> {
  if (!Number.isSafeInteger(input.amount)) throw new RangeError(`ledger amounts are whole đồng: ${input.amount}`);
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const existing = await LedgerEntry.findOne({ idempotencyKey: input.idempotencyKey }).lean();
    if (existing) return existing;
    const head = await findLedgerHead(input.institutionId);
    const entry = {
      institutionId: new mongoose.Types.ObjectId(String(input.institutionId)),
      programmeId: new mongoose.Types.ObjectId(String(input.programmeId)),
      sequence: (head?.sequence ?? 0) + 1,
      kind: input.kind,
      amount: input.amount,
      currency: "VND" as const,
      occurredAt: input.occurredAt,
      idempotencyKey: input.idempotencyKey,
      sourceType: input.sourceType,
      sourceId: input.sourceId ? new mongoose.Types.ObjectId(String(input.sourceId)) : null,
      reversesEntryId: input.reversesEntryId ? new mongoose.Types.ObjectId(String(input.reversesEntryId)) : null,
      donorId: input.donorId ? new mongoose.Types.ObjectId(String(input.donorId)) : null,
      pledgeId: input.pledgeId ? new mongoose.Types.ObjectId(String(input.pledgeId)) : null,
      description: (input.description ?? "").slice(0, 500),
      prevHash: head?.hash ?? GENESIS_HASH,
    };
    try {
      const created = await LedgerEntry.create({ ...entry, hash: ledgerEntryHash(entry) });
      return created.toObject();
    } catch (error) {
      // Either the same key was written by a concurrent call (the next round returns it) or another
      // entry took this sequence number (the next round appends after it). FerretDB's duplicate-key
      // errors do not name the index, so both are handled the same way.
      if ((error as { code?: number }).code !== 11000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 15));
    }
  }
  throw new Error("could not append to the ledger after 20 attempts");
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

/** Σ of the ledger's signed amounts for a match (one accumulator per $group: FerretDB v1 computes only the first). */
export async function ledgerSum(match: Record<string, unknown>): Promise<number> {
  const [row] = await LedgerEntry.aggregate<{ total: number }>([{ $match: match }, { $group: { _id: null, total: { $sum: "$amount" } } }]);
  return row?.total ?? 0;
}
