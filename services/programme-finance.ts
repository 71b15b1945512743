import { isPastDueDay } from "./calendar";
import { stringify } from "csv-stringify/sync";
import mongoose, { type Types } from "mongoose";
import { Donation, type DonationDoc, type DonationMethod } from "#models/donation.server";
import { Donor, donorName } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { LedgerEntry, type LedgerEntryKind } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme, RECEIVED_KINDS } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution, canManageProgrammes } from "./access";
import { forbidden, notFound } from "./errors";
import { formatDate } from "./format";
import { ledgerSum } from "./money/ledger";
import { toSearchText } from "./text";
import { vietnamDateInput } from "./calendar";
import { allocateToInstalments } from "./money/allocation";

/**
 * What an institution's managers (and the officers who oversee it) see of a programme's money:
 * goal, pledged, received, outstanding, overdue instalments, in-kind goods against needs, and the
 * latest gifts; and the institution's whole books as CSV. Everything is derived from the records
 * (pledges, donations, the ledger) on each read, never from the rolled-up totals.
 *
 * FerretDB v1: only $match $group $sum $sort $project $unwind $limit $skip $count, one accumulator
 * per $group, no $lookup — related documents are fetched with a second query by ids.
 */
export const RECENT_GIFTS = 30;
const ACTIVE_PLEDGE_STATES = ["active", "overdue", "fulfilled"] as const;

type Id = Types.ObjectId;
const oid = (id: string | Id) => new mongoose.Types.ObjectId(String(id));

async function donorNames(ids: Array<Id | null | undefined>) {
  const unique = [...new Set(ids.filter((id): id is Id => id != null).map(String))];
  if (unique.length === 0) return new Map<string, { name: string; taxCode: string | null }>();
  const donors = await Donor.find({ _id: { $in: unique.map(oid) } }).select("kind legalName fullName taxCode").lean();
  return new Map(donors.map((d) => [String(d._id), { name: donorName(d) ?? "", taxCode: d.taxCode ?? null }]));
}

/** Σ of the ledger's amounts per value of a field (one accumulator: FerretDB v1 computes only the first). */
async function ledgerSumBy(match: Record<string, unknown>, field: "kind" | "pledgeId"): Promise<Map<string, number>> {
  const rows = await LedgerEntry.aggregate<{ _id: unknown; total: number }>([{ $match: match }, { $group: { _id: `$${field}`, total: { $sum: "$amount" } } }]);
  return new Map(rows.map((row) => [String(row._id), row.total]));
}

export type OverdueInstalment = { pledgeId: string; reference: string; donorName: string; seq: number; dueDate: Date; amount: number; paid: number; outstanding: number };
/** A pledge paid beyond its amount (an over-payment a manager confirmed): shown as such, never netted away. */
export type OverpaidPledge = { pledgeId: string; reference: string; donorName: string; amount: number; paid: number; overpaid: number };
export type InKindProgress = { item: string; unit: string | null; needed: number | null; received: number };
export type RecentGift = {
  id: string;
  receivedAt: Date;
  method: DonationMethod;
  amount: number;
  donorName: string | null;
  receiptNumber: string;
  reference: string | null;
  pledgeReference: string | null;
  evidenceFileIds: string[];
  items: Array<{ item: string; quantity: number; unitValue: number }>;
  valuationBasis: string | null;
};

