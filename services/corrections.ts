import mongoose, { type Types } from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import {
  correctionKey,
  CorrectionRequest,
  decideCorrectionRequest,
  findCorrectionByToken,
  findCorrectionRequest,
  listDecidedCorrections,
  listPendingCorrections,
  listProgrammeCorrections,
  pendingAmountOf,
  type CorrectionRequestDoc,
} from "#models/correction-request.server";
import { Donation, type DonationDoc } from "#models/donation.server";
import { Donor, donorName } from "#models/donor.server";
import { findLedgerEntryByKey, LedgerEntry } from "#models/ledger-entry.server";
import { Programme } from "#models/programme.server";
import { User, type SessionUser } from "#models/user.server";
import { canAccessInstitution, canManageProgrammes, canReviewInstitution } from "./access";
import { recordReversal } from "./money/donations";
import { forbidden, invalid, notFound, ServiceError } from "./errors";
import { reversedOfEntry } from "./money/projections";
import { getLimits } from "./settings";
import type { CorrectionDecisionInput, CorrectionInput } from "./validation/correction";
import { isDuplicateKeyError } from "#models/duplicate-key";

/**
 * Correcting a gift the institution recorded, the append-only way (docs/decisions/0009-corrections.md).
 * The gift itself never changes: a correction is a new, reversing ledger entry (kind "correction",
 * written by recordReversal with the key `correction:<request id>`), carrying the reason. Every
 * correction is a CorrectionRequest: below the platform's approval threshold it is approved and booked
 * at once; at or above it waits for a second person — the province officer of the institution's
 * province, a ministry officer or an admin — who is neither the requester nor the person who recorded
 * the gift. Cards are refunded in Stripe (their refund webhook books the reversal), not here.
 */

/** Methods a manager may correct here: what the institution itself recorded. Cards are refunded in Stripe. */
export const CORRECTABLE_METHODS = ["cash", "bank_transfer", "in_kind", "volunteer_hours"] as const;
const isCorrectable = (method: string) => (CORRECTABLE_METHODS as readonly string[]).includes(method);

const oid = (id: string | Types.ObjectId) => new mongoose.Types.ObjectId(String(id));

/** What has been reversed of a gift so far (refunds and corrections), as a positive number of đồng. */
async function reversedOf(donation: Pick<DonationDoc, "idempotencyKey">, exceptKey?: string) {
  const original = await findLedgerEntryByKey(`donation:${donation.idempotencyKey}`);
  if (!original) return { originalId: null, reversed: 0 };
  const except = exceptKey ? await findLedgerEntryByKey(exceptKey) : null;
  return { originalId: original._id, reversed: (await reversedOfEntry(original._id)) + (except ? except.amount : 0) };
}

/** The gift (of this programme) the actor wants to correct, if they may: the institution's managers (and admins). */
async function giftForCorrection(actor: SessionUser, programmeId: string, donationId: string) {
  if (!mongoose.isValidObjectId(programmeId) || !mongoose.isValidObjectId(donationId)) throw notFound();
  const programme = await Programme.findById(programmeId).select("institutionId institutionName provinceSlug title").lean();
  if (!programme) throw notFound();
  if (!canManageProgrammes(actor, String(programme.institutionId))) throw forbidden();
  const donation = await Donation.findById(donationId).lean();
  if (!donation || String(donation.programmeId) !== String(programme._id)) throw notFound();
  return { programme, donation };
}

export type CorrectableGift = {
  programme: { id: string; title: string; institutionName: string };
  gift: { id: string; receiptNumber: string; method: string; amount: number; receivedAt: Date; reference: string | null; donorName: string | null };
  correctable: boolean;
  reversed: number;
  pending: number;
  /** What may still be corrected: the gift less what was reversed and what is waiting for approval. */
  left: number;
  threshold: number;
};

