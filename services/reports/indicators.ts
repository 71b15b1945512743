import mongoose from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { Indicator, InstitutionYear, institutionYearId, type IndicatorDoc, type InstitutionYearDoc } from "#models/indicator.server";
import { Institution } from "#models/institution.server";
import { INDICATOR_SEEDS } from "#models/reference/indicators";
import type { SessionUser } from "#models/user.server";
import { canManageProgrammes, hasRole } from "../access";
import { forbidden, invalid, notFound } from "../errors";
import type { IndicatorTargetsInput, InstitutionYearInput } from "../validation/reports";

/**
 * The programme's indicators as data (issue 12, domain.md §1): the ministry edits their targets; each
 * institution's managers record, per year, the lifelong-learning services it offered and how many
 * learners / visitors came; a report computes the percentages from those records at the time it is
 * published (a published report keeps what it computed: editing a target changes the next one only).
 */

/** Writes the seeded indicators that are missing (never overwrites an edited one). Idempotent. */
export async function ensureIndicators(): Promise<void> {
  const existing = new Set((await Indicator.find({}).select("_id").lean()).map((i) => i._id));
  for (const seed of INDICATOR_SEEDS) {
    if (existing.has(seed._id)) continue;
    try {
      await Indicator.create(seed);
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }
}

/** Every indicator, in order (seeded first if needed). */
export async function listIndicators(): Promise<IndicatorDoc[]> {
  await ensureIndicators();
  return (await Indicator.find({}).lean()).sort((a, b) => a.order - b.order);
}

const mayEditIndicators = (actor: SessionUser) => hasRole(actor, ["ministry_officer"]);

/** The ministry's edit of the targets: every indicator named must exist; one audit event. */
export async function updateIndicatorTargets(actor: SessionUser, input: IndicatorTargetsInput): Promise<number> {
  if (!mayEditIndicators(actor)) throw forbidden();
  const indicators = await listIndicators();
  const known = new Set(indicators.map((i) => i._id));
  const unknown = Object.keys(input.targets).filter((id) => !known.has(id));
  if (unknown.length > 0) throw invalid(Object.fromEntries(unknown.map((id) => [`targets.${id}.y2025`, ["reports.validation.unknownIndicator"]])));
  let changed = 0;
  for (const indicator of indicators) {
    const next = input.targets[indicator._id];
    if (!next || (next.y2025 === indicator.target2025 && next.y2030 === indicator.target2030)) continue;
    await Indicator.updateOne({ _id: indicator._id }, { $set: { target2025: next.y2025, target2030: next.y2030, updatedBy: new mongoose.Types.ObjectId(actor.id) } }, { runValidators: true });
    await recordAudit({
      actor,
      action: "indicator.targets",
      subjectType: "Indicator",
      subjectId: indicator._id,
      details: { from: [indicator.target2025, indicator.target2030], to: [next.y2025, next.y2030] },
    });
    changed += 1;
  }
  return changed;
}

/** The institution (for its form), if this person manages it. */
async function managedInstitution(actor: SessionUser, institutionId: string) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findById(institutionId).select("name type level provinceSlug status").lean();
  if (!institution) throw notFound();
  if (!canManageProgrammes(actor, String(institution._id))) throw forbidden();
  return institution;
}

/** The institution's form: who it is, and what it recorded for `year` (null: nothing yet). */
export async function institutionYearForm(actor: SessionUser, institutionId: string, year: number) {
  const institution = await managedInstitution(actor, institutionId);
  const record = await InstitutionYear.findById(institutionYearId(institution._id, year)).lean();
  return {
    institution: { id: String(institution._id), name: institution.name, type: institution.type, level: institution.level, provinceSlug: institution.provinceSlug },
    year,
    record: record ? { sector: record.sector, services: record.services, learners: record.learners, visitors: record.visitors, updatedAt: record.updatedAt ?? null } : null,
  };
}

