import mongoose from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { Institution } from "#models/institution.server";
import { Programme, type ProgrammeState } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution, canManageProgrammes } from "./access";
import { forbidden, invalid, notFound } from "./errors";
import { uniqueSlug } from "./institutions";
import type { ProgrammeInput } from "./validation/programme";

/** The institution a manager wants to act for, checked: it must exist, be theirs, and be approved. */
async function managedApprovedInstitution(actor: SessionUser, institutionId: string) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findById(institutionId).select("name slug type provinceSlug status").lean();
  if (!institution) throw notFound();
  if (!canManageProgrammes(actor, institutionId)) throw forbidden();
  if (institution.status !== "approved") throw invalid({}, "programmes.institutionNotApproved");
  return institution;
}

function fields(input: ProgrammeInput) {
  return {
    title: input.title,
    summary: input.summary,
    description: input.description,
    themes: input.themes,
    campaignDays: input.campaignDays,
    startDate: input.startDate,
    endDate: input.endDate,
    goal: input.goal,
    budgetLines: input.budgetLines.map((line) => ({ ...line, code: line.code.toUpperCase() })),
    inKindNeeds: input.inKindNeeds,
  };
}

/** A new programme, as a draft. Only managers of that (approved) institution may create one. */
export async function createProgramme(actor: SessionUser, institutionId: string, input: ProgrammeInput, coverImageId: string | null = null) {
  const institution = await managedApprovedInstitution(actor, institutionId);
  const programme = await Programme.create({
    ...fields(input),
    institutionId: institution._id,
    slug: await uniqueSlug(input.title, (slug) => Programme.exists({ slug })),
    state: "draft",
    coverImageId,
    provinceSlug: institution.provinceSlug,
    institutionType: institution.type,
    institutionName: institution.name,
    institutionSlug: institution.slug,
    institutionApproved: true,
  });
  await recordAudit({ actor, action: "programme.create", subjectType: "Programme", subjectId: programme._id, institutionId: institution._id, provinceSlug: institution.provinceSlug });
  return { id: String(programme._id), slug: programme.slug };
}

/** A programme for its managers (and, read-only, for officers who can see the institution). */
export async function getProgrammeForManagement(actor: SessionUser, programmeId: string) {
  if (!mongoose.isValidObjectId(programmeId)) throw notFound();
  const programme = await Programme.findById(programmeId).lean();
  if (!programme) throw notFound();
  if (!canAccessInstitution(actor, { id: String(programme.institutionId), provinceSlug: programme.provinceSlug })) throw forbidden();
  return { programme, canEdit: canManageProgrammes(actor, String(programme.institutionId)) };
}

export async function updateProgramme(actor: SessionUser, programmeId: string, input: ProgrammeInput, coverImageId?: string | null) {
  const { programme, canEdit } = await getProgrammeForManagement(actor, programmeId);
  if (!canEdit) throw forbidden();
  if (programme.state === "closed") throw invalid({}, "programmes.closedIsFinal");
  const doc = await Programme.findById(programme._id);
  if (!doc) throw notFound();
  doc.set(fields(input));
  if (coverImageId !== undefined) doc.coverImageId = coverImageId ? new mongoose.Types.ObjectId(coverImageId) : null;
  await doc.save();
  await recordAudit({ actor, action: "programme.update", subjectType: "Programme", subjectId: doc._id, institutionId: doc.institutionId, provinceSlug: doc.provinceSlug });
  return { id: String(doc._id), slug: doc.slug };
}

const TRANSITIONS: Record<ProgrammeState, ProgrammeState[]> = { draft: ["open"], open: ["closed"], closed: [] };

/** draft → open (published: public, takes pledges) → closed (no more pledges). */
export async function changeProgrammeState(actor: SessionUser, programmeId: string, to: ProgrammeState) {
  const { programme, canEdit } = await getProgrammeForManagement(actor, programmeId);
  if (!canEdit) throw forbidden();
  if (!TRANSITIONS[programme.state].includes(to)) throw invalid({}, "programmes.badTransition");
  if (to === "open") await managedApprovedInstitution(actor, String(programme.institutionId));
  await Programme.updateOne(
    { _id: programme._id, state: programme.state },
    { $set: { state: to, ...(to === "open" ? { publishedAt: new Date() } : {}) } },
  );
  await recordAudit({ actor, action: to === "open" ? "programme.publish" : "programme.close", subjectType: "Programme", subjectId: programme._id, institutionId: programme.institutionId, provinceSlug: programme.provinceSlug });
  return { state: to };
}

/** A manager's programmes per institution, with their roll-up totals, for the dashboard. */
export async function programmesOfInstitutions(institutionIds: string[]) {
  return Programme.find({ institutionId: { $in: institutionIds } })
    .sort({ updatedAt: -1 })
    .limit(200)
    .select("institutionId title slug state goal pledgedTotal receivedTotal startDate endDate")
    .lean();
}