/** The correction form's facts about one gift. */
export async function correctionForm(actor: SessionUser, programmeId: string, donationId: string): Promise<CorrectableGift> {
  const { programme, donation } = await giftForCorrection(actor, programmeId, donationId);
  const { reversed } = await reversedOf(donation);
  const pending = await pendingAmountOf(donation._id);
  const { correctionApprovalThreshold } = await getLimits();
  const donor = donation.donorId ? await Donor.findById(donation.donorId).select("kind legalName fullName").lean() : null;
  return {
    programme: { id: String(programme._id), title: programme.title, institutionName: programme.institutionName },
    gift: {
      id: String(donation._id),
      receiptNumber: donation.receiptNumber,
      method: donation.method,
      amount: donation.amount,
      receivedAt: donation.receivedAt,
      reference: donation.reference ?? null,
      donorName: donation.donorSnapshot?.name ?? (donor ? (donorName(donor) ?? null) : null),
    },
    correctable: isCorrectable(donation.method),
    reversed,
    pending,
    left: Math.max(0, donation.amount - reversed - pending),
    threshold: correctionApprovalThreshold,
  };
}

/** Books an approved request's reversing entry (idempotent by its key: a second call books nothing more). */
async function book(request: Pick<CorrectionRequestDoc, "_id" | "donationId" | "amount" | "reason">) {
  const { reversed } = await recordReversal({
    donationId: request.donationId,
    amount: request.amount,
    idempotencyKey: correctionKey(request._id),
    kind: "correction",
    occurredAt: new Date(),
    reason: request.reason,
  });
  return reversed;
}

export type CorrectionResult = { requestId: string; state: "requested" | "approved" | "rejected"; needsApproval: boolean; amount: number; duplicate: boolean };

const resultOf = (request: CorrectionRequestDoc, duplicate: boolean): CorrectionResult => ({
  requestId: String(request._id),
  state: request.state,
  needsApproval: request.needsApproval,
  amount: request.amount,
  duplicate,
});

/**
 * A manager corrects a gift: partly or fully (never more than is left of it). Below the approval
 * threshold the reversing entry is booked at once; at or above it (counting what was already
 * reversed of the gift and what waits for approval, so splitting a large correction into small ones
 * does not avoid the second person) the request waits for an officer. The same form submitted twice
 * is one correction.
 */
export async function requestCorrection(actor: SessionUser, programmeId: string, donationId: string, input: CorrectionInput): Promise<CorrectionResult> {
  const { programme, donation } = await giftForCorrection(actor, programmeId, donationId);

  const already = await findCorrectionByToken(input.clientToken);
  if (already) {
    if (String(already.donationId) !== String(donation._id) || String(already.requestedBy) !== actor.id) throw new ServiceError("conflict", "corrections.tokenUsed");
    if (already.state === "approved") await book(already); // completes a call that stopped half-way
    return resultOf(already, true);
  }

  if (!isCorrectable(donation.method)) throw invalid({}, "corrections.cardRefundInStripe");
  const { originalId, reversed } = await reversedOf(donation);
  if (!originalId) throw new ServiceError("conflict", "corrections.notOnBooks");
  const pending = await pendingAmountOf(donation._id);
  const left = donation.amount - reversed - pending;
  if (left <= 0) throw invalid({ amount: ["corrections.validation.nothingLeft"] }, "corrections.validation.nothingLeft");
  if (input.amount > left) throw invalid({ amount: ["corrections.validation.moreThanLeft"] }, "corrections.validation.moreThanLeft");

  const { correctionApprovalThreshold } = await getLimits();
  const needsApproval = reversed + pending + input.amount >= correctionApprovalThreshold;

  let request: CorrectionRequestDoc;
  try {
    request = (
      await CorrectionRequest.create({
        donationId: donation._id,
        programmeId: programme._id,
        institutionId: programme.institutionId,
        provinceSlug: programme.provinceSlug,
        amount: input.amount,
        reason: input.reason,
        clientToken: input.clientToken,
        requestedBy: actor.id,
        needsApproval,
        state: needsApproval ? "requested" : "approved",
        decidedAt: needsApproval ? null : new Date(),
      })
    ).toObject() as CorrectionRequestDoc;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const raced = await findCorrectionByToken(input.clientToken); // the same form, a moment ago
    if (!raced) throw error;
    if (raced.state === "approved") await book(raced);
    return resultOf(raced, true);
  }

  const audit = {
    actor,
    subjectType: "CorrectionRequest",
    subjectId: request._id,
    institutionId: programme.institutionId,
    provinceSlug: programme.provinceSlug,
  };
  const details = { donationId: String(donation._id), receiptNumber: donation.receiptNumber, giftAmount: donation.amount, amount: input.amount, reason: input.reason, threshold: correctionApprovalThreshold };
  if (needsApproval) {
    await recordAudit({ ...audit, action: "correction.request", details });
  } else {
    const booked = await book(request);
    await recordAudit({ ...audit, action: "correction.book", details: { ...details, booked, approval: "below_threshold" } });
  }
  return resultOf(request, false);
}

