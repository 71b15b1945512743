import mongoose, { Schema } from "mongoose";
import { RateLimiterMongo, RateLimiterRes } from "rate-limiter-flexible";
import { isDuplicateKeyError } from "./duplicate-key";

/**
 * The counters of rate-limiter-flexible, kept in the database so every instance of the app shares
 * them (decision 0021). One document per limited key, its `_id` the key itself ("login-ip:…"): the
 * embedded database serves only equality on `_id` from an index and has no TTL indexes, so a counter
 * is read and changed by `_id` alone (never RateLimiterMongo's `key` field and TTL index), an expired
 * one is treated as absent and replaced, and the sweeper deletes expired rows (deleteExpiredRateLimits).
 */
const rateLimitSchema = new Schema(
  {
    _id: { type: String, required: true },
    points: { type: Number, required: true },
    /** When the counter resets; null: never. */
    expire: { type: Date, default: null },
  },
  { versionKey: false },
);

export type RateLimitDoc = { _id: string; points: number; expire: Date | null };
export const RateLimit = (mongoose.models.RateLimit as mongoose.Model<RateLimitDoc> | undefined) ?? mongoose.model<RateLimitDoc>("RateLimit", rateLimitSchema, "rate_limits");

const live = () => ({ $or: [{ expire: { $gt: new Date() } }, { expire: null }] });
const expiry = (msDuration: number) => (msDuration > 0 ? new Date(Date.now() + msDuration) : null);

/**
 * rate-limiter-flexible's Mongo limiter with its storage replaced: RateLimiterMongo keeps a `key` field
 * with a unique index and a TTL index, which the embedded database cannot serve (and the store base
 * class is not exported by the package). Here each change is one atomic findOneAndUpdate by `_id`
 * ($inc on a live counter); a missing or expired counter is replaced, and two instances starting the
 * same counter at once meet on the `_id` (the loser counts on the winner's row).
 */
export class RateLimiterMongoose extends RateLimiterMongo {
  constructor(opts: { keyPrefix: string; points: number; duration: number }) {
    // The collection handle RateLimiterMongo asks for is never used: every read and write is below.
    super({ ...opts, storeClient: mongoose.connection, tableName: RateLimit.collection.collectionName, disableIndexesCreation: true });
  }

  /** Consumes with a window of its own length (rate-limiter-flexible's customDuration option). */
  consumeWithin(key: string, points: number, seconds: number) {
    const options = { attrs: {}, customDuration: seconds };
    return this.consume(key, points, options);
  }

  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<RateLimitDoc> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (forceExpire) {
        return (await RateLimit.findOneAndUpdate({ _id: rlKey }, { $set: { points, expire: expiry(msDuration) } }, { upsert: true, new: true }).lean())!;
      }
      const counted = await RateLimit.findOneAndUpdate({ _id: rlKey, ...live() }, { $inc: { points } }, { new: true }).lean();
      if (counted) return counted;
      // Absent, or expired and not yet swept: a fresh counter (only if it is still expired).
      const restarted = await RateLimit.findOneAndUpdate({ _id: rlKey, expire: { $lte: new Date() } }, { $set: { points, expire: expiry(msDuration) } }, { new: true }).lean();
      if (restarted) return restarted;
      try {
        const created = await RateLimit.create({ _id: rlKey, points, expire: expiry(msDuration) });
        return created.toObject();
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error; // another request created it just now: count on it
      }
    }
    throw new Error(`rate limit ${rlKey}: the counter kept changing under us`);
  }

  async _get(rlKey: string): Promise<RateLimitDoc | null> {
    return RateLimit.findOne({ _id: rlKey, ...live() }).lean();
  }

  async _delete(rlKey: string): Promise<boolean> {
    const result = await RateLimit.deleteOne({ _id: rlKey });
    return result.deletedCount > 0;
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, doc: RateLimitDoc): RateLimiterRes {
    const consumed = doc.points;
    const msBeforeNext = doc.expire ? Math.max(new Date(doc.expire).getTime() - Date.now(), 0) : -1;
    return new RateLimiterRes(Math.max(this.points - consumed, 0), msBeforeNext, consumed, consumed === changedPoints);
  }
}

/** Deletes the counters that have expired (the sweeper calls it; FerretDB v1 has no TTL indexes). */
export async function deleteExpiredRateLimits(now = new Date()) {
  const result = await RateLimit.deleteMany({ expire: { $lte: now } });
  return result.deletedCount;
}
