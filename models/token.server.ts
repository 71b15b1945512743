import mongoose, { Schema, type Types } from "mongoose";
import { isDuplicateKeyError } from "./duplicate-key";

/**
 * Tokens mailed to a person (a password reset, an email verification, turning reminders off). Only the
 * token's SHA-256 is stored, as `_id`, so a link is looked up by `_id` (the one read the embedded
 * database serves from an index) and a copy of this collection opens nothing.
 */
export const TOKEN_PURPOSES = ["reset-password", "verify-email", "reminders-off"] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

const tokenSchema = new Schema(
  {
    _id: { type: String, required: true, match: /^[0-9a-f]{64}$/ },
    purpose: { type: String, enum: TOKEN_PURPOSES, required: true },
    userId: { type: Schema.Types.ObjectId, ref: "User", required: true },
    /** The address it was mailed to: a verification holds only while the account still has it. */
    email: { type: String, required: true, maxlength: 254 },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
tokenSchema.index({ expiresAt: 1 });

export type TokenDoc = { _id: string; purpose: TokenPurpose; userId: Types.ObjectId; email: string; expiresAt: Date; usedAt: Date | null; createdAt: Date };
export const Token = (mongoose.models.Token as mongoose.Model<TokenDoc> | undefined) ?? mongoose.model<TokenDoc>("Token", tokenSchema);

/**
 * A token's use: one document whose `_id` is the token's hash. Using a single-use token is inserting it,
 * which exactly one request wins even when two arrive at once (FerretDB v1 applies a conditional update
 * as a read then a write, so `usedAt: null → now` could be won twice).
 */
const tokenUseSchema = new Schema({ _id: { type: String, required: true }, usedAt: { type: Date, required: true } }, { versionKey: false });
type TokenUseDoc = { _id: string; usedAt: Date };
export const TokenUse = (mongoose.models.TokenUse as mongoose.Model<TokenUseDoc> | undefined) ?? mongoose.model<TokenUseDoc>("TokenUse", tokenUseSchema);

export async function insertToken(token: Omit<TokenDoc, "usedAt" | "createdAt">) {
  await Token.create({ ...token, usedAt: null });
}

export async function findToken(hash: string) {
  if (!/^[0-9a-f]{64}$/.test(hash)) return null;
  return Token.findById(hash).lean<TokenDoc>();
}

/** True for the one caller that uses the token first; false for every later one. */
export async function claimToken(hash: string, now = new Date()): Promise<boolean> {
  try {
    await TokenUse.create({ _id: hash, usedAt: now });
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
  await Token.updateOne({ _id: hash }, { $set: { usedAt: now } });
  return true;
}

/** Removes tokens past their expiry (and their uses): the sweeper's daily upkeep. */
export async function deleteExpiredTokens(now = new Date()) {
  const expired = await Token.find({ expiresAt: { $lte: now } }).select("_id").lean();
  if (expired.length === 0) return 0;
  const ids = expired.map((t) => t._id);
  await TokenUse.deleteMany({ _id: { $in: ids } });
  const result = await Token.deleteMany({ _id: { $in: ids } });
  return result.deletedCount;
}
