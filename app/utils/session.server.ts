import { createCookieSessionStorage, redirect } from "@remix-run/node";
import { env } from "./env.server";
import { isLocalUrl } from "./i18n.server";

export const SESSION_TTL_MS = 1000 * 60 * 60 * 24 * 30; // 30 days

function secureCookies() {
  const { NODE_ENV, APP_URL } = env();
  return NODE_ENV === "production" && !isLocalUrl(APP_URL);
}

type AuthData = { sessionId: string };
let authStorage: ReturnType<typeof createCookieSessionStorage<AuthData>> | undefined;
/** The signed cookie that carries the id of the signed-in session (models/session.server.ts). */
export function authSessionStorage() {
  authStorage ??= createCookieSessionStorage<AuthData>({
    cookie: {
      name: "__session",
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: secureCookies(),
      secrets: [env().SESSION_SECRET],
      maxAge: SESSION_TTL_MS / 1000,
    },
  });
  return authStorage;
}

export type Toast = { type: "success" | "error" | "info"; message: string };

type ToastFlash = { toast: Toast };
let toastStorage: ReturnType<typeof createCookieSessionStorage<Record<string, never>, ToastFlash>> | undefined;
function toastSessionStorage() {
  toastStorage ??= createCookieSessionStorage<Record<string, never>, ToastFlash>({
    cookie: { name: "__toast", path: "/", httpOnly: true, sameSite: "lax", secure: secureCookies(), secrets: [env().SESSION_SECRET] },
  });
  return toastStorage;
}

/** The Set-Cookie value of a flash message shown once on the next page (already translated by the caller). */
export async function toastCookie(toast: Toast): Promise<string> {
  const storage = toastSessionStorage();
  const session = await storage.getSession();
  session.flash("toast", toast);
  return storage.commitSession(session);
}

export async function redirectWithToast(url: string, toast: Toast, init: ResponseInit = {}) {
  const headers = new Headers(init.headers);
  headers.append("Set-Cookie", await toastCookie(toast));
  return redirect(url, { ...init, headers });
}

/** The flash message waiting for this request, and the Set-Cookie value that clears it. */
export async function getToast(request: Request): Promise<{ toast: Toast | null; setCookie: string | null }> {
  const storage = toastSessionStorage();
  const session = await storage.getSession(request.headers.get("Cookie"));
  const toast = (session.get("toast") as Toast | undefined) ?? null;
  return { toast, setCookie: toast ? await storage.destroySession(session) : null };
}

const SAME_ORIGIN = "http://gopsuc.invalid";

/**
 * Where a user may be sent back to (after login, registration, a language switch): a path on this site,
 * normalised as the browser will read it, or `fallback`. A browser drops tabs and newlines from an
 * address and reads `\` as `/`, so `/\t/evil.example` and `/\\evil.example` are other sites; dot segments
 * collapse, so `/.//evil.example` becomes `//evil.example` — refused too. Control characters (which
 * would also break the Location header) are never a path we send anyone to.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/account"): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (typeof to !== "string" || !to.startsWith("/") || /[\u0000-\u001f\u007f\\]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, SAME_ORIGIN);
  } catch {
    return fallback;
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === SAME_ORIGIN && !path.startsWith("//") ? path : fallback;
}