/** The finance view of one programme. Access: whoever may see its institution's private data. */
export async function programmeFinance(actor: SessionUser, programmeId: string, now = new Date()) {
  if (!mongoose.isValidObjectId(programmeId)) throw notFound();
  const programme = await Programme.findById(programmeId).select("institutionId institutionName provinceSlug title slug state goal inKindNeeds").lean();
  if (!programme) throw notFound();
  const institutionId = String(programme.institutionId);
  if (!canAccessInstitution(actor, { id: institutionId, provinceSlug: programme.provinceSlug })) throw forbidden();
  const id = programme._id;

  // Received: the books. Per kind, so the page can say how much was money, goods and hours.
  const receivedMatch = { programmeId: id, kind: { $in: [...RECEIVED_KINDS] } };
  const received = Math.max(0, await ledgerSum(receivedMatch));
  const receivedByKind = await ledgerSumBy(receivedMatch, "kind");
  // A refund or correction lowers the kind of the gift it reverses (a corrected in-kind gift lowers goods, not money).
  const reversals = await reversalsOf(id);
  const kindTotal = (kind: LedgerEntryKind) => (receivedByKind.get(kind) ?? 0) + (reversals.byOriginalKind.get(kind) ?? 0);

  // Pledged and outstanding: the pledges that still stand, and what the ledger says was paid on each.
  const pledges = await Pledge.find({ programmeId: id, state: { $in: [...ACTIVE_PLEDGE_STATES] } })
    .select("reference donorId amount instalments state")
    .lean();
  const paidByPledge = await ledgerSumBy({ programmeId: id, pledgeId: { $ne: null } }, "pledgeId");
  const names = await donorNames(pledges.map((p) => p.donorId));
  let pledged = 0;
  let outstanding = 0;
  const overdue: OverdueInstalment[] = [];
  const overpaid: OverpaidPledge[] = [];
  for (const pledge of pledges) {
    const paidTotal = Math.max(0, paidByPledge.get(String(pledge._id)) ?? 0);
    pledged += pledge.amount;
    outstanding += Math.max(0, pledge.amount - paidTotal);
    if (paidTotal > pledge.amount) {
      overpaid.push({ pledgeId: String(pledge._id), reference: pledge.reference, donorName: names.get(String(pledge.donorId))?.name ?? "", amount: pledge.amount, paid: paidTotal, overpaid: paidTotal - pledge.amount });
    }
    // Paid money goes to the instalments in order (services/money/allocation.ts).
    for (const { instalment, paid } of allocateToInstalments(pledge.instalments, paidTotal)) {
      if (paid < instalment.amount && isPastDueDay(instalment.dueDate, now)) {
        overdue.push({
          pledgeId: String(pledge._id),
          reference: pledge.reference,
          donorName: names.get(String(pledge.donorId))?.name ?? "",
          seq: instalment.seq,
          dueDate: instalment.dueDate,
          amount: instalment.amount,
          paid,
          outstanding: instalment.amount - paid,
        });
      }
    }
  }
  overdue.sort((a, b) => a.dueDate.getTime() - b.dueDate.getTime() || a.reference.localeCompare(b.reference) || a.seq - b.seq);

  // In-kind goods received, per item name, against the programme's needs (names matched without case or
  // diacritics). Summed here rather than with $unwind: FerretDB v1 unwinds a nested array ("$inKind.items")
  // into a top-level field, unlike MongoDB, and in-kind gifts per programme are few.
  const inKind: InKindProgress[] = programme.inKindNeeds.map((need) => ({ item: need.item, unit: need.unit, needed: need.quantity, received: 0 }));
  const byKey = new Map(inKind.map((row) => [toSearchText(row.item), row]));
  for await (const gift of Donation.find({ programmeId: id, method: "in_kind" }).select("amount inKind.items").lean().cursor()) {
    if ((reversals.byGift.get(String(gift._id)) ?? 0) >= gift.amount) continue; // corrected away in full: its goods are not counted
    for (const item of gift.inKind?.items ?? []) {
      const key = toSearchText(item.item);
      let row = byKey.get(key);
      if (!row) {
        row = { item: item.item, unit: null, needed: null, received: 0 };
        byKey.set(key, row);
        inKind.push(row);
      }
      row.received += item.quantity;
    }
  }

  // The latest gifts, newest first.
  const [donations, giftCount] = await Promise.all([
    Donation.find({ programmeId: id }).sort({ receivedAt: -1, _id: -1 }).limit(RECENT_GIFTS).lean(),
    Donation.countDocuments({ programmeId: id }),
  ]);
  const recentNames = await donorNames(donations.map((d) => d.donorId));
  const pledgeRefs = await pledgeReferences(donations.map((d) => d.pledgeId));
  const recent: RecentGift[] = donations.map((d) => ({
    id: String(d._id),
    receivedAt: d.receivedAt,
    method: d.method,
    amount: d.amount,
    donorName: d.donorSnapshot?.name ?? (d.donorId ? (recentNames.get(String(d.donorId))?.name ?? null) : null),
    receiptNumber: d.receiptNumber,
    reference: d.reference ?? null,
    pledgeReference: d.pledgeId ? (pledgeRefs.get(String(d.pledgeId)) ?? null) : null,
    evidenceFileIds: (d.evidenceFileIds ?? []).map(String),
    items: (d.inKind?.items ?? []).map((i) => ({ item: i.item, quantity: i.quantity, unitValue: i.unitValue })),
    valuationBasis: d.inKind?.valuationBasis ?? null,
  }));

  return {
    programme: {
      id: String(id),
      institutionId,
      institutionName: programme.institutionName,
      title: programme.title,
      slug: programme.slug,
      state: programme.state,
    },
    canRecord: canManageProgrammes(actor, institutionId) && programme.state !== "draft",
    totals: {
      goal: programme.goal,
      pledged,
      received,
      outstanding,
      remaining: Math.max(0, programme.goal - received),
      receivedMoney: kindTotal("donation_received") + reversals.unattributed,
      receivedInKind: kindTotal("in_kind_received"),
      receivedHours: kindTotal("volunteer_hours"),
    },
    overdue,
    overpaid,
    inKind,
    recent,
    giftCount,
  };
}

