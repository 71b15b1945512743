import mongoose from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { Institution } from "#models/institution.server";
import { setLookup } from "#models/lookup.server";
import { syncInstitutionCopies } from "#models/programme.server";
import { User, type SessionUser } from "#models/user.server";
import { canManageProgrammes, canReviewInstitution } from "./access";
import { markInstitutionChanged } from "./catalogue-index";
import { forbidden, invalid, notFound } from "./errors";
import { slugify } from "./text";
import type { InstitutionApplication } from "./validation/institution";

/** A slug nobody has yet: "thu-vien-ha-noi", then "thu-vien-ha-noi-2", … */
export async function uniqueSlug(base: string, taken: (slug: string) => Promise<unknown>) {
  const root = slugify(base) || "muc";
  for (let n = 1; n < 1000; n += 1) {
    const slug = n === 1 ? root : `${root}-${n}`;
    if (!(await taken(slug))) return slug;
  }
  return `${root}-${new mongoose.Types.ObjectId().toHexString().slice(-6)}`;
}

function toInstitutionFields(input: InstitutionApplication) {
  return {
    name: input.name,
    type: input.type,
    level: input.level,
    formerDistrictName: input.level === "former_district" ? (input.formerDistrictName ?? null) : null,
    provinceSlug: input.provinceSlug,
    address: input.address,
    contact: { email: input.contactEmail, phone: input.contactPhone ?? null, website: input.website ?? null },
    description: input.description ?? "",
    bankAccount: { bankBin: input.bankBin, accountNumber: input.accountNumber, accountName: input.accountName },
  };
}

/**
 * A signed-in person applies for a new institution. It stays pending — invisible to the public and
 * unable to take pledges — until a ministry officer or the province's officer approves it.
 */
export async function applyForInstitution(actor: SessionUser, input: InstitutionApplication) {
  if (actor.role !== "donor" && actor.role !== "manager" && actor.role !== "admin") throw forbidden("institutions.officersCannotApply");
  const institution = await Institution.create({
    ...toInstitutionFields(input),
    slug: await uniqueSlug(input.name, (slug) => Institution.exists({ slug })),
    status: "pending",
    managerIds: [actor.id],
  });
  // Its public page is found by slug through a key document.
  await setLookup("institution-slug", institution.slug, institution._id);
  await recordAudit({ actor, action: "institution.apply", subjectType: "Institution", subjectId: institution._id, institutionId: institution._id, provinceSlug: institution.provinceSlug, details: { name: institution.name } });
  return { id: String(institution._id), slug: institution.slug };
}

/**
 * After an institution's approval, name or slug changed: rewrites the copies on its programmes
 * (syncInstitutionCopies), points the slug's key document at it, and tells the catalogue's index
 * which programmes changed. Every change of those fields goes through here.
 */
export async function refreshInstitutionCopies(institution: { _id: mongoose.Types.ObjectId; name: string; slug: string; status: string }) {
  await syncInstitutionCopies(institution);
  await setLookup("institution-slug", institution.slug, institution._id);
  await markInstitutionChanged(institution._id);
}

/** Makes the people managers of the institution (their account becomes a manager account). */
async function grantManagement(userIds: Array<string | mongoose.Types.ObjectId>, institutionId: mongoose.Types.ObjectId) {
  await User.updateMany({ _id: { $in: userIds } }, { $addToSet: { institutionIds: institutionId } });
  await User.updateMany({ _id: { $in: userIds }, role: "donor" }, { $set: { role: "manager" } });
}

/** Approves or rejects a pending (or re-decides a rejected) institution. Every decision is audited. */
export async function decideInstitution(actor: SessionUser, institutionId: string, decision: { decision: "approve" | "reject"; reason?: string }) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findById(institutionId);
  if (!institution) throw notFound();
  if (!canReviewInstitution(actor, institution)) throw forbidden();
  if (decision.decision === "reject" && !decision.reason) throw invalid({ reason: ["validation.reasonRequired"] });
  const approve = decision.decision === "approve";
  institution.status = approve ? "approved" : "rejected";
  institution.statusReason = decision.reason ?? null;
  institution.decidedBy = new mongoose.Types.ObjectId(actor.id);
  institution.decidedAt = new Date();
  await institution.save();
  // The copies the catalogue reads (decision 0003), search text included, then every instance's index.
  await refreshInstitutionCopies(institution);
  if (approve) await grantManagement(institution.managerIds, institution._id);
  await recordAudit({
    actor,
    action: approve ? "institution.approve" : "institution.reject",
    subjectType: "Institution",
    subjectId: institution._id,
    institutionId: institution._id,
    provinceSlug: institution.provinceSlug,
    details: { reason: decision.reason ?? null },
  });
  return { status: institution.status };
}

/** Asks to join an existing, approved institution as one of its managers. */
export async function requestToJoin(actor: SessionUser, institutionId: string, message?: string) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findOne({ _id: institutionId, status: "approved" }).select("managerIds joinRequests provinceSlug");
  if (!institution) throw notFound();
  if (institution.managerIds.some((id) => String(id) === actor.id)) throw invalid({}, "institutions.alreadyManager");
  if (institution.joinRequests.some((r) => String(r.userId) === actor.id)) throw invalid({}, "institutions.alreadyRequested");
  await Institution.updateOne(
    { _id: institution._id, "joinRequests.userId": { $ne: new mongoose.Types.ObjectId(actor.id) } },
    { $push: { joinRequests: { userId: actor.id, name: actor.name, email: actor.email, message: message ?? "", requestedAt: new Date() } } },
  );
  await recordAudit({ actor, action: "institution.join_request", subjectType: "Institution", subjectId: institution._id, institutionId: institution._id, provinceSlug: institution.provinceSlug });
}

