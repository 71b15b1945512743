import mongoose, { type Types } from "mongoose";
import { Certificate } from "#models/certificate.server";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { Programme, RECEIVED_KINDS } from "#models/programme.server";
import { Rollup, type InPeriod } from "#models/projection.server";
import { readById } from "#models/read-by-id";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { CERTIFICATE_TYPE_KEYS, type CertificateType } from "#models/reference/recognition";
import { THEMES } from "#models/reference/themes";
import type { ReportKind } from "#models/report.server";
import { vietnamMidnight } from "../calendar";
import { indicatorsOfYear, type IndicatorResult } from "./indicators";
import { FIRST_REPORT_YEAR } from "../validation/reports";
import { HOME_COUNTRY } from "../validation/country";

/**
 * The figures of a report to the Prime Minister (issue 12), computed when an officer publishes or
 * previews it — a job, not a page view, so it may read the year's ledger entries: one aggregation of
 * the entries of the period, grouped by programme and kind, is the money in and out by province,
 * institution type and theme, exactly as the ledger holds it. The provinces' rollups (the dashboard's
 * source, read by `_id`) are read too and their sum kept beside the ledger's as a check.
 *
 * Periods (Vietnam time): an annual report covers its calendar year; the 2025 preliminary and 2030 final
 * reviews cover the plan from 01/01/2023 to the end of their year, and measure the indicators of their
 * year against that year's targets. An annual report measures against the next milestone (2025 until
 * 2025, then 2030) and shows both.
 */

export type MoneyRow = { slug: string; received: number; gifts: number; spent: number };
export type ProvinceRow = MoneyRow & { donors: number };
/** Money in from donors of one country (ISO 3166-1 alpha-2): received (gifts less their reversals), gifts, donors. */
export type OriginRow = { country: string; received: number; gifts: number; donors: number };

export type ReportFigures = {
  kind: ReportKind;
  year: number;
  /** "national" or a province's slug. */
  scope: string;
  /** First and last day covered, YYYY-MM-DD (Vietnam). */
  period: { from: string; to: string };
  /** Whose targets the report measures against. */
  milestone: 2025 | 2030;
  computedAt: string;
  received: { total: number; gifts: number; donors: number };
  spent: number;
  byProvince: ProvinceRow[];
  byType: MoneyRow[];
  /** A programme of several themes counts in each: this table does not add up to the total. */
  byTheme: MoneyRow[];
  pledges: { made: number; fulfilled: number; amount: number; fulfilledAmount: number };
  certificates: { issued: number; revoked: number; byType: Record<CertificateType, number> };
  indicators: IndicatorResult[];
  /** National reports: each province's indicators (provinces with approved institutions). */
  indicatorsByProvince: Array<{ slug: string; results: IndicatorResult[] }>;
  /**
   * Support from Việt Nam and from abroad (issue 13), in đồng: by the donor's country. Gifts with no donor
   * recorded (an anonymous walk-in gift) count at home. `byCountry`: each country abroad, most first.
   * Absent from reports published before it was kept.
   */
  origin?: { domestic: Omit<OriginRow, "country">; international: Omit<OriginRow, "country">; byCountry: OriginRow[] };
  /** The provinces' rollups over the same months, against the ledger's money in (they agree unless the sweeper is behind). */
  check: { rollupsReceived: number; agrees: boolean };
};

const GIFT_KINDS = ["donation_received", "in_kind_received", "volunteer_hours"];

export function reportPeriod(kind: ReportKind, year: number) {
  const first = kind === "annual" ? year : FIRST_REPORT_YEAR;
  const last = kind === "annual" ? year : kind === "review-2025" ? 2025 : 2030;
  return { firstYear: first, lastYear: last, from: `${first}-01-01`, to: `${last}-12-31`, start: vietnamMidnight(first, 1, 1), end: vietnamMidnight(last + 1, 1, 1) };
}

export const reportYear = (kind: ReportKind, year: number) => (kind === "review-2025" ? 2025 : kind === "review-2030" ? 2030 : year);
export const milestoneOf = (kind: ReportKind, year: number): 2025 | 2030 => (kind === "review-2025" ? 2025 : kind === "review-2030" ? 2030 : year <= 2025 ? 2025 : 2030);

type ProgrammeRow = { _id: Types.ObjectId; provinceSlug: string; institutionType: string; themes: string[] };

