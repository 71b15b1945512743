import { AuditEvent, recordAudit } from "#models/audit-event.server";
import { oneAtATime } from "../one-at-a-time";
import { Certificate } from "#models/certificate.server";
import { Donor, donorName } from "#models/donor.server";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { Nomination, nominationIdFor, type NominationDoc } from "#models/nomination.server";
import { Rollup, isEmbeddedDatabase } from "#models/projection.server";
import { RecognitionRule } from "#models/recognition-rule.server";
import type { SessionUser } from "#models/user.server";
import { hasRole } from "../access";
import { forbidden, invalid, notFound } from "../errors";
import { nominationSchema, recognitionRuleSchema, reviewSchema } from "../validation/recognition";
import { donorInScope, meets, nominatorScope, ruleInScope } from "./qualification";

/** Rules are kept by ministry officers (and admins). */
export function canKeepRules(actor: SessionUser) {
  return hasRole(actor, ["ministry_officer"]);
}

function parsed<T>(result: { success: true; data: T } | { success: false; error: { flatten(): { fieldErrors: Record<string, string[] | undefined> } } }): T {
  if (result.success) return result.data;
  throw invalid(Object.fromEntries(Object.entries(result.error.flatten().fieldErrors).map(([k, v]) => [k, v ?? []])));
}

/** A new rule (a tier of a rule set). */
export async function createRule(actor: SessionUser, input: unknown) {
  if (!canKeepRules(actor)) throw forbidden();
  const values = parsed(recognitionRuleSchema.safeParse(input));
  const rule = await RecognitionRule.create({
    ruleSet: values.ruleSet,
    type: values.type,
    name: { vi: values.nameVi, en: values.nameEn },
    donorKinds: values.donorKinds,
    minTotal: values.minTotal,
    year: values.year,
    countInKind: values.countInKind,
    countVolunteerHours: values.countVolunteerHours,
    scope: values.scope,
    citation: { vi: values.citationVi, en: values.citationEn },
    createdBy: actor.id,
  });
  await recordAudit({ actor, action: "recognition_rule.create", subjectType: "RecognitionRule", subjectId: rule._id, details: { ruleSet: values.ruleSet, type: values.type, minTotal: values.minTotal, year: values.year, scope: values.scope } });
  return rule.toObject();
}

/** Retires a rule (or brings it back): a retired rule lists no one and takes no nomination; what was issued under it stays. */
export async function setRuleActive(actor: SessionUser, ruleId: string, active: boolean) {
  if (!canKeepRules(actor)) throw forbidden();
  const { matchedCount } = await RecognitionRule.updateOne({ _id: ruleId }, { $set: { active } });
  if (matchedCount === 0) throw notFound();
  await recordAudit({ actor, action: active ? "recognition_rule.activate" : "recognition_rule.retire", subjectType: "RecognitionRule", subjectId: ruleId });
}

export type NominationOutcome = { donorId: string; result: "nominated" | "already" | "not_qualified" | "out_of_scope" };

/**
 * Nominates donors for a rule, with one justification (one donor, or every qualifying donor ticked on
 * the list). Each must qualify under the rule and be in the nominator's scope; a donor already
 * nominated for the rule keeps their first nomination. Returns what happened to each.
 */
