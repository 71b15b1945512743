import { stringify } from "csv-stringify/sync";
import { CAMPAIGN_DAYS } from "#models/reference/campaign-days";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName } from "#models/reference/provinces";
import { CERTIFICATE_TYPES } from "#models/reference/recognition";
import { THEMES } from "#models/reference/themes";
import type { Locale } from "../format";
import type { DashboardFigures, HonourRoll } from "./dashboard";

/**
 * The dashboard's tables as CSV (/transparency/totals.csv?by=…): the same numbers as the page, amounts as
 * plain whole đồng (no grouping, no symbol: what a spreadsheet reads as a number), names in the reader's
 * language. Quoted by csv-stringify (as the institutions' export, services/programme-finance.ts), CRLF
 * line ends; the route adds the byte-order mark so Excel reads UTF-8.
 */
export const CSV_TABLES = ["year", "month", "province", "type", "theme", "campaign-day", "programme", "honour"] as const;
export type CsvTable = (typeof CSV_TABLES)[number];

export function isCsvTable(value: unknown): value is CsvTable {
  return typeof value === "string" && (CSV_TABLES as readonly string[]).includes(value);
}

/** The header of each table's columns, in the reader's language (the route translates them). */
export type CsvHeaders = Record<CsvTable, string[]>;

type Named = { slug: string; vi: string; en: string };
const nameOf = (list: readonly Named[], slug: string, locale: Locale) => list.find((item) => item.slug === slug)?.[locale] ?? slug;

/** What the tables are made from: the figures (every table but the honour roll's) and the honour roll. */
export type CsvData = { figures: DashboardFigures | null; roll: HonourRoll | null };

/** The rows of one table (without its header). `anonymous`: how the anonymous benefactor is called. */
export function csvRows(table: CsvTable, data: CsvData, locale: Locale, anonymous: string): Array<Array<string | number>> {
  if (table === "honour") {
    const roll = data.roll;
    if (!roll) throw new Error("the honour roll's CSV needs the honour roll");
    return roll.tiers.flatMap((tier) => [
      ...tier.named.map((donor) => [roll.year, tier.name[locale], CERTIFICATE_TYPES[tier.type].title[locale], donor.name, 1]),
      ...(tier.anonymous > 0 ? [[roll.year, tier.name[locale], CERTIFICATE_TYPES[tier.type].title[locale], anonymous, tier.anonymous]] : []),
    ]);
  }
  const figures = data.figures;
  if (!figures) throw new Error(`the ${table} CSV needs the dashboard's figures`);
  switch (table) {
    case "year":
      return figures.byYear.map((row) => [row.year, row.total, row.gifts, row.spent]);
    case "month":
      return figures.byMonth.map((row) => [row.month, row.total, row.gifts, row.spent]);
    case "province":
      return figures.byProvince.map((row) => [row.slug, provinceName(row.slug) ?? row.slug, row.total, row.gifts, row.spent]);
    case "type":
      return figures.byType.map((row) => [row.slug, nameOf(INSTITUTION_TYPES, row.slug, locale), row.received, row.programmes, row.spent]);
    case "theme":
      return figures.byTheme.map((row) => [row.slug, nameOf(THEMES, row.slug, locale), row.received, row.programmes, row.spent]);
    case "campaign-day":
      return figures.byCampaignDay.map((row) => [row.slug, nameOf(CAMPAIGN_DAYS, row.slug, locale), row.received, row.programmes, row.spent]);
    case "programme":
      return figures.topProgrammes.map((row, i) => [i + 1, row.title, row.institutionName, provinceName(row.provinceSlug) ?? row.provinceSlug, row.received, row.goal, `/programmes/${row.slug}`]);
  }
}

/** One table as CSV text (header first), without the byte-order mark. */
export function dashboardCsv(table: CsvTable, headers: CsvHeaders, data: CsvData, locale: Locale, anonymous: string): string {
  return stringify([headers[table], ...csvRows(table, data, locale, anonymous)], { record_delimiter: "windows" });
}
