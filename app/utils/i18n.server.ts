import { createCookie } from "@remix-run/node";
import { createInstance, type TFunction } from "i18next";
import { RemixI18Next } from "remix-i18next/server";
import { DEFAULT_LANGUAGE, i18nConfig, SUPPORTED_LANGUAGES, type Language } from "~/i18n";
import { env } from "./env.server";

/** The language choice, remembered for a year. Vietnamese unless the reader chose English. */
export const languageCookie = createCookie("lng", {
  path: "/",
  sameSite: "lax",
  httpOnly: true,
  maxAge: 60 * 60 * 24 * 365,
});

const remixI18next = new RemixI18Next({
  detection: {
    supportedLanguages: [...SUPPORTED_LANGUAGES],
    fallbackLanguage: DEFAULT_LANGUAGE,
    cookie: languageCookie,
    // ?lng=en makes a shared link open in English; otherwise the cookie; otherwise Vietnamese.
    order: ["searchParams", "cookie"],
  },
  i18next: { ...i18nConfig },
});

export async function getLanguage(request: Request): Promise<Language> {
  return (await remixI18next.getLocale(request)) as Language;
}

/** A translation function for server-side messages (validation errors, toasts, PDFs). */
export async function getFixedT(request: Request | Language): Promise<TFunction> {
  const lng = typeof request === "string" ? request : await getLanguage(request);
  const instance = createInstance();
  await instance.init({ ...i18nConfig, lng });
  return instance.getFixedT(lng, "common");
}

export async function serializeLanguageCookie(language: Language) {
  return languageCookie.serialize(language, { secure: env().NODE_ENV === "production" && !isLocalUrl(env().APP_URL) });
}

/** http://localhost is a local demo: browsers accept Secure cookies there, but only some do over plain http. */
export function isLocalUrl(url: string) {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && (hostname === "localhost" || hostname === "127.0.0.1");
}