/**
 * A programme's refunds and corrections (negative entries with reversesEntryId): their sum per kind of
 * the entry they reverse, and what was reversed of each gift (a positive number, by donation id).
 */
async function reversalsOf(programmeId: Id) {
  const rows = await LedgerEntry.aggregate<{ _id: Id | null; total: number }>([
    { $match: { programmeId, kind: { $in: ["refund", "correction"] } } },
    { $group: { _id: "$reversesEntryId", total: { $sum: "$amount" } } },
  ]);
  const originals = await LedgerEntry.find({ _id: { $in: rows.flatMap((r) => (r._id ? [r._id] : [])) } })
    .select("kind sourceId")
    .lean();
  const byId = new Map(originals.map((o) => [String(o._id), o]));
  const byOriginalKind = new Map<LedgerEntryKind, number>();
  const byGift = new Map<string, number>();
  let unattributed = 0;
  for (const row of rows) {
    const original = row._id ? byId.get(String(row._id)) : undefined;
    if (!original) {
      unattributed += row.total;
      continue;
    }
    byOriginalKind.set(original.kind, (byOriginalKind.get(original.kind) ?? 0) + row.total);
    if (original.sourceId) byGift.set(String(original.sourceId), (byGift.get(String(original.sourceId)) ?? 0) - row.total);
  }
  return { byOriginalKind, byGift, unattributed };
}

async function pledgeReferences(ids: Array<Id | null | undefined>) {
  const unique = [...new Set(ids.filter((id): id is Id => id != null).map(String))];
  if (unique.length === 0) return new Map<string, string>();
  const pledges = await Pledge.find({ _id: { $in: unique.map(oid) } }).select("reference").lean();
  return new Map(pledges.map((p) => [String(p._id), p.reference]));
}

// ---------------------------------------------------------------------------------------------------
// CSV export

