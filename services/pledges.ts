import { recordAudit } from "#models/audit-event.server";
import { findGiftsOfPledge } from "#models/donation.server";
import { Donor, donorUniqueKey } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { completeUserPledges, findPledgeByReference, findPledgeDocumentByReference, findPledgesByIds, notePledgeOfUser, notePledgeReference, Pledge, userPledgeIds, type PledgeDoc, type PledgeKind } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { Types } from "mongoose";
import { canManageProgrammes } from "./access";
import { forbidden, invalid, notFound } from "./errors";
import { vietnamTime, vietnamWallClock } from "./calendar";
import { countPledge, paidOfPledge, pledgeAsOf, withInstitutionLock } from "./money/projections";
import { startOfVietnamDay } from "./calendar";
import { isAcceptingPledges } from "./catalogue";
import { HARD_MAX_AMOUNT, VIETQR_MAX_AMOUNT } from "./payment-limits";
import { messageWithParams } from "./validation/messages";
import { assertWithinLimit } from "./settings";
import { buildVietQrPayload } from "./vietqr";
import { CONSENT_TEXT, type PledgeInput } from "./validation/pledge";
import { HOME_COUNTRY } from "./validation/country";
import type { DonorSnapshot } from "./money/donations";
import { isDuplicateKeyError } from "#models/duplicate-key";

/** The same day of the month `months` later, in Vietnam's calendar (31 Jan + 1 month → 28/29 Feb). */
export function addMonthsVietnam(date: Date, months: number): Date {
  const local = vietnamWallClock(date);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const d = Math.min(local.getUTCDate(), lastDay);
  return vietnamTime(y, m + 1, d, local.getUTCHours(), local.getUTCMinutes()); // m may pass December: Date.UTC rolls the year
}

/**
 * Splits a total into `count` instalments of whole đồng that add up exactly: the remainder of the
 * division goes, one đồng each, to the first instalments (10.000.001 in 3 → 3.333.334, 3.333.334, 3.333.333).
 */
export function instalmentSchedule(total: number, count: number, frequency: "monthly" | "quarterly", firstDue: Date) {
  if (!Number.isSafeInteger(total) || total <= 0) throw new RangeError("total must be a positive whole number of đồng");
  if (!Number.isInteger(count) || count < 1 || count > total) throw new RangeError("bad instalment count");
  const base = Math.floor(total / count);
  const remainder = total - base * count;
  const step = frequency === "monthly" ? 1 : 3;
  return Array.from({ length: count }, (_, i) => ({
    seq: i + 1,
    amount: base + (i < remainder ? 1 : 0),
    dueDate: addMonthsVietnam(firstDue, i * step),
  }));
}

/**
 * The donor a pledge is made for. An organisation is one donor record per tax code, and anyone signed
 * in may pledge on its behalf (colleagues at one company, an accountant paying for it): the first
 * pledge fills the organisation's record, later ones never overwrite it, and what each person typed
 * is copied onto their own pledge (donorSnapshot). An individual is the signed-in person's own record.
 * See docs/decisions/0008-organisation-donors-limits-messages.md.
 */
async function donorFor(actor: SessionUser, input: PledgeInput) {
  const where = placeOf(input);
  if (input.donorKind === "organisation") {
    const fields = { kind: "organisation" as const, taxCode: where.taxCode, country: where.country, registrationNumber: where.registrationNumber };
    const uniqueKey = donorUniqueKey(fields);
    const existing = await Donor.findOne({ uniqueKey });
    if (existing) {
      // Fill what the record lacks; never rename or re-address an organisation someone else registered.
      if (!existing.representative?.name && input.representative) existing.set("representative.name", input.representative);
      if (!existing.address && input.address) existing.address = input.address;
      if (!existing.provinceSlug && where.provinceSlug) existing.set("provinceSlug", where.provinceSlug);
      if (existing.isModified()) await existing.save();
      return existing;
    }
    const donor = new Donor({ ...fields, userId: actor.id, legalName: input.legalName, representative: { name: input.representative ?? null }, address: input.address ?? null, provinceSlug: where.provinceSlug, email: input.email, phone: input.phone ?? null });
    try {
      await donor.save();
      return donor;
    } catch (error) {
      // Two first pledges for one organisation at once: the other one created it.
      if (!isDuplicateKeyError(error)) throw error;
      const raced = await Donor.findOne({ uniqueKey });
      if (!raced) throw error;
      return raced;
    }
  }
  const existing = await Donor.findOne({ userId: actor.id, kind: "individual" });
  const donor = existing ?? new Donor({ kind: "individual", userId: actor.id });
  donor.set({ fullName: input.fullName, country: where.country, address: input.address ?? null, provinceSlug: where.provinceSlug, email: input.email, phone: input.phone ?? null });
  await donor.save();
  return donor;
}

