import type { Types } from "mongoose";
import { Certificate, CertificateSerial, formatCertificateSerial } from "#models/certificate.server";
import { Donor } from "#models/donor.server";
import { Rollup, type InPeriod } from "#models/projection.server";
import { readById } from "#models/read-by-id";
import { CAMPAIGN_DAYS, type CampaignDaySlug } from "#models/reference/campaign-days";
import { INSTITUTION_TYPES, type InstitutionType } from "#models/reference/institution-types";
import { PROVINCE_SLUGS, type ProvinceSlug } from "#models/reference/provinces";
import { CERTIFICATE_TYPES, type CertificateType } from "#models/reference/recognition";
import { THEMES, type ThemeSlug } from "#models/reference/themes";
import { RecognitionRule } from "#models/recognition-rule.server";
import { startOfVietnamDay, vietnamDateInput } from "../calendar";
import { currentCatalogueIndex } from "../catalogue-index";
import { pledgesOfDonor, publicDonorName, type DonorRecord } from "../public-name";

/**
 * The platform's money at a glance (/transparency, issue 12): money received and spent by year, month,
 * province, institution type, theme and campaign day, the programmes that received most, and the honour roll.
 * Built per request from what is read by `_id` and from the catalogue's in-memory index — never from
 * the donations or the ledger (decision 0035):
 *   - the provinces' rollups (`province:<slug>`, services/money/projections.ts), one read by `_id`
 *     each, whole (its total and `months.YYYY-MM`): the nation, years and months are added up here —
 *     money out too (`spent`, per month, and per institution type, theme and campaign day of the programmes
 *     that spent: money out is rare, so its projection reads the programme's facets);
 *   - the catalogue's index (services/catalogue-index.ts): every public programme with its institution
 *     type, themes, campaign days and its copy of its received total — for type, theme, campaign day and
 *     the top programmes (the rollups are kept by province only: see the decision for why no new rollup);
 *   - the honour roll: the certificate register walked by serial (`_id`), each certificate, rule and
 *     donor by `_id`, and the donor's pledges through their account's key document.
 * Nothing is kept across requests: every instance answers the same from the same documents.
 */

/**
 * Money in: Σ of the entries of RECEIVED_KINDS (gifts less refunds and corrections, net, whole đồng) and how
 * many gifts; and money out beside it: `spent`, published expenditures less their reversals (positive).
 */
export type MoneyIn = { total: number; gifts: number; spent: number };
export type ProvinceRow = MoneyIn & { slug: ProvinceSlug };
export type YearRow = MoneyIn & { year: string };
export type MonthRow = MoneyIn & { month: string };
/** Received by the public programmes of one institution type, theme or campaign day (their copies of their totals). */
export type CatalogueRow<S extends string> = { slug: S; received: number; programmes: number; spent: number };
export type TopProgramme = { id: string; slug: string; title: string; institutionName: string; provinceSlug: string; institutionType: string; received: number; goal: number };

export type DashboardFigures = {
  /** The day the figures are for, in Vietnam (YYYY-MM-DD). */
  asOf: string;
  /** The nation: the provinces added up. */
  total: MoneyIn;
  /** Every year with money in, oldest first (Vietnam time, when received). */
  byYear: YearRow[];
  /** The last MONTHS_SHOWN months, oldest first, this month last (months with nothing: zero). */
  byMonth: MonthRow[];
  /** Every province, in the reference list's order (zeros included). */
  byProvince: ProvinceRow[];
  /** What the catalogue's copies add up to, over how many public programmes. */
  catalogue: { programmes: number; received: number };
  byType: Array<CatalogueRow<InstitutionType>>;
  /** A programme of several themes counts in each of them: this table does not add up to the total. */
  byTheme: Array<CatalogueRow<ThemeSlug>>;
  byCampaignDay: Array<CatalogueRow<CampaignDaySlug>>;
  /** The TOP_PROGRAMMES public programmes that received most (and received something). */
  topProgrammes: TopProgramme[];
};

export const MONTHS_SHOWN = 24;
export const TOP_PROGRAMMES = 10;

type Spent = Record<string, { spent?: number }>;
type ProvinceRollup = { total?: number; gifts?: number; months?: InPeriod; spent?: number; types?: Spent; themes?: Spent; days?: Spent };

/** The provinces' rollups, each read once by `_id` (no document: nothing counted there yet). */
async function provinceRollups(): Promise<Array<[ProvinceSlug, ProvinceRollup | null]>> {
  return Promise.all(PROVINCE_SLUGS.map(async (slug) => [slug, await readById<ProvinceRollup>(Rollup, `province:${slug}`, "total gifts months spent types themes days")] as [ProvinceSlug, ProvinceRollup | null]));
}

/** "2026-12" → the MONTHS_SHOWN months ending with it, oldest first. */
export function monthsEndingWith(month: string, count = MONTHS_SHOWN): string[] {
  const [year, m] = month.split("-").map(Number) as [number, number];
  const months: string[] = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    const index = year * 12 + (m - 1) - i;
    months.push(`${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`);
  }
  return months;
}

