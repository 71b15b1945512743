import { type Types } from "mongoose";
import {
  Donation,
  findDonationByIdempotencyKey,
  receiptNumberFor,
  type DonationDoc,
  type DonationMethod,
} from "#models/donation.server";
import { Donor, donorName, type DonorDoc } from "#models/donor.server";
import {
  findLedgerEntryByKey,
  type LedgerEntryKind,
} from "#models/ledger-entry.server";
import { Pledge, type PledgeDoc } from "#models/pledge.server";
import { hasLegacyIds } from "#models/projection.server";
import { appendLedgerEntry } from "./ledger";
import {
  reversedOfEntry,
  withInstitutionLock,
} from "./projections";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { insertValidated } from "#models/insert-validated";
import { noteGiftForAmountKey } from "../transparency/gift-amount-keys";


/**
 * Money coming in. Every confirmed gift — a Stripe payment, a reconciled bank transfer, cash, goods
 * or volunteer hours recorded by a manager — goes through recordDonation. The donation insert is the
 * money event, keyed by a unique idempotency key (e.g. "stripe:pi_…", "bank:<line hash>"); every later
 * step is idempotent too, so a retried webhook or a re-imported statement counts once, and a call that
 * crashed half-way is completed by the retry.
 */
export type DonationInput = {
  idempotencyKey: string;
  /** Who gave as the recorder typed it (an offline gift's form); otherwise taken from the pledge or the donor record. */
  donorSnapshot?: DonorSnapshot | null;
  programmeId: Types.ObjectId | string;
  institutionId: Types.ObjectId | string;
  pledgeId?: Types.ObjectId | string | null;
  donorId?: Types.ObjectId | string | null;
  method: DonationMethod;
  amount: number;
  receivedAt: Date;
  reference?: string | null;
  provider?: {
    name?: string;
    paymentIntentId?: string;
    checkoutSessionId?: string;
  };
  /** A card gift charged in another currency: what was charged and the rate Stripe settled it at (`amount` is the đồng settled). */
  paidIn?: { currency: string; amount: number; exchangeRate: number; balanceTransactionId?: string | null } | null;
  evidenceFileIds?: string[];
  inKind?: {
    items: Array<{ item: string; quantity: number; unitValue: number; declaredUnitValue?: number | null }>;
    valuationBasis?: string | null;
    /** Goods declared in another currency: the manager's rate, its day and source. */
    declaredIn?: { currency: string; rate: number; rateDate: Date; rateSource: string } | null;
  };
  volunteerHours?: { hours: number; ratePerHour: number; mode?: "in_person" | "remote" } | null;
  recordedBy?: string | null;
};

const LEDGER_KIND: Record<DonationMethod, LedgerEntryKind> = {
  card: "donation_received",
  bank_transfer: "donation_received",
  cash: "donation_received",
  in_kind: "in_kind_received",
  volunteer_hours: "volunteer_hours",
};


export type DonorSnapshot = {
  kind: "organisation" | "individual";
  name: string | null;
  taxCode: string | null;
  /** ISO 3166-1 alpha-2 (null: Việt Nam, as records from before countries were kept). */
  country: string | null;
  /** An organisation abroad: its registration or tax number in its own country. */
  registrationNumber: string | null;
  address: string | null;
  representative: string | null;
};

/** A donor record as its receipt shows it: an organisation's legal name, an individual's full name. */
export function donorSnapshotOfRecord(
  donor: Pick<
    DonorDoc,
    "kind" | "legalName" | "fullName" | "taxCode" | "country" | "registrationNumber" | "address" | "representative"
  >
): DonorSnapshot {
  return {
    kind: donor.kind === "organisation" ? "organisation" : "individual",
    name: donorName(donor),
    taxCode: donor.taxCode ?? null,
    country: donor.country ?? null,
    registrationNumber: donor.registrationNumber ?? null,
    address: donor.address ?? null,
    representative: donor.representative?.name ?? null,
  };
}

/**
 * Who gave, as of now — copied onto the gift so its receipt and the public ledger never change when the
 * donor's record does later: what the donor typed on the pledge, else the donor's record (offline gifts,
 * pledges made before pledges kept it), else nobody (an anonymous walk-in gift, an erased donor).
 */
