/**
 * Read-only data access for the public catalogue (home page, /programmes, programme and institution
 * pages). Every query here applies the visibility rule itself — a programme is public only when its
 * institution is approved and its state is "open" or "closed"; an institution only when approved —
 * so no caller can forget it. Reads are lean, select only what the pages show, and are bounded.
 * Aggregations stay within what FerretDB v1 runs: $match $group $sum $sort $unwind $limit.
 */
import mongoose, { type FilterQuery, type Types } from "mongoose";
import { Donation } from "./donation.server";
import { Donor, type DonorKind } from "./donor.server";
import { Institution } from "./institution.server";
import { Pledge, type Visibility } from "./pledge.server";
import { Programme, type ProgrammeDoc, type ProgrammeState } from "./programme.server";
import type { CampaignDaySlug } from "./reference/campaign-days";
import type { InstitutionLevel, InstitutionType } from "./reference/institution-types";
import type { ProvinceSlug } from "./reference/provinces";
import type { ThemeSlug } from "./reference/themes";

export const PUBLIC_PROGRAMME_STATES = ["open", "closed"] as const satisfies readonly ProgrammeState[];
export type PublicProgrammeState = (typeof PUBLIC_PROGRAMME_STATES)[number];

/** Hard ceilings, whatever a caller asks for. */
const MAX_PAGE_SIZE = 60;
const MAX_SKIP = 100_000;
const MAX_LEDGER_ROWS = 100;

export type ProgrammeCriteria = {
  /**
   * 00:00 today in Asia/Ho_Chi_Minh. An "open" programme whose end date is before it has ended: it
   * is listed and counted as closed (the programme accepts pledges through its whole end day).
   */
  today: Date;
  /** Regex sources (already escaped) that must all match Programme.searchText. */
  searchPatterns?: string[];
  /** "only": the patterns must all match the title too; "exclude": not all of them match the title. */
  titleMatch?: "only" | "exclude";
  provinceSlug?: string;
  institutionType?: string;
  theme?: string;
  campaignDay?: string;
  /** "all" = open or closed (never draft). */
  state?: PublicProgrammeState | "all";
  institutionId?: Types.ObjectId | string;
  /** endDate ≥ this instant (the programme has not ended yet). */
  endsOnOrAfter?: Date;
  /** endDate < this instant (the programme has ended). */
  endsBefore?: Date;
};

export type ProgrammeSort = "newest" | "ending-first" | "ending-last" | "most-needed";

const SORTS: Record<ProgrammeSort, Record<string, 1 | -1>> = {
  newest: { publishedAt: -1, _id: -1 },
  "ending-first": { endDate: 1, _id: 1 },
  "ending-last": { endDate: -1, _id: 1 },
  "most-needed": { remainingNeed: -1, _id: 1 },
};

/** The visibility rule as a filter: approved institution, open or closed (never draft). */
export function publicProgrammeFilter(): FilterQuery<ProgrammeDoc> {
  return { institutionApproved: true, state: { $in: [...PUBLIC_PROGRAMME_STATES] } };
}

/**
 * A public state as the public sees it on `today` (00:00 in Vietnam): "open" = open and its end day
 * not yet over (takes pledges); "closed" = closed by its manager, or open but past its end day.
 */
export function publicStateFilter(state: PublicProgrammeState | "all", today: Date): FilterQuery<ProgrammeDoc> {
  if (state === "open") return { state: "open", endDate: { $gte: today } };
  if (state === "closed") return { $or: [{ state: "closed" }, { state: "open", endDate: { $lt: today } }] };
  return { state: { $in: [...PUBLIC_PROGRAMME_STATES] } };
}

function programmeFilter(criteria: ProgrammeCriteria): FilterQuery<ProgrammeDoc> {
  const filter: FilterQuery<ProgrammeDoc> = publicProgrammeFilter();
  // Each condition is its own $and member, so conditions on the same field (endDate, state) never overwrite each other.
  const and: FilterQuery<ProgrammeDoc>[] = [publicStateFilter(criteria.state ?? "all", criteria.today)];
  if (criteria.provinceSlug) filter.provinceSlug = criteria.provinceSlug;
  if (criteria.institutionType) filter.institutionType = criteria.institutionType;
  if (criteria.theme) filter.themes = criteria.theme;
  if (criteria.campaignDay) filter.campaignDays = criteria.campaignDay;
  if (criteria.institutionId) filter.institutionId = new mongoose.Types.ObjectId(String(criteria.institutionId));
  if (criteria.endsOnOrAfter) and.push({ endDate: { $gte: criteria.endsOnOrAfter } });
  if (criteria.endsBefore) and.push({ endDate: { $lt: criteria.endsBefore } });
  const patterns = criteria.searchPatterns ?? [];
  // Case-sensitive on purpose: searchText is already lower-case and diacritics-free, and so is the query.
  if (patterns.length > 0) {
    and.push(...patterns.map((source) => ({ searchText: { $regex: source } })));
    const inTitle = { $and: patterns.map((source) => ({ titleSearchText: { $regex: source } })) };
    if (criteria.titleMatch === "only") and.push(inTitle);
    if (criteria.titleMatch === "exclude") and.push({ $nor: [inTitle] });
  }
  filter.$and = and;
  return filter;
}

