/**
 * The public catalogue: search, filter, sort and paginate public programmes; a programme's public
 * page (progress, in-kind needs covered, ledger with donors shown only as they consented); an
 * institution's public page; the home page's figures. Plain TypeScript: routes call these. Lists,
 * counts and figures come from this instance's in-memory index (services/catalogue-index.ts, decision
 * 0012), which holds public programmes only; single records come from models/catalogue.server.ts by key.
 */
import {
  findLedgerDonations,
  findPublicBankDetails,
  findPublicInstitutionBySlug,
  findPublicProgrammeBySlug,
  pledgedInKindQuantities,
  type LedgerDonationRow,
  type ProgrammeCardRow,
  type ProgrammeDetailRow,
  type PublicInstitutionRow,
} from "#models/catalogue.server";
import { currentCatalogueIndex, type IndexCriteria, type Segment } from "./catalogue-index";
import { pledgedInKindOfProgramme, recentGiftsOfProgramme } from "./money/projections";
import { findBankByBin } from "#models/reference/banks";
import { nextCampaignDay, type CampaignDaySlug } from "#models/reference/campaign-days";
import { PROVINCES, type ProvinceSlug } from "#models/reference/provinces";
import { toSearchText } from "./text";
import { DAY_MS, startOfVietnamDay } from "./calendar";
import { CATALOGUE_PAGE_SIZE, parseCatalogueQuery, searchWords, type CatalogueFilterKey, type CatalogueQuery } from "./validation/catalogue";

export { startOfVietnamDay };

/** Escapes every regex metacharacter, so "(.*" is searched for literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Search words (diacritics-free, lower-case) as escaped regex sources: each must match, in any order. */
export function searchPatterns(q: string): string[] {
  return searchWords(q).map(escapeRegExp);
}

/** Whole days from today (Vietnam) to a programme's last day; 0 on the last day itself, negative once over. */
export function daysLeft(endDate: Date, now: Date): number {
  return Math.round((startOfVietnamDay(endDate).getTime() - startOfVietnamDay(now).getTime()) / DAY_MS);
}

/**
 * Whether a programme takes pledges at `now`: it is open and its end day (a calendar day in
 * Asia/Ho_Chi_Minh) is not over — pledges are accepted through the whole end day. An open programme
 * past its end date is closed for pledges everywhere, automatically, without anyone changing it.
 */
export function isAcceptingPledges(programme: { state: string; endDate: Date | string }, now: Date = new Date()): boolean {
  return programme.state === "open" && daysLeft(new Date(programme.endDate), now) >= 0;
}

/** The state the public sees: "closed" also for an open programme whose end day is over. */
export function publicState<S extends string>(programme: { state: S; endDate: Date | string }, now: Date = new Date()): S | "closed" {
  return programme.state === "open" && !isAcceptingPledges(programme, now) ? "closed" : programme.state;
}

export type ProgrammeCard = ProgrammeCardRow & { daysLeft: number };

function withDaysLeft(now: Date) {
  return (row: ProgrammeCardRow): ProgrammeCard => ({ ...row, state: publicState(row, now), daysLeft: daysLeft(row.endDate, now) });
}

export function criteriaOf(query: CatalogueQuery, now: Date = new Date()): IndexCriteria {
  return {
    today: startOfVietnamDay(now),
    q: query.q,
    provinceSlug: query.province,
    institutionType: query.type,
    theme: query.theme,
    campaignDay: query.day,
    state: query.state,
  };
}

