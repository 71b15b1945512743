import type { Types } from "mongoose";
import { countryName } from "./countries";
import { HOME_COUNTRY } from "./validation/country";
import { ledgerDonationRow } from "#models/catalogue.server";
import { findDonationByReceiptNumber, findGiftsOfPledge, type DonationDoc, type DonationMethod } from "#models/donation.server";
import { Donor, type DonorDoc } from "#models/donor.server";
import { findStoredReceipt, storeReceipt } from "#models/file.server";
import { Institution, type InstitutionDoc } from "#models/institution.server";
import { LedgerEntry, findLedgerEntryByKey, ledgerEntryIdFor } from "#models/ledger-entry.server";
import { Pledge, type PledgeDoc } from "#models/pledge.server";
import { Programme, type ProgrammeDoc } from "#models/programme.server";
import { provinceName } from "#models/reference/provinces";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution } from "./access";
import { publicLedgerEntry } from "./catalogue";
import { donorSnapshotOfRecord, type DonorSnapshot } from "./money/donations";
import { forbidden, notFound } from "./errors";
import { isOwnPledge } from "./pledges";
import { reversedOfEntry } from "./money/projections";
import type { CardCurrency } from "./currencies";
import { renderDonationReceiptPdf } from "./receipts";
import { logPlaceOfEntry, type LogPlace } from "./transparency/log";

/** The shape of a receipt number (receiptNumberFor): what the public page and the PDF accept. */
export const RECEIPT_NUMBER = /^R-[0-9A-F]{16}$/;

/** The public page of a receipt: what its QR code opens. */
export function receiptPageUrl(appUrl: string, receiptNumber: string) {
  return `${appUrl.replace(/\/+$/, "")}/receipts/${receiptNumber}`;
}

/** Which instalment(s) of its pledge a gift paid: "Đợt 2/4" (from = to), or "Đợt 2–3/4". */
export type InstalmentPaid = { from: number; to: number; count: number };

/**
 * The instalments a gift paid, from the pledge's schedule and the gifts in the order they were
 * confirmed (gifts are never deleted, and a later one never comes before an earlier one, so the
 * answer never changes afterwards). Null when the gift paid no instalment plan.
 */
async function instalmentPaid(donation: Pick<DonationDoc, "_id" | "pledgeId" | "amount" | "createdAt">, pledge: Pick<PledgeDoc, "kind" | "instalments"> | null): Promise<InstalmentPaid | null> {
  if (!donation.pledgeId) return null;
  if (!pledge || pledge.kind !== "cash_instalments" || pledge.instalments.length === 0) return null;
  const gifts = await findGiftsOfPledge(donation.pledgeId);
  let before = 0;
  for (const gift of gifts) {
    if (String(gift._id) === String(donation._id)) break;
    before += gift.amount;
  }
  const instalments = [...pledge.instalments].sort((a, b) => a.seq - b.seq);
  let start = 0;
  let from: number | null = null;
  let to: number | null = null;
  for (const instalment of instalments) {
    const end = start + instalment.amount;
    // The gift covers the đồng (before, before + amount]; an instalment is paid by it when they overlap.
    if (end > before && start < before + donation.amount) {
      from ??= instalment.seq;
      to = instalment.seq;
    }
    start = end;
  }
  return from !== null && to !== null ? { from, to, count: instalments.length } : null;
}

/** The donor as the gift's receipt shows them: the copy taken when it was confirmed, else (older gifts) the record. */
function receiptDonor(donation: { donorSnapshot?: Partial<DonorSnapshot> | null }, donor: DonorDoc | null): Omit<DonorSnapshot, "kind"> | null {
  if (donor?.erasedAt) return null; // an erasure request anonymises the receipt too — the only change it ever sees
  const snapshot = donation.donorSnapshot;
  if (snapshot?.name) return { name: snapshot.name, taxCode: snapshot.taxCode ?? null, country: snapshot.country ?? null, registrationNumber: snapshot.registrationNumber ?? null, address: snapshot.address ?? null, representative: snapshot.representative ?? null };
  return donor ? donorSnapshotOfRecord(donor) : null;
}

async function loadReceipt(receiptNumber: string): Promise<Loaded> {
  return (await loadReceiptWith(receiptNumber, () => Promise.resolve(null))).loaded;
}

/**
 * The gift, then side by side what its receipt shows (its donor, pledge, institution, programme) and
 * `alongside` (what else the caller reads of the gift): two rounds of reads by `_id`.
 */