const add = (into: MoneyIn, period: { total?: number; gifts?: number; spent?: number } | undefined) => {
  into.total += period?.total ?? 0;
  into.gifts += period?.gifts ?? 0;
  into.spent += period?.spent ?? 0;
};
const nothing = (): MoneyIn => ({ total: 0, gifts: 0, spent: 0 });

/** The dashboard's figures as of `now`. */
export async function dashboardFigures(now = new Date()): Promise<DashboardFigures> {
  const asOf = vietnamDateInput(now);
  const [rollups, index] = await Promise.all([provinceRollups(), currentCatalogueIndex()]);

  const total = nothing();
  const years = new Map<string, MoneyIn>();
  const months = new Map<string, MoneyIn>();
  const byProvince: ProvinceRow[] = [];
  // Money out by the programmes' facets, added up over the provinces (each province's rollup splits its own).
  const spentBy = { types: new Map<string, number>(), themes: new Map<string, number>(), days: new Map<string, number>() };
  for (const [slug, doc] of rollups) {
    const row: ProvinceRow = { slug, total: doc?.total ?? 0, gifts: doc?.gifts ?? 0, spent: doc?.spent ?? 0 };
    byProvince.push(row);
    add(total, row);
    for (const [month, period] of Object.entries(doc?.months ?? {})) {
      const year = month.slice(0, 4);
      if (!years.has(year)) years.set(year, nothing());
      add(years.get(year)!, period);
      if (!months.has(month)) months.set(month, nothing());
      add(months.get(month)!, period);
    }
    for (const facet of ["types", "themes", "days"] as const) {
      for (const [key, value] of Object.entries(doc?.[facet] ?? {})) spentBy[facet].set(key, (spentBy[facet].get(key) ?? 0) + (value.spent ?? 0));
    }
  }
  const byYear = [...years].sort(([a], [b]) => a.localeCompare(b)).map(([year, sum]) => ({ year, ...sum }));
  const byMonth = monthsEndingWith(asOf.slice(0, 7)).map((month) => ({ month, ...(months.get(month) ?? nothing()) }));

  // Every public programme (open or closed; never a draft), as the catalogue's index holds it.
  const { items: cards } = index.page({ today: startOfVietnamDay(now), state: "all" }, [{ sort: "newest" }], 0, Number.MAX_SAFE_INTEGER);
  const tally = <S extends string>(slugs: readonly S[], of: (card: (typeof cards)[number]) => readonly string[], spent: Map<string, number>) => {
    const rows = new Map<string, CatalogueRow<S>>(slugs.map((slug) => [slug, { slug, received: 0, programmes: 0, spent: spent.get(slug) ?? 0 }]));
    for (const card of cards) {
      for (const slug of new Set(of(card))) {
        const row = rows.get(slug);
        if (!row) continue;
        row.received += card.receivedTotal;
        row.programmes += 1;
      }
    }
    return [...rows.values()];
  };
  const topProgrammes = cards
    .filter((card) => card.receivedTotal > 0)
    .sort((a, b) => b.receivedTotal - a.receivedTotal || (a.id < b.id ? -1 : 1))
    .slice(0, TOP_PROGRAMMES)
    .map((card) => ({ id: card.id, slug: card.slug, title: card.title, institutionName: card.institutionName, provinceSlug: card.provinceSlug, institutionType: card.institutionType, received: card.receivedTotal, goal: card.goal }));

  return {
    asOf,
    total,
    byYear,
    byMonth,
    byProvince,
    catalogue: { programmes: cards.length, received: cards.reduce((sum, card) => sum + card.receivedTotal, 0) },
    byType: tally(INSTITUTION_TYPES.map((t) => t.slug), (card) => [card.institutionType], spentBy.types),
    byTheme: tally(THEMES.map((t) => t.slug), (card) => card.themes, spentBy.themes),
    byCampaignDay: tally(CAMPAIGN_DAYS.map((d) => d.slug), (card) => card.campaignDays, spentBy.days),
    topProgrammes,
  };
}

// ——— The honour roll ———

/** The order tiers are shown in: the state awards first, then the platform's own certificates. */
const TYPE_RANK: Record<CertificateType, number> = { pm_merit: 0, minister_merit: 1, certificate: 2, thanks: 3 };
/** Serials read side by side, per kind of certificate, while walking the register. */
const SERIALS_AT_ONCE = 16;
/** At most this many certificates of one kind and year are read for the page (a bound, not a policy). */
export const MAX_CERTIFICATES_PER_KIND = 5_000;

export type HonourTier = {
  ruleId: string;
  type: CertificateType;
  name: { vi: string; en: string };
  /** The rule's year (contributions counted) and threshold. */
  ruleYear: number;
  minTotal: number;
  /** Donors named as they consented, by name (each once). */
  named: Array<{ name: string; kind: "organisation" | "individual" }>;
  /** Certificates of donors not named (no consent, withdrawn, or erased). */
  anonymous: number;
};
export type HonourRoll = { year: number; certificates: number; tiers: HonourTier[]; truncated: boolean };