const CARD_FIELDS =
  "slug title summary institutionName institutionSlug institutionType provinceSlug themes campaignDays startDate endDate goal pledgedTotal receivedTotal remainingNeed state coverImageId publishedAt";

export type ProgrammeCardRow = {
  id: string;
  slug: string;
  title: string;
  summary: string;
  institutionName: string;
  institutionSlug: string;
  institutionType: InstitutionType;
  provinceSlug: ProvinceSlug;
  themes: ThemeSlug[];
  campaignDays: CampaignDaySlug[];
  startDate: Date;
  endDate: Date;
  goal: number;
  pledgedTotal: number;
  receivedTotal: number;
  remainingNeed: number;
  state: PublicProgrammeState;
  coverImageId: string | null;
};

type LeanProgramme = Pick<
  ProgrammeDoc,
  | "_id"
  | "slug"
  | "title"
  | "summary"
  | "institutionName"
  | "institutionSlug"
  | "institutionType"
  | "provinceSlug"
  | "themes"
  | "campaignDays"
  | "startDate"
  | "endDate"
  | "goal"
  | "pledgedTotal"
  | "receivedTotal"
  | "remainingNeed"
  | "state"
  | "coverImageId"
>;

function toCardRow(doc: LeanProgramme): ProgrammeCardRow {
  return {
    id: String(doc._id),
    slug: doc.slug,
    title: doc.title,
    summary: doc.summary ?? "",
    institutionName: doc.institutionName ?? "",
    institutionSlug: doc.institutionSlug ?? "",
    institutionType: doc.institutionType as InstitutionType,
    provinceSlug: doc.provinceSlug as ProvinceSlug,
    themes: [...(doc.themes ?? [])] as ThemeSlug[],
    campaignDays: [...(doc.campaignDays ?? [])] as CampaignDaySlug[],
    startDate: doc.startDate,
    endDate: doc.endDate,
    goal: doc.goal,
    pledgedTotal: doc.pledgedTotal ?? 0,
    receivedTotal: doc.receivedTotal ?? 0,
    remainingNeed: doc.remainingNeed ?? 0,
    state: doc.state as PublicProgrammeState,
    coverImageId: doc.coverImageId ? String(doc.coverImageId) : null,
  };
}

/** Public programmes matching the criteria, one page of them, as card rows. */
export async function findPublicProgrammes(criteria: ProgrammeCriteria, options: { sort: ProgrammeSort; skip?: number; limit: number }): Promise<ProgrammeCardRow[]> {
  const limit = Math.max(0, Math.min(options.limit, MAX_PAGE_SIZE));
  if (limit === 0) return [];
  const skip = Math.max(0, Math.min(options.skip ?? 0, MAX_SKIP));
  const docs = await Programme.find(programmeFilter(criteria))
    .select(CARD_FIELDS)
    .sort(SORTS[options.sort])
    .skip(skip)
    .limit(limit)
    .lean<LeanProgramme[]>();
  return docs.map(toCardRow);
}

export async function countPublicProgrammes(criteria: ProgrammeCriteria): Promise<number> {
  return Programme.countDocuments(programmeFilter(criteria));
}

export type BudgetLineRow = { code: string; label: string; amount: number };
export type InKindNeedRow = { item: string; unit: string; quantity: number; unitValue: number };

export type ProgrammeDetailRow = ProgrammeCardRow & {
  institutionId: string;
  description: string;
  budgetLines: BudgetLineRow[];
  inKindNeeds: InKindNeedRow[];
  publishedAt: Date | null;
};

/** One public programme by its slug, or null (unknown, a draft, or its institution is not approved). */
export async function findPublicProgrammeBySlug(slug: string): Promise<ProgrammeDetailRow | null> {
  const doc = await Programme.findOne({ ...publicProgrammeFilter(), slug: slug.trim().toLowerCase() })
    .select(`${CARD_FIELDS} institutionId description budgetLines inKindNeeds`)
    .lean<LeanProgramme & Pick<ProgrammeDoc, "institutionId" | "description" | "budgetLines" | "inKindNeeds" | "publishedAt">>();
  if (!doc) return null;
  return {
    ...toCardRow(doc),
    institutionId: String(doc.institutionId),
    description: doc.description ?? "",
    budgetLines: (doc.budgetLines ?? []).map((line) => ({ code: line.code, label: line.label, amount: line.amount })),
    inKindNeeds: (doc.inKindNeeds ?? []).map((need) => ({ item: need.item, unit: need.unit, quantity: need.quantity, unitValue: need.unitValue })),
    publishedAt: doc.publishedAt ?? null,
  };
}