/**
 * Where the donor is, and the number that identifies an organisation there: a Vietnamese organisation's
 * tax code and province, or an organisation abroad's own registration number (what the form showed for
 * the country chosen; the other fields, sent by a form without JavaScript, are ignored).
 */
function placeOf(input: PledgeInput) {
  const abroad = input.country !== HOME_COUNTRY;
  const organisation = input.donorKind === "organisation";
  return {
    country: input.country,
    taxCode: organisation && !abroad ? (input.taxCode ?? null) : null,
    registrationNumber: organisation && abroad ? (input.registrationNumber ?? null) : null,
    provinceSlug: abroad ? null : (input.provinceSlug ?? null),
  };
}

/** What the donor typed on the pledge form: the name, number, country and address its receipts will carry. */
function snapshotOf(input: PledgeInput): DonorSnapshot {
  const { country, taxCode, registrationNumber } = placeOf(input);
  return input.donorKind === "organisation"
    ? { kind: "organisation", name: input.legalName ?? null, taxCode, country, registrationNumber, address: input.address ?? null, representative: input.representative ?? null }
    : { kind: "individual", name: input.fullName ?? null, taxCode: null, country, registrationNumber: null, address: input.address ?? null, representative: null };
}

/** Whether this user made the pledge (or, for pledges made before pledgedBy was kept, owns its donor record). */
export function isOwnPledge(actor: Pick<SessionUser, "id">, pledge: { pledgedBy?: unknown }, donor: { userId?: unknown } | null | undefined) {
  if (pledge.pledgedBy) return String(pledge.pledgedBy) === actor.id;
  return Boolean(donor?.userId && String(donor.userId) === actor.id);
}

/** A pledge to an open, public programme. Returns its reference code (what goes into a transfer description). */
export async function createPledge(actor: SessionUser, programmeSlug: string, input: PledgeInput, now = new Date()) {
  const programme = await Programme.findOne({ slug: programmeSlug, institutionApproved: true, state: { $in: ["open", "closed"] } }).lean();
  if (!programme) throw notFound();
  // Open and not past its end day (in Vietnam): an open programme past its end date takes no pledges.
  if (!isAcceptingPledges(programme, now)) throw invalid({}, "pledge.closedProgramme");
  if (actor.role !== "donor" && actor.role !== "admin" && actor.role !== "manager") throw forbidden("pledge.officersCannotPledge");

  const kind = input.kind as PledgeKind;
  let amount = input.amount ?? 0;
  const extra: Record<string, unknown> = {};
  if (kind === "cash_instalments") {
    // The first instalment is due today (a calendar day in Vietnam: overdue only once today has passed).
    extra.instalments = instalmentSchedule(amount, input.instalmentCount!, input.frequency!, startOfVietnamDay(now));
  } else if (kind === "in_kind") {
    amount = input.quantity! * input.unitValue!;
    extra.inKindItems = [{ item: input.item!, quantity: input.quantity!, unitValue: input.unitValue! }];
  } else if (kind === "volunteer_hours") {
    amount = input.hours! * input.ratePerHour!;
    extra.volunteerHours = { hours: input.hours!, ratePerHour: input.ratePerHour! };
  }
  if (!Number.isSafeInteger(amount) || amount <= 0) throw invalid({ amount: [messageWithParams("validation.amountTooLarge", { maxVnd: HARD_MAX_AMOUNT })] });
  // The platform's limit on one pledge (set by an admin); goods and hours count at their declared value.
  await assertWithinLimit(amount, kind === "in_kind" ? "unitValue" : kind === "volunteer_hours" ? "ratePerHour" : "amount");
  const donor = await donorFor(actor, input);
  const consent = donor.kind === "individual" && input.visibility !== "anonymous" ? { text: CONSENT_TEXT.vi, givenAt: now } : null;

  // The account page's list gets the pledge's id before the pledge is stored (a crash between leaves an id that reads nothing).
  const pledgeId = new Types.ObjectId();
  await notePledgeOfUser(actor.id, pledgeId);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const pledge = await Pledge.create({ _id: pledgeId, programmeId: programme._id, institutionId: programme.institutionId, donorId: donor._id, pledgedBy: actor.id, donorSnapshot: snapshotOf(input), kind, amount, visibility: input.visibility, consent, ...extra });
      await notePledgeReference(pledge);
      await countPledge(pledge, 1);
      await recordAudit({ actor, action: "pledge.create", subjectType: "Pledge", subjectId: pledge._id, institutionId: programme.institutionId, details: { reference: pledge.reference, amount, kind } });
      return { reference: pledge.reference, id: String(pledge._id) };
    } catch (error) {
      // A reference collision (1 in 10^12) just draws another one.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new Error("could not draw a unique pledge reference");
}

