/**
 * Read-only data access for the public catalogue (home page, /programmes, programme and institution
 * pages). Every query here applies the visibility rule itself — a programme is public only when its
 * institution is approved and its state is "open" or "closed"; an institution only when approved —
 * so no caller can forget it. Reads are lean, select only what the pages show, and are bounded.
 * Aggregations stay within what FerretDB v1 runs: $match $group $sum $sort $unwind $limit.
 *
 * The catalogue's lists (search, filters, sorts, counts, the home page's figures) are not queried here
 * per page: services/catalogue-index.ts keeps them in memory, built from readAllIndexedProgrammes and
 * kept current through the version document below (decision 0012). A programme or an institution by
 * its slug is a key lookup (models/lookup.server.ts).
 */
import mongoose, { Schema, type FilterQuery, type Types } from "mongoose";
import { Donation } from "./donation.server";
import { Donor, type DonorKind } from "./donor.server";
import { Institution } from "./institution.server";
import { findLookup, setLookup } from "./lookup.server";
import { Pledge, type Visibility } from "./pledge.server";
import { Programme, type ProgrammeDoc, type ProgrammeState } from "./programme.server";
import type { CampaignDaySlug } from "./reference/campaign-days";
import type { InstitutionLevel, InstitutionType } from "./reference/institution-types";
import type { ProvinceSlug } from "./reference/provinces";
import type { ThemeSlug } from "./reference/themes";
import { isDuplicateKeyError, upsertAgainIfRaced } from "./duplicate-key";
import { readById } from "./read-by-id";
import { oneWriter } from "./one-writer";

export const PUBLIC_PROGRAMME_STATES = ["open", "closed"] as const satisfies readonly ProgrammeState[];
export type PublicProgrammeState = (typeof PUBLIC_PROGRAMME_STATES)[number];

/** Hard ceilings, whatever a caller asks for. */
const MAX_LEDGER_ROWS = 100;

/** The visibility rule as a filter: approved institution, open or closed (never draft). */
export function publicProgrammeFilter(): FilterQuery<ProgrammeDoc> {
  return { institutionApproved: true, state: { $in: [...PUBLIC_PROGRAMME_STATES] } };
}

/** The visibility rule on a document already read (a read by `_id` filters nothing else). */
export function isPublicProgramme(doc: { institutionApproved?: boolean | null; state?: string | null }): boolean {
  return doc.institutionApproved === true && (PUBLIC_PROGRAMME_STATES as readonly string[]).includes(doc.state ?? "");
}

const CARD_FIELDS =
  "slug title summary institutionName institutionSlug institutionType provinceSlug themes campaignDays startDate endDate goal pledgedTotal receivedTotal state coverImageId publishedAt";

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
    // goal − received, never below 0: derived here rather than stored, so a gift writes one copy (received).
    remainingNeed: Math.max(0, doc.goal - (doc.receivedTotal ?? 0)),
    state: doc.state as PublicProgrammeState,
    coverImageId: doc.coverImageId ? String(doc.coverImageId) : null,
  };
}

// ——— What the catalogue's in-memory index (services/catalogue-index.ts) reads ———

/** A public programme as the index holds it: its card, plus what the index filters and sorts by. */
export type IndexedProgrammeRow = { card: ProgrammeCardRow; institutionId: string; publishedAt: Date | null };

const INDEX_FIELDS = `${CARD_FIELDS} institutionId institutionApproved`;
type LeanIndexed = LeanProgramme & Pick<ProgrammeDoc, "institutionId" | "institutionApproved" | "publishedAt">;

function toIndexedRow(doc: LeanIndexed): IndexedProgrammeRow {
  return { card: toCardRow(doc), institutionId: String(doc.institutionId), publishedAt: doc.publishedAt ?? null };
}

/**
 * Every public programme, for a full build of the index: one read of the collection (on the embedded
 * database a scan, ~0.2 ms a document; it happens at start, and when an instance is too far behind).
 */
export async function readAllIndexedProgrammes(): Promise<IndexedProgrammeRow[]> {
  const docs = await Programme.find(publicProgrammeFilter()).select(INDEX_FIELDS).lean<LeanIndexed[]>();
  return docs.map(toIndexedRow);
}