export type PublicInstitutionRow = {
  id: string;
  slug: string;
  name: string;
  type: InstitutionType;
  level: InstitutionLevel;
  provinceSlug: ProvinceSlug;
  formerDistrictName: string | null;
  address: string;
  description: string;
  contact: { email: string | null; phone: string | null; website: string | null };
};

/** An approved institution's public profile (no bank account, managers or review notes), or null. */
export async function findPublicInstitutionBySlug(slug: string): Promise<PublicInstitutionRow | null> {
  const doc = await Institution.findOne({ slug: slug.trim().toLowerCase(), status: "approved" })
    .select("slug name type level provinceSlug formerDistrictName address description contact")
    .lean();
  if (!doc) return null;
  return {
    id: String(doc._id),
    slug: doc.slug,
    name: doc.name,
    type: doc.type as InstitutionType,
    level: doc.level as InstitutionLevel,
    provinceSlug: doc.provinceSlug as ProvinceSlug,
    formerDistrictName: doc.formerDistrictName ?? null,
    address: doc.address ?? "",
    description: doc.description ?? "",
    contact: { email: doc.contact?.email ?? null, phone: doc.contact?.phone ?? null, website: doc.contact?.website ?? null },
  };
}

export type PublicBankDetails = { institutionName: string; bankBin: string; accountNumber: string; accountName: string };

/** Where transfers go, for an approved institution that has given its account; otherwise null. */
export async function findPublicBankDetails(institutionId: string): Promise<PublicBankDetails | null> {
  if (!mongoose.isValidObjectId(institutionId)) return null;
  const doc = await Institution.findOne({ _id: institutionId, status: "approved" }).select("name bankAccount").lean();
  if (!doc?.bankAccount) return null;
  return { institutionName: doc.name, bankBin: doc.bankAccount.bankBin, accountNumber: doc.bankAccount.accountNumber, accountName: doc.bankAccount.accountName };
}

/**
 * Quantities of each in-kind item pledged to a programme (pledges not cancelled), by item name as
 * written on the pledge. $match → $unwind → $group.
 */
export async function pledgedInKindQuantities(programmeId: string): Promise<Array<{ item: string; quantity: number }>> {
  const rows = await Pledge.aggregate<{ _id: string; quantity: number }>([
    { $match: { programmeId: new mongoose.Types.ObjectId(programmeId), kind: "in_kind", state: { $in: ["active", "overdue", "fulfilled"] } } },
    { $unwind: "$inKindItems" },
    { $group: { _id: "$inKindItems.item", quantity: { $sum: "$inKindItems.quantity" } } },
    { $limit: 500 },
  ]);
  return rows.map((row) => ({ item: String(row._id), quantity: row.quantity }));
}

export type LedgerDonationRow = {
  id: string;
  amount: number;
  receivedAt: Date;
  method: string;
  /** How the donor chose to appear; null when the gift has no pledge (no consent was recorded). */
  visibility: Visibility | null;
  /** Consent to publish an individual's name: given and not withdrawn. */
  consentActive: boolean;
  donor: { kind: DonorKind; name: string | null; erased: boolean } | null;
};

/**
 * The latest received donations of a programme, with what is needed to apply the donor's consent:
 * the pledge's visibility and consent, and the donor's kind, name and erasure. Three bounded reads
 * (donations, then their pledges and donors by id), no join. The caller decides what is shown.
 */