/** A pledge for its own donor (or a manager/officer who can see its institution). */
export async function getPledgeForViewer(actor: SessionUser, reference: string, canSeeInstitution: (institution: { id: string; provinceSlug: string }) => boolean) {
  const pledge = await findPledgeByReference(reference);
  if (!pledge) throw notFound();
  const [donor, programme] = await Promise.all([Donor.findById(pledge.donorId).lean(), Programme.findById(pledge.programmeId).lean()]);
  if (!programme) throw notFound();
  if (!isOwnPledge(actor, pledge, donor) && !canSeeInstitution({ id: String(pledge.institutionId), provinceSlug: programme.provinceSlug })) throw forbidden();
  return { pledge, donor, programme };
}

/** What is due next on a pledge: the first unpaid instalment's remainder, or the whole outstanding amount. */
export function nextDue(pledge: { kind: string; amount: number; state: string; instalments: Array<{ seq: number; amount: number; paidAmount: number; dueDate: Date }> }, paidTotal: number) {
  if (pledge.state === "cancelled" || pledge.state === "fulfilled") return null;
  if (pledge.kind === "cash_instalments") {
    const open = pledge.instalments.find((i) => i.paidAmount < i.amount);
    return open ? { amount: open.amount - open.paidAmount, instalmentSeq: open.seq, dueDate: open.dueDate } : null;
  }
  if (pledge.kind !== "cash_once") return null;
  const outstanding = pledge.amount - paidTotal;
  return outstanding > 0 ? { amount: outstanding, instalmentSeq: null, dueDate: null } : null;
}

/** Newest first (ties: the later stored first), as the account page lists them. */
const newestFirst = (a: PledgeDoc, b: PledgeDoc) => b.createdAt.getTime() - a.createdAt.getTime() || String(b._id).localeCompare(String(a._id));

/**
 * All of the signed-in person's pledges (isOwnPledge): made by them, or made before pledgedBy was kept
 * for a donor record they own. Read through the key "user-pledges:<user id>" (one read by `_id`, then
 * each pledge by `_id`); the query below runs only while that list is missing or incomplete, and
 * completes it.
 */
export async function ownPledges(actor: SessionUser): Promise<PledgeDoc[]> {
  const ids = await userPledgeIds(actor.id);
  if (ids) return findPledgesByIds(ids);
  // Pledges made before pledgedBy was kept belong to whoever owns their donor record.
  const donors = await Donor.find({ userId: actor.id }).select("_id").lean();
  const mine = [{ pledgedBy: new Types.ObjectId(actor.id) }, ...(donors.length ? [{ pledgedBy: null, donorId: { $in: donors.map((d) => d._id) } }] : [])];
  const pledges = await Pledge.find({ $or: mine }).lean<PledgeDoc[]>();
  await completeUserPledges(actor.id, pledges.map((p) => p._id));
  return pledges;
}

/** The signed-in person's pledges, newest first (the latest 100), with what the books say was paid on each. */
export async function pledgesOfUser(actor: SessionUser) {
  const pledges = (await ownPledges(actor)).sort(newestFirst).slice(0, 100);
  if (pledges.length === 0) return [];
  const programmeIds = [...new Set(pledges.map((p) => String(p.programmeId)))];
  const [programmes, paid] = await Promise.all([
    // Each programme by `_id` (few per person; `$in` would read every programme on the embedded database).
    Promise.all(programmeIds.map((id) => Programme.findById(id).select("title slug").lean())),
    // What was paid on each: the pledge's copy of its running total (older pledges: the total, by `_id`).
    Promise.all(pledges.map((p) => (typeof p.paidTotal === "number" ? p.paidTotal : paidOfPledge(p._id)))),
  ]);
  const byId = new Map(programmes.flatMap((p) => (p ? [[String(p._id), p] as const] : [])));
  const paidOf = new Map(pledges.map((p, i) => [String(p._id), paid[i]!]));
  const now = new Date();
  // Overdue is a matter of the calendar: derived as the page is read, not written on a read.
  return pledges.map((p) => ({ pledge: pledgeAsOf(p, paidOf.get(String(p._id)) ?? 0, now), programme: byId.get(String(p.programmeId)) ?? null, paid: paidOf.get(String(p._id)) ?? 0 }));
}

