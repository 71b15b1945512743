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

/** A flash message shown once on the next page (already translated by the caller). */
export async function toastHeaders(toast: Toast, request?: Request): Promise<Headers> {
  const storage = toastSessionStorage();
  const session = await storage.getSession(request?.headers.get("Cookie"));
  session.flash("toast", toast);
  return new Headers({ "Set-Cookie": await storage.commitSession(session) });
}

export async function redirectWithToast(url: string, toast: Toast, init: ResponseInit = {}) {
  const headers = new Headers(init.headers);
  for (const cookie of (await toastHeaders(toast)).getSetCookie()) headers.append("Set-Cookie", cookie);
  return redirect(url, { ...init, headers });
}

export async function getToast(request: Request): Promise<{ toast: Toast | null; headers: Headers | null }> {
  const storage = toastSessionStorage();
  const session = await storage.getSession(request.headers.get("Cookie"));
  const toast = (session.get("toast") as Toast | undefined) ?? null;
  return { toast, headers: toast ? new Headers({ "Set-Cookie": await storage.destroySession(session) }) : null };
}

/** Only same-site paths are followed after login (no open redirect). */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/account"): string {
  if (!to || typeof to !== "string" || !to.startsWith("/") || to.startsWith("//") || to.startsWith("/\\")) return fallback;
  return to;
}