export async function findLedgerDonations(programmeId: string, limit = 50): Promise<{ rows: LedgerDonationRow[]; total: number }> {
  const id = new mongoose.Types.ObjectId(programmeId);
  const [donations, total] = await Promise.all([
    Donation.find({ programmeId: id })
      .select("amount receivedAt method donorId pledgeId donorSnapshot")
      .sort({ receivedAt: -1, _id: -1 })
      .limit(Math.max(1, Math.min(limit, MAX_LEDGER_ROWS)))
      .lean(),
    Donation.countDocuments({ programmeId: id }),
  ]);
  const pledgeIds = [...new Set(donations.map((d) => d.pledgeId).filter(Boolean).map(String))];
  const donorIds = [...new Set(donations.map((d) => d.donorId).filter(Boolean).map(String))];
  const [pledges, donors] = await Promise.all([
    pledgeIds.length ? Pledge.find({ _id: { $in: pledgeIds } }).select("visibility consent").lean() : [],
    donorIds.length ? Donor.find({ _id: { $in: donorIds } }).select("kind legalName fullName erasedAt").lean() : [],
  ]);
  const pledgeById = new Map(pledges.map((p) => [String(p._id), p]));
  const donorById = new Map(donors.map((d) => [String(d._id), d]));
  const rows = donations.map((donation): LedgerDonationRow => {
    const pledge = donation.pledgeId ? pledgeById.get(String(donation.pledgeId)) : undefined;
    const donor = donation.donorId ? donorById.get(String(donation.donorId)) : undefined;
    return ledgerDonationRow(donation, pledge, donor);
  });
  return { rows, total };
}

/**
 * One gift as the public rules need it (publicLedgerEntry applies them): the donor's choice of
 * visibility and whether their consent is still active come from its pledge; who gave, from the gift.
 * The public ledger and the receipt's public page both build their rows here.
 */
export function ledgerDonationRow(
  donation: { _id: unknown; amount: number; receivedAt: Date; method: string; donorSnapshot?: Parameters<typeof ledgerDonor>[0] },
  pledge: { visibility?: string | null; consent?: { givenAt?: Date | null; withdrawnAt?: Date | null } | null } | null | undefined,
  donor: Parameters<typeof ledgerDonor>[1],
): LedgerDonationRow {
  return {
    id: String(donation._id),
    amount: donation.amount,
    receivedAt: donation.receivedAt,
    method: donation.method,
    visibility: (pledge?.visibility as Visibility | undefined) ?? null,
    consentActive: Boolean(pledge?.consent?.givenAt && !pledge.consent.withdrawnAt),
    donor: ledgerDonor(donation.donorSnapshot, donor),
  };
}

/**
 * Who gave a gift, for the public: the donor as copied onto the gift when it was confirmed (a receipt
 * is a record of that moment), or for older gifts without that copy, the donor's record. An erased
 * donor is marked so, whatever the copy says.
 */
export function ledgerDonor(
  snapshot: { kind?: string | null; name?: string | null } | null | undefined,
  donor: { kind: string; legalName?: string | null; fullName?: string | null; erasedAt?: Date | null } | null | undefined,
): LedgerDonationRow["donor"] {
  if (!donor) return null;
  const erased = Boolean(donor.erasedAt);
  if (snapshot?.name) return { kind: (snapshot.kind === "organisation" ? "organisation" : "individual") as DonorKind, name: snapshot.name, erased };
  return { kind: donor.kind as DonorKind, name: (donor.kind === "organisation" ? donor.legalName : donor.fullName) ?? null, erased };
}

/** Approved institutions: how many there are ($match → $group $sum). */
export async function countApprovedInstitutions(): Promise<number> {
  const [row] = await Institution.aggregate<{ count: number }>([{ $match: { status: "approved" } }, { $group: { _id: null, count: { $sum: 1 } } }]);
  return row?.count ?? 0;
}

/**
 * The home page's figures: how many programmes take pledges today — exactly what the catalogue
 * lists by default (/programmes, state "open") — and the total received across every public
 * programme ($match → $group $sum).
 * Two pipelines with one accumulator each: FerretDB v1.24 computes only the first accumulator of a
 * $group and returns 0 for the others (checked against the embedded server in the tests).
 */
export async function publicProgrammeTotals(today: Date): Promise<{ programmes: number; received: number }> {
  const [[count], [received]] = await Promise.all([
    Programme.aggregate<{ value: number }>([{ $match: programmeFilter({ today, state: "open" }) }, { $group: { _id: null, value: { $sum: 1 } } }]),
    Programme.aggregate<{ value: number }>([{ $match: publicProgrammeFilter() }, { $group: { _id: null, value: { $sum: "$receivedTotal" } } }]),
  ]);
  return { programmes: count?.value ?? 0, received: received?.value ?? 0 };
}

/** Provinces that have programmes taking pledges today, with how many each (as /programmes?province= lists them). */
export async function openProgrammeCountsByProvince(today: Date): Promise<Array<{ provinceSlug: ProvinceSlug; count: number }>> {
  const rows = await Programme.aggregate<{ _id: string; count: number }>([
    { $match: programmeFilter({ today, state: "open" }) },
    { $group: { _id: "$provinceSlug", count: { $sum: 1 } } },
    { $sort: { count: -1, _id: 1 } },
    { $limit: 100 },
  ]);
  return rows.map((row) => ({ provinceSlug: row._id as ProvinceSlug, count: row.count }));
}
