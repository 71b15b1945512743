import { formatVnd } from "../format";

/**
 * Filling a citation template (pure: no database), shared by issuing (services/recognition/certificates.ts)
 * and the rules page's preview in the browser.
 */

export type CitationValues = { name: string; total: number; programmes: string; year: number; province: string };

/** A citation template filled in (the placeholders of services/validation/recognition.ts). */
export function fillCitation(template: string, values: CitationValues, locale: "vi" | "en"): string {
  const byName: Record<string, string> =
    locale === "vi"
      ? { tên: values.name, tổng: formatVnd(values.total, "vi"), "chương trình": values.programmes, năm: String(values.year), tỉnh: values.province }
      : { name: values.name, total: formatVnd(values.total, "en"), programmes: values.programmes, year: String(values.year), province: values.province };
  return template.replace(/\{([^{}]*)\}/g, (whole, key: string) => byName[key.trim()] ?? whole);
}
