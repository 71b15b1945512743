/**
 * Links that carry a secret (a password reset, an email verification, turning reminders off): one random
 * token, mailed; only its SHA-256 is stored, as the document's `_id` (models/token.server.ts). Shared by
 * every mailed link, so there is one copy of how they are made, read and used up.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Types } from "mongoose";
import { claimToken, findToken, insertToken, type TokenDoc, type TokenPurpose } from "#models/token.server";

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new token for `purpose`, valid `ttlMs`: returns the token itself (for the link), never stored. */
export async function issueToken(purpose: TokenPurpose, user: { id: string | Types.ObjectId; email: string }, ttlMs: number, now = new Date()): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await insertToken({ _id: hashToken(token), purpose, userId: user.id as Types.ObjectId, email: user.email, expiresAt: new Date(now.getTime() + ttlMs) });
  return token;
}

export type TokenCheck = { ok: true; token: TokenDoc } | { ok: false; reason: "unknown" | "expired" | "used" };

/** What a link's token is worth: unknown (never issued, or for another purpose), expired, used, or good. Changes nothing. */
export async function checkToken(purpose: TokenPurpose, token: string, now = new Date()): Promise<TokenCheck> {
  // A token we issued is 43 base64url characters; anything else is not read at all.
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { ok: false, reason: "unknown" };
  const found = await findToken(hashToken(token));
  if (!found || found.purpose !== purpose) return { ok: false, reason: "unknown" };
  if (found.usedAt) return { ok: false, reason: "used" };
  if (found.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, token: found };
}

/** Uses a single-use token up: true for the first caller only (an insert keyed by its hash; see claimToken). */
export async function spendToken(token: TokenDoc, now = new Date()): Promise<boolean> {
  return claimToken(token._id, now);
}