export type CatalogueResult = {
  query: CatalogueQuery;
  ignored: CatalogueFilterKey[];
  items: ProgrammeCard[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
};

/** The runs of the list for a sort: "closing soon" is those not ended yet (soonest first), then those over (most recently ended first). */
function segmentsOf(sort: CatalogueQuery["sort"]): Segment[] {
  if (sort === "closing-soon")
    return [
      { sort: "ending-first", ends: "on-or-after-today" },
      { sort: "ending-last", ends: "before-today" },
    ];
  return [{ sort: sort === "most-needed" ? "most-needed" : "newest" }];
}

/**
 * One page of the catalogue, with the exact total, from the index. A search lists the programmes
 * whose title has every word first, then those that needed the institution's name, then the
 * province, then the summary, then those found only through a typo; within each, the chosen order.
 * "Closing soon" lists programmes that have not ended yet by end date (soonest first), then those
 * already over (most recently ended first). Pagination runs across all of them.
 */
export async function searchCatalogue(query: CatalogueQuery, now: Date = new Date(), pageSize = CATALOGUE_PAGE_SIZE): Promise<Omit<CatalogueResult, "ignored">> {
  const index = await currentCatalogueIndex();
  const skip = (query.page - 1) * pageSize;
  const { items, total } = index.page(criteriaOf(query, now), segmentsOf(query.sort), skip, pageSize);
  return {
    query,
    items: items.map(withDaysLeft(now)),
    total,
    page: query.page,
    pageSize,
    pageCount: Math.ceil(total / pageSize),
  };
}

/** The catalogue page from its address's search params (never throws on bad input). */
export async function catalogueFromSearchParams(params: URLSearchParams, now: Date = new Date()): Promise<CatalogueResult> {
  const { query, ignored } = parseCatalogueQuery(params);
  return { ...(await searchCatalogue(query, now)), ignored };
}

// ——— Programme page ———

export type InKindNeedView = { item: string; unit: string; quantity: number; unitValue: number; covered: number; received: number };

/** Who is shown for a gift: a name only with consent (and never after erasure); the amount unless hidden. */
export type LedgerEntryView = {
  id: string;
  receivedAt: Date;
  method: string;
  /** null = shown as the anonymous benefactor ("Nhà hảo tâm"). */
  donorName: string | null;
  /** null = the donor chose to show their name but not the amount. */
  amount: number | null;
};

/**
 * Applies a donor's consent to one received gift (domain.md §8, Law 91/2025/QH15):
 * - anonymous, an erased donor, or an individual without an active recorded consent (an offline
 *   gift from a person has none) → the anonymous benefactor, amount shown;
 * - name_only → the name, amount hidden; name_and_amount → both.
 * Company names are not personal data, so an organisation is named unless it chose to be anonymous —
 * an offline gift from a company (no recorded choice) shows its name and amount.
 */
export function publicLedgerEntry(row: LedgerDonationRow): LedgerEntryView {
  const base = { id: row.id, receivedAt: row.receivedAt, method: row.method };
  const named =
    row.visibility !== "anonymous" &&
    row.donor !== null &&
    !row.donor.erased &&
    Boolean(row.donor.name) &&
    (row.donor.kind === "organisation" || (row.visibility !== null && row.consentActive));
  if (!named) return { ...base, donorName: null, amount: row.amount };
  return { ...base, donorName: row.donor!.name, amount: row.visibility === "name_only" ? null : row.amount };
}

type ItemCount = { item: string; quantity: number };

/** Quantities per item name, matched ignoring case and diacritics. */
function quantitiesByName(rows: ItemCount[]): Map<string, number> {
  const byName = new Map<string, number>();
  for (const row of rows) {
    const key = toSearchText(row.item);
    byName.set(key, (byName.get(key) ?? 0) + row.quantity);
  }
  return byName;
}

/**
 * In-kind needs with how many of each are covered by pledges and how many were received (in-kind gifts on
 * the books, decision 0042), matched by item name ignoring case and diacritics.
 */
export function coverInKindNeeds(needs: ProgrammeDetailRow["inKindNeeds"], pledged: ItemCount[], received: ItemCount[] = []): InKindNeedView[] {
  const pledgedBy = quantitiesByName(pledged);
  const receivedBy = quantitiesByName(received);
  return needs.map((need) => ({ ...need, covered: pledgedBy.get(toSearchText(need.item)) ?? 0, received: receivedBy.get(toSearchText(need.item)) ?? 0 }));
}

/** Goods received that no need names (given anyway), summed by name as above. */
export function goodsBeyondNeeds(needs: ProgrammeDetailRow["inKindNeeds"], received: ItemCount[]): ItemCount[] {
  const named = new Set(needs.map((need) => toSearchText(need.item)));
  const others = new Map<string, ItemCount>();
  for (const row of received) {
    const key = toSearchText(row.item);
    if (named.has(key)) continue;
    const kept = others.get(key);
    if (kept) kept.quantity += row.quantity;
    else others.set(key, { item: row.item, quantity: row.quantity });
  }
  return [...others.values()];
}

export type ProgrammePage = {
  programme: ProgrammeDetailRow & { daysLeft: number };
  inKindNeeds: InKindNeedView[];
  /** Goods received that no need names. */
  otherGoods: ItemCount[];
  ledger: { entries: LedgerEntryView[]; total: number };
};

/** A public programme's page, or null when it is not public (unknown, draft, institution not approved). */
export async function getProgrammePage(slug: string, now: Date = new Date()): Promise<ProgrammePage | null> {
  const programme = await findPublicProgrammeBySlug(slug);
  if (!programme) return null;
  // Goods pledged and the latest gifts, as the books keep them by `_id` (services/money/projections.ts); the
  // queries over pledges and donations only for a database from before they were kept.
  const [pledged, [received, goods, ledger]] = await Promise.all([
    programme.inKindNeeds.length > 0 ? pledgedInKindOfProgramme(programme.id).then((kept) => kept ?? pledgedInKindQuantities(programme.id)) : Promise.resolve([]),
    recentGiftsOfProgramme(programme.id).then(async (kept) => [kept?.received, kept?.goods ?? [], await findLedgerDonations(programme.id, 50, kept)] as const),
  ]);
  // Money in as the books have it now (the programme's stored copy follows a moment after a gift).
  const receivedTotal = received ?? programme.receivedTotal;
  return {
    programme: { ...programme, receivedTotal, remainingNeed: Math.max(0, programme.goal - receivedTotal), state: publicState(programme, now), daysLeft: daysLeft(programme.endDate, now) },
    inKindNeeds: coverInKindNeeds(programme.inKindNeeds, pledged, goods),
    otherGoods: goodsBeyondNeeds(programme.inKindNeeds, goods),
    ledger: { entries: ledger.rows.map(publicLedgerEntry), total: ledger.total },
  };
}

export type PledgePlaceholderPage = {
  programme: Pick<ProgrammeDetailRow, "slug" | "title" | "state" | "institutionName" | "institutionSlug" | "inKindNeeds">;
  bank: { institutionName: string; bankShortName: string | null; bankName: string | null; bankBin: string; accountNumber: string; accountName: string } | null;
};

/**
 * The pledge page's programme (public only) and its institution's bank account. Its state is the
 * public one: an open programme past its end day is reported "closed" (see isAcceptingPledges).
 */
export async function getPledgePlaceholder(slug: string, now: Date = new Date()): Promise<PledgePlaceholderPage | null> {
  const programme = await findPublicProgrammeBySlug(slug);
  if (!programme) return null;
  const bank = await findPublicBankDetails(programme.institutionId);
  const known = bank ? findBankByBin(bank.bankBin) : undefined;
  return {
    programme: { slug: programme.slug, title: programme.title, state: publicState(programme, now), institutionName: programme.institutionName, institutionSlug: programme.institutionSlug, inKindNeeds: programme.inKindNeeds },
    bank: bank ? { ...bank, bankShortName: known?.shortName ?? null, bankName: known?.name ?? null } : null,
  };
}

// ——— Institution page ———

export const INSTITUTION_PAGE_PROGRAMMES = 48;

export type InstitutionPage = { institution: PublicInstitutionRow; programmes: ProgrammeCard[]; programmeCount: number };

/** An approved institution and its public programmes (open ones first, then closed), or null. */
export async function getInstitutionPage(slug: string, now: Date = new Date()): Promise<InstitutionPage | null> {
  const [institution, index] = await Promise.all([findPublicInstitutionBySlug(slug), currentCatalogueIndex()]);
  if (!institution) return null;
  const today = startOfVietnamDay(now);
  const base = { today, institutionId: institution.id };
  const open = index.page({ ...base, state: "open" }, [{ sort: "newest" }], 0, INSTITUTION_PAGE_PROGRAMMES).items;
  const closed = index.page({ ...base, state: "closed" }, [{ sort: "ending-last" }], 0, INSTITUTION_PAGE_PROGRAMMES).items;
  const programmeCount = index.count({ ...base, state: "all" });
  return { institution, programmes: [...open, ...closed].slice(0, INSTITUTION_PAGE_PROGRAMMES).map(withDaysLeft(now)), programmeCount };
}

// ——— Home page ———

export const HOME_CAMPAIGN_PROGRAMMES = 6;

export type HomeCatalogue = {
  totals: { institutions: number; programmes: number; received: number };
  campaign: {
    slug: CampaignDaySlug;
    date: Date;
    endDate: Date;
    daysUntil: number;
    programmes: ProgrammeCard[];
    /** True when no open programme is tied to that day, and the newest open ones are shown instead. */
    fallback: boolean;
  };
  provinces: Array<{ slug: ProvinceSlug; count: number }>;
};

export async function getHomeCatalogue(now: Date = new Date()): Promise<HomeCatalogue> {
  const next = nextCampaignDay(now);
  const today = startOfVietnamDay(now);
  const index = await currentCatalogueIndex();
  // Every figure counts what the catalogue lists: "open" means taking pledges today.
  const figures = index.figures(today);
  const newestOpen = (campaignDay?: string) => index.page({ today, state: "open", campaignDay }, [{ sort: "newest" }], 0, HOME_CAMPAIGN_PROGRAMMES).items;
  const tied = newestOpen(next.campaignDay.slug);
  const fallback = tied.length === 0;
  const programmes = fallback ? newestOpen() : tied;
  return {
    totals: { institutions: figures.institutions, programmes: figures.open, received: figures.received },
    campaign: {
      slug: next.campaignDay.slug,
      date: next.date,
      endDate: next.endDate,
      daysUntil: Math.max(0, daysLeft(next.date, now)),
      programmes: programmes.map(withDaysLeft(now)),
      fallback,
    },
    // Provinces that have programmes taking pledges today, in the reference list's order.
    provinces: PROVINCES.flatMap((p) => {
      const count = figures.openByProvince.get(p.slug) ?? 0;
      return count > 0 ? [{ slug: p.slug, count }] : [];
    }),
  };
}
