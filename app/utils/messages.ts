import type { i18n as I18n, TFunction } from "i18next";
import { formatVnd } from "#services/format";
import { parseMessage } from "#services/validation/messages";

/**
 * A validation or service message (a translation key, optionally with parameters — see
 * services/validation/messages.ts) in the reader's language. Anything that is not a known key —
 * a library's own text that slipped through — is shown as the generic "invalid" message, so no raw
 * English text from a library ever reaches a page.
 */
export function translateMessage(t: TFunction, i18n: Pick<I18n, "exists" | "language">, message: string | null | undefined): string {
  if (!message) return "";
  const { key, params } = parseMessage(message);
  if (!i18n.exists(key)) return t("validation.invalid");
  const lang = i18n.language === "en" ? "en" : "vi";
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) {
    // Amounts travel as whole đồng and are formatted for the reader ("maxVnd" → 100.000.000.000 ₫).
    values[name] = name.endsWith("Vnd") && typeof value === "number" ? formatVnd(value, lang) : value;
  }
  return t(key, values);
}
