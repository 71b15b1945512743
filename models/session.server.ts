import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId } from "./fields";

/**
 * A signed-in session. The cookie holds only this document's id (signed), so logging in makes a
 * new id (rotation) and logging out or an admin can end a session for good. Expiry is by query
 * (FerretDB v1 has no TTL indexes); old rows are removed by deleteExpiredSessions (the sweeper's daily pass).
 * What the user sees of their sessions (/account/sessions): when it began (createdAt), when it was last
 * used (written at most every SESSION_TOUCH_MS, by `_id`), the browser and the address it came from.
 */
const sessionSchema = new Schema(
  {
    userId: { type: objectId, ref: "User", required: true },
    expiresAt: { type: Date, required: true },
    lastUsedAt: { type: Date, default: null },
    userAgent: { type: String, default: "", maxlength: 512 },
    ip: { type: String, default: "", maxlength: 64 },
  },
  { timestamps: true },
);
sessionSchema.index({ userId: 1 });
sessionSchema.index({ expiresAt: 1 });

export type SessionDoc = InferSchemaType<typeof sessionSchema> & { _id: Types.ObjectId };
export const Session = (mongoose.models.Session as mongoose.Model<SessionDoc> | undefined) ?? mongoose.model<SessionDoc>("Session", sessionSchema);

/** "Last used" is written at most this often: a page view costs no write most of the time. */
export const SESSION_TOUCH_MS = 5 * 60 * 1000;

export async function createSession(userId: string, ttlMs: number, client: { userAgent?: string; ip?: string } = {}) {
  const now = new Date();
  const session = await Session.create({
    userId,
    expiresAt: new Date(now.getTime() + ttlMs),
    lastUsedAt: now,
    userAgent: (client.userAgent ?? "").slice(0, 512),
    ip: (client.ip ?? "").slice(0, 64),
  });
  return { id: String(session._id), expiresAt: session.expiresAt };
}

/**
 * The live session of this id, or null. By `_id` alone (the one filter the embedded database serves
 * from an index), expiry checked here. `touch`: when "last used" is older than SESSION_TOUCH_MS it is
 * moved to now (and the address with it), again by `_id`.
 */
export async function findLiveSession(id: string, touch?: { ip?: string; now?: Date }) {
  if (!mongoose.isValidObjectId(id)) return null;
  const session = await Session.findById(id).select("userId expiresAt lastUsedAt").lean();
  const now = touch?.now ?? new Date();
  if (!session || session.expiresAt.getTime() <= now.getTime()) return null;
  if (touch && (!session.lastUsedAt || now.getTime() - session.lastUsedAt.getTime() >= SESSION_TOUCH_MS)) {
    await Session.updateOne({ _id: session._id }, { $set: { lastUsedAt: now, ...(touch.ip ? { ip: touch.ip.slice(0, 64) } : {}) } });
  }
  return session;
}

/** The user's live sessions, the most recently used first (a page the user opens now and then, not a hot read). */
export async function listSessionsOfUser(userId: string, now = new Date()) {
  if (!mongoose.isValidObjectId(userId)) return [];
  const sessions = await Session.find({ userId, expiresAt: { $gt: now } }).select("createdAt lastUsedAt userAgent ip").lean();
  return sessions
    .map((s) => ({ id: String(s._id), createdAt: s.createdAt as Date, lastUsedAt: s.lastUsedAt ?? (s.createdAt as Date), userAgent: s.userAgent ?? "", ip: s.ip ?? "" }))
    .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
}

export async function deleteSession(id: string) {
  if (!mongoose.isValidObjectId(id)) return;
  await Session.deleteOne({ _id: id });
}

/** Ends one session of this user; another user's session id changes nothing. True when one was ended. */
export async function deleteSessionOfUser(userId: string, id: string) {
  if (!mongoose.isValidObjectId(id) || !mongoose.isValidObjectId(userId)) return false;
  const result = await Session.deleteOne({ _id: id, userId });
  return result.deletedCount > 0;
}

/**
 * Ends every session of the user, but `except` (the one in use, kept when the user ends "all others" or
 * changes the password); without it, all of them (a password reset: whoever had the old password is out).
 */
export async function deleteSessionsOfUser(userId: string | Types.ObjectId, { except }: { except?: string } = {}) {
  if (!mongoose.isValidObjectId(userId)) return 0;
  const filter = except && mongoose.isValidObjectId(except) ? { userId, _id: { $ne: except } } : { userId };
  const result = await Session.deleteMany(filter);
  return result.deletedCount;
}

export async function deleteExpiredSessions(now = new Date()) {
  const result = await Session.deleteMany({ expiresAt: { $lte: now } });
  return result.deletedCount;
}