async function donorSnapshotFor(
  input: DonationInput,
  pledge: Pick<PledgeDoc, "donorSnapshot"> | null
): Promise<DonorSnapshot | null> {
  if (input.donorSnapshot?.name) return input.donorSnapshot;
  const snapshot = pledge?.donorSnapshot;
  if (snapshot?.name) {
    return {
      kind: snapshot.kind === "organisation" ? "organisation" : "individual",
      name: snapshot.name,
      taxCode: snapshot.taxCode ?? null,
      country: snapshot.country ?? null,
      registrationNumber: snapshot.registrationNumber ?? null,
      address: snapshot.address ?? null,
      representative: snapshot.representative ?? null,
    };
  }
  if (!input.donorId) return null;
  const donor = await Donor.findById(input.donorId)
    .select("kind legalName fullName taxCode country registrationNumber address representative erasedAt")
    .lean();
  return donor && !donor.erasedAt ? donorSnapshotOfRecord(donor) : null;
}

export async function recordDonation(
  input: DonationInput
): Promise<{ donationId: string; receiptNumber: string; duplicate: boolean }> {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw new RangeError(
      `a donation is a positive whole number of đồng: ${input.amount}`
    );
  // Under the institution's lock from the start: the pledge is read once, here, and what the gift does
  // to it (its instalments, its state) is derived from that read — nothing else in this process changes
  // the pledge meanwhile (cancelPledge takes the same lock).
  // Whether the database holds records from before `_id`s were derived must be decided before this
  // process writes its first gift (asked once per process, then remembered).
  await hasLegacyIds();
  return withInstitutionLock(input.institutionId, async () => {
    const pledge = input.pledgeId ? await Pledge.findById(input.pledgeId).lean() : null;
    // Inserted first (its `_id` follows from the key, so a retry fails on it and reads what is there):
    // one write on the usual path, not a read and a write.
    let duplicate = false;
    let donation: DonationDoc | null = null;
    try {
      donation = await insertValidated<DonationDoc>(Donation, {
        idempotencyKey: input.idempotencyKey,
        receiptNumber: receiptNumberFor(input.idempotencyKey),
        pledgeId: input.pledgeId ?? null,
        programmeId: input.programmeId,
        institutionId: input.institutionId,
        donorId: input.donorId ?? null,
        method: input.method,
        amount: input.amount,
        receivedAt: input.receivedAt,
        reference: input.reference ?? null,
        provider: input.provider ?? {},
        paidIn: input.paidIn ?? null,
        evidenceFileIds: input.evidenceFileIds ?? [],
        inKind: input.inKind ?? { items: [] },
        volunteerHours: input.volunteerHours ?? null,
        recordedBy: input.recordedBy ?? null,
        donorSnapshot: await donorSnapshotFor(input, pledge),
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      duplicate = true;
      donation = await findDonationByIdempotencyKey(input.idempotencyKey);
    }
    if (!donation) throw new Error("donation vanished after insert");
    await bookDonation(donation, pledge);
    // "Find my gift" by amount and day: its key follows off the gift's path (decision 0040).
    noteGiftForAmountKey(donation);
    return {
      donationId: String(donation._id),
      receiptNumber: donation.receiptNumber,
      duplicate,
    };
  });
}

/**
 * The gift's ledger entry (idempotent by its key): the second write of a gift, after its insert. Also how
 * the sweeper completes a gift whose process stopped between the two. Under the institution's lock;
 * `pledge`: the gift's pledge as read under it (or null to read it here).
 */
export async function bookDonation(donation: DonationDoc, pledge?: PledgeDoc | null) {
  return withInstitutionLock(donation.institutionId, async () => {
    const asRead = pledge !== undefined ? pledge : donation.pledgeId ? await Pledge.findById(donation.pledgeId).lean() : null;
    return appendLedgerEntry({
      institutionId: donation.institutionId,
      programmeId: donation.programmeId,
      kind: LEDGER_KIND[donation.method],
      amount: donation.amount,
      occurredAt: donation.receivedAt,
      idempotencyKey: `donation:${donation.idempotencyKey}`,
      sourceType: "donation",
      sourceId: donation._id,
      donorId: donation.donorId,
      pledgeId: donation.pledgeId,
      description: donation.reference ?? "",
      pledgeAsRead: asRead && String(asRead._id) === String(donation.pledgeId) ? asRead : null,
    });
  });
}

/**
 * Appends an entry against one gift (a reversal of it, or money back to it): its `reversesEntryId` is
 * the gift's own entry, and its amount is decided under the institution's lock by `decide` (0 writes
 * nothing). Idempotent by its key: a retry returns its entry.
 */
async function appendAgainstGift(
  donationId: Types.ObjectId | string,
  entry: { kind: "refund" | "correction" | "dispute" | "reinstatement"; idempotencyKey: string; occurredAt: Date; reason?: string },
  decide: (gift: Pick<DonationDoc, "amount" | "paidIn">, originalId: Types.ObjectId) => Promise<number>
) {
  const donation = await Donation.findById(donationId).lean();
  if (!donation) throw new Error(`no donation ${String(donationId)}`);
  // A gift whose process stopped before its ledger entry is booked now (as the sweeper would), then reversed.
  const original = (await findLedgerEntryByKey(`donation:${donation.idempotencyKey}`)) ?? (await bookDonation(donation));
  return appendLedgerEntry(
    {
      institutionId: donation.institutionId,
      programmeId: donation.programmeId,
      kind: entry.kind,
      amount: 0,
      occurredAt: entry.occurredAt,
      idempotencyKey: entry.idempotencyKey,
      sourceType: "donation",
      sourceId: donation._id,
      reversesEntryId: original._id,
      donorId: donation.donorId,
      pledgeId: donation.pledgeId,
      description: entry.reason ?? "",
    },
    () => decide(donation, original._id as Types.ObjectId)
  );
}

/**
 * The đồng that `minor` of a card gift's own currency (a refund's or a dispute's amount) takes from it
 * (decision 0044): its share of the đồng booked (`booked` for `charged` minor units) — never at a later
 * rate — and, when what would be left of the gift is worth less than half a minor unit, all that is left
 * (`left`), so a payment refunded in full, at once or in parts, leaves no đồng of rounding on the books.
 */
export function dongOfPaidCurrency(booked: number, charged: number, minor: number, left: number): number {
  const share = Math.round((booked * minor) / charged);
  return (left - share) * 2 * charged < booked ? left : share;
}

/**
 * A refund (Stripe), a card dispute's withdrawal (Stripe) or a correction (manager): a new negative
 * entry reversing part or all of a donation. The donation record itself is never changed. Never more
 * than what is left of the gift, however many arrive — decided under the institution's lock, so two
 * reversals of one gift at once cannot both take what is left.
 */
export async function recordReversal(input: {
  donationId: Types.ObjectId | string;
  /** Đồng; or, with `inPaidCurrency`, the minor units of the currency a card gift was paid in (a Stripe refund's or dispute's own amount). */
  amount: number;
  inPaidCurrency?: boolean;
  idempotencyKey: string;
  kind: "refund" | "correction" | "dispute";
  occurredAt: Date;
  reason?: string;
}) {
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0)
    throw new RangeError(
      `a reversal is a positive whole number of đồng: ${input.amount}`
    );
  const written = await appendAgainstGift(input.donationId, input, async (gift, originalId) => {
    const left = Math.max(0, gift.amount - (await reversedOfEntry(originalId)));
    return -Math.min(input.inPaidCurrency && gift.paidIn ? dongOfPaidCurrency(gift.amount, gift.paidIn.amount, input.amount, left) : input.amount, left);
  });
  return { reversed: written ? -written.amount : 0 };
}

/**
 * Money that came back to a gift after a reversal took it (a Stripe refund that failed or was cancelled,
 * a card dispute won): a new positive entry against the gift, exactly what that reversal booked — found
 * by the reversal's key. Nothing when that reversal booked nothing. Idempotent by its own key.
 */
export async function recordReinstatement(input: {
  donationId: Types.ObjectId | string;
  reversalKey: string;
  idempotencyKey: string;
  occurredAt: Date;
  reason?: string;
}) {
  const written = await appendAgainstGift(input.donationId, { ...input, kind: "reinstatement" }, async (_gift, originalId) => {
    const reversal = await findLedgerEntryByKey(input.reversalKey);
    return reversal && reversal.amount < 0 && String(reversal.reversesEntryId) === String(originalId) ? -reversal.amount : 0;
  });
  return { reinstated: written ? written.amount : 0 };
}

