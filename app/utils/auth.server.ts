import { redirect } from "@remix-run/node";
import argon2 from "argon2";
import pLimit from "p-limit";
import type { Role, SessionUser } from "#models/user.server";
import { createUser, findUserByEmail, findUserPasswordById, getSessionUserById, setPasswordHash } from "#models/user.server";
import { createSession, deleteSession, deleteSessionsOfUser, findLiveSession } from "#models/session.server";
import { canAccessInstitution, canAccessProvince, hasRole } from "#services/access";
import { authSessionStorage, SESSION_TTL_MS } from "./session.server";
import { isDuplicateKeyError, upsertAgainIfRaced } from "#models/duplicate-key";
import { claimSlot, RateLimit, slotTakenAt } from "#models/rate-limit.server";
import { type Challenge, challengeSolved, newChallenge } from "./challenge.server";
import { clientIp } from "./client-ip.server";
import { env } from "./env.server";
import { countAttempt, limitKey } from "./rate-limit.server";

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


/** The session id the request's signed cookie carries (live or not: findLiveSession decides that), or null. */
export async function getSessionId(request: Request | Headers): Promise<string | null> {
  const headers = request instanceof Request ? request.headers : request;
  const session = await authSessionStorage().getSession(headers.get("Cookie"));
  const id = session.get("sessionId");
  return typeof id === "string" ? id : null;
}

/**
 * The signed-in user and the id of their session, or null. One lookup of the session (by `_id`, which
 * also moves its "last used" every few minutes) and one of the user.
 */
export async function getUserSession(request: Request): Promise<{ user: SessionUser; sessionId: string } | null> {
  const sessionId = await getSessionId(request);
  if (!sessionId) return null;
  const ip = clientIp(request);
  const session = await findLiveSession(sessionId, { ip: ip === "unknown" ? undefined : ip });
  if (!session) return null;
  const user = await getSessionUserById(String(session.userId));
  return user ? { user, sessionId } : null;
}

/** The signed-in user, or null. */
export async function getUser(request: Request): Promise<SessionUser | null> {
  return (await getUserSession(request))?.user ?? null;
}

/** Sends a visitor to the login page (and back afterwards). */
export async function requireUser(request: Request): Promise<SessionUser> {
  return (await requireUserSession(request)).user;
}

/** The signed-in user and their session's id (pages that act on the session itself). */
export async function requireUserSession(request: Request): Promise<{ user: SessionUser; sessionId: string }> {
  const signedIn = await getUserSession(request);
  if (!signedIn) {
    const url = new URL(request.url);
    const redirectTo = `${url.pathname}${url.search}`;
    throw redirect(`/login?${new URLSearchParams({ redirectTo })}`);
  }
  return signedIn;
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

/** The gap an address must leave before its k-th attempt on one account (k past the free ones): doubling, up to the longest. */
export function gapSeconds(k: number): number {
  const free = env().RATE_LIMITS["login-pair"].points;
  if (k <= free) return 0;
  const { firstSeconds, longestSeconds } = env().LOGIN_BACKOFF;
  return Math.min(longestSeconds, firstSeconds * 2 ** Math.min(k - free - 1, 30));
}

/**
 * Checks a password (decision 0021). Every attempt is counted in the database before the password is
 * checked, each in a slot of its own (models/rate-limit.server.ts: exact when attempts arrive all at
 * once, and shared by every instance):
 * - per address across accounts (login-ip): past it, this address waits for the next window;
 *   successes are given back (many people behind one school's address log in);
 * - per (account, address) (login-pair): after the free attempts, each one must come a gap after the
 *   one before, the gap doubling with every attempt (refused ones too) — the owner, elsewhere, is not
 *   affected; a success starts the count again;
 * - per account across addresses (login-account; successes given back): past it, a login needs the
 *   proof-of-work challenge (never a refusal: nobody can lock the owner out).
 * An unknown email goes through the same counters, answers and hashing as a known one, so the answers
 * never tell whether an account exists.
 */
export async function verifyLogin(email: string, password: string, from: { ip: string; challenge?: unknown } = { ip: "unknown" }): Promise<LoginResult> {
  const account = email.trim().toLowerCase();
  const byAddress = await countAttempt("login-ip", from.ip);
  if (byAddress.over) return { ok: false, reason: "limited", retryAfterSeconds: byAddress.secondsLeft };

  const pairSetting = env().RATE_LIMITS["login-pair"];
  const pairKey = `login-pair:${limitKey(account, from.ip)}`;
  const pair = await claimSlot(pairKey, pairSetting.duration * 1000, pairSetting.points + 64);
  const clearedId = `${pair.window}~cleared`;
  const attempt = pair.n - ((await RateLimit.findById(clearedId).lean())?.points ?? 0);
  if (attempt > pairSetting.points) {
    const previous = pair.n <= pairSetting.points + 64 ? await slotTakenAt(pair.window, pair.n - 1) : null;
    if (!previous || Date.now() - previous.getTime() < gapSeconds(attempt) * 1000) {
      return { ok: false, reason: "limited", retryAfterSeconds: gapSeconds(attempt + 1) };
    }
  }

  const byAccount = await countAttempt("login-account", account);
  if (byAccount.over && !(await challengeSolved(from.challenge))) {
    return { ok: false, reason: "challenge", challenge: await newChallenge(), retryAfterSeconds: byAccount.secondsLeft };
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
  // A success gives its attempt back (per address, per account) and starts this address's count for the account again.
  await Promise.all([
    byAddress.succeeded(),
    byAccount.succeeded(),
    upsertAgainIfRaced(() => RateLimit.updateOne({ _id: clearedId }, { $max: { points: pair.n }, $setOnInsert: { expire: pair.expire } }, { upsert: true })),
  ]);
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
  const { id, expiresAt } = await createSession(userId, SESSION_TTL_MS, { userAgent: request.headers.get("User-Agent") ?? "", ip: clientIp(request) });
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

export type ChangePasswordResult = { ok: true; sessionsEnded: number } | { ok: false; reason: "wrongPassword" };

/**
 * Changes a signed-in user's password after checking the current one (in the hashing queue, like a
 * login; the route counts the attempt against the password limits first). After the change every other
 * session of the user is ended; `keepSessionId` (the one in use) stays.
 */
export async function changePassword(userId: string, input: { currentPassword: string; newPassword: string; keepSessionId: string }): Promise<ChangePasswordResult> {
  const checked = await oneHashAtATime(async (): Promise<boolean> => {
    const user = await findUserPasswordById(userId);
    return Boolean(user && (await argon2.verify(user.passwordHash, input.currentPassword)));
  });
  if (!checked) return { ok: false, reason: "wrongPassword" };
  await setPasswordHash(userId, await hashPassword(input.newPassword));
  const sessionsEnded = await deleteSessionsOfUser(userId, { except: input.keepSessionId });
  return { ok: true, sessionsEnded };
}