/** The figures of one report, computed now from the books. */
export async function computeReportFigures(kind: ReportKind, yearAsked: number, scope: string, now = new Date()): Promise<ReportFigures> {
  const year = reportYear(kind, yearAsked);
  const period = reportPeriod(kind, year);
  const province = scope === "national" ? null : scope;
  const programmes = await Programme.find(province ? { provinceSlug: province } : {})
    .select("_id provinceSlug institutionType themes")
    .lean<ProgrammeRow[]>();
  const programmeById = new Map(programmes.map((p) => [String(p._id), p]));
  const inPeriod = { occurredAt: { $gte: period.start, $lt: period.end } };
  const ofScope = province ? { programmeId: { $in: programmes.map((p) => p._id) } } : {};

  // Money in and out per programme, how many entries, and who gave (distinct donors per programme). One
  // accumulator per $group: FerretDB v1.24 computes only the first of several (and answers `$sum: 1` with 0).
  type Key = { p: Types.ObjectId; k: string; s: string };
  type Giver = { _id: { p: Types.ObjectId; d: Types.ObjectId } };
  const byKey = { p: "$programmeId", k: "$kind", s: "$sourceType" };
  const [totals, counts, givers, receivedByDonor, giftsByDonor, abroad] = await Promise.all([
    LedgerEntry.aggregate<{ _id: Key; total: number }>([{ $match: { ...inPeriod, ...ofScope } }, { $group: { _id: byKey, total: { $sum: "$amount" } } }]),
    LedgerEntry.aggregate<{ _id: Key; n: number }>([{ $match: { ...inPeriod, ...ofScope, kind: { $in: GIFT_KINDS }, sourceType: "donation" } }, { $group: { _id: byKey, n: { $count: {} } } }]),
    LedgerEntry.aggregate<Giver>([{ $match: { ...inPeriod, ...ofScope, kind: { $in: GIFT_KINDS }, donorId: { $ne: null } } }, { $group: { _id: { p: "$programmeId", d: "$donorId" } } }]),
    // Money in and gifts per donor, and the donors abroad (few): support by country.
    LedgerEntry.aggregate<{ _id: Types.ObjectId | null; total: number }>([{ $match: { ...inPeriod, ...ofScope, kind: { $in: [...RECEIVED_KINDS] } } }, { $group: { _id: "$donorId", total: { $sum: "$amount" } } }]),
    LedgerEntry.aggregate<{ _id: Types.ObjectId | null; n: number }>([{ $match: { ...inPeriod, ...ofScope, kind: { $in: GIFT_KINDS }, sourceType: "donation" } }, { $group: { _id: "$donorId", n: { $count: {} } } }]),
    Donor.find({ country: { $exists: true, $nin: [null, HOME_COUNTRY] } }).select("country").lean(),
  ]);
  const keyOf = (k: Key) => `${String(k.p)}|${k.k}|${k.s}`;
  const giftCount = new Map(counts.map((row) => [keyOf(row._id), row.n]));
  const sums = totals.map((row) => ({ ...row, n: giftCount.get(keyOf(row._id)) ?? 0 }));

  const perProgramme = new Map<string, { received: number; gifts: number; spent: number }>();
  for (const row of sums) {
    const key = String(row._id.p);
    const into = perProgramme.get(key) ?? { received: 0, gifts: 0, spent: 0 };
    if ((RECEIVED_KINDS as readonly string[]).includes(row._id.k)) into.received += row.total;
    if (GIFT_KINDS.includes(row._id.k) && row._id.s === "donation") into.gifts += row.n;
    if (row._id.s === "expenditure") into.spent -= row.total;
    perProgramme.set(key, into);
  }

  const provinces = province ? [province] : [...PROVINCE_SLUGS];
  const byProvince = new Map<string, ProvinceRow>(provinces.map((slug) => [slug, { slug, received: 0, gifts: 0, spent: 0, donors: 0 }]));
  const byType = new Map<string, MoneyRow>(INSTITUTION_TYPES.map((t) => [t.slug, { slug: t.slug, received: 0, gifts: 0, spent: 0 }]));
  const byTheme = new Map<string, MoneyRow>(THEMES.map((t) => [t.slug, { slug: t.slug, received: 0, gifts: 0, spent: 0 }]));
  const add = (row: MoneyRow | undefined, money: { received: number; gifts: number; spent: number }) => {
    if (!row) return;
    row.received += money.received;
    row.gifts += money.gifts;
    row.spent += money.spent;
  };
  const total = { received: 0, gifts: 0, spent: 0 };
  for (const [id, money] of perProgramme) {
    const programme = programmeById.get(id);
    total.received += money.received;
    total.gifts += money.gifts;
    total.spent += money.spent;
    if (!programme) continue;
    add(byProvince.get(programme.provinceSlug), money);
    add(byType.get(programme.institutionType), money);
    for (const theme of new Set(programme.themes)) add(byTheme.get(theme), money);
  }
  const donorsByProvince = new Map<string, Set<string>>();
  const donors = new Set<string>();
  for (const { _id } of givers) {
    const slug = programmeById.get(String(_id.p))?.provinceSlug;
    donors.add(String(_id.d));
    if (!slug) continue;
    if (!donorsByProvince.has(slug)) donorsByProvince.set(slug, new Set());
    donorsByProvince.get(slug)!.add(String(_id.d));
  }
  for (const [slug, set] of donorsByProvince) {
    const row = byProvince.get(slug);
    if (row) row.donors = set.size;
  }

  const origin = supportByOrigin(
    { received: total.received, gifts: total.gifts, donors: donors.size },
    new Map(abroad.map((d) => [String(d._id), d.country])),
    receivedByDonor,
    giftsByDonor,
  );

  // Pledges made in the period, and how many of them are fulfilled now.
  const institutionIds = province ? [...new Set((await Programme.find({ provinceSlug: province }).select("institutionId").lean()).map((p) => String(p.institutionId)))] : null;
  const pledges = await Pledge.find({
    createdAt: { $gte: period.start, $lt: period.end },
    ...(institutionIds ? { institutionId: { $in: institutionIds.map((id) => new mongoose.Types.ObjectId(id)) } } : {}),
  })
    .select("state amount")
    .lean();
  const made = pledges.filter((p) => p.state !== "cancelled");
  const fulfilled = made.filter((p) => p.state === "fulfilled");

  // Certificates issued in the period (a province's: those of donors who gave there in the period).
  const certificates = await Certificate.find({ issuedAt: { $gte: period.start, $lt: period.end } })
    .select("type status donorId")
    .lean();
  const counted = province ? certificates.filter((c) => donors.has(String(c.donorId))) : certificates;
  const certificateTypes = Object.fromEntries(CERTIFICATE_TYPE_KEYS.map((type) => [type, 0])) as Record<CertificateType, number>;
  for (const c of counted) if (c.status === "issued") certificateTypes[c.type as CertificateType] += 1;

  // The indicators of the report's year.
  const indicators = await indicatorsOfYear(year, province);

  // The check: the provinces' rollups over the same months.
  let rollupsReceived = 0;
  const rollups = await Promise.all(provinces.map((slug) => readById<{ months?: InPeriod }>(Rollup, `province:${slug}`, "months")));
  for (const doc of rollups) {
    for (const [month, inMonth] of Object.entries(doc?.months ?? {})) {
      const y = Number(month.slice(0, 4));
      if (y >= period.firstYear && y <= period.lastYear) rollupsReceived += inMonth?.total ?? 0;
    }
  }

  return {
    kind,
    year,
    scope,
    period: { from: period.from, to: period.to },
    milestone: milestoneOf(kind, year),
    computedAt: now.toISOString(),
    received: { total: total.received, gifts: total.gifts, donors: donors.size },
    spent: total.spent,
    byProvince: [...byProvince.values()],
    byType: [...byType.values()],
    byTheme: [...byTheme.values()],
    pledges: { made: made.length, fulfilled: fulfilled.length, amount: made.reduce((s, p) => s + p.amount, 0), fulfilledAmount: fulfilled.reduce((s, p) => s + p.amount, 0) },
    certificates: { issued: counted.filter((c) => c.status === "issued").length, revoked: counted.filter((c) => c.status === "revoked").length, byType: certificateTypes },
    indicators: province ? indicators.byProvince[province] ?? indicators.national : indicators.national,
    indicatorsByProvince: province ? [] : PROVINCE_SLUGS.filter((slug) => indicators.byProvince[slug]).map((slug) => ({ slug, results: indicators.byProvince[slug]! })),
    origin,
    check: { rollupsReceived, agrees: rollupsReceived === total.received },
  };
}