/**
 * The codes of the certificates of one kind issued in `year`, in serial order: the register of serials
 * (models/certificate.server.ts) has one document per number, without gaps, so it is walked by `_id` —
 * 2026/GCN/000001, 000002, … — until a number nobody took. Void serials (an issue that stopped) are skipped.
 */
async function certificateCodes(type: CertificateType, year: number): Promise<{ codes: string[]; truncated: boolean }> {
  const codes: string[] = [];
  // The first number alone (most kinds, most years: none issued — one read), then SERIALS_AT_ONCE at a time.
  for (let n = 1, size = 1; n <= MAX_CERTIFICATES_PER_KIND; n += size, size = SERIALS_AT_ONCE) {
    const numbers = Array.from({ length: Math.min(size, MAX_CERTIFICATES_PER_KIND - n + 1) }, (_, i) => n + i);
    const serials = await Promise.all(numbers.map((k) => readById<{ code: string; voidReason?: string | null }>(CertificateSerial, formatCertificateSerial(year, CERTIFICATE_TYPES[type].code, k), "code voidReason")));
    for (const serial of serials) {
      if (!serial) return { codes, truncated: false };
      if (!serial.voidReason) codes.push(serial.code);
    }
  }
  return { codes, truncated: true };
}

/**
 * The honour roll of `year`: the certificates issued that year and still in force, by tier (the rule
 * each certificate was issued under: J3's tiers), the state awards first, higher thresholds first.
 * Donors are named only as they consent today (publicDonorName); the others are counted.
 */
export async function honourRoll(year: number): Promise<HonourRoll> {
  const kinds = Object.keys(CERTIFICATE_TYPES) as CertificateType[];
  const walked = await Promise.all(kinds.map((type) => certificateCodes(type, year)));
  const codes = walked.flatMap((w) => w.codes);
  type Held = { _id: string; ruleId: Types.ObjectId; donorId: Types.ObjectId; type: CertificateType; status: string };
  const certificates = (await inGroups(codes, (code) => readById<Held>(Certificate, code, "ruleId donorId type status"))).filter((c): c is Held => c !== null && c.status === "issued");
  const ruleIds = [...new Set(certificates.map((c) => String(c.ruleId)))];
  const donorIds = [...new Set(certificates.map((c) => String(c.donorId)))];
  type RuleRow = { _id: Types.ObjectId; name?: { vi?: string; en?: string }; year: number; minTotal: number; type: CertificateType };
  const [rules, donors] = await Promise.all([
    inGroups(ruleIds, (id) => readById<RuleRow>(RecognitionRule, id, "name year minTotal type")),
    inGroups(donorIds, async (id) => {
      const donor = await readById<DonorRecord>(Donor, id, "kind legalName fullName erasedAt userId");
      return donor ? { donor, pledges: await pledgesOfDonor(donor) } : null;
    }),
  ]);
  const ruleById = new Map(rules.flatMap((r) => (r ? [[String(r._id), r] as const] : [])));
  const donorById = new Map(donors.flatMap((d) => (d ? [[String(d.donor._id), d] as const] : [])));

  const tiers = new Map<string, HonourTier & { seen: Set<string> }>();
  for (const certificate of certificates) {
    const rule = ruleById.get(String(certificate.ruleId));
    const key = String(certificate.ruleId);
    let tier = tiers.get(key);
    if (!tier) {
      const title = CERTIFICATE_TYPES[certificate.type].title;
      tier = { ruleId: key, type: certificate.type, name: { vi: rule?.name?.vi || title.vi, en: rule?.name?.en || title.en }, ruleYear: rule?.year ?? year, minTotal: rule?.minTotal ?? 0, named: [], anonymous: 0, seen: new Set() };
      tiers.set(key, tier);
    }
    const held = donorById.get(String(certificate.donorId));
    const name = held ? publicDonorName(held.donor, held.pledges) : null;
    if (!name) tier.anonymous += 1;
    else if (!tier.seen.has(String(certificate.donorId))) {
      tier.seen.add(String(certificate.donorId));
      tier.named.push({ name, kind: held!.donor.kind === "organisation" ? "organisation" : "individual" });
    }
  }
  const ordered = [...tiers.values()]
    .sort((a, b) => TYPE_RANK[a.type] - TYPE_RANK[b.type] || b.minTotal - a.minTotal || a.name.vi.localeCompare(b.name.vi, "vi"))
    .map(({ seen: _seen, ...tier }) => ({ ...tier, named: tier.named.sort((a, b) => a.name.localeCompare(b.name, "vi")) }));
  return { year, certificates: certificates.length, tiers: ordered, truncated: walked.some((w) => w.truncated) };
}

/** Reads by `_id`, SERIALS_AT_ONCE side by side. */
async function inGroups<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += SERIALS_AT_ONCE) out.push(...(await Promise.all(items.slice(i, i + SERIALS_AT_ONCE).map(read))));
  return out;
}

/** The year in Vietnam of `now`. */
export function vietnamYear(now = new Date()): number {
  return Number(vietnamDateInput(now).slice(0, 4));
}
