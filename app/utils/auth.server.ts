import { redirect } from "@remix-run/node";
import argon2 from "argon2";
import pLimit from "p-limit";
import { RateLimiterRes } from "rate-limiter-flexible";
import type { Role, SessionUser } from "#models/user.server";
import { createUser, findUserByEmail, getSessionUserById } from "#models/user.server";
import { createSession, deleteSession, findLiveSession } from "#models/session.server";
import { canAccessInstitution, canAccessProvince, hasRole } from "#services/access";
import { authSessionStorage, SESSION_TTL_MS } from "./session.server";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { type Challenge, challengeSolved, newChallenge } from "./challenge.server";
import { env } from "./env.server";
import { limiter, limitKey, namedLimiter, secondsToWait } from "./rate-limit.server";

// Same cost parameters for every hash: argon2id, 64 MiB, 3 passes (the library's defaults, RFC 9106's second choice).
const HASH_OPTIONS = { type: argon2.argon2id } as const;
let dummyHash: Promise<string> | undefined;

/**
 * Password hashing takes a core and 64 MiB for about a tenth of a second: one at a time, so twenty
 * logins at once cannot starve page rendering (it keeps the other core), and at most
 * HASHING_QUEUE_LIMIT waiting — past that a login is answered "busy, try again" (503) at once.
 */
const hashing = pLimit(1);
export const HASHING_QUEUE_LIMIT = 32;
function oneHashAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (hashing.pendingCount >= HASHING_QUEUE_LIMIT) throw new Response("errors.busy", { status: 503, headers: { "Retry-After": "5" } });
  return hashing(work);
}

export function hashPassword(password: string) {
  return oneHashAtATime(() => argon2.hash(password, HASH_OPTIONS));
}


async function getSessionId(request: Request): Promise<string | null> {
  const session = await authSessionStorage().getSession(request.headers.get("Cookie"));
  const id = session.get("sessionId");
  return typeof id === "string" ? id : null;
}

/** The signed-in user, or null. One lookup of the session and one of the user. */
export async function getUser(request: Request): Promise<SessionUser | null> {
  const sessionId = await getSessionId(request);
  if (!sessionId) return null;
  const session = await findLiveSession(sessionId);
  if (!session) return null;
  return getSessionUserById(String(session.userId));
}

/** Sends a visitor to the login page (and back afterwards). */
export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getUser(request);
  if (!user) {
    const url = new URL(request.url);
    const redirectTo = `${url.pathname}${url.search}`;
    throw redirect(`/login?${new URLSearchParams({ redirectTo })}`);
  }
  return user;
}

export function forbidden(): never {
  throw new Response("errors.forbidden", { status: 403, statusText: "Forbidden" });
}

/** The signed-in user, who must hold one of the roles; admins hold every role. */
export async function requireRole(request: Request, roles: readonly Role[]): Promise<SessionUser> {
  const user = await requireUser(request);
  if (!hasRole(user, roles)) forbidden();
  return user;
}

export async function requireInstitutionAccess(request: Request, institution: { id: string; provinceSlug: string }) {
  const user = await requireUser(request);
  if (!canAccessInstitution(user, institution)) forbidden();
  return user;
}

export async function requireProvinceAccess(request: Request, provinceSlug: string) {
  const user = await requireUser(request);
  if (!canAccessProvince(user, provinceSlug)) forbidden();
  return user;
}

export type LoginResult =
  | { ok: true; user: SessionUser }
  | { ok: false; reason: "invalid" }
  /** Too many attempts from this address (for this account, or across accounts): wait. */
  | { ok: false; reason: "limited"; retryAfterSeconds: number }
  /** Too many failures on this account from anywhere: solve this challenge first (or wait, or reset the password). */
  | { ok: false; reason: "challenge"; challenge: Challenge; retryAfterSeconds: number };

/** The wait after the n-th failure past the free ones: first, then twice as long each time, up to the longest. */
export function backoffSeconds(beyondFree: number): number {
  const { firstSeconds, longestSeconds } = env().LOGIN_BACKOFF;
  return Math.min(longestSeconds, firstSeconds * 2 ** Math.min(Math.max(beyondFree - 1, 0), 30));
}

