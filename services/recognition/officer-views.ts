import { Donor, donorName } from "#models/donor.server";
import { NOMINATION_STATUSES, type NominationStatus } from "#models/nomination.server";
import { RecognitionRule, type RecognitionRuleDoc } from "#models/recognition-rule.server";
import { User, type SessionUser } from "#models/user.server";
import { notFound } from "../errors";
import { canKeepRules, canReview, listNominations, nomineeHistory, setRuleActive } from "./nominations";
import { contributionsBehind, nominatorScope, ruleInScope } from "./qualification";

/**
 * What the officers' recognition pages show (J3): the rules, the nominations with their rules' names,
 * a nominee's history with who did each step. Built on the services of ./nominations and
 * ./qualification, which decide who may see what.
 */

const OBJECT_ID = /^[a-f0-9]{24}$/;

export type RuleView = {
  id: string;
  ruleSet: string;
  year: number;
  type: RecognitionRuleDoc["type"];
  name: { vi: string; en: string };
  donorKinds: string[];
  minTotal: number;
  countInKind: boolean;
  countVolunteerHours: boolean;
  scope: string;
  citation: { vi: string; en: string };
  active: boolean;
};

const toView = (rule: RecognitionRuleDoc): RuleView => ({
  id: String(rule._id),
  ruleSet: rule.ruleSet,
  year: rule.year,
  type: rule.type,
  name: { vi: rule.name?.vi ?? "", en: rule.name?.en ?? "" },
  donorKinds: [...(rule.donorKinds as string[])],
  minTotal: rule.minTotal,
  countInKind: rule.countInKind,
  countVolunteerHours: rule.countVolunteerHours,
  scope: rule.scope,
  citation: { vi: rule.citation?.vi ?? "", en: rule.citation?.en ?? "" },
  active: rule.active,
});

/**
 * The rules a person may see: ministry officers and admins every rule (they keep them); managers and
 * province officers the active rules that reach them (read-only, to open the qualifying lists). Newest
 * year first, then by rule set, highest tier first. Anyone else is refused.
 */
export async function rulesForViewer(actor: SessionUser): Promise<{ canKeep: boolean; rules: RuleView[] }> {
  const scope = nominatorScope(actor);
  const canKeep = canKeepRules(actor);
  const rules = (await RecognitionRule.find(canKeep ? {} : { active: true }).limit(1000).lean()).filter((rule) => canKeep || ruleInScope(scope, rule));
  rules.sort((a, b) => b.year - a.year || a.ruleSet.localeCompare(b.ruleSet, "vi") || b.minTotal - a.minTotal);
  return { canKeep, rules: rules.map(toView) };
}

/** Retires or reactivates a rule by its id (an id of the wrong shape is not found). */
export async function setRuleActiveById(actor: SessionUser, ruleId: string, active: boolean) {
  if (!OBJECT_ID.test(ruleId)) throw notFound();
  await setRuleActive(actor, ruleId, active);
}

/** The gifts behind a donor's figure for a rule, with the rule and the donor's name (the drill-down page). */
export async function drillDown(actor: SessionUser, ruleId: string, donorId: string) {
  if (!OBJECT_ID.test(ruleId) || !OBJECT_ID.test(donorId)) throw notFound();
  const behind = await contributionsBehind(actor, ruleId, donorId);
  const [rule, donor] = await Promise.all([RecognitionRule.findById(ruleId).lean(), Donor.findById(donorId).select("kind legalName fullName erasedAt").lean()]);
  if (!rule || !donor || donor.erasedAt) throw notFound();
  return { rule: toView(rule), donor: { id: donorId, name: donorName(donor) ?? "", kind: donor.kind === "organisation" ? "organisation" : "individual" }, ...behind };
}

async function namesOf(userIds: unknown[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds.filter(Boolean).map(String))].filter((id) => OBJECT_ID.test(id));
  const users = await Promise.all(ids.map((id) => User.findById(id).select("name").lean()));
  return new Map(users.filter(Boolean).map((u) => [String(u!._id), u!.name]));
}

async function rulesById(ruleIds: unknown[]): Promise<Map<string, RuleView>> {
  const ids = [...new Set(ruleIds.map(String))];
  const rules = await Promise.all(ids.map((id) => RecognitionRule.findById(id).lean()));
  return new Map(rules.filter(Boolean).map((r) => [String(r!._id), toView(r!)]));
}