export const CSV_COLUMNS = [
  "sequence",
  "date",
  "kind",
  "programme",
  "donor",
  "taxCode",
  "method",
  "amount",
  "currency",
  "receiptNumber",
  "reference",
  "pledgeReference",
  "items",
  "valuationBasis",
  "evidenceFiles",
  "hash",
  "prevHash",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
export type CsvLabels = { header: Record<CsvColumn, string>; kind: Partial<Record<string, string>>; method: Partial<Record<string, string>> };

const DEFAULT_LABELS: CsvLabels = { header: Object.fromEntries(CSV_COLUMNS.map((c) => [c, c])) as Record<CsvColumn, string>, kind: {}, method: {} };
const BATCH = 500;

/** A text cell Excel would read as a formula (=, +, -, @, tab, CR) is prefixed with ' (CSV injection). */
function safeText(value: string | null | undefined): string {
  const text = value ?? "";
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function itemsText(items: Array<{ item: string; quantity: number; unitValue: number }> | undefined) {
  return (items ?? []).map((i) => `${i.item}: ${i.quantity} × ${i.unitValue}`).join("; ");
}

/**
 * The institution's books as CSV rows: every ledger entry in chain order (sequence and hash, so a
 * reader can check the chain), with its donation's details; then any donation whose ledger entry is
 * missing (a recording that stopped half-way), so every donation appears. Donors are named in full:
 * this is the institution's private export, not a public report.
 */
export async function financeExport(actor: SessionUser, institutionId: string, labels: CsvLabels = DEFAULT_LABELS) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findById(institutionId).select("slug provinceSlug").lean();
  if (!institution) throw notFound();
  if (!canAccessInstitution(actor, { id: String(institution._id), provinceSlug: institution.provinceSlug })) throw forbidden();
  const instId = institution._id;

  const programmes = new Map((await Programme.find({ institutionId: instId }).select("title").lean()).map((p) => [String(p._id), p.title]));
  const chunks: string[] = [stringify([CSV_COLUMNS.map((c) => labels.header[c])], { record_delimiter: "windows" })];
  const seenDonations = new Set<string>();

  const row = (values: Record<CsvColumn, string | number>) => CSV_COLUMNS.map((c) => values[c]);
  const donationCells = (d: DonationDoc | undefined, donors: Map<string, { name: string; taxCode: string | null }>, pledges: Map<string, string>) => ({
    donor: d?.donorId ? safeText(donors.get(String(d.donorId))?.name) : "",
    taxCode: d?.donorId ? safeText(donors.get(String(d.donorId))?.taxCode) : "",
    method: d ? (labels.method[d.method] ?? d.method) : "",
    receiptNumber: d?.receiptNumber ?? "",
    pledgeReference: d?.pledgeId ? (pledges.get(String(d.pledgeId)) ?? "") : "",
    items: safeText(itemsText(d?.inKind?.items)),
    valuationBasis: safeText(d?.inKind?.valuationBasis),
    evidenceFiles: d ? (d.evidenceFileIds ?? []).length : "",
  });

  let after = 0;
  for (;;) {
    const entries = await LedgerEntry.find({ institutionId: instId, sequence: { $gt: after } }).sort({ sequence: 1 }).limit(BATCH).lean();
    if (entries.length === 0) break;
    after = entries[entries.length - 1]!.sequence;
    const donationIds = entries.filter((e) => e.sourceType === "donation" && e.sourceId).map((e) => e.sourceId!);
    const donations = new Map((await Donation.find({ _id: { $in: donationIds } }).lean()).map((d) => [String(d._id), d]));
    const donors = await donorNames([...entries.map((e) => e.donorId), ...[...donations.values()].map((d) => d.donorId)]);
    const pledges = await pledgeReferences([...donations.values()].map((d) => d.pledgeId));
    const rows = entries.map((entry) => {
      const donation = entry.sourceType === "donation" && entry.sourceId ? donations.get(String(entry.sourceId)) : undefined;
      if (donation && !entry.reversesEntryId) seenDonations.add(String(donation._id));
      const cells = donationCells(donation, donors, pledges);
      return row({
        sequence: entry.sequence,
        date: formatDate(entry.occurredAt, "vi"),
        kind: labels.kind[entry.kind] ?? entry.kind,
        programme: safeText(programmes.get(String(entry.programmeId))),
        ...cells,
        donor: cells.donor || (entry.donorId ? safeText(donors.get(String(entry.donorId))?.name) : ""),
        amount: entry.amount,
        currency: entry.currency ?? "VND",
        reference: safeText(donation?.reference ?? entry.description),
        hash: entry.hash,
        prevHash: entry.prevHash,
      });
    });
    chunks.push(stringify(rows, { record_delimiter: "windows" }));
    if (entries.length < BATCH) break;
  }

  // Donations with no ledger entry yet (recordDonation stopped between its two writes): listed, without a sequence.
  const missing: DonationDoc[] = [];
  for await (const d of Donation.find({ institutionId: instId }).select("_id").lean().cursor()) {
    if (!seenDonations.has(String(d._id))) missing.push(d as DonationDoc);
  }
  if (missing.length > 0) {
    const donations = await Donation.find({ _id: { $in: missing.map((d) => d._id) } }).sort({ receivedAt: 1 }).lean();
    const donors = await donorNames(donations.map((d) => d.donorId));
    const pledges = await pledgeReferences(donations.map((d) => d.pledgeId));
    const rows = donations.map((d) =>
      row({
        sequence: "",
        date: formatDate(d.receivedAt, "vi"),
        kind: "",
        programme: safeText(programmes.get(String(d.programmeId))),
        ...donationCells(d, donors, pledges),
        amount: d.amount,
        currency: d.currency ?? "VND",
        reference: safeText(d.reference),
        hash: "",
        prevHash: "",
      }),
    );
    chunks.push(stringify(rows, { record_delimiter: "windows" }));
  }

  const today = vietnamDateInput(new Date());
  return { filename: `gopsuc-${institution.slug}-${today}.csv`, csv: chunks.join("") };
}

/** The CSV text of an institution's books (see financeExport). */
export async function financeCsv(actor: SessionUser, institutionId: string, labels?: CsvLabels): Promise<string> {
  return (await financeExport(actor, institutionId, labels)).csv;
}
