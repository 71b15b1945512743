// The package's own entry without its Node wrapper (which requires every language, 80 files, by a computed name).
import countries from "i18n-iso-countries/index";
import en from "i18n-iso-countries/langs/en.json";
import vi from "i18n-iso-countries/langs/vi.json";
import { HOME_COUNTRY, isCountryCode } from "./validation/country";

/**
 * Countries by their ISO 3166-1 alpha-2 code, named in the reader's language (i18n-iso-countries'
 * Vietnamese and English names). A donor's country decides what the pledge form asks (a Vietnamese
 * organisation's tax code, another country's registration number) and which reports count the gift as
 * domestic or international support.
 */
countries.registerLocale(vi);
countries.registerLocale(en);

export type Country = { code: string; name: string };

export function countryName(code: string | null | undefined, locale: "vi" | "en"): string {
  const value = code || HOME_COUNTRY;
  return (isCountryCode(value) ? countries.getName(value, locale, { select: "official" }) : null) ?? value;
}

const optionCache = new Map<string, Country[]>();

/** Every country for a select: Việt Nam first, then by name in the reader's language. */
export function countryOptions(locale: "vi" | "en"): Country[] {
  const cached = optionCache.get(locale);
  if (cached) return cached;
  const collator = new Intl.Collator(locale === "en" ? "en-GB" : "vi-VN");
  const others = Object.keys(countries.getAlpha2Codes())
    .filter((code) => code !== HOME_COUNTRY)
    .map((code) => ({ code, name: countryName(code, locale) }))
    .sort((a, b) => collator.compare(a.name, b.name));
  const options = [{ code: HOME_COUNTRY, name: countryName(HOME_COUNTRY, locale) }, ...others];
  optionCache.set(locale, options);
  return options;
}
