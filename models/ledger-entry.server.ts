import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { currency, objectId, vnd } from "./fields";
import { hasLegacyIds, objectIdFromName } from "./projection.server";

/**
 * dispute: card funds withdrawn by the card network while a dispute runs (negative, reverses the gift);
 * reinstatement: money that came back to the gift (a refund that failed, a dispute won: positive,
 * reverses the reversal's effect on the gift — its reversesEntryId is the gift's entry too).
 * expenditure: money spent from a programme (negative); expenditure_reversal: a published expenditure
 * taken back (positive, reversesEntryId the expenditure's entry). Neither is money received.
 */
export const LEDGER_ENTRY_KINDS = ["donation_received", "refund", "correction", "expenditure", "in_kind_received", "volunteer_hours", "dispute", "reinstatement", "expenditure_reversal"] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];
/** What caused an entry: the record sourceId points at ("manual" when nothing does). */
export const LEDGER_SOURCE_TYPES = ["donation", "expenditure", "pledge", "ledger_entry", "manual"] as const;
export type LedgerSourceType = (typeof LEDGER_SOURCE_TYPES)[number];

export const GENESIS_HASH = "GENESIS";
export const APPEND_ONLY_MESSAGE = "Ledger entries are append-only";

/**
 * One money movement in an institution's append-only, hash-chained ledger. Money in is positive, money
 * out negative; a refund or correction is a new entry (reversesEntryId), never an edit. Entries are
 * numbered per institution from 1, and {institutionId, sequence} is unique so the chain cannot fork.
 * The hash (over the canonical entry and prevHash) is computed in services, not here.
 */
const ledgerEntrySchema = new Schema(
  {
    institutionId: { type: objectId, ref: "Institution", required: true },
    programmeId: { type: objectId, ref: "Programme", required: true },
    sequence: {
      type: Number,
      required: true,
      validate: { validator: (v: number) => Number.isSafeInteger(v) && v >= 1, message: "sequence must be an integer ≥ 1" },
    },
    kind: { type: String, enum: LEDGER_ENTRY_KINDS, required: true },
    /** Signed whole đồng: + in, − out. */
    amount: vnd({ allowNegative: true }),
    currency,
    occurredAt: { type: Date, required: true },
    idempotencyKey: { type: String, required: true, trim: true, maxlength: 200 },
    sourceType: { type: String, enum: LEDGER_SOURCE_TYPES, required: true },
    sourceId: { type: objectId, default: null },
    reversesEntryId: { type: objectId, ref: "LedgerEntry", default: null },
    donorId: { type: objectId, ref: "Donor", default: null },
    /** The pledge the money fulfils, when there is one (for fulfilment, derived from the ledger). */
    pledgeId: { type: objectId, ref: "Pledge", default: null },
    description: { type: String, trim: true, maxlength: 500, default: "" },
    prevHash: { type: String, required: true, match: /^(?:[0-9a-f]{64}|GENESIS)$/ },
    hash: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    /** Which canonical form `hash` was computed over (services/money/ledger.ts LEDGER_HASH_VERSION; absent = 1). */
    hashVersion: { type: Number, default: undefined },
  },
  { timestamps: true },
);

function refuse(): never {
  throw new Error(APPEND_ONLY_MESSAGE);
}

ledgerEntrySchema.pre(
  ["updateOne", "updateMany", "findOneAndUpdate", "findOneAndReplace", "replaceOne", "deleteOne", "deleteMany", "findOneAndDelete"],
  { document: false, query: true },
  refuse,
);
ledgerEntrySchema.pre(["updateOne", "deleteOne"], { document: true, query: false }, refuse);
ledgerEntrySchema.pre("save", function () {
  if (!this.isNew) refuse();
});
// Found by `_id` from its idempotency key (ledgerEntryIdFor, below).
ledgerEntrySchema.pre("validate", function () {
  if (this.isNew && this.idempotencyKey) this._id = ledgerEntryIdFor(this.idempotencyKey);
});
ledgerEntrySchema.pre("bulkWrite", function (next, ops: Array<Record<string, unknown>>) {
  if (ops.some((op) => !("insertOne" in op))) return next(new Error(APPEND_ONLY_MESSAGE));
  next();
});

ledgerEntrySchema.index({ idempotencyKey: 1 }, { unique: true });
ledgerEntrySchema.index({ institutionId: 1, sequence: 1 }, { unique: true });
ledgerEntrySchema.index({ programmeId: 1, occurredAt: 1 });
ledgerEntrySchema.index({ sourceType: 1, sourceId: 1 });
ledgerEntrySchema.index({ donorId: 1, occurredAt: 1 });
ledgerEntrySchema.index({ pledgeId: 1 });
// The sweeper's read of what was written since its last sweep (on MongoDB; a scan on the embedded database).
ledgerEntrySchema.index({ createdAt: 1 });

export type LedgerEntryDoc = InferSchemaType<typeof ledgerEntrySchema> & { _id: Types.ObjectId };
export const LedgerEntry =
  (mongoose.models.LedgerEntry as mongoose.Model<LedgerEntryDoc> | undefined) ?? mongoose.model<LedgerEntryDoc>("LedgerEntry", ledgerEntrySchema);

/** An entry's `_id` follows from its idempotency key: the entry is found by its key with one read by `_id`. */
export function ledgerEntryIdFor(idempotencyKey: string): Types.ObjectId {
  return objectIdFromName(`ledger:${idempotencyKey}`);
}

/** The entry written for an idempotency key (by `_id`; entries stored before ids were derived, by the key). */
export async function findLedgerEntryByKey(idempotencyKey: string) {
  const found = await LedgerEntry.findById(ledgerEntryIdFor(idempotencyKey)).lean();
  return found ?? ((await hasLegacyIds()) ? LedgerEntry.findOne({ idempotencyKey }).lean() : null);
}

/**
 * The head of an institution's chain (highest sequence), or null when it has no entries yet, read from
 * the entries themselves (on MongoDB the {institutionId, sequence} index; on the embedded database a
 * scan). The ledger head document (models/projection.server.ts) is what appends read; this is how it
 * is built and repaired.
 */
export async function findLedgerHead(institutionId: Types.ObjectId | string) {
  return LedgerEntry.findOne({ institutionId }).sort({ sequence: -1 }).lean();
}
