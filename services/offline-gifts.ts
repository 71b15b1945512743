import { randomBytes } from "node:crypto";
import { sendThankYouLetters } from "./thank-you";
import mongoose, { type Types } from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { findDonationByIdempotencyKey, findGiftsOfPledge } from "#models/donation.server";
import { Donor, donorUniqueKey } from "#models/donor.server";
import { findFile } from "#models/file.server";
import { findPledgeByReference } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { canManageProgrammes } from "./access";
import { recordDonation, type DonorSnapshot } from "./money/donations";
import { TRANSFER_MATCH_DAYS } from "./reconciliation";
import { forbidden, invalid, notFound, ServiceError } from "./errors";
import { assertWithinLimit } from "./settings";
import type { OfflineDonorInput, OfflineGiftInput } from "./validation/offline-gift";
import { isDuplicateKeyError } from "#models/duplicate-key";

/**
 * A gift that arrived outside the platform — cash at the desk, a transfer the manager saw on the
 * statement, goods handed over, hours given by a volunteer expert — recorded by one of the
 * institution's managers, with evidence attached. The money event itself is recordDonation's, keyed
 * `offline:<clientToken>`: the token is generated when the form is rendered, so a form submitted
 * twice (a double click, a resubmitted page) records one gift.
 */
export type OfflineGiftResult = { donationId: string; receiptNumber: string; duplicate: boolean; programmeId: string; institutionId: string };

/** The hidden token put in a freshly rendered gift form (128 random bits, URL-safe). */
export function newClientToken(): string {
  return randomBytes(16).toString("base64url");
}


/** The programme, if the actor may record gifts for it: its institution's managers (and admins); open or closed, not a draft. */
async function programmeForRecording(actor: SessionUser, programmeId: string) {
  if (!mongoose.isValidObjectId(programmeId)) throw notFound();
  const programme = await Programme.findById(programmeId).select("institutionId provinceSlug state").lean();
  if (!programme) throw notFound();
  if (!canManageProgrammes(actor, String(programme.institutionId))) throw forbidden();
  // Money can arrive after a programme closed (a late instalment, goods delivered late), so closed is fine.
  if (programme.state === "draft") throw invalid({}, "gifts.programmeDraft");
  return programme;
}

/**
 * The donor of an offline gift: an organisation is found by its tax code (abroad: its country and
 * registration number), anyone else by their email,
 * or created. An anonymous walk-in gift has no donor (null).
 */
async function findOrCreateDonor(donor: OfflineDonorInput): Promise<Types.ObjectId | null> {
  if (donor.type === "anonymous" || donor.type === "pledge_donor") return null;
  const fields =
    donor.type === "organisation"
      ? { kind: "organisation" as const, legalName: donor.legalName, country: donor.country, taxCode: donor.taxCode, registrationNumber: donor.registrationNumber, email: donor.email, phone: donor.phone }
      : { kind: "individual" as const, fullName: donor.fullName, country: donor.country, email: donor.email, phone: donor.phone };
  const id = new mongoose.Types.ObjectId();
  const uniqueKey = donorUniqueKey({ _id: id, ...fields });
  const find = () => Donor.findOne({ uniqueKey }).select("kind").lean();
  const existing = uniqueKey.startsWith("id:") ? null : await find();
  if (existing) {
    if (existing.kind !== fields.kind) throw invalid({ email: ["gifts.validation.emailOtherDonor"] });
    return existing._id;
  }
  try {
    const created = await Donor.create({ _id: id, ...fields });
    return created._id;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const raced = await find(); // created by a concurrent request a moment ago
    if (!raced) throw error;
    return raced._id;
  }
}

/** The donor as typed on the gift form (none for an anonymous gift or one recorded against a pledge). */
function typedDonor(donor: OfflineDonorInput): DonorSnapshot | null {
  if (donor.type === "organisation") return { kind: "organisation", name: donor.legalName, taxCode: donor.taxCode, country: donor.country, registrationNumber: donor.registrationNumber, address: null, representative: null };
  if (donor.type === "individual") return { kind: "individual", name: donor.fullName, taxCode: null, country: donor.country, registrationNumber: null, address: null, representative: null };
  return null;
}

/** Evidence must be files uploaded as evidence for this institution (not another institution's file ids). */
async function checkEvidenceIds(evidenceFileIds: string[], institutionId: string) {
  for (const fileId of evidenceFileIds) {
    const file = await findFile(fileId);
    if (!file || file.metadata.kind !== "evidence" || file.metadata.institutionId !== institutionId) throw invalid({ evidence: ["gifts.validation.evidenceType"] });
  }
}

