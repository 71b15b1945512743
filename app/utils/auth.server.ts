import { redirect } from "@remix-run/node";
import argon2 from "argon2";
import pLimit from "p-limit";
import type { Role, SessionUser } from "#models/user.server";
import { clearFailedLogins, createUser, findUserByEmail, findUserPasswordById, getSessionUserById, recordFailedLogin, setPasswordHash } from "#models/user.server";
import { createSession, deleteSession, deleteSessionsOfUser, findLiveSession } from "#models/session.server";
import { canAccessInstitution, canAccessProvince, hasRole } from "#services/access";
import { authSessionStorage, SESSION_TTL_MS } from "./session.server";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { clientIp } from "./client-ip.server";

export const LOCK_AFTER_FAILURES = 5;
export const LOCK_FOR_MS = 15 * 60 * 1000;

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

export type LoginResult = { ok: true; user: SessionUser } | { ok: false; reason: "invalid" } | { ok: false; reason: "locked"; minutes: number };

/**
 * Checks a password. Five failures in a row lock the account for 15 minutes; an unknown email costs
 * the same time as a wrong password, so it cannot be told apart.
 */
export async function verifyLogin(email: string, password: string): Promise<LoginResult> {
  // Read in the hashing queue, just before the password is checked: attempts sent all at once are
  // checked one by one, and those behind the fifth failure find the account locked.
  return oneHashAtATime(async () => {
    const user = await findUserByEmail(email);
    if (!user) {
      dummyHash ??= argon2.hash("not-a-real-password-for-timing", HASH_OPTIONS); // in the queue already
      await argon2.verify(await dummyHash, password);
      return { ok: false, reason: "invalid" };
    }
    if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
      return { ok: false, reason: "locked", minutes: Math.ceil((user.lockedUntil.getTime() - Date.now()) / 60_000) };
    }
    if (!(await argon2.verify(user.passwordHash, password))) {
      await recordFailedLogin(user._id, { lockAfter: LOCK_AFTER_FAILURES, lockForMs: LOCK_FOR_MS });
      return { ok: false, reason: "invalid" };
    }
    await clearFailedLogins(user._id);
    const sessionUser = await getSessionUserById(String(user._id));
    return sessionUser ? { ok: true, user: sessionUser } : { ok: false, reason: "invalid" };
  });
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

export type ChangePasswordResult = { ok: true; sessionsEnded: number } | { ok: false; reason: "wrongPassword" } | { ok: false; reason: "locked"; minutes: number };

/**
 * Changes a signed-in user's password after checking the current one (in the hashing queue, like a
 * login). A wrong current password counts as a failed login (the same lockout); a locked account is
 * refused. After the change every other session of the user is ended; `keepSessionId` (the one in use) stays.
 */
export async function changePassword(userId: string, input: { currentPassword: string; newPassword: string; keepSessionId: string }): Promise<ChangePasswordResult> {
  const checked = await oneHashAtATime(async (): Promise<{ ok: true } | Exclude<ChangePasswordResult, { ok: true }>> => {
    const user = await findUserPasswordById(userId);
    if (!user) return { ok: false, reason: "wrongPassword" };
    if (user.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
      return { ok: false, reason: "locked", minutes: Math.ceil((user.lockedUntil.getTime() - Date.now()) / 60_000) };
    }
    if (!(await argon2.verify(user.passwordHash, input.currentPassword))) {
      await recordFailedLogin(user._id, { lockAfter: LOCK_AFTER_FAILURES, lockForMs: LOCK_FOR_MS });
      return { ok: false, reason: "wrongPassword" };
    }
    await clearFailedLogins(user._id);
    return { ok: true };
  });
  if (!checked.ok) return checked;
  await setPasswordHash(userId, await hashPassword(input.newPassword));
  const sessionsEnded = await deleteSessionsOfUser(userId, { except: input.keepSessionId });
  return { ok: true, sessionsEnded };
}
