/**
 * The public catalogue: search, filter, sort and paginate public programmes; a programme's public
 * page (progress, in-kind needs covered, ledger with donors shown only as they consented); an
 * institution's public page; the home page's figures. Plain TypeScript: routes call these, these call
 * models/catalogue.server.ts (which applies the visibility rule on every read).
 */
import {
  countApprovedInstitutions,
  countPublicProgrammes,
  findLedgerDonations,
  findPublicBankDetails,
  findPublicInstitutionBySlug,
  findPublicProgrammeBySlug,
  findPublicProgrammes,
  openProgrammeCountsByProvince,
  pledgedInKindQuantities,
  publicProgrammeTotals,
  type LedgerDonationRow,
  type ProgrammeCardRow,
  type ProgrammeCriteria,
  type ProgrammeDetailRow,
  type PublicInstitutionRow,
} from "#models/catalogue.server";
import { findBankByBin } from "#models/reference/banks";
import { nextCampaignDay, type CampaignDaySlug } from "#models/reference/campaign-days";
import { PROVINCES, type ProvinceSlug } from "#models/reference/provinces";
import { toSearchText } from "./text";
import { CATALOGUE_PAGE_SIZE, parseCatalogueQuery, searchWords, type CatalogueFilterKey, type CatalogueQuery } from "./validation/catalogue";

const DAY_MS = 24 * 60 * 60 * 1000;
const VN_OFFSET_MS = 7 * 60 * 60 * 1000;

/** 00:00 in Asia/Ho_Chi_Minh on `now`'s calendar day, as an instant. */
export function startOfVietnamDay(now: Date): Date {
  const local = now.getTime() + VN_OFFSET_MS;
  return new Date(Math.floor(local / DAY_MS) * DAY_MS - VN_OFFSET_MS);
}

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

export type ProgrammeCard = ProgrammeCardRow & { daysLeft: number };

function withDaysLeft(now: Date) {
  return (row: ProgrammeCardRow): ProgrammeCard => ({ ...row, daysLeft: daysLeft(row.endDate, now) });
}