/**
 * Checks a password (decision 0021). Every attempt is counted in the database before the password is
 * checked — atomically, so attempts sent all at once are counted one by one — and a success gives
 * its count back:
 * - per address across accounts (login-ip): past it, this address waits;
 * - per (account, address) (login-pair): after the free failures each attempt opens a window, twice
 *   as long as the last, in which this address may not try this account again — the owner, elsewhere,
 *   is not affected;
 * - per account across addresses (login-account): past it, a login needs the proof-of-work challenge
 *   (never a refusal: nobody can lock the owner out).
 * An unknown email goes through the same counters, answers and hashing as a known one, so the answers
 * never tell whether an account exists.
 */
export async function verifyLogin(email: string, password: string, from: { ip: string; challenge?: unknown } = { ip: "unknown" }): Promise<LoginResult> {
  const account = email.trim().toLowerCase();
  const ipKey = limitKey(from.ip);
  const pairKey = limitKey(account, from.ip);
  const accountKey = limitKey(account);
  const byAddress = limiter("login-ip");
  const byPair = limiter("login-pair");
  const byAccount = limiter("login-account");
  const gate = namedLimiter("login-gate", 1, 60);

  try {
    await byAddress.consume(ipKey);
  } catch (error) {
    if (error instanceof RateLimiterRes) return { ok: false, reason: "limited", retryAfterSeconds: secondsToWait(error.msBeforeNext) };
    throw error;
  }
  const failures = (await byPair.penalty(pairKey)).consumedPoints;
  if (failures > byPair.points) {
    // One attempt per window; the window after the k-th attempt past the free ones lasts backoffSeconds(k).
    try {
      await gate.consumeWithin(pairKey, 1, backoffSeconds(failures - byPair.points));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      await byPair.reward(pairKey); // a refused attempt was not checked: it does not lengthen the next wait
      return { ok: false, reason: "limited", retryAfterSeconds: secondsToWait(error.msBeforeNext) };
    }
  }
  const accountFailures = await byAccount.penalty(accountKey);
  if (accountFailures.consumedPoints > byAccount.points && !(await challengeSolved(from.challenge))) {
    await Promise.all([byPair.reward(pairKey), byAccount.reward(accountKey)]); // asked to prove work, nothing checked
    return { ok: false, reason: "challenge", challenge: await newChallenge(), retryAfterSeconds: secondsToWait(accountFailures.msBeforeNext) };
  }

  // Read in the hashing queue, just before the password is checked.
  const userId = await oneHashAtATime(async () => {
    const user = await findUserByEmail(account);
    if (!user) {
      dummyHash ??= argon2.hash("not-a-real-password-for-timing", HASH_OPTIONS); // in the queue already
      await argon2.verify(await dummyHash, password);
      return null;
    }
    return (await argon2.verify(user.passwordHash, password)) ? String(user._id) : null;
  });
  const sessionUser = userId ? await getSessionUserById(userId) : null;
  if (!sessionUser) return { ok: false, reason: "invalid" };
  // A success gives back its counts: this address's, and this attempt's on the account (other
  // addresses' failures stay counted, so an attacker elsewhere still meets the challenge).
  await Promise.all([byAddress.reward(ipKey), byPair.delete(pairKey), gate.delete(pairKey), byAccount.reward(accountKey)]);
  return { ok: true, user: sessionUser };
}

export async function registerDonor(input: { email: string; name: string; password: string; locale: "vi" | "en" }) {
  const existing = await findUserByEmail(input.email);
  if (existing) return { ok: false as const, reason: "emailTaken" as const };
  try {
    const user = await createUser({ email: input.email, name: input.name, passwordHash: await hashPassword(input.password), role: "donor", locale: input.locale });
    return { ok: true as const, user };
  } catch (error) {
    if (isDuplicateKeyError(error)) return { ok: false as const, reason: "emailTaken" as const };
    throw error;
  }
}

/**
 * Signs a user in with a brand-new session id (the old one, if any, is ended: rotation on login)
 * and returns the Set-Cookie header value.
 */
export async function startSession(request: Request, userId: string): Promise<string> {
  const previous = await getSessionId(request);
  if (previous) await deleteSession(previous);
  const { id, expiresAt } = await createSession(userId, SESSION_TTL_MS);
  const storage = authSessionStorage();
  const cookieSession = await storage.getSession();
  cookieSession.set("sessionId", id);
  return storage.commitSession(cookieSession, { expires: expiresAt });
}

/** Ends the session in the database and clears the cookie; returns the Set-Cookie header value. */
export async function endSession(request: Request): Promise<string> {
  const sessionId = await getSessionId(request);
  if (sessionId) await deleteSession(sessionId);
  const storage = authSessionStorage();
  return storage.destroySession(await storage.getSession(request.headers.get("Cookie")));
}