/** One programme by `_id` (a key lookup everywhere): its index row, or null when it is not (or no longer) public. */
export async function readIndexedProgramme(id: string | Types.ObjectId): Promise<IndexedProgrammeRow | null> {
  if (!mongoose.isValidObjectId(id)) return null;
  const doc = await Programme.findById(id).select(INDEX_FIELDS).lean<LeanIndexed>();
  return doc && isPublicProgramme(doc) ? toIndexedRow(doc) : null;
}

/**
 * Up to `limit` ids of an institution's programmes (any state), for telling the index which ones
 * changed when the institution's copies are rewritten. A filtered read: a scan on the embedded
 * database, done only on an institution's decision or rename (rare), never per page.
 */
export async function programmeIdsOfInstitution(institutionId: string | Types.ObjectId, limit: number): Promise<Types.ObjectId[]> {
  const docs = await Programme.find({ institutionId: new mongoose.Types.ObjectId(String(institutionId)) })
    .select("_id")
    .limit(limit)
    .lean();
  return docs.map((doc) => doc._id);
}

/**
 * The catalogue's version: a head document (`_id: "catalogue"`, `{ version }`) and one small change
 * document per version (`_id: "v:<version>"`, `{ ids, institutions }`), all read and written by `_id`
 * — the one filter FerretDB v1 on SQLite serves from an index.
 *
 * A writer claims a version by inserting its change document: the unique `_id` makes the insert the
 * one atomic step FerretDB v1 offers (measured against the embedded server: 20 concurrent `$inc` on
 * one document kept 18, 20 concurrent findOneAndUpdate `$inc` kept 4, 40 compare-and-set updates let
 * 40 writers "win" 23 values — updates are read-modify-write there — while 40 concurrent inserts of
 * the same `_id`s gave 40 distinct versions). The change's ids travel in that same insert, so two
 * writers can never share a version or lose each other's ids. The head is then raised (`$max`) as a
 * hint of where the newest change is; readers probe one version past it.
 * See docs/decisions/0012-catalogue-search-index.md.
 */
const CATALOGUE_HEAD_ID = "catalogue";
const changeId = (version: number) => `v:${version}`;

type CatalogueHeadDoc = { _id: string; version: number };
/** ids null: "rebuild everything"; institutions: an institution's approval changed (the home page counts them). */
export type CatalogueChangeDoc = { _id: string; v: number; ids: Types.ObjectId[] | null; institutions: boolean; at: Date };

const catalogueHeadSchema = new Schema({ _id: { type: String, required: true }, version: { type: Number, default: 0 } }, { versionKey: false });
const catalogueChangeSchema = new Schema(
  {
    _id: { type: String, required: true },
    v: { type: Number, required: true },
    ids: { type: [Schema.Types.ObjectId], default: null },
    institutions: { type: Boolean, default: false },
    at: { type: Date, default: Date.now },
  },
  { versionKey: false },
);

export const CatalogueHead =
  (mongoose.models.CatalogueHead as mongoose.Model<CatalogueHeadDoc> | undefined) ?? mongoose.model<CatalogueHeadDoc>("CatalogueHead", catalogueHeadSchema, "cataloguehead");
export const CatalogueChange =
  (mongoose.models.CatalogueChange as mongoose.Model<CatalogueChangeDoc> | undefined) ??
  mongoose.model<CatalogueChangeDoc>("CatalogueChange", catalogueChangeSchema, "cataloguechanges");

/** The head's version (a hint: the newest change is there or a few past it); 0 before any change. One read by `_id`. */
export async function readCatalogueHead(): Promise<number> {
  const doc = await CatalogueHead.findById(CATALOGUE_HEAD_ID).lean<CatalogueHeadDoc>();
  return doc?.version ?? 0;
}

/** The change recorded at a version, or null (not yet written, or forgotten once out of the ring). One read by `_id`. */
export async function readCatalogueChange(version: number): Promise<CatalogueChangeDoc | null> {
  return CatalogueChange.findById(changeId(version)).lean<CatalogueChangeDoc>();
}

