import mongoose, { Schema, type Types } from "mongoose";
import { isDuplicateKeyError } from "./duplicate-key";

/**
 * What the background jobs keep (services/money/sweeper.ts): leases, so that one instance runs a job at
 * a time, and the last check of every institution's chain, which J4 publishes.
 */

/**
 * A lease on a job for one term: `_id` is "<job>:<term>", the term being the time divided by the
 * lease's length. Taking it is one insert, and the unique `_id` lets exactly one instance win a term —
 * on MongoDB and on the embedded database alike (FerretDB v1 applies conditional updates as a read
 * then a write, so a lease taken by update could be won twice).
 */
const leaseSchema = new Schema(
  {
    _id: { type: String, required: true },
    holder: { type: String, required: true },
    takenAt: { type: Date, required: true },
  },
  { versionKey: false },
);
type LeaseDoc = { _id: string; holder: string; takenAt: Date };
export const Lease = (mongoose.models.Lease as mongoose.Model<LeaseDoc> | undefined) ?? mongoose.model<LeaseDoc>("Lease", leaseSchema);

/** Takes the lease on `job` for the current term; false when another holder has it. Old terms are removed (by `_id`). */
export async function takeLease(job: string, termMs: number, holder: string, now = new Date()): Promise<boolean> {
  const term = Math.floor(now.getTime() / termMs);
  try {
    await Lease.create({ _id: `${job}:${term}`, holder, takenAt: now });
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
  await Lease.deleteMany({ _id: { $in: [1, 2, 3].map((back) => `${job}:${term - back}`) } });
  return true;
}

/** The result of the last walk along one institution's chain: `_id` is the institution's id. */
const chainCheckSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    ok: { type: Boolean, required: true },
    /** Entries verified from the first (all of them when ok). */
    entries: { type: Number, required: true },
    /** The hash of the last entry verified (the head when ok). */
    headHash: { type: String, default: null },
    /** Where and how it broke, when it did. */
    sequence: { type: Number, default: null },
    problem: { type: String, default: null },
    checkedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
export type ChainCheckDoc = { _id: Types.ObjectId; ok: boolean; entries: number; headHash: string | null; sequence: number | null; problem: string | null; checkedAt: Date };
export const ChainCheck =
  (mongoose.models.ChainCheck as mongoose.Model<ChainCheckDoc> | undefined) ?? mongoose.model<ChainCheckDoc>("ChainCheck", chainCheckSchema);