export async function nominate(actor: SessionUser, input: unknown): Promise<NominationOutcome[]> {
  const scope = nominatorScope(actor);
  const values = parsed(nominationSchema.safeParse(input));
  const rule = await RecognitionRule.findById(values.ruleId).lean();
  if (!rule || !rule.active) throw notFound();
  if (!ruleInScope(scope, rule)) throw forbidden();
  const outcomes: NominationOutcome[] = [];
  for (const donorId of [...new Set(values.donorIds)]) {
    const [donor, rollup] = await Promise.all([Donor.findById(donorId).select("kind legalName fullName erasedAt").lean(), Rollup.findById(`donor:${donorId}`).lean()]);
    if (!donor || donor.erasedAt || !donorInScope(scope, rollup, rule.year)) {
      outcomes.push({ donorId, result: "out_of_scope" });
      continue;
    }
    const { qualifies, contribution } = meets(rule, donor, rollup);
    if (!qualifies) {
      outcomes.push({ donorId, result: "not_qualified" });
      continue;
    }
    const id = nominationIdFor(rule._id, donorId);
    try {
      await Nomination.create({
        _id: id,
        ruleId: rule._id,
        donorId,
        donorName: donorName(donor) ?? "",
        year: rule.year,
        contribution,
        justification: values.justification,
        nominatedBy: actor.id,
        nominatorName: actor.name,
        nominatorRole: actor.role,
        institutionId: "institutions" in scope ? scope.institutions.find((i) => rollup?.marks?.[i] !== undefined) ?? null : null,
        provinceSlug: "province" in scope ? scope.province : null,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      outcomes.push({ donorId, result: "already" });
      continue;
    }
    await recordAudit({ actor, action: "nomination.propose", subjectType: "nomination", subjectId: id, details: { ruleId: String(rule._id), donorId, contribution, justification: values.justification } });
    outcomes.push({ donorId, result: "nominated" });
  }
  return outcomes;
}

/** Reviewing nominations: ministry officers and admins. */
export function canReview(actor: SessionUser) {
  return hasRole(actor, ["ministry_officer"]);
}

export type ReviewOutcome = { nominationId: string; result: "approved" | "rejected" | "own_nomination" | "not_pending" | "not_found" };

/**
 * Approves or rejects nominations (one, or all ticked), with a reason (required to reject). A person
 * never decides on their own nomination; only a proposed nomination is decided, once (a conditional
 * update on its status, so two reviewers at once cannot both decide it).
 */
export async function review(actor: SessionUser, input: unknown): Promise<ReviewOutcome[]> {
  if (!canReview(actor)) throw forbidden();
  const values = parsed(reviewSchema.safeParse(input));
  const outcomes: ReviewOutcome[] = [];
  for (const nominationId of [...new Set(values.nominationIds)]) {
    const nomination = await Nomination.findById(nominationId).lean();
    if (!nomination) {
      outcomes.push({ nominationId, result: "not_found" });
      continue;
    }
    if (String(nomination.nominatedBy) === actor.id) {
      outcomes.push({ nominationId, result: "own_nomination" });
      continue;
    }
    const status = values.decision === "approve" ? "approved" : "rejected";
    const decided = await decideOnce(nominationId, { status, reviewReason: values.reason || null, reviewedBy: actor.id, reviewedAt: new Date() });
    if (!decided) {
      outcomes.push({ nominationId, result: "not_pending" });
      continue;
    }
    await recordAudit({ actor, action: `nomination.${values.decision}`, subjectType: "nomination", subjectId: nominationId, details: { reason: values.reason } });
    outcomes.push({ nominationId, result: status });
  }
  return outcomes;
}

/**
 * Sets a proposed nomination's decision, once: the first decision wins. On MongoDB an update
 * conditional on `status: "proposed"`; on the embedded database — where a filter beyond `_id` reads
 * the whole collection (decision 0014) and one app process writes — the status read by `_id` under
 * this process's lock for the nomination, then an update by `_id`.
 */
async function decideOnce(nominationId: string, decision: Record<string, unknown>): Promise<boolean> {
  if (!(await isEmbeddedDatabase())) return (await Nomination.updateOne({ _id: nominationId, status: "proposed" }, { $set: decision })).modifiedCount === 1;
  return oneAtATime(`nomination:${nominationId}`, async () => {
    const current = await Nomination.findById(nominationId).select("status").lean();
    if (current?.status !== "proposed") return false;
    await Nomination.updateOne({ _id: nominationId }, { $set: decision });
    return true;
  });
}

/** The nominations a person may see: reviewers all of them; a nominator those of their scope. Newest first, bounded. */
export async function listNominations(actor: SessionUser, filter: { status?: string } = {}, limit = 500): Promise<NominationDoc[]> {
  const scope = nominatorScope(actor);
  const query: Record<string, unknown> = {};
  if (filter.status) query.status = filter.status;
  if ("province" in scope) query.provinceSlug = scope.province;
  if ("institutions" in scope) query.institutionId = { $in: scope.institutions };
  return Nomination.find(query).sort({ createdAt: -1 }).limit(limit).lean();
}

/** A nominee's history for reviewers: every nomination of the donor, the certificates issued, and the audit trail of those nominations. */
export async function nomineeHistory(actor: SessionUser, donorId: string) {
  if (!canReview(actor)) throw forbidden();
  const nominations = await Nomination.find({ donorId }).sort({ createdAt: -1 }).lean();
  const certificates = await Certificate.find({ donorId }).select("serial type status issuedAt revokedAt revokedReason year").sort({ issuedAt: -1 }).lean();
  const trail = nominations.length ? await AuditEvent.find({ subjectType: "nomination", subjectId: { $in: nominations.map((n) => n._id) } }).sort({ at: 1 }).lean() : [];
  return { nominations, certificates, trail };
}