/** Who may decide a request: the institution's province officer, ministry officers, admins — never the requester or the gift's recorder. */
function mayDecide(actor: SessionUser, request: Pick<CorrectionRequestDoc, "provinceSlug" | "requestedBy">, donation: Pick<DonationDoc, "recordedBy">) {
  if (!canReviewInstitution(actor, { provinceSlug: request.provinceSlug })) return false;
  if (String(request.requestedBy) === actor.id) return false;
  if (donation.recordedBy && String(donation.recordedBy) === actor.id) return false;
  return true;
}

/**
 * An officer approves (the reversing entry is booked) or rejects (nothing is booked) a request.
 * Idempotent: approving twice — a double click, a resubmitted page — books once.
 */
export async function decideCorrection(actor: SessionUser, input: CorrectionDecisionInput): Promise<CorrectionResult> {
  const request = await findCorrectionRequest(input.requestId);
  if (!request) throw notFound();
  if (!canReviewInstitution(actor, { provinceSlug: request.provinceSlug })) throw forbidden();
  const donation = await Donation.findById(request.donationId).select("recordedBy amount idempotencyKey receiptNumber").lean();
  if (!donation) throw notFound();
  if (String(request.requestedBy) === actor.id) throw forbidden("corrections.ownRequest");
  if (!mayDecide(actor, request, donation)) throw forbidden("corrections.ownGift");
  const approve = input.decision === "approve";

  if (request.state !== "requested") {
    // Decided already: the same decision again changes nothing (and completes a booking that stopped half-way).
    if (request.state === "approved" && approve) {
      await book(request);
      return resultOf(request, true);
    }
    if (request.state === "rejected" && !approve) return resultOf(request, true);
    throw new ServiceError("conflict", "corrections.alreadyDecided");
  }

  if (approve) {
    // Still no more than is left of the gift (other corrections may have been booked meanwhile).
    const { reversed } = await reversedOf(donation, correctionKey(request._id));
    if (request.amount > donation.amount - reversed) throw new ServiceError("conflict", "corrections.validation.moreThanLeft");
  }

  const decided = await decideCorrectionRequest(request._id, { state: approve ? "approved" : "rejected", decidedBy: actor.id, decisionReason: input.reason || null });
  if (!decided) {
    // Another submission decided it a moment ago.
    const now = await findCorrectionRequest(input.requestId);
    if (now?.state === "approved" && approve) {
      await book(now);
      return resultOf(now, true);
    }
    if (now?.state === "rejected" && !approve) return resultOf(now, true);
    throw new ServiceError("conflict", "corrections.alreadyDecided");
  }
  const details = { donationId: String(request.donationId), receiptNumber: donation.receiptNumber, amount: request.amount, reason: request.reason, requestedBy: String(request.requestedBy), decisionReason: input.reason || null };
  const audit = { actor, subjectType: "CorrectionRequest", subjectId: request._id, institutionId: request.institutionId, provinceSlug: request.provinceSlug };
  if (approve) {
    const booked = await book(decided);
    await recordAudit({ ...audit, action: "correction.approve", details: { ...details, booked } });
  } else {
    await recordAudit({ ...audit, action: "correction.reject", details });
  }
  return resultOf(decided, false);
}

export type CorrectionRow = {
  id: string;
  donationId: string;
  receiptNumber: string;
  giftAmount: number;
  amount: number;
  reason: string;
  state: "requested" | "approved" | "rejected";
  needsApproval: boolean;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  programmeTitle: string;
  institutionName: string;
  /** Whether the signed-in reviewer may decide it (not their own request or gift). */
  canDecide: boolean;
};

