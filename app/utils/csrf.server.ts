import { createCookie } from "@remix-run/node";
import { CSRF, CSRFError } from "remix-utils/csrf/server";
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

/** Double-submit token: a signed cookie and a hidden form field that must match on every mutation. */
export function csrf() {
  instance ??= new CSRF({
    cookie: csrfCookie(),
    formDataKey: "csrf",
    secret: env().SESSION_SECRET,
  });
  return instance;
}

/** Throws 403 when the form's token is missing or does not match its cookie. */
export async function validateCsrf(formData: FormData, headers: Headers) {
  try {
    await csrf().validate(formData, headers);
  } catch (error) {
    if (error instanceof CSRFError) throw new Response("errors.csrf", { status: 403, statusText: "CSRF" });
    throw error;
  }
}
