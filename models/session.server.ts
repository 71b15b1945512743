import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId } from "./fields";

/**
 * A signed-in session. The cookie holds only this document's id (signed), so logging in makes a
 * new id (rotation) and logging out or an admin can end a session for good. Expiry is by query
 * (FerretDB v1 has no TTL indexes); old rows are removed by deleteExpiredSessions.
 */
const sessionSchema = new Schema(
  {
    userId: { type: objectId, ref: "User", required: true },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true },
);
sessionSchema.index({ userId: 1 });
sessionSchema.index({ expiresAt: 1 });

export type SessionDoc = InferSchemaType<typeof sessionSchema> & { _id: Types.ObjectId };
export const Session = (mongoose.models.Session as mongoose.Model<SessionDoc> | undefined) ?? mongoose.model<SessionDoc>("Session", sessionSchema);

export async function createSession(userId: string, ttlMs: number) {
  const session = await Session.create({ userId, expiresAt: new Date(Date.now() + ttlMs) });
  return { id: String(session._id), expiresAt: session.expiresAt };
}

export async function findLiveSession(id: string) {
  if (!mongoose.isValidObjectId(id)) return null;
  // By `_id` alone (the one filter the embedded database serves from an index), expiry checked here.
  const session = await Session.findById(id).select("userId expiresAt").lean();
  return session && session.expiresAt.getTime() > Date.now() ? session : null;
}

export async function deleteSession(id: string) {
  if (!mongoose.isValidObjectId(id)) return;
  await Session.deleteOne({ _id: id });
}

export async function deleteExpiredSessions(now = new Date()) {
  const result = await Session.deleteMany({ expiresAt: { $lte: now } });
  return result.deletedCount;
}

/** Ends every session of a user (a password reset: whoever had the old password is signed out everywhere). */
export async function deleteSessionsOfUser(userId: string | Types.ObjectId) {
  if (!mongoose.isValidObjectId(userId)) return 0;
  const result = await Session.deleteMany({ userId });
  return result.deletedCount;
}