export function criteriaOf(query: CatalogueQuery): ProgrammeCriteria {
  return {
    searchPatterns: searchPatterns(query.q),
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

/**
 * One page of the catalogue. "Closing soon" lists programmes that have not ended yet by end date
 * (soonest first), then those already over (most recently ended first), paginated across both.
 */
export async function searchCatalogue(query: CatalogueQuery, now: Date = new Date(), pageSize = CATALOGUE_PAGE_SIZE): Promise<Omit<CatalogueResult, "ignored">> {
  const criteria = criteriaOf(query);
  const skip = (query.page - 1) * pageSize;
  let items: ProgrammeCardRow[];
  let total: number;
  if (query.sort === "closing-soon") {
    const today = startOfVietnamDay(now);
    const running = { ...criteria, endsOnOrAfter: today };
    const ended = { ...criteria, endsBefore: today };
    const [runningCount, endedCount] = await Promise.all([countPublicProgrammes(running), countPublicProgrammes(ended)]);
    total = runningCount + endedCount;
    const fromRunning = Math.max(0, Math.min(pageSize, runningCount - skip));
    const [first, second] = await Promise.all([
      fromRunning > 0 ? findPublicProgrammes(running, { sort: "ending-first", skip, limit: fromRunning }) : [],
      pageSize - fromRunning > 0 && endedCount > 0
        ? findPublicProgrammes(ended, { sort: "ending-last", skip: Math.max(0, skip - runningCount), limit: pageSize - fromRunning })
        : [],
    ]);
    items = [...first, ...second];
  } else {
    [total, items] = await Promise.all([
      countPublicProgrammes(criteria),
      findPublicProgrammes(criteria, { sort: query.sort === "most-needed" ? "most-needed" : "newest", skip, limit: pageSize }),
    ]);
  }
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

export type InKindNeedView = { item: string; unit: string; quantity: number; unitValue: number; covered: number };

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
 * - no pledge (an offline gift with no recorded choice), anonymous, an erased donor, or an
 *   individual without active consent → the anonymous benefactor, amount shown;
 * - name_only → the name, amount hidden; name_and_amount → both.
 * Company names are not personal data, so an organisation needs only its visibility choice.
 */
export function publicLedgerEntry(row: LedgerDonationRow): LedgerEntryView {
  const base = { id: row.id, receivedAt: row.receivedAt, method: row.method };
  const named =
    row.visibility !== null &&
    row.visibility !== "anonymous" &&
    row.donor !== null &&
    !row.donor.erased &&
    Boolean(row.donor.name) &&
    (row.donor.kind === "organisation" || row.consentActive);
  if (!named) return { ...base, donorName: null, amount: row.amount };
  return { ...base, donorName: row.donor!.name, amount: row.visibility === "name_and_amount" ? row.amount : null };
}

/** In-kind needs with how many of each are covered by pledges (matched by item name, ignoring case and diacritics). */
export function coverInKindNeeds(needs: ProgrammeDetailRow["inKindNeeds"], pledged: Array<{ item: string; quantity: number }>): InKindNeedView[] {
  const byName = new Map<string, number>();
  for (const row of pledged) {
    const key = toSearchText(row.item);
    byName.set(key, (byName.get(key) ?? 0) + row.quantity);
  }
  return needs.map((need) => ({ ...need, covered: byName.get(toSearchText(need.item)) ?? 0 }));
}

export type ProgrammePage = {
  programme: ProgrammeDetailRow & { daysLeft: number };
  inKindNeeds: InKindNeedView[];
  ledger: { entries: LedgerEntryView[]; total: number };
};

/** A public programme's page, or null when it is not public (unknown, draft, institution not approved). */
export async function getProgrammePage(slug: string, now: Date = new Date()): Promise<ProgrammePage | null> {
  const programme = await findPublicProgrammeBySlug(slug);
  if (!programme) return null;
  const [pledged, ledger] = await Promise.all([
    programme.inKindNeeds.length > 0 ? pledgedInKindQuantities(programme.id) : Promise.resolve([]),
    findLedgerDonations(programme.id, 50),
  ]);
  return {
    programme: { ...programme, daysLeft: daysLeft(programme.endDate, now) },
    inKindNeeds: coverInKindNeeds(programme.inKindNeeds, pledged),
    ledger: { entries: ledger.rows.map(publicLedgerEntry), total: ledger.total },
  };
}

export type PledgePlaceholderPage = {
  programme: Pick<ProgrammeDetailRow, "slug" | "title" | "state" | "institutionName" | "institutionSlug" | "inKindNeeds">;
  bank: { institutionName: string; bankShortName: string | null; bankName: string | null; bankBin: string; accountNumber: string; accountName: string } | null;
};

/** The "pledge support" placeholder: the programme (public only) and its institution's bank account. */
export async function getPledgePlaceholder(slug: string): Promise<PledgePlaceholderPage | null> {
  const programme = await findPublicProgrammeBySlug(slug);
  if (!programme) return null;
  const bank = await findPublicBankDetails(programme.institutionId);
  const known = bank ? findBankByBin(bank.bankBin) : undefined;
  return {
    programme: { slug: programme.slug, title: programme.title, state: programme.state, institutionName: programme.institutionName, institutionSlug: programme.institutionSlug, inKindNeeds: programme.inKindNeeds },
    bank: bank ? { ...bank, bankShortName: known?.shortName ?? null, bankName: known?.name ?? null } : null,
  };
}

// ——— Institution page ———

export const INSTITUTION_PAGE_PROGRAMMES = 48;

export type InstitutionPage = { institution: PublicInstitutionRow; programmes: ProgrammeCard[]; programmeCount: number };

/** An approved institution and its public programmes (open ones first, then closed), or null. */
export async function getInstitutionPage(slug: string, now: Date = new Date()): Promise<InstitutionPage | null> {
  const institution = await findPublicInstitutionBySlug(slug);
  if (!institution) return null;
  const [open, closed, programmeCount] = await Promise.all([
    findPublicProgrammes({ institutionId: institution.id, state: "open" }, { sort: "newest", limit: INSTITUTION_PAGE_PROGRAMMES }),
    findPublicProgrammes({ institutionId: institution.id, state: "closed" }, { sort: "ending-last", limit: INSTITUTION_PAGE_PROGRAMMES }),
    countPublicProgrammes({ institutionId: institution.id }),
  ]);
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
  const [institutions, totals, tied, provinceCounts] = await Promise.all([
    countApprovedInstitutions(),
    publicProgrammeTotals(),
    findPublicProgrammes({ state: "open", campaignDay: next.campaignDay.slug }, { sort: "newest", limit: HOME_CAMPAIGN_PROGRAMMES }),
    openProgrammeCountsByProvince(),
  ]);
  const fallback = tied.length === 0;
  const programmes = fallback ? await findPublicProgrammes({ state: "open" }, { sort: "newest", limit: HOME_CAMPAIGN_PROGRAMMES }) : tied;
  const order = new Map<string, number>(PROVINCES.map((p, index) => [p.slug, index]));
  return {
    totals: { institutions, programmes: totals.programmes, received: totals.received },
    campaign: {
      slug: next.campaignDay.slug,
      date: next.date,
      endDate: next.endDate,
      daysUntil: Math.max(0, daysLeft(next.date, now)),
      programmes: programmes.map(withDaysLeft(now)),
      fallback,
    },
    provinces: provinceCounts
      .filter((row) => order.has(row.provinceSlug))
      .sort((a, b) => order.get(a.provinceSlug)! - order.get(b.provinceSlug)!)
      .map((row) => ({ slug: row.provinceSlug, count: row.count })),
  };
}
