import type { Role } from "#models/user.server";
import { createUser } from "#models/user.server";
import { hashPassword, startSession } from "~/utils/auth.server";
import { commitCsrfToken, csrf, csrfCookie } from "~/utils/csrf.server";

export const BASE = "http://localhost:3000";

/** "name=value; Path=/; HttpOnly" (a Set-Cookie) → "name=value" (a Cookie). */
export function cookiePair(setCookie: string) {
  return setCookie.split(";")[0]!;
}

export function joinCookies(...cookies: Array<string | null | undefined>) {
  return cookies.filter(Boolean).join("; ");
}

/**
 * A valid CSRF token and the cookie it must travel with, made by the app's own CSRF code: for a request
 * carrying `sessionCookie` (a signed-in session), that session's token and no cookie (decision 0022);
 * otherwise a fresh anonymous double-submit pair.
 */
export async function csrfPair(sessionCookie?: string) {
  if (sessionCookie) {
    const [token, setCookie] = await commitCsrfToken(new Request(`${BASE}/`, { headers: { Cookie: sessionCookie } }));
    if (!setCookie) return { token, cookie: "" };
  }
  const token = csrf().generate();
  const cookie = cookiePair(await csrfCookie().serialize(token));
  return { token, cookie };
}

let counter = 0;
export async function createTestUser(overrides: { role?: Role; email?: string; name?: string; password?: string; institutionIds?: string[]; provinceSlug?: string | null } = {}) {
  counter += 1;
  const password = overrides.password ?? "mat-khau-kiem-thu-2026";
  const user = await createUser({
    email: overrides.email ?? `user${counter}.${Date.now()}@example.vn`,
    name: overrides.name ?? `Người dùng ${counter}`,
    passwordHash: await hashPassword(password),
    role: overrides.role ?? "donor",
    institutionIds: overrides.institutionIds ?? [],
    provinceSlug: overrides.provinceSlug ?? null,
  });
  return { ...user, password };
}

/** The Cookie header of a signed-in session for the user. */
export async function sessionCookieFor(userId: string) {
  return cookiePair(await startSession(new Request(`${BASE}/`), userId));
}

/** A POST of a form, as the browser would send it, with a valid CSRF token unless told otherwise. */
export async function formRequest(path: string, fields: Record<string, string | string[]>, options: { cookie?: string; csrf?: boolean; headers?: Record<string, string> } = {}) {
  const body = new URLSearchParams();
  let cookie = options.cookie;
  if (options.csrf !== false) {
    const pair = await csrfPair(options.cookie);
    body.append("csrf", pair.token);
    cookie = joinCookies(cookie, pair.cookie);
  }
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  }
  return new Request(`${BASE}${path}`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}), ...options.headers },
  });
}

export function getRequest(path: string, cookie?: string) {
  return new Request(`${BASE}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
}

/** Runs a loader or action and returns the Response it returned or threw. */
export async function responseOf(promise: Promise<unknown>): Promise<Response> {
  try {
    const result = await promise;
    if (result instanceof Response) return result;
    throw new Error(`expected a Response, got ${typeof result}`);
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
}

/** A multipart POST (forms with files), with a valid CSRF token. */
export async function multipartRequest(path: string, fields: Record<string, string | string[] | Blob>, options: { cookie?: string; csrf?: boolean; filename?: string } = {}) {
  const body = new FormData();
  let cookie = options.cookie;
  if (options.csrf !== false) {
    const pair = await csrfPair(options.cookie);
    body.append("csrf", pair.token);
    cookie = joinCookies(cookie, pair.cookie);
  }
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Blob) body.append(key, value, options.filename ?? "upload.bin");
    else for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  }
  return new Request(`${BASE}${path}`, { method: "POST", body, headers: cookie ? { Cookie: cookie } : {} });
}
