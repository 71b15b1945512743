import type { Types } from "mongoose";
import { Donation } from "#models/donation.server";
import { Donor, donorName } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { ledgerEntryIdFor } from "#models/ledger-entry.server";
import { Nomination, nominationIdFor, type NominationStatus } from "#models/nomination.server";
import { Programme } from "#models/programme.server";
import { Rollup, type InPeriod, type RollupDoc } from "#models/projection.server";
import { RecognitionRule, type RecognitionRuleDoc, type RuleDonorKind } from "#models/recognition-rule.server";
import type { SessionUser } from "#models/user.server";
import { vietnamDateInput } from "../calendar";
import { forbidden, notFound } from "../errors";
import { reversedOfEntry } from "../money/projections";

/**
 * Who qualifies for recognition (J3), from the donors' rollups (services/money/projections.ts: a
 * donor's confirmed contributions per year and per year in a province, split into cash, goods and
 * volunteer hours, net of refunds, disputes and corrections) — never by adding up gifts.
 */

type Period = InPeriod[string] | undefined;

/** What a rule counts of one donor's rollup: cash, plus goods and volunteer hours when the rule counts them. */
export function contributionFor(rollup: Pick<RollupDoc, "years" | "provinces"> | null, rule: Pick<RecognitionRuleDoc, "year" | "scope" | "countInKind" | "countVolunteerHours">): number {
  if (!rollup) return 0;
  const period: Period = rule.scope === "national" ? rollup.years?.[String(rule.year)] : rollup.provinces?.[rule.scope]?.[String(rule.year)];
  if (!period) return 0;
  return (period.cash ?? 0) + (rule.countInKind ? period.inKind ?? 0 : 0) + (rule.countVolunteerHours ? period.volunteer ?? 0 : 0);
}

/** The kinds a donor counts as for a rule's year: an organisation, or an individual — and a volunteer expert when they gave hours that year. */
export function donorKindsIn(donor: { kind: string }, rollup: Pick<RollupDoc, "years"> | null, year: number): RuleDonorKind[] {
  if (donor.kind === "organisation") return ["organisation"];
  return (rollup?.years?.[String(year)]?.volunteer ?? 0) > 0 ? ["individual", "volunteer_expert"] : ["individual"];
}

/** Whether a rule applies to the donor at all (kind), and what it counts. */
export function meets(rule: RecognitionRuleDoc, donor: { kind: string }, rollup: RollupDoc | null): { applies: boolean; contribution: number; qualifies: boolean } {
  const applies = donorKindsIn(donor, rollup, rule.year).some((kind) => (rule.donorKinds as string[]).includes(kind));
  const contribution = contributionFor(rollup, rule);
  return { applies, contribution, qualifies: applies && contribution >= rule.minTotal };
}

/**
 * Who may nominate (and see the qualifying list): ministry officers and admins for anyone; a province
 * officer for donors who gave in their province, on national rules and their province's; a manager for
 * donors who gave to their institution.
 */
export function nominatorScope(actor: SessionUser): { all: true } | { province: string } | { institutions: string[] } {
  if (actor.role === "admin" || actor.role === "ministry_officer") return { all: true };
  if (actor.role === "province_officer" && actor.provinceSlug) return { province: actor.provinceSlug };
  if (actor.role === "manager" && actor.institutionIds.length > 0) return { institutions: actor.institutionIds };
  throw forbidden();
}

export function ruleInScope(scope: ReturnType<typeof nominatorScope>, rule: Pick<RecognitionRuleDoc, "scope">) {
  return "province" in scope ? rule.scope === "national" || rule.scope === scope.province : true;
}

export function donorInScope(scope: ReturnType<typeof nominatorScope>, rollup: RollupDoc | null, year: number) {
  if ("all" in scope) return true;
  if ("province" in scope) return Boolean(rollup?.provinces?.[scope.province]?.[String(year)]);
  return scope.institutions.some((id) => rollup?.marks?.[id] !== undefined);
}

export type QualifyingDonor = {
  donorId: string;
  name: string;
  kind: "organisation" | "individual";
  ruleId: string;
  ruleName: { vi: string; en: string };
  type: RecognitionRuleDoc["type"];
  contribution: number;
  minTotal: number;
  nomination: { id: string; status: NominationStatus } | null;
};

/** The active rules of a rule set for a year, highest threshold first (the tiers, as a donor climbs them). */
export async function tiersOf(ruleSet: string, year: number) {
  const rules = await RecognitionRule.find({ ruleSet, year, active: true }).lean();
  return rules.sort((a, b) => b.minTotal - a.minTotal);
}

/**
 * Who qualifies, in one rule set and year, for which tier: each donor listed once, for the highest tier
 * whose rule applies to them and whose threshold they reach (not for a lower one of the same set).
 * Within the actor's scope. One read of the donors' rollups (one document per donor) and of the listed
 * donors; no gift is read.
 */