/**
 * Everything the pledge page shows its donor: the pledge and its instalments, what was paid
 * (from the ledger), the gifts with their receipt numbers, what is due next, and where to transfer.
 */
export async function pledgeDetails(actor: SessionUser, reference: string, canSeeInstitution: (institution: { id: string; provinceSlug: string }) => boolean) {
  const viewed = await getPledgeForViewer(actor, reference, canSeeInstitution);
  const { donor, programme } = viewed;
  const [institution, donations, paid] = await Promise.all([
    Institution.findById(viewed.pledge.institutionId).select("name slug bankAccount internationalTransfer contact address provinceSlug").lean(),
    // Its gifts by `_id` (kept in its paid total), in the order they were received.
    findGiftsOfPledge(viewed.pledge._id).then((gifts) => gifts.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())),
    paidOfPledge(viewed.pledge._id),
  ]);
  // Overdue is a matter of the calendar: derived as the page is read — a read writes nothing.
  const pledge = pledgeAsOf(viewed.pledge, paid);
  const due = nextDue(pledge, paid);
  let vietQr: { payload: string; amount: number } | null = null;
  // A pledge stored before the limits existed may be too large for a VietQR amount: no code then (the page says why).
  if (due && institution?.bankAccount && due.amount <= VIETQR_MAX_AMOUNT) {
    vietQr = { payload: buildVietQrPayload({ bankBin: institution.bankAccount.bankBin, accountNumber: institution.bankAccount.accountNumber, amount: due.amount, description: pledge.reference }), amount: due.amount };
  }
  return { pledge, donor, programme, institution, donations, paid, due, vietQr, isOwner: isOwnPledge(actor, pledge, donor), canManage: canManageProgrammes(actor, String(pledge.institutionId)) };
}

/** The donor profile a signed-in user last pledged as, to pre-fill the pledge form. */
export async function donorProfileOf(actor: SessionUser) {
  return Donor.findOne({ userId: actor.id }).sort({ updatedAt: -1 }).lean();
}

/**
 * Cancels a pledge: its donor may, while nothing has been paid; a manager of the institution may,
 * with a reason. What was already received stays in the ledger. Audited.
 */
export async function cancelPledge(actor: SessionUser, reference: string, reason: string | null) {
  const pledge = await findPledgeDocumentByReference(reference);
  if (!pledge) throw notFound();
  if (pledge.state === "cancelled" || pledge.state === "fulfilled") throw invalid({}, "pledge.cannotCancel");
  const donor = await Donor.findById(pledge.donorId).select("userId").lean();
  const isDonor = isOwnPledge(actor, pledge, donor);
  const isManager = canManageProgrammes(actor, String(pledge.institutionId));
  if (!isDonor && !isManager) throw forbidden();
  if (isManager && !isDonor && !reason) throw invalid({ reason: ["validation.reasonRequired"] }, "validation.reasonRequired");
  // Decided and written under the institution's lock, as gifts are recorded: a gift recorded meanwhile
  // could fulfil the pledge, and derives the pledge's state from a read made under that lock.
  await withInstitutionLock(pledge.institutionId, async () => {
    const current = await Pledge.findById(pledge._id).select("state").lean();
    if (!current || current.state === "cancelled" || current.state === "fulfilled") throw invalid({}, "pledge.cannotCancel");
    if (!isManager && (await paidOfPledge(pledge._id)) > 0) throw invalid({}, "pledge.cannotCancelPaid");
    pledge.state = "cancelled";
    pledge.cancelledReason = reason;
    pledge.cancelledBy = new Types.ObjectId(actor.id);
    pledge.cancelledAt = new Date();
    await pledge.save();
    // An active or overdue pledge counted as pledged until now.
    await countPledge(pledge, -1);
  });
  await recordAudit({ actor, action: "pledge.cancel", subjectType: "Pledge", subjectId: pledge._id, institutionId: pledge.institutionId, details: { reference: pledge.reference, reason } });
}
