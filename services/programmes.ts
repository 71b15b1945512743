import mongoose from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { Institution } from "#models/institution.server";
import { setLookup } from "#models/lookup.server";
import { Programme, type ProgrammeState } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution, canManageProgrammes } from "./access";
import { isAcceptingPledges } from "./catalogue";
import { flushProgrammeTotals, markProgrammesChanged } from "./catalogue-index";
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
  // Its page is found by slug through a key document (a draft is not in the catalogue's index yet).
  await setLookup("programme-slug", programme.slug, programme._id);
  await recordAudit({ actor, action: "programme.create", subjectType: "Programme", subjectId: programme._id, institutionId: institution._id, provinceSlug: institution.provinceSlug });
  return { id: String(programme._id), slug: programme.slug };
}

/** A programme for its managers (and, read-only, for officers who can see the institution). */
export async function getProgrammeForManagement(actor: SessionUser, programmeId: string) {
  if (!mongoose.isValidObjectId(programmeId)) throw notFound();
  const programme = await Programme.findById(programmeId).lean();
  if (!programme) throw notFound();
  if (!canAccessInstitution(actor, { id: String(programme.institutionId), provinceSlug: programme.provinceSlug })) throw forbidden();
  const canEdit = canManageProgrammes(actor, String(programme.institutionId));
  return { programme, canEdit, canReopen: canEdit && canReopen(programme) };
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
  // Title, summary, themes, dates, goal… are on the catalogue's cards and in its search.
  if (doc.state !== "draft") await markProgrammesChanged([doc._id]);
  await recordAudit({ actor, action: "programme.update", subjectType: "Programme", subjectId: doc._id, institutionId: doc.institutionId, provinceSlug: doc.provinceSlug });
  return { id: String(doc._id), slug: doc.slug };
}

const TRANSITIONS: Record<ProgrammeState, ProgrammeState[]> = { draft: ["open"], open: ["closed"], closed: ["open"] };

/** A closed programme may be reopened while its end day (Asia/Ho_Chi_Minh) is not over. */
export function canReopen(programme: { state: string; endDate: Date | string }, now: Date = new Date()): boolean {
  return programme.state === "closed" && isAcceptingPledges({ state: "open", endDate: programme.endDate }, now);
}

/**
 * draft → open (published: public, takes pledges) → closed (no more pledges) → open again (reopened
 * by its manager, only while its end date has not passed). Every change is audited.
 */
export async function changeProgrammeState(actor: SessionUser, programmeId: string, to: ProgrammeState, now: Date = new Date()) {
  const { programme, canEdit } = await getProgrammeForManagement(actor, programmeId);
  if (!canEdit) throw forbidden();
  if (!TRANSITIONS[programme.state].includes(to)) throw invalid({}, "programmes.badTransition");
  const reopening = programme.state === "closed" && to === "open";
  if (reopening && !canReopen(programme, now)) throw invalid({}, "programmes.reopenAfterEnd");
  if (to === "open") await managedApprovedInstitution(actor, String(programme.institutionId));
  const { modifiedCount } = await Programme.updateOne(
    { _id: programme._id, state: programme.state },
    // A reopened programme keeps the date it was first published.
    { $set: { state: to, ...(to === "open" && !reopening ? { publishedAt: now } : {}) } },
  );
  // Someone else changed it first (two tabs, two managers): nothing is recorded twice.
  if (modifiedCount === 0) throw invalid({}, "programmes.badTransition");
  await markProgrammesChanged([programme._id]);
  const action = reopening ? "programme.reopen" : to === "open" ? "programme.publish" : "programme.close";
  await recordAudit({ actor, action, subjectType: "Programme", subjectId: programme._id, institutionId: programme.institutionId, provinceSlug: programme.provinceSlug, details: { from: programme.state, to } });
  return { state: to, reopened: reopening };
}

/**
 * A manager's programmes per institution, with their roll-up totals, for the dashboard; `ended` when
 * an open programme's end day is over (it takes no pledges), `reopenable` when a closed one may be reopened.
 */
export async function programmesOfInstitutions(institutionIds: string[], now: Date = new Date()) {
  // The received totals this instance just recorded are copied first (they follow a gift by a moment).
  await flushProgrammeTotals();
  const programmes = await Programme.find({ institutionId: { $in: institutionIds } })
    .sort({ updatedAt: -1 })
    .limit(200)
    .select("institutionId title slug state goal pledgedTotal receivedTotal startDate endDate")
    .lean();
  return programmes.map((p) => ({ ...p, ended: p.state === "open" && !isAcceptingPledges(p, now), reopenable: canReopen(p, now) }));
}