async function loadReceiptWith<T>(receiptNumber: string, alongside: (donation: DonationDoc) => Promise<T>) {
  if (!RECEIPT_NUMBER.test(receiptNumber)) throw notFound();
  const donation = await findDonationByReceiptNumber(receiptNumber);
  if (!donation) throw notFound();
  const [donor, pledge, institution, programme, more] = await Promise.all([
    donation.donorId ? Donor.findById(donation.donorId).lean() : null,
    donation.pledgeId ? Pledge.findById(donation.pledgeId).select("pledgedBy visibility consent kind instalments").lean() : null,
    Institution.findById(donation.institutionId).lean(),
    Programme.findById(donation.programmeId).select("title slug").lean(),
    alongside(donation),
  ]);
  if (!institution || !programme) throw notFound();
  return { loaded: { donation, donor, pledge, institution, programme }, alongside: more };
}

type Loaded = { donation: DonationDoc; donor: DonorDoc | null; pledge: Pick<PledgeDoc, "_id" | "pledgedBy" | "visibility" | "consent" | "kind" | "instalments"> | null; institution: InstitutionDoc; programme: Pick<ProgrammeDoc, "_id" | "title" | "slug"> };

/** The gift's donor (or whoever made its pledge), and those who may see the institution's books. */
function mayDownload(actor: SessionUser | null, { donor, pledge, institution }: Loaded) {
  if (!actor) return false;
  const ownGift = pledge ? isOwnPledge(actor, pledge, donor) : Boolean(donor?.userId && String(donor.userId) === actor.id);
  return ownGift || canAccessInstitution(actor, { id: String(institution._id), provinceSlug: institution.provinceSlug });
}

/** The receipt PDF of a confirmed gift, for its donor or for those who may see the institution's books. */
export async function receiptPdfFor(actor: SessionUser, receiptNumber: string, appUrl: string, locale: "vi" | "en" = "vi") {
  const loaded = await loadReceipt(receiptNumber);
  if (!mayDownload(actor, loaded)) throw forbidden();
  const { donation, donor, pledge, institution, programme } = loaded;
  const verifyUrl = receiptPageUrl(appUrl, donation.receiptNumber);
  // Rendered once, then served as stored: embedding the fonts makes a PDF cost ~0.1–0.3 s of CPU.
  const stored = await findStoredReceipt(donation.receiptNumber, verifyUrl, locale);
  if (stored) return stored;
  const who = receiptDonor(donation, donor);
  const pdf = await renderDonationReceiptPdf({
    receiptNumber: donation.receiptNumber,
    issuedAt: donation.receivedAt,
    donor: {
      name: who?.name || (locale === "en" ? "Anonymous benefactor" : "Nhà hảo tâm"),
      taxCode: who?.taxCode ?? null,
      registrationNumber: who?.registrationNumber ?? null,
      // A donor abroad: the country, named in the receipt's language.
      country: who?.country && who.country !== HOME_COUNTRY ? countryName(who.country, locale) : null,
      address: who?.address ?? null,
      representative: who?.representative ?? null,
    },
    institution: { name: institution.name, address: institution.address, provinceName: provinceName(institution.provinceSlug) ?? "" },
    programme: { title: programme.title },
    amount: donation.amount,
    method: donation.method,
    receivedAt: donation.receivedAt,
    reference: donation.reference ?? donation.receiptNumber,
    instalment: await instalmentPaid(donation, pledge),
    inKindItems: donation.inKind?.items?.map((i) => ({ item: i.item, quantity: i.quantity, unitValue: i.unitValue, declaredUnitValue: i.declaredUnitValue ?? null })) ?? [],
    valuationBasis: donation.inKind?.valuationBasis ?? null,
    declaredIn: declaredInOf(donation),
    volunteerHours: donation.volunteerHours ? { hours: donation.volunteerHours.hours, ratePerHour: donation.volunteerHours.ratePerHour, mode: donation.volunteerHours.mode ?? null } : null,
    paidIn: paidInOf(donation),
    verifyUrl,
  }, locale);
  await storeReceipt(donation.receiptNumber, verifyUrl, pdf, locale);
  return pdf;
}

/** Whether the gift is still on the books: nothing reversed, part of it, or all of it (refunds and corrections). */
export type ReceiptStanding = "on_books" | "partly_reversed" | "reversed";