/** An officer of the institution's province (or the ministry), or one of its current managers, decides a join request. */
export async function decideJoinRequest(actor: SessionUser, institutionId: string, userId: string, approve: boolean) {
  if (!mongoose.isValidObjectId(institutionId) || !mongoose.isValidObjectId(userId)) throw notFound();
  // The whole document: it is saved again, and its validate hook derives fields from all of it.
  const institution = await Institution.findById(institutionId);
  if (!institution) throw notFound();
  if (!canReviewInstitution(actor, institution) && !canManageProgrammes(actor, institutionId)) throw forbidden();
  if (!institution.joinRequests.some((r) => String(r.userId) === userId)) throw notFound();
  // Read-modify-save of one document (FerretDB v1 does not implement $pull with a condition).
  institution.set("joinRequests", institution.joinRequests.filter((r) => String(r.userId) !== userId));
  if (approve && !institution.managerIds.some((id) => String(id) === userId)) institution.managerIds.push(new mongoose.Types.ObjectId(userId));
  await institution.save();
  if (approve) await grantManagement([userId], institution._id);
  await recordAudit({ actor, action: approve ? "institution.join_approve" : "institution.join_reject", subjectType: "Institution", subjectId: institution._id, institutionId: institution._id, provinceSlug: institution.provinceSlug, details: { userId } });
}

const REVIEW_FIELDS = "name slug type level provinceSlug address contact bankAccount description status statusReason managerIds joinRequests createdAt decidedAt";

/** What a reviewer has to look at: pending applications and join requests, within their reach. */
export async function reviewQueue(actor: SessionUser) {
  if (!["admin", "ministry_officer", "province_officer"].includes(actor.role)) throw forbidden();
  const scope = actor.role === "province_officer" ? { provinceSlug: actor.provinceSlug ?? "__none__" } : {};
  const [pending, withRequests, recent] = await Promise.all([
    Institution.find({ ...scope, status: "pending" }).sort({ createdAt: 1 }).limit(100).select(REVIEW_FIELDS).lean(),
    Institution.find({ ...scope, status: "approved", "joinRequests.0": { $exists: true } }).limit(100).select(REVIEW_FIELDS).lean(),
    Institution.find({ ...scope, status: { $in: ["approved", "rejected"] } }).sort({ decidedAt: -1 }).limit(20).select(REVIEW_FIELDS).lean(),
  ]);
  const applicantIds = pending.flatMap((i) => i.managerIds);
  const applicants = await User.find({ _id: { $in: applicantIds } }).select("name email").lean();
  const applicantById = new Map(applicants.map((u) => [String(u._id), { name: u.name, email: u.email }]));
  return { pending, withRequests, recent, applicantById: Object.fromEntries(applicantById) };
}

/** The institutions a person manages or has applied for (any status), for their dashboard. */
export async function institutionsManagedBy(actor: SessionUser) {
  return Institution.find(actor.role === "admin" ? {} : { managerIds: actor.id })
    .sort({ name: 1 })
    .limit(50)
    .select("name slug type provinceSlug status statusReason joinRequests")
    .lean();
}

/** Approved institutions whose name matches, for the "join an institution" search. */
export async function findApprovedInstitutions(searchText: string, limit = 20) {
  const words = searchText.split(" ").filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (words.length === 0) return [];
  return Institution.find({ status: "approved", $and: words.map((w) => ({ searchText: { $regex: w } })) })
    .limit(limit)
    .select("name slug provinceSlug type")
    .lean();
}

/** Names and links of the institutions a user manages (read one by one by _id: a user has few). */
export async function institutionSummaries(institutionIds: string[]) {
  const found = await Promise.all(institutionIds.filter((id) => mongoose.isValidObjectId(id)).slice(0, 50).map((id) => Institution.findById(id).select("name slug status").lean()));
  return found.flatMap((i) => (i ? [{ id: String(i._id), name: i.name, slug: i.slug, status: i.status }] : []));
}

/** An institution's details for international transfers, for its own managers (and admins). */
export async function internationalTransferOf(actor: SessionUser, institutionId: string) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findById(institutionId).select("name internationalTransfer").lean();
  if (!institution) throw notFound();
  if (!canManageProgrammes(actor, institutionId)) throw forbidden();
  return { id: institutionId, name: institution.name, internationalTransfer: institution.internationalTransfer ?? "" };
}

/** Its managers set (or clear, with blank text) the institution's international transfer details. Audited. */
export async function setInternationalTransfer(actor: SessionUser, institutionId: string, text: string) {
  const current = await internationalTransferOf(actor, institutionId);
  const value = text.trim() === "" ? null : text.trim();
  if ((current.internationalTransfer || null) === value) return;
  await Institution.updateOne({ _id: institutionId }, { $set: { internationalTransfer: value } });
  await recordAudit({ actor, action: "institution.international_transfer", subjectType: "Institution", subjectId: institutionId, institutionId, details: { from: current.internationalTransfer || null, to: value } });
}