/**
 * Support from abroad by the donor's country, and at home as what is left of the totals (so the two add
 * up to them exactly, to the đồng and the gift).
 */
function supportByOrigin(
  total: { received: number; gifts: number; donors: number },
  countryOfDonor: Map<string, string>,
  receivedByDonor: Array<{ _id: Types.ObjectId | null; total: number }>,
  giftsByDonor: Array<{ _id: Types.ObjectId | null; n: number }>,
): NonNullable<ReportFigures["origin"]> {
  const rows = new Map<string, OriginRow>();
  const rowOf = (donorId: Types.ObjectId | null) => {
    const country = donorId ? countryOfDonor.get(String(donorId)) : undefined;
    if (!country) return null;
    let row = rows.get(country);
    if (!row) rows.set(country, (row = { country, received: 0, gifts: 0, donors: 0 }));
    return row;
  };
  for (const { _id, total: received } of receivedByDonor) {
    const row = rowOf(_id);
    if (row) row.received += received;
  }
  for (const { _id, n } of giftsByDonor) {
    const row = rowOf(_id);
    if (!row) continue;
    row.gifts += n;
    if (n > 0) row.donors += 1;
  }
  const byCountry = [...rows.values()].filter((r) => r.gifts > 0 || r.received !== 0).sort((a, b) => b.received - a.received || a.country.localeCompare(b.country));
  const international = byCountry.reduce((sum, r) => ({ received: sum.received + r.received, gifts: sum.gifts + r.gifts, donors: sum.donors + r.donors }), { received: 0, gifts: 0, donors: 0 });
  return {
    domestic: { received: total.received - international.received, gifts: total.gifts - international.gifts, donors: total.donors - international.donors },
    international,
    byCountry,
  };
}