export type NominationView = {
  id: string;
  donorId: string;
  donorName: string;
  rule: { id: string; name: { vi: string; en: string }; type: string; ruleSet: string; year: number; minTotal: number } | null;
  contribution: number;
  justification: string;
  nominatedBy: string;
  nominatorName: string;
  nominatorRole: string;
  nominatedAt: Date;
  status: NominationStatus;
  reviewReason: string | null;
  reviewerName: string | null;
  reviewedAt: Date | null;
  own: boolean;
};

/** The nominations a person may see (./nominations decides which), with their rules and reviewers named; filtered by status when one is given. */
export async function nominationsForViewer(actor: SessionUser, status?: string | null): Promise<{ canReview: boolean; nominations: NominationView[] }> {
  const filter = status && (NOMINATION_STATUSES as readonly string[]).includes(status) ? { status } : {};
  const nominations = await listNominations(actor, filter);
  const [rules, reviewers] = await Promise.all([rulesById(nominations.map((n) => n.ruleId)), namesOf(nominations.map((n) => n.reviewedBy))]);
  return {
    canReview: canReview(actor),
    nominations: nominations.map((n) => {
      const rule = rules.get(String(n.ruleId));
      return {
        id: n._id,
        donorId: String(n.donorId),
        donorName: n.donorName ?? "",
        rule: rule ? { id: rule.id, name: rule.name, type: rule.type, ruleSet: rule.ruleSet, year: rule.year, minTotal: rule.minTotal } : null,
        contribution: n.contribution,
        justification: n.justification,
        nominatedBy: String(n.nominatedBy),
        nominatorName: n.nominatorName ?? "",
        nominatorRole: n.nominatorRole,
        nominatedAt: n.createdAt,
        status: n.status,
        reviewReason: n.reviewReason ?? null,
        reviewerName: n.reviewedBy ? (reviewers.get(String(n.reviewedBy)) ?? null) : null,
        reviewedAt: n.reviewedAt ?? null,
        own: String(n.nominatedBy) === actor.id,
      };
    }),
  };
}

/** A nominee's history for reviewers: their nominations (with the rules named), certificates, and every step with who took it and when. */
export async function nomineeHistoryView(actor: SessionUser, donorId: string) {
  if (!OBJECT_ID.test(donorId)) throw notFound();
  const history = await nomineeHistory(actor, donorId);
  const donor = await Donor.findById(donorId).select("kind legalName fullName erasedAt").lean();
  if (!donor) throw notFound();
  const [rules, actors] = await Promise.all([rulesById(history.nominations.map((n) => n.ruleId)), namesOf(history.trail.map((e) => e.actorId))]);
  return {
    donor: { id: donorId, name: donor.erasedAt ? "" : (donorName(donor) ?? ""), kind: donor.kind === "organisation" ? "organisation" : "individual" },
    nominations: history.nominations.map((n) => {
      const rule = rules.get(String(n.ruleId));
      return {
        id: n._id,
        ruleName: rule?.name ?? null,
        ruleSet: rule?.ruleSet ?? "",
        year: n.year,
        contribution: n.contribution,
        justification: n.justification,
        nominatorName: n.nominatorName ?? "",
        nominatorRole: n.nominatorRole,
        nominatedAt: n.createdAt,
        status: n.status,
        reviewReason: n.reviewReason ?? null,
        certificateCode: n.certificateCode ?? null,
      };
    }),
    certificates: history.certificates.map((c) => ({ serial: c.serial, type: c.type, status: c.status, issuedAt: c.issuedAt, revokedAt: c.revokedAt ?? null, revokedReason: c.revokedReason ?? null, year: c.year })),
    trail: history.trail.map((e) => ({
      id: String(e._id),
      action: e.action,
      at: e.at,
      actorName: e.actorId ? (actors.get(String(e.actorId)) ?? "") : "",
      actorRole: e.actorRole ?? "system",
      reason: typeof (e.details as Record<string, unknown> | null)?.reason === "string" ? String((e.details as Record<string, unknown>).reason) : typeof (e.details as Record<string, unknown> | null)?.justification === "string" ? String((e.details as Record<string, unknown>).justification) : "",
    })),
  };
}

/** The names of donors, for the outcomes of a bulk nomination (only those the caller may see: the caller passes those ids). */
export async function donorNames(donorIds: string[]): Promise<Record<string, string>> {
  const ids = [...new Set(donorIds)].filter((id) => OBJECT_ID.test(id));
  const donors = await Promise.all(ids.map((id) => Donor.findById(id).select("kind legalName fullName erasedAt").lean()));
  return Object.fromEntries(donors.filter((d) => d && !d.erasedAt).map((d) => [String(d!._id), donorName(d!) ?? ""]));
}
