import { createCookie } from "@remix-run/node";
import { createInstance, type i18n as I18n, type TFunction } from "i18next";
import { initReactI18next } from "react-i18next";
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

const instances = new Map<Language, Promise<I18n>>();

/**
 * One i18next instance per language, made once per process and shared by every request in that
 * language (its language never changes, and rendering only reads it). Building one reads every
 * namespace's messages: ~2–3 ms, twice a page before (the render, and a loader's getFixedT).
 */
export function i18nInstance(lng: Language): Promise<I18n> {
  let instance = instances.get(lng);
  if (!instance) {
    const created = createInstance().use(initReactI18next);
    instance = created.init({ ...i18nConfig, lng }).then(() => created);
    instance.catch(() => instances.delete(lng));
    instances.set(lng, instance);
  }
  return instance;
}

/** A translation function for server-side messages (validation errors, toasts, PDFs). */
export async function getFixedT(request: Request | Language): Promise<TFunction> {
  const lng = typeof request === "string" ? request : await getLanguage(request);
  return (await i18nInstance(lng)).getFixedT(lng, "common");
}

export async function serializeLanguageCookie(language: Language) {
  return languageCookie.serialize(language, { secure: env().NODE_ENV === "production" && !isLocalUrl(env().APP_URL) });
}

/** http://localhost is a local demo: browsers accept Secure cookies there, but only some do over plain http. */
export function isLocalUrl(url: string) {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && (hostname === "localhost" || hostname === "127.0.0.1");
}