export async function recordOfflineGift(actor: SessionUser, programmeId: string, input: OfflineGiftInput, evidenceFileIds: string[] = []): Promise<OfflineGiftResult> {
  const programme = await programmeForRecording(actor, programmeId);
  const institutionId = String(programme.institutionId);
  const idempotencyKey = `offline:${input.clientToken}`;

  // The same form again: no new donor, no new gift; recordDonation completes a call that stopped half-way.
  const already = await findDonationByIdempotencyKey(idempotencyKey);
  if (already) {
    if (String(already.programmeId) !== String(programme._id)) throw new ServiceError("conflict", "gifts.tokenUsed");
    const result = await recordDonation({
      idempotencyKey,
      programmeId: already.programmeId,
      institutionId: already.institutionId,
      method: already.method,
      amount: already.amount,
      receivedAt: already.receivedAt,
    });
    return { ...result, duplicate: true, programmeId: String(programme._id), institutionId };
  }

  await checkEvidenceIds(evidenceFileIds, institutionId);
  // The platform's limit on one gift (set by an admin), whatever its kind.
  await assertWithinLimit(input.amount, input.method === "in_kind" ? "items" : input.method === "volunteer_hours" ? "hours" : "amount");

  let pledge: Awaited<ReturnType<typeof findPledgeByReference>> = null;
  if (input.pledgeReference) {
    pledge = await findPledgeByReference(input.pledgeReference);
    if (!pledge || String(pledge.programmeId) !== String(programme._id)) throw invalid({ pledgeReference: ["gifts.validation.pledgeNotFound"] });
    if (pledge.state === "cancelled") throw invalid({ pledgeReference: ["gifts.validation.pledgeCancelled"] });
    // A transfer is confirmed once, whichever way it arrives first: one the bank statement already booked
    // (same pledge, same amount, a few days apart) is not recorded again by hand. The statement stays the
    // way to record a second, distinct transfer (its line is a transfer of its own).
    if (input.method === "bank_transfer") {
      const window = TRANSFER_MATCH_DAYS * 24 * 3600 * 1000;
      const onStatement = (await findGiftsOfPledge(pledge._id)).some(
        (gift) => gift.idempotencyKey.startsWith("bank:") && gift.amount === input.amount && Math.abs(gift.receivedAt.getTime() - input.receivedAt.getTime()) <= window,
      );
      if (onStatement) throw invalid({ amount: ["gifts.validation.transferOnStatement"] }, "gifts.validation.transferOnStatement");
    }
  }
  const donorId = pledge ? pledge.donorId : await findOrCreateDonor(input.donor);

  const result = await recordDonation({
    idempotencyKey,
    programmeId: programme._id,
    institutionId: programme.institutionId,
    pledgeId: pledge?._id ?? null,
    donorId,
    method: input.method,
    amount: input.amount,
    receivedAt: input.receivedAt,
    reference: input.voucher ?? pledge?.reference ?? null,
    provider: { name: "offline" },
    volunteerHours: input.hours ? { hours: input.hours.hours, ratePerHour: input.hours.ratePerHour, mode: input.hours.mode } : null,
    evidenceFileIds,
    inKind: input.method === "in_kind" ? { items: input.items, valuationBasis: input.valuationBasis, declaredIn: input.declaredIn } : undefined,
    recordedBy: actor.id,
    // The receipt carries the donor as the manager typed them today, whatever the donor record says.
    donorSnapshot: pledge ? null : typedDonor(input.donor),
  });
  // A gift towards a pledge: its donor gets the thank-you letter and receipt in their language.
  if (!result.duplicate && pledge) sendThankYouLetters([result.donationId]);
  if (!result.duplicate) {
    await recordAudit({
      actor,
      action: "donation.record_offline",
      subjectType: "Donation",
      subjectId: result.donationId,
      institutionId: programme.institutionId,
      provinceSlug: programme.provinceSlug,
      details: {
        method: input.method,
        amount: input.amount,
        receiptNumber: result.receiptNumber,
        pledgeReference: pledge?.reference ?? null,
        evidenceFileIds,
        // Donation has no field for hours yet: the hours and the rate behind the amount are kept here.
        ...(input.hours ? { hours: input.hours.hours, ratePerHour: input.hours.ratePerHour } : {}),
      },
    });
  }
  return { ...result, programmeId: String(programme._id), institutionId };
}
