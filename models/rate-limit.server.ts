import mongoose, { Schema } from "mongoose";
import { RateLimiterMongo, RateLimiterRes } from "rate-limiter-flexible";
import { isDuplicateKeyError, upsertAgainIfRaced } from "./duplicate-key";

/**
 * The counters of the abuse limits (decision 0021), in the database so every instance of the app
 * counts the same requests, and counted exactly when many requests arrive at once.
 *
 * FerretDB v1 on SQLite serves only equality on `_id` from an index, has no TTL indexes, and its
 * updates are read-modify-write: 20 concurrent `$inc` on one document keep about 4 (measured for the
 * catalogue, models/catalogue.server.ts). The one atomic step is inserting a new `_id`. So a request
 * is counted by inserting its own slot, `<limit>:<key>@<window>#<n>`: the n that the insert wins is
 * the request's place in the window, unique whatever the concurrency. A head document
 * (`<limit>:<key>@<window>`) keeps a hint of the highest n, to start near it. Windows are fixed
 * (the epoch divided by the limit's duration), so every instance agrees on them without talking.
 * Every document carries `expire`; the sweeper deletes the expired ones (deleteExpiredRateLimits).
 */
const rateLimitSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** A slot: its n. A head: the highest n known (a hint). A clear mark: the n counted before a success. */
    points: { type: Number, required: true },
    expire: { type: Date, required: true },
    /** When the slot was taken. */
    at: { type: Date, default: null },
  },
  { versionKey: false },
);

export type RateLimitDoc = { _id: string; points: number; expire: Date; at?: Date | null };
export const RateLimit = (mongoose.models.RateLimit as mongoose.Model<RateLimitDoc> | undefined) ?? mongoose.model<RateLimitDoc>("RateLimit", rateLimitSchema, "rate_limits");

export type Slot = { n: number; expire: Date; window: string };

/** The window `now` falls in, for a limit of this duration. */
export function windowOf(rlKey: string, durationMs: number, now = Date.now()) {
  const index = Math.floor(now / durationMs);
  return { window: `${rlKey}@${index.toString(36)}`, expire: new Date((index + 1) * durationMs) };
}

/**
 * Counts one request: claims the next free slot of the key's current window and returns its n.
 * Past `cap` it stops claiming (the request is over the limit anyway): an attack's burst costs at most
 * `cap` inserts per request.
 */
export async function claimSlot(rlKey: string, durationMs: number, cap: number, now = Date.now()): Promise<Slot> {
  const { window, expire } = windowOf(rlKey, durationMs, now);
  const head = await RateLimit.findById(window).lean();
  let n = (head?.points ?? 0) + 1;
  for (;;) {
    if (n > cap) return { n, expire, window };
    try {
      await RateLimit.collection.insertOne({ _id: `${window}#${n}`, points: n, expire, at: new Date(now) } as never);
      break;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      n += 1;
    }
  }
  // Raise the hint (read-modify-write on this database: a lost raise only means more probing next time).
  await upsertAgainIfRaced(() => RateLimit.updateOne({ _id: window }, { $max: { points: n }, $setOnInsert: { expire } }, { upsert: true }));
  return { n, expire, window };
}

/** When slot n of a window was taken, or null (never, or swept). */
export async function slotTakenAt(window: string, n: number): Promise<Date | null> {
  const slot = await RateLimit.findById(`${window}#${n}`).lean();
  return slot?.at ?? null;
}

/**
 * rate-limiter-flexible's Mongo limiter with its storage replaced by the slots above: RateLimiterMongo
 * keeps a `key` field with a unique index, a TTL index and `$inc` (none of which the embedded database
 * serves or keeps atomic), and the package does not export its store base class. Consuming claims a
 * slot; giving points back, blocking and setting are not offered (a limit here counts every request
 * in its window).
 */
export class RateLimiterMongoose extends RateLimiterMongo {
  constructor(opts: { keyPrefix: string; points: number; duration: number }) {
    // The collection handle RateLimiterMongo asks for is never used: every read and write is below.
    super({ ...opts, storeClient: mongoose.connection, tableName: RateLimit.collection.collectionName, disableIndexesCreation: true });
  }

  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<RateLimitDoc> {
    if (forceExpire || points !== 1) throw new Error("RateLimiterMongoose counts one request at a time (no reward, block or set)");
    const slot = await claimSlot(rlKey, msDuration, this.points + 1);
    return { _id: slot.window, points: slot.n, expire: slot.expire };
  }

  async _get(rlKey: string): Promise<RateLimitDoc | null> {
    const head = await RateLimit.findById(windowOf(rlKey, this.duration * 1000).window).lean();
    return head && head.expire.getTime() > Date.now() ? head : null;
  }

  async _delete(): Promise<boolean> {
    throw new Error("RateLimiterMongoose does not delete counts: they end with their window");
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, doc: RateLimitDoc): RateLimiterRes {
    const consumed = doc.points;
    return new RateLimiterRes(Math.max(this.points - consumed, 0), Math.max(new Date(doc.expire).getTime() - Date.now(), 0), consumed, consumed === changedPoints);
  }
}

/** Deletes the counters whose window has ended (the sweeper calls it; FerretDB v1 has no TTL indexes). */
export async function deleteExpiredRateLimits(now = new Date()) {
  const result = await RateLimit.deleteMany({ expire: { $lte: now } });
  return result.deletedCount;
}