/**
 * Claims the first free version after `after` by inserting its change document (an insert by a new
 * `_id`: atomic). A version already taken is a duplicate-key error: the next one is tried.
 */
export async function claimCatalogueChange(after: number, change: { ids: Types.ObjectId[] | null; institutions: boolean }, maxTries = 1000): Promise<number> {
  for (let v = after + 1; v <= after + maxTries; v += 1) {
    try {
      await oneWriter(() => CatalogueChange.collection.insertOne({ _id: changeId(v), v, ids: change.ids, institutions: change.institutions, at: new Date() } as never), { background: true });
      return v;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new Error(`catalogue version: no free version after ${after} in ${maxTries} tries`);
}

/** Raises the head's hint to `version` (never lowers it; a lost race only leaves it a little behind). */
export async function advanceCatalogueHead(version: number) {
  await upsertAgainIfRaced(() => oneWriter(() => CatalogueHead.updateOne({ _id: CATALOGUE_HEAD_ID }, { $max: { version } }, { upsert: true }), { background: true }));
}

/** Deletes the change document of an old version (out of the ring: readers that far behind rebuild). */
export async function forgetCatalogueChange(version: number) {
  if (version > 0) await oneWriter(() => CatalogueChange.deleteOne({ _id: changeId(version) }), { background: true });
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

const DETAIL_FIELDS = `${CARD_FIELDS} institutionId institutionApproved description budgetLines inKindNeeds`;
type LeanDetail = LeanProgramme & Pick<ProgrammeDoc, "institutionId" | "institutionApproved" | "description" | "budgetLines" | "inKindNeeds" | "publishedAt">;

/**
 * One public programme by its slug, or null (unknown, a draft, or its institution is not approved).
 * A key lookup: the "programme-slug" key document, then the programme by `_id` (two reads by `_id`).
 * Without a key (data written before keys existed, or a crash between the two writes) it falls back to
 * the query on `slug` (a scan on the embedded database) and writes the key it found, so it happens once.
 */
export async function findPublicProgrammeBySlug(slug: string): Promise<ProgrammeDetailRow | null> {
  const key = slug.trim().toLowerCase();
  const [id] = await findLookup("programme-slug", key);
  let doc = id ? await readById<LeanDetail>(Programme, id, DETAIL_FIELDS) : null;
  // The key is a cache, never the truth: a key that points at nothing (or at a programme whose slug changed) is ignored.
  if (!doc || doc.slug !== key) {
    doc = await Programme.findOne({ slug: key }).select(DETAIL_FIELDS).lean<LeanDetail>();
    if (doc) await setLookup("programme-slug", key, doc._id);
  }
  if (!doc || !isPublicProgramme(doc)) return null;
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

const PUBLIC_INSTITUTION_FIELDS = "slug name type level provinceSlug formerDistrictName address description contact status";

/**
 * An approved institution's public profile (no bank account, managers or review notes), or null.
 * A key lookup ("institution-slug", then by `_id`), falling back to the query on `slug` once.
 */
export async function findPublicInstitutionBySlug(slug: string): Promise<PublicInstitutionRow | null> {
  const key = slug.trim().toLowerCase();
  const [id] = await findLookup("institution-slug", key);
  let doc = id ? await Institution.findById(id).select(PUBLIC_INSTITUTION_FIELDS).lean() : null;
  if (!doc || doc.slug !== key) {
    doc = await Institution.findOne({ slug: key }).select(PUBLIC_INSTITUTION_FIELDS).lean();
    if (doc) await setLookup("institution-slug", key, doc._id);
  }
  if (!doc || doc.status !== "approved") return null;
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
  // By `_id` alone (a key lookup on the embedded database); the status is checked here.
  const doc = await Institution.findById(institutionId).select("name bankAccount status").lean();
  if (!doc?.bankAccount || doc.status !== "approved") return null;
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
  /** The gift's public receipt page (/receipts/<number>). */
  receiptNumber?: string;
  amount: number;
  receivedAt: Date;
  method: string;
  /** How the donor chose to appear; null when the gift has no pledge (no consent was recorded). */
  visibility: Visibility | null;
  /** Consent to publish an individual's name: given and not withdrawn. */
  consentActive: boolean;
  donor: { kind: DonorKind; name: string | null; erased: boolean } | null;
};

const LEDGER_DONATION_FIELDS = "amount receivedAt method donorId pledgeId donorSnapshot receiptNumber";
/** What the public ledger reads of a gift, its pledge and its donor: what ledgerDonationRow takes. */
type RowInputs = Parameters<typeof ledgerDonationRow>;
type LedgerDonation = RowInputs[0] & { _id: Types.ObjectId; donorId?: Types.ObjectId | null; pledgeId?: Types.ObjectId | null; receiptNumber?: string };
type LedgerPledge = NonNullable<RowInputs[1]> & { _id: Types.ObjectId };
type LedgerDonor = NonNullable<RowInputs[2]> & { _id: Types.ObjectId };

/**
 * The latest received donations of a programme, with what is needed to apply the donor's consent:
 * the pledge's visibility and consent, and the donor's kind, name and erasure. Three bounded reads
 * (donations, then their pledges and donors by id), no join. The caller decides what is shown.
 */
export async function findLedgerDonations(
  programmeId: string,
  limit = 50,
  kept: { total: number; ids: Types.ObjectId[] } | null = null,
): Promise<{ rows: LedgerDonationRow[]; total: number }> {
  const id = new mongoose.Types.ObjectId(programmeId);
  const size = Math.max(1, Math.min(limit, MAX_LEDGER_ROWS));
  // The programme's gifts as the books keep them (services/money/projections.ts: a count and the latest ids,
  // read by `_id`), each gift by `_id`; the query on the donations only for a database without them.
  if (kept) return { rows: await ledgerDonationsByIds(kept.ids.slice(0, size)), total: kept.total };
  const [donations, total] = await Promise.all([
    Donation.find({ programmeId: id }).select(LEDGER_DONATION_FIELDS).sort({ receivedAt: -1, _id: -1 }).limit(size).lean<LedgerDonation[]>(),
    Donation.countDocuments({ programmeId: id }),
  ]);
  return { rows: await withConsent(donations), total };
}

/** Gifts by `_id` (each one read; a gift not found is left out), in the order given, as the public rules need them. */
export async function ledgerDonationsByIds(ids: Types.ObjectId[]): Promise<LedgerDonationRow[]> {
  const donations = await Promise.all(ids.map((gift) => readById<LedgerDonation>(Donation, gift, LEDGER_DONATION_FIELDS)));
  return withConsent(donations.filter((d): d is LedgerDonation => d !== null));
}

/** The gifts with their pledges' visibility and consent and their donors' kind, name and erasure. */
async function withConsent(donations: LedgerDonation[]): Promise<LedgerDonationRow[]> {
  const pledgeIds = [...new Set(donations.map((d) => d.pledgeId).filter(Boolean).map(String))];
  const donorIds = [...new Set(donations.map((d) => d.donorId).filter(Boolean).map(String))];
  // One read by `_id` each (at most MAX_LEDGER_ROWS of each), not `$in`: FerretDB v1 serves only an
  // exact `_id` filter from an index, so `$in` would read the whole pledge and donor collections.
  const [pledges, donors] = await Promise.all([
    Promise.all(pledgeIds.map((pid) => readById<LedgerPledge>(Pledge, pid, "visibility consent"))),
    Promise.all(donorIds.map((did) => readById<LedgerDonor>(Donor, did, "kind legalName fullName erasedAt"))),
  ]);
  const pledgeById = new Map(pledges.flatMap((p) => (p ? [[String(p._id), p] as const] : [])));
  const donorById = new Map(donors.flatMap((d) => (d ? [[String(d._id), d] as const] : [])));
  const rows = donations.map((donation): LedgerDonationRow => {
    const pledge = donation.pledgeId ? pledgeById.get(String(donation.pledgeId)) : undefined;
    const donor = donation.donorId ? donorById.get(String(donation.donorId)) : undefined;
    return { ...ledgerDonationRow(donation, pledge, donor), ...(donation.receiptNumber ? { receiptNumber: donation.receiptNumber } : {}) };
  });
  return rows;
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
