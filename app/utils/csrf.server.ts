import { createHmac, timingSafeEqual } from "node:crypto";
import { createCookie } from "@remix-run/node";
import { CSRF, CSRFError } from "remix-utils/csrf/server";
import { getSessionId } from "./auth.server";
import { env } from "./env.server";
import { isLocalUrl } from "./i18n.server";

let instance: CSRF | undefined;
let cookie: ReturnType<typeof createCookie> | undefined;

export function csrfCookie() {
  cookie ??= createCookie("csrf", {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure: env().NODE_ENV === "production" && !isLocalUrl(env().APP_URL),
    secrets: [env().SESSION_SECRET],
  });
  return cookie;
}

/** Double-submit token for a visitor who is not signed in: a signed cookie and a hidden form field that must match. */
export function csrf() {
  instance ??= new CSRF({
    cookie: csrfCookie(),
    formDataKey: "csrf",
    secret: env().SESSION_SECRET,
  });
  return instance;
}

/**
 * The token of a signed-in session (decision 0022): an HMAC of its id under SESSION_SECRET. Only the
 * holder of the session cookie can have it, so a CSRF cookie and token planted by someone else never
 * match it, and a new session (login rotates it) refuses tokens of the old one.
 */
export function sessionCsrfToken(sessionId: string) {
  return createHmac("sha256", env().SESSION_SECRET).update(`csrf:${sessionId}`).digest("base64url");
}

/**
 * The token this request's forms must carry, and the Set-Cookie of the CSRF cookie when one must be
 * set: bound to the session when the request carries a session cookie, to the CSRF cookie otherwise.
 */
export async function commitCsrfToken(request: Request): Promise<readonly [token: string, setCookie: string | null]> {
  const sessionId = await getSessionId(request);
  if (sessionId) return [sessionCsrfToken(sessionId), null];
  return csrf().commitToken(request);
}

function sameToken(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Throws 403 when the form's token is missing or wrong: with a session cookie, it must be that
 * session's token (whatever CSRF cookie came along); without one, it must match the CSRF cookie.
 */
export async function validateCsrf(formData: FormData, headers: Headers) {
  const refused = () => new Response("errors.csrf", { status: 403, statusText: "CSRF" });
  const sessionId = await getSessionId(headers);
  if (sessionId) {
    const given = formData.get("csrf");
    if (typeof given !== "string" || !sameToken(given, sessionCsrfToken(sessionId))) throw refused();
    return;
  }
  try {
    await csrf().validate(formData, headers);
  } catch (error) {
    if (error instanceof CSRFError) throw refused();
    throw error;
  }
}