/** Records (or records again) an institution's year: one document by `_id`, replaced whole. */
export async function recordInstitutionYear(actor: SessionUser, institutionId: string, input: InstitutionYearInput): Promise<void> {
  const institution = await managedInstitution(actor, institutionId);
  if (institution.status !== "approved") throw invalid({}, "reports.institutionNotApproved");
  const _id = institutionYearId(institution._id, input.year);
  const doc: InstitutionYearDoc = {
    _id,
    institutionId: institution._id,
    year: input.year,
    provinceSlug: institution.provinceSlug,
    institutionType: institution.type,
    level: institution.level,
    // Only a library is of a library sector.
    sector: institution.type === "library" ? input.sector : "public",
    services: input.services,
    learners: input.learners,
    visitors: input.visitors,
    recordedBy: new mongoose.Types.ObjectId(actor.id),
  };
  await InstitutionYear.findOneAndReplace({ _id }, doc, { upsert: true, runValidators: true });
  await recordAudit({
    actor,
    action: "institution.learning_year",
    subjectType: "Institution",
    subjectId: institution._id,
    institutionId: institution._id,
    provinceSlug: institution.provinceSlug,
    details: { year: input.year, services: input.services.length, learners: input.learners, visitors: input.visitors },
  });
}

// ——— The indicators of a year ———

export type IndicatorResult = {
  id: string;
  name: { vi: string; en: string };
  measure: "share" | "growth";
  /** share: institutions offering / institutions counted; growth: visitors this year / last year. */
  numerator: number;
  denominator: number;
  /** Percent, one decimal; null when there is nothing to divide by. */
  value: number | null;
  target2025: number;
  target2030: number;
};

type InstitutionRow = { _id: mongoose.Types.ObjectId; type: string; level: string; provinceSlug: string };

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The indicators of `year` over the given institutions and their records (this year's and last year's). */
function computeIndicators(indicators: IndicatorDoc[], institutions: InstitutionRow[], records: Map<string, InstitutionYearDoc>, previous: Map<string, InstitutionYearDoc>): IndicatorResult[] {
  return indicators.map((indicator) => {
    const matches = institutions.filter((inst) => {
      if (inst.type !== indicator.institutionType) return false;
      if (indicator.levels.length > 0 && !indicator.levels.includes(inst.level)) return false;
      if (indicator.sector) {
        const sector = records.get(String(inst._id))?.sector ?? previous.get(String(inst._id))?.sector ?? "public";
        if (sector !== indicator.sector) return false;
      }
      return true;
    });
    let numerator = 0;
    let denominator = 0;
    if (indicator.measure === "share") {
      denominator = matches.length;
      numerator = matches.filter((inst) => (records.get(String(inst._id))?.services.length ?? 0) > 0).length;
    } else {
      // The same institutions both years: those that recorded both.
      for (const inst of matches) {
        const now = records.get(String(inst._id));
        const before = previous.get(String(inst._id));
        if (!now || !before) continue;
        numerator += now.visitors;
        denominator += before.visitors;
      }
    }
    const value = denominator === 0 ? null : indicator.measure === "share" ? round1((numerator / denominator) * 100) : round1((numerator / denominator - 1) * 100);
    return { id: indicator._id, name: indicator.name, measure: indicator.measure, numerator, denominator, value, target2025: indicator.target2025, target2030: indicator.target2030 };
  });
}

/**
 * The indicators of `year`, nationally and per province (or for one province): read at publish time —
 * the approved institutions (type, level, province) and the year's and the previous year's records.
 */
export async function indicatorsOfYear(year: number, provinceSlug: string | null): Promise<{ national: IndicatorResult[]; byProvince: Record<string, IndicatorResult[]> }> {
  const indicators = await listIndicators();
  const where = provinceSlug ? { provinceSlug } : {};
  const [institutions, thisYear, lastYear] = await Promise.all([
    Institution.find({ status: "approved", ...where })
      .select("_id type level provinceSlug")
      .lean<InstitutionRow[]>(),
    InstitutionYear.find({ year, ...where }).lean(),
    InstitutionYear.find({ year: year - 1, ...where }).lean(),
  ]);
  const byId = (list: InstitutionYearDoc[]) => new Map(list.map((r) => [String(r.institutionId), r]));
  const records = byId(thisYear);
  const previous = byId(lastYear);
  const national = computeIndicators(indicators, institutions, records, previous);
  const byProvince: Record<string, IndicatorResult[]> = {};
  for (const slug of new Set(institutions.map((i) => i.provinceSlug))) {
    byProvince[slug] = computeIndicators(
      indicators,
      institutions.filter((i) => i.provinceSlug === slug),
      records,
      previous
    );
  }
  return { national, byProvince };
}
