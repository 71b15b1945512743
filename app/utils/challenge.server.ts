import { createHmac } from "node:crypto";
import { createChallenge, verifySolution } from "altcha-lib";
import type { Challenge } from "altcha-lib/types";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { RateLimit } from "#models/rate-limit.server";
import { env } from "./env.server";
import { limitKey } from "./rate-limit.server";

/**
 * The proof-of-work challenge a login needs once an account has had too many failures (decision
 * 0021): ALTCHA's, made and checked here with altcha-lib and solved by the browser
 * (app/components/proof-of-work.tsx). Self-hosted: nothing is loaded from elsewhere.
 */

export type { Challenge };

/** Challenges are good for this long, and each is accepted once. */
const CHALLENGE_TTL_MS = 10 * 60_000;

/** Signed with a key derived from SESSION_SECRET: every instance shares it, and nothing new to keep secret. */
function hmacKey(): string {
  return createHmac("sha256", env().SESSION_SECRET).update("gopsuc login challenge").digest("hex");
}

export function newChallenge(): Promise<Challenge> {
  return createChallenge({ hmacKey: hmacKey(), maxNumber: env().CHALLENGE_MAX_NUMBER, expires: new Date(Date.now() + CHALLENGE_TTL_MS) });
}

/** Whether the form carries a solution of one of our challenges, not expired and not used before. */
export async function challengeSolved(payload: unknown): Promise<boolean> {
  if (typeof payload !== "string" || payload.length === 0 || payload.length > 2000) return false;
  let valid = false;
  try {
    valid = await verifySolution(payload, hmacKey(), true);
  } catch {
    return false; // not base64 JSON: not a solution
  }
  if (!valid) return false;
  // Single use: the first request with a solution spends its challenge — an insert of the challenge's
  // signature as an `_id` (atomic, and seen by every instance), however the payload is written.
  const { signature } = JSON.parse(Buffer.from(payload, "base64").toString("utf8")) as { signature: string };
  try {
    await RateLimit.collection.insertOne({ _id: `challenge-used:${limitKey(signature)}`, points: 1, expire: new Date(Date.now() + CHALLENGE_TTL_MS) } as never);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false; // spent already
    throw error;
  }
}
