// The package's own entry without its Node wrapper (which requires every language, 80 files, by a computed name).
import countries from "i18n-iso-countries/index";

/** The platform's own country: its organisations carry a Vietnamese tax code, its gifts are domestic. */
export const HOME_COUNTRY = "VN";

/** An ISO 3166-1 alpha-2 code ("VN", "JP"), upper case. */
export function isCountryCode(value: unknown): value is string {
  return typeof value === "string" && /^[A-Z]{2}$/.test(value) && countries.isValid(value);
}

/**
 * An organisation's registration or tax number in its own country, as its papers write it
 * ("5010405001703", "HRB 12345", "UEN 201912345K"): letters, digits, spaces and . / - only. No check
 * digit is applied — each country has its own scheme; a Vietnamese organisation's tax code is checked.
 */
export const REGISTRATION_NUMBER_SHAPE = /^[\p{L}\p{N}][\p{L}\p{N} ./-]{1,39}$/u;

/** The same number however it was spaced or punctuated ("50-1040 5001703" and "5010405001703"): the donor's key. */
export function normalisedRegistrationNumber(value: string): string {
  return value.normalize("NFKC").toUpperCase().replace(/[\s./-]/g, "");
}