export type PublicReceipt = {
  receiptNumber: string;
  programme: { title: string; slug: string };
  institution: { name: string; slug: string };
  /** null when the donor chose to show their name but not the amount (as on the public ledger). */
  amount: number | null;
  receivedAt: Date;
  method: DonationMethod;
  instalment: InstalmentPaid | null;
  /** null = shown as the anonymous benefactor ("Nhà hảo tâm"): no consent, or erased. */
  donorName: string | null;
  standing: ReceiptStanding;
  /** What was refunded or corrected since (null when the amount is not public). */
  reversedAmount: number | null;
  /** amount: what left the gift (positive), or came back to it (negative, a reinstatement). */
  reversals: Array<{ kind: "refund" | "correction" | "dispute" | "reinstatement"; occurredAt: Date; amount: number | null }>;
  /** A card gift paid in another currency: what the card was charged and the rate (null when the amount is not public). */
  paidIn: { currency: CardCurrency; amount: number; exchangeRate: number } | null;
  /** Whether this viewer may download the PDF (the donor, the institution's managers and officers). */
  canDownload: boolean;
  /** The gift's ledger entry (null while a stopped process has not booked it yet). */
  entryId: string | null;
  /** Its place in the platform's transparency log (null until the log takes it in). */
  logPlace: LogPlace | null;
};

const paidInOf = (donation: Pick<DonationDoc, "paidIn">) =>
  donation.paidIn ? { currency: donation.paidIn.currency as CardCurrency, amount: donation.paidIn.amount, exchangeRate: donation.paidIn.exchangeRate } : null;

/** Goods declared in another currency: the manager's rate, its day and source (issue 13). */
const declaredInOf = (donation: Pick<DonationDoc, "inKind">) => {
  const declared = donation.inKind?.declaredIn;
  return declared ? { currency: declared.currency as CardCurrency, rate: declared.rate, rateDate: declared.rateDate, rateSource: declared.rateSource } : null;
};

const REVERSAL_KINDS = new Set(["refund", "dispute", "reinstatement"]);

/**
 * What a receipt proves, for anyone holding it (its QR code opens this): the gift, shown as the donor
 * consented — the same rule as the programme's public ledger, never a private donor's name, tax code
 * or address — and whether it is still on the books or was refunded or corrected since.
 */
export async function publicReceipt(receiptNumber: string, viewer: SessionUser | null): Promise<PublicReceipt> {
  // The gift's entry, what was reversed of it (a running total) and its place in the log are read by the
  // `_id`s its idempotency key gives, beside the rest: two rounds for a gift nothing reversed.
  const { loaded, alongside } = await loadReceiptWith(receiptNumber, (donation) => {
    const key = `donation:${donation.idempotencyKey}`;
    const id = ledgerEntryIdFor(key);
    return Promise.all([findLedgerEntryByKey(key), reversedOfEntry(id), logPlaceOfEntry(String(id))]);
  });
  const { donation, donor, pledge, institution, programme } = loaded;
  const shown = publicLedgerEntry(ledgerDonationRow(donation, pledge, donor));
  const [original, reversedById, placeById] = alongside;
  // An entry stored before ids were derived from keys has another `_id`: read again by it.
  const derived = !original || String(original._id) === String(ledgerEntryIdFor(`donation:${donation.idempotencyKey}`));
  const [reversed, logPlace] = !original ? [0, null] : derived ? [reversedById, placeById] : await Promise.all([reversedOfEntry(original._id as Types.ObjectId), logPlaceOfEntry(String(original._id))]);
  const reversalEntries =
    original && reversed > 0 ? await LedgerEntry.find({ reversesEntryId: original._id }).select("kind amount occurredAt").sort({ sequence: 1 }).limit(100).lean() : [];
  const amountShown = shown.amount !== null;
  return {
    receiptNumber: donation.receiptNumber,
    programme: { title: programme.title, slug: programme.slug },
    institution: { name: institution.name, slug: institution.slug },
    amount: shown.amount,
    receivedAt: donation.receivedAt,
    method: donation.method,
    instalment: await instalmentPaid(donation, pledge),
    paidIn: amountShown ? paidInOf(donation) : null,
    donorName: shown.donorName,
    standing: reversed <= 0 ? "on_books" : reversed >= donation.amount ? "reversed" : "partly_reversed",
    reversedAmount: amountShown ? reversed : null,
    reversals: reversalEntries.map((entry) => ({ kind: REVERSAL_KINDS.has(entry.kind) ? (entry.kind as "refund" | "dispute" | "reinstatement") : "correction", occurredAt: entry.occurredAt, amount: amountShown ? -entry.amount : null })),
    canDownload: mayDownload(viewer, loaded),
    entryId: original ? String(original._id) : null,
    logPlace,
  };
}