async function rows(actor: SessionUser, requests: CorrectionRequestDoc[]): Promise<CorrectionRow[]> {
  if (requests.length === 0) return [];
  const donations = new Map(
    (await Donation.find({ _id: { $in: [...new Set(requests.map((r) => String(r.donationId)))].map(oid) } }).select("receiptNumber amount recordedBy").lean()).map((d) => [String(d._id), d]),
  );
  const userIds = [...new Set(requests.flatMap((r) => [r.requestedBy, r.decidedBy]).filter((id): id is Types.ObjectId => id != null).map(String))];
  const users = new Map((await User.find({ _id: { $in: userIds.map(oid) } }).select("name").lean()).map((u) => [String(u._id), u.name]));
  const programmes = new Map(
    (await Programme.find({ _id: { $in: [...new Set(requests.map((r) => String(r.programmeId)))].map(oid) } }).select("title institutionName").lean()).map((p) => [String(p._id), p]),
  );
  return requests.map((r) => {
    const donation = donations.get(String(r.donationId));
    const programme = programmes.get(String(r.programmeId));
    return {
      id: String(r._id),
      donationId: String(r.donationId),
      receiptNumber: donation?.receiptNumber ?? "",
      giftAmount: donation?.amount ?? 0,
      amount: r.amount,
      reason: r.reason,
      state: r.state,
      needsApproval: r.needsApproval,
      requestedBy: users.get(String(r.requestedBy)) ?? "",
      requestedAt: r.createdAt,
      decidedBy: r.decidedBy ? (users.get(String(r.decidedBy)) ?? "") : null,
      decidedAt: r.decidedAt ?? null,
      decisionReason: r.decisionReason ?? null,
      programmeTitle: programme?.title ?? "",
      institutionName: programme?.institutionName ?? "",
      canDecide: r.state === "requested" && donation != null && mayDecide(actor, r, donation),
    };
  });
}

/** The review page: requests waiting in the reviewer's province (every province for the ministry), and recent decisions. */
export async function correctionReviewQueue(actor: SessionUser) {
  if (!(actor.role === "admin" || actor.role === "ministry_officer" || actor.role === "province_officer")) throw forbidden();
  const scope = actor.role === "province_officer" ? actor.provinceSlug : null;
  if (actor.role === "province_officer" && !scope) return { pending: [], decided: [] };
  const [pending, decided] = await Promise.all([listPendingCorrections(scope), listDecidedCorrections(scope)]);
  return { pending: await rows(actor, pending as CorrectionRequestDoc[]), decided: await rows(actor, decided as CorrectionRequestDoc[]) };
}

/** A programme's corrections (all states) and, per gift, what was reversed and what waits — for the finance page. */
export async function programmeCorrections(actor: SessionUser, programmeId: string) {
  if (!mongoose.isValidObjectId(programmeId)) throw notFound();
  const programme = await Programme.findById(programmeId).select("institutionId provinceSlug").lean();
  if (!programme) throw notFound();
  if (!canAccessInstitution(actor, { id: String(programme.institutionId), provinceSlug: programme.provinceSlug })) throw forbidden();
  const requests = (await listProgrammeCorrections(programme._id)) as CorrectionRequestDoc[];
  // Reversed per gift, from the books (refunds included).
  const reversals = await LedgerEntry.aggregate<{ _id: Types.ObjectId; total: number }>([
    { $match: { programmeId: programme._id, reversesEntryId: { $ne: null }, sourceType: "donation" } },
    { $group: { _id: "$sourceId", total: { $sum: "$amount" } } },
  ]);
  const reversedByGift: Record<string, number> = {};
  for (const row of reversals) reversedByGift[String(row._id)] = -row.total;
  const pendingByGift: Record<string, number> = {};
  for (const r of requests) if (r.state === "requested") pendingByGift[String(r.donationId)] = (pendingByGift[String(r.donationId)] ?? 0) + r.amount;
  return { corrections: await rows(actor, requests), reversedByGift, pendingByGift, correctableMethods: [...CORRECTABLE_METHODS] as string[] };
}
