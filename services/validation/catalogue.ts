import { z } from "zod";
import { CAMPAIGN_DAY_SLUGS } from "#models/reference/campaign-days";
import { INSTITUTION_TYPE_SLUGS } from "#models/reference/institution-types";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { THEME_SLUGS } from "#models/reference/themes";
import { toSearchText } from "#services/text";

/**
 * The public catalogue's address bar, as a zod schema: `/programmes?q=thu+vien+so&province=ha-noi&
 * type=library&theme=reading-culture&day=book-reading-day&state=open&sort=newest&page=2`.
 * Plain TypeScript with no database access, so the browser bundle may use it too (links, forms).
 */
export const CATALOGUE_PAGE_SIZE = 12;
/** The furthest page anyone can ask for; beyond it the page number is clamped (bounded skip). */
export const CATALOGUE_MAX_PAGE = 1000;
export const CATALOGUE_QUERY_MAX_LENGTH = 100;
/** At most this many words of a search are used (each one is a regex condition). */
export const CATALOGUE_MAX_WORDS = 8;

export const CATALOGUE_STATES = ["open", "closed", "all"] as const;
export type CatalogueState = (typeof CATALOGUE_STATES)[number];
export const CATALOGUE_SORTS = ["newest", "closing-soon", "most-needed"] as const;
export type CatalogueSort = (typeof CATALOGUE_SORTS)[number];

/** The filters that may be carried in the address; every other parameter is left alone. */
export const CATALOGUE_FILTER_KEYS = ["q", "province", "type", "theme", "day", "state", "sort"] as const;
export type CatalogueFilterKey = (typeof CATALOGUE_FILTER_KEYS)[number];

export const catalogueQuerySchema = z.object({
  q: z
    .string()
    .transform((value) => value.replace(/\s+/g, " ").trim().slice(0, CATALOGUE_QUERY_MAX_LENGTH))
    .default(""),
  province: z.enum(PROVINCE_SLUGS).optional(),
  type: z.enum(INSTITUTION_TYPE_SLUGS).optional(),
  theme: z.enum(THEME_SLUGS).optional(),
  day: z.enum(CAMPAIGN_DAY_SLUGS).optional(),
  state: z.enum(CATALOGUE_STATES).default("open"),
  sort: z.enum(CATALOGUE_SORTS).default("newest"),
  // "abc", "0", "-3", "2.5" → page 1; a huge number is clamped so the skip stays bounded.
  page: z.coerce
    .number()
    .int()
    .min(1)
    .transform((page) => Math.min(page, CATALOGUE_MAX_PAGE))
    .catch(1)
    .default(1),
});

export type CatalogueQuery = z.output<typeof catalogueQuerySchema>;

export type ParsedCatalogueQuery = {
  query: CatalogueQuery;
  /** Filters whose value was not recognised and so were ignored (e.g. `province=atlantis`). */
  ignored: CatalogueFilterKey[];
};

/**
 * Reads the catalogue's filters from search params. Never throws: an empty value means "any", an
 * unknown value is dropped (and named in `ignored` so the page can say so), a bad page is page 1.
 */
export function parseCatalogueQuery(params: URLSearchParams): ParsedCatalogueQuery {
  const raw: Record<string, string> = {};
  for (const key of [...CATALOGUE_FILTER_KEYS, "page"]) {
    const value = params.get(key);
    if (value !== null && value.trim() !== "") raw[key] = value.trim();
  }
  const ignored: CatalogueFilterKey[] = [];
  let result = catalogueQuerySchema.safeParse(raw);
  while (!result.success) {
    const bad = new Set(result.error.issues.map((issue) => String(issue.path[0])));
    for (const key of bad) {
      if (!(key in raw)) throw new Error(`catalogue query schema rejected a missing field: ${key}`);
      delete raw[key];
      if ((CATALOGUE_FILTER_KEYS as readonly string[]).includes(key)) ignored.push(key as CatalogueFilterKey);
    }
    result = catalogueQuerySchema.safeParse(raw);
  }
  return { query: result.data, ignored };
}

/**
 * The words of a search, as they are matched against Programme.searchText: without diacritics,
 * lower-case, at most CATALOGUE_MAX_WORDS of them.
 */
export function searchWords(q: string): string[] {
  return toSearchText(q).split(" ").filter(Boolean).slice(0, CATALOGUE_MAX_WORDS);
}

/** The address of a catalogue page: every filter that is set, then the page (omitted for page 1). */
export function catalogueHref(query: Partial<CatalogueQuery>, overrides: Partial<CatalogueQuery> = {}, extra: Record<string, string | null | undefined> = {}) {
  const merged = { ...query, ...overrides };
  const params = new URLSearchParams();
  for (const key of CATALOGUE_FILTER_KEYS) {
    const value = merged[key];
    if (value) params.set(key, String(value));
  }
  if (merged.page && merged.page > 1) params.set("page", String(merged.page));
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const search = params.toString();
  return search ? `/programmes?${search}` : "/programmes";
}