export async function qualifyingDonors(actor: SessionUser, ruleSet: string, year: number): Promise<QualifyingDonor[]> {
  const scope = nominatorScope(actor);
  const tiers = (await tiersOf(ruleSet, year)).filter((rule) => ruleInScope(scope, rule));
  if (tiers.length === 0) return [];
  const rollups = await Rollup.find({ _id: /^donor:/ }).lean();
  const candidates = rollups.filter((rollup) => donorInScope(scope, rollup, year) && tiers.some((rule) => contributionFor(rollup, rule) >= rule.minTotal));
  const donors = new Map((await Promise.all(candidates.map((r) => Donor.findById(r._id.slice("donor:".length)).select("kind legalName fullName erasedAt").lean()))).filter((d) => d && !d.erasedAt).map((d) => [String(d!._id), d!]));
  const rows: QualifyingDonor[] = [];
  for (const rollup of candidates) {
    const donor = donors.get(rollup._id.slice("donor:".length));
    if (!donor) continue;
    const tier = tiers.find((rule) => meets(rule, donor, rollup).qualifies);
    if (!tier) continue;
    rows.push({
      donorId: String(donor._id),
      name: donorName(donor) ?? "",
      kind: donor.kind === "organisation" ? "organisation" : "individual",
      ruleId: String(tier._id),
      ruleName: { vi: tier.name?.vi ?? "", en: tier.name?.en ?? "" },
      type: tier.type,
      contribution: contributionFor(rollup, tier),
      minTotal: tier.minTotal,
      nomination: null,
    });
  }
  const nominations = await Promise.all(rows.map((row) => Nomination.findById(nominationIdFor(row.ruleId, row.donorId)).select("status").lean()));
  rows.forEach((row, i) => (row.nomination = nominations[i] ? { id: nominations[i]!._id, status: nominations[i]!.status } : null));
  return rows.sort((a, b) => b.contribution - a.contribution || a.name.localeCompare(b.name, "vi"));
}

export type ContributionLine = {
  receiptNumber: string;
  receivedAt: Date;
  programme: string;
  institution: string;
  province: string;
  method: string;
  amount: number;
  /** Refunded, disputed or corrected since (negative or 0). */
  reversed: number;
  counted: boolean;
};

/**
 * The gifts behind a donor's figure for a rule (the drill-down to the receipts): the donor's gifts in
 * the rule's year (Vietnam time) and scope, each with what was reversed of it and whether the rule
 * counts its kind. A read of the donor's gifts: a reviewer's click, not a list.
 */
export async function contributionsBehind(actor: SessionUser, ruleId: string, donorId: string): Promise<{ lines: ContributionLine[]; total: number }> {
  const scope = nominatorScope(actor);
  const rule = await RecognitionRule.findById(ruleId).lean();
  if (!rule) throw notFound();
  const rollup = await Rollup.findById(`donor:${donorId}`).lean();
  if (!ruleInScope(scope, rule) || !donorInScope(scope, rollup, rule.year)) throw forbidden();
  const gifts = await Donation.find({ donorId: donorId as unknown as Types.ObjectId }).select("idempotencyKey receiptNumber receivedAt programmeId institutionId method amount").lean();
  const inYear = gifts.filter((g) => vietnamDateInput(g.receivedAt).startsWith(String(rule.year)));
  const institutions = new Map((await Promise.all([...new Set(inYear.map((g) => String(g.institutionId)))].map((id) => Institution.findById(id).select("name provinceSlug").lean()))).filter(Boolean).map((i) => [String(i!._id), i!]));
  const programmes = new Map((await Promise.all([...new Set(inYear.map((g) => String(g.programmeId)))].map((id) => Programme.findById(id).select("title").lean()))).filter(Boolean).map((p) => [String(p!._id), p!]));
  const lines: ContributionLine[] = [];
  for (const gift of inYear) {
    const institution = institutions.get(String(gift.institutionId));
    if (rule.scope !== "national" && institution?.provinceSlug !== rule.scope) continue;
    const counted = gift.method === "in_kind" ? rule.countInKind : gift.method === "volunteer_hours" ? rule.countVolunteerHours : true;
    lines.push({
      receiptNumber: gift.receiptNumber,
      receivedAt: gift.receivedAt,
      programme: programmes.get(String(gift.programmeId))?.title ?? "",
      institution: institution?.name ?? "",
      province: institution?.provinceSlug ?? "",
      method: gift.method,
      amount: gift.amount,
      reversed: 0 - (await reversedOfEntry(ledgerEntryIdFor(`donation:${gift.idempotencyKey}`))),
      counted,
    });
  }
  lines.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  return { lines, total: lines.filter((l) => l.counted).reduce((sum, l) => sum + l.amount + l.reversed, 0) };
}
