import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { CAMPAIGN_DAYS } from "#models/reference/campaign-days";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName, PROVINCES } from "#models/reference/provinces";
import { CERTIFICATE_TYPES } from "#models/reference/recognition";
import { THEMES } from "#models/reference/themes";
import { formatDate, formatNumber, formatVnd, type Locale } from "#services/format";
import { BarChart, type Bar } from "~/components/charts/bar-chart";
import chartStyles from "~/components/charts/charts.css";
import { TimeSeries } from "~/components/charts/time-series";
import { useLocale } from "~/components/catalogue-helpers";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { dashboardFigures, honourRoll, MAX_CERTIFICATES_PER_KIND, vietnamYear } from "~/utils/transparency-dashboard.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: chartStyles }];

export const meta: MetaFunction = () => [
  { title: "Minh bạch tài chính · Money at a glance — Góp Sức" },
  { name: "description", content: "Tiền các cơ sở đã nhận qua Góp Sức theo năm, tháng, tỉnh, loại hình, chủ đề; chương trình nhận nhiều nhất; bảng vinh danh — Money received by year, month, province, type and theme; top programmes; the honour roll." },
];

/** The first year the honour roll offers (the platform's first certificates). */
const FIRST_YEAR = 2025;

/**
 * /transparency — the platform's money at a glance (issue 12, decision 0035). Public. Reads the
 * provinces' rollups by `_id`, the catalogue's in-memory index and, for the honour roll, the certificate
 * register by serial (services/transparency/dashboard.ts); never the donations or the ledger.
 * `?year=` chooses the honour roll's year (the year certificates were issued; this year by default).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const now = new Date();
  const current = vietnamYear(now);
  const asked = Number(new URL(request.url).searchParams.get("year"));
  const year = Number.isInteger(asked) && asked >= FIRST_YEAR && asked <= current ? asked : current;
  const [figures, roll] = await Promise.all([dashboardFigures(now), honourRoll(year)]);
  const years = Array.from({ length: current - FIRST_YEAR + 1 }, (_, i) => current - i);
  return json({ figures, roll, years, currentYear: current, maxPerKind: MAX_CERTIFICATES_PER_KIND });
}

type Head = { label: string; num?: boolean };
type Cell = { value: ReactNode; num?: boolean; header?: boolean };

/** A table of a chart's numbers, with its caption (what it shows, in which unit). */
function FigureTable({ id, caption, head, rows, foot }: { id: string; caption: string; head: Head[]; rows: Array<{ key: string; cells: Cell[] }>; foot?: Cell[] }) {
  const cell = (c: Cell, i: number) =>
    c.header ? (
      <th key={i} scope="row" className={c.num ? "num" : undefined}>
        {c.value}
      </th>
    ) : (
      <td key={i} className={c.num ? "num" : undefined}>
        {c.value}
      </td>
    );
  return (
    <div className="table-wrap">
      <table data-testid={`table-${id}`}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h.label} scope="col" className={h.num ? "num" : undefined}>
                {h.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>{row.cells.map(cell)}</tr>
          ))}
        </tbody>
        {foot ? (
          <tfoot>
            <tr>{foot.map(cell)}</tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}

/** One block of the dashboard: its heading, its chart (or "nothing yet"), its table behind a disclosure, its CSV. */
function Block({ id, title, chart, table, csv, note, wide }: { id: string; title: string; chart: ReactNode; table: ReactNode; csv: string; note?: ReactNode; wide?: boolean }) {
  const { t } = useTranslation();
  return (
    <section className={wide ? "card stack dashboard-section dashboard-wide" : "card stack dashboard-section"} aria-labelledby={`${id}-heading`} data-testid={`block-${id}`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {chart}
      {note ? <p className="muted dashboard-note">{note}</p> : null}
      <details>
        <summary>{t("transparency.dashboard.showTable")}</summary>
        {table}
      </details>
      <p>
        <a href={`/transparency/totals.csv?by=${csv}`} download>
          {t("transparency.dashboard.csv")}
          <span className="visually-hidden"> — {title}</span>
        </a>
      </p>
    </section>
  );
}

/** Written out here, not by Intl: the server's and the browser's ICU differ ("Sep" or "Sept"), and the page is drawn by both. */
const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2026-03" → "03/26" or "03/2026" (vi), "Mar 26" or "Mar 2026" (en). */
function monthLabel(month: string, lang: Locale, short: boolean): string {
  const [year, m] = month.split("-") as [string, string];
  if (lang === "vi") return short ? `${m}/${year.slice(2)}` : `${m}/${year}`;
  const name = MONTHS_EN[Number(m) - 1] ?? m;
  return short ? `${name} ${year.slice(2)}` : `${name} ${year}`;
}

const nameIn = (list: ReadonlyArray<{ slug: string; vi: string; en: string }>, slug: string, lang: Locale) => list.find((item) => item.slug === slug)?.[lang] ?? slug;

export default function TransparencyDashboard() {
  const { figures, roll, years, currentYear, maxPerKind } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const lang = useLocale();
  const vnd = (n: number) => formatVnd(n, lang);
  const k = (key: string, options?: Record<string, unknown>) => t(`transparency.dashboard.${key}`, options);
  /** Bars of the rows that received something, largest first. */
  const barsOf = (rows: Array<{ key: string; label: string; value: number }>): Bar[] =>
    rows
      .filter((r) => r.value > 0)
      .sort((a, b) => b.value - a.value)
      .map((r) => ({ ...r, display: vnd(r.value) }));
  const describeBars = (bars: Bar[]) => k("chartDesc", { n: bars.length, label: bars[0]?.label ?? "", value: bars[0]?.display ?? "" });
  const chartOf = (id: string, title: string, bars: Bar[]) => (bars.length > 0 ? <BarChart id={id} title={title} description={describeBars(bars)} bars={bars} /> : <p className="muted">{k("nothingYet")}</p>);
  const tick = (value: number) =>
    value >= 1e9 ? k("tickBillion", { n: formatNumber(value / 1e9, lang, 1) }) : value >= 1e6 ? k("tickMillion", { n: formatNumber(value / 1e6, lang, 1) }) : k("tickThousand", { n: formatNumber(value / 1e3, lang, 0) });
  const thisYear = figures.byYear.find((row) => row.year === String(currentYear));

  const yearTitle = k("byYearTitle");
  const yearBars: Bar[] = figures.byYear.filter((r) => r.total !== 0).map((r) => ({ key: r.year, label: r.year, value: r.total, display: vnd(r.total) }));

  const monthTitle = k("byMonthTitle", { n: figures.byMonth.length });
  const peak = [...figures.byMonth].sort((a, b) => b.total - a.total)[0];
  const points = figures.byMonth.map((r) => ({ key: r.month, label: monthLabel(r.month, lang, true), value: r.total, display: vnd(r.total) }));

  const provinceTitle = k("byProvinceTitle");
  const provinceBars = barsOf(figures.byProvince.map((r) => ({ key: r.slug, label: provinceName(r.slug) ?? r.slug, value: r.total })));
  const provinceRows = [...figures.byProvince].sort((a, b) => b.total - a.total || PROVINCES.findIndex((p) => p.slug === a.slug) - PROVINCES.findIndex((p) => p.slug === b.slug));

  const catalogueBlock = (id: string, csv: string, title: string, column: string, rows: Array<{ slug: string; received: number; programmes: number; spent: number }>, list: ReadonlyArray<{ slug: string; vi: string; en: string }>, note?: ReactNode) => {
    const bars = barsOf(rows.map((r) => ({ key: r.slug, label: nameIn(list, r.slug, lang), value: r.received })));
    return (
      <Block
        id={id}
        title={title}
        csv={csv}
        chart={chartOf(id, title, bars)}
        note={note}
        table={
          <FigureTable
            id={id}
            caption={`${title} — ${k("colReceived")}`}
            head={[{ label: column }, { label: k("colReceived"), num: true }, { label: k("colProgrammes"), num: true }, { label: k("colSpent"), num: true }]}
            rows={[...rows].sort((a, b) => b.received - a.received).map((r) => ({ key: r.slug, cells: [{ value: nameIn(list, r.slug, lang), header: true }, { value: vnd(r.received), num: true }, { value: formatNumber(r.programmes, lang, 0), num: true }, { value: vnd(r.spent), num: true }] }))}
          />
        }
      />
    );
  };

  const topTitle = k("topTitle");
  const topBars: Bar[] = figures.topProgrammes.map((p) => ({ key: p.id, label: p.title, value: p.received, display: vnd(p.received) }));

  return (
    <section className="stack">
      <h1>{k("title")}</h1>
      <p>{k("intro")}</p>
      <p className="muted">
        {k("asOf", { date: formatDate(`${figures.asOf}T12:00:00+07:00`, lang) })}{" "}
        <Link to="/transparency/ledger">{t("transparency.ledgerTitle")}</Link> · <Link to="/transparency/find">{t("transparency.findTitle")}</Link> · <Link to="/transparency/data">{t("openData.title")}</Link>
      </p>

      <section aria-labelledby="figures-heading">
        <h2 id="figures-heading" className="visually-hidden">
          {k("figuresTitle")}
        </h2>
        <dl className="dashboard-figures" data-testid="figures">
          <div>
            <dt>{k("totalReceived")}</dt>
            <dd data-testid="figure-total">{vnd(figures.total.total)}</dd>
          </div>
          <div>
            <dt>{k("totalSpent")}</dt>
            <dd data-testid="figure-spent">{vnd(figures.total.spent)}</dd>
          </div>
          <div>
            <dt>{k("thisYear", { year: currentYear })}</dt>
            <dd>{vnd(thisYear?.total ?? 0)}</dd>
          </div>
          <div>
            <dt>{k("gifts")}</dt>
            <dd>{formatNumber(figures.total.gifts, lang, 0)}</dd>
          </div>
          <div>
            <dt>{k("programmes")}</dt>
            <dd>{formatNumber(figures.catalogue.programmes, lang, 0)}</dd>
          </div>
        </dl>
      </section>

      <div className="dashboard-grid">
        <Block
          id="year"
          title={yearTitle}
          csv="year"
          chart={chartOf("year", yearTitle, yearBars)}
          table={
            <FigureTable
              id="year"
              caption={`${yearTitle} — ${k("colReceived")}`}
              head={[{ label: k("colYear") }, { label: k("colReceived"), num: true }, { label: k("colGifts"), num: true }, { label: k("colSpent"), num: true }]}
              rows={figures.byYear.map((r) => ({ key: r.year, cells: [{ value: r.year, header: true }, { value: vnd(r.total), num: true }, { value: formatNumber(r.gifts, lang, 0), num: true }, { value: vnd(r.spent), num: true }] }))}
              foot={[{ value: k("colTotal"), header: true }, { value: vnd(figures.total.total), num: true }, { value: formatNumber(figures.total.gifts, lang, 0), num: true }, { value: vnd(figures.total.spent), num: true }]}
            />
          }
        />

        <Block
          id="month"
          title={monthTitle}
          csv="month"
          chart={
            peak && peak.total > 0 ? (
              <TimeSeries
                id="month"
                title={monthTitle}
                description={k("chartDescSeries", { from: monthLabel(figures.byMonth[0]!.month, lang, false), to: monthLabel(figures.byMonth.at(-1)!.month, lang, false), label: monthLabel(peak.month, lang, false), value: vnd(peak.total) })}
                points={points}
                tickLabel={tick}
              />
            ) : (
              <p className="muted">{k("nothingYet")}</p>
            )
          }
          table={
            <FigureTable
              id="month"
              caption={`${monthTitle} — ${k("colReceived")}`}
              head={[{ label: k("colMonth") }, { label: k("colReceived"), num: true }, { label: k("colGifts"), num: true }, { label: k("colSpent"), num: true }]}
              rows={figures.byMonth.map((r) => ({ key: r.month, cells: [{ value: monthLabel(r.month, lang, false), header: true }, { value: vnd(r.total), num: true }, { value: formatNumber(r.gifts, lang, 0), num: true }, { value: vnd(r.spent), num: true }] }))}
            />
          }
        />

        <Block
          id="province"
          title={provinceTitle}
          csv="province"
          chart={chartOf("province", provinceTitle, provinceBars)}
          note={k("provinceNote", { n: figures.byProvince.length })}
          table={
            <FigureTable
              id="province"
              caption={`${provinceTitle} — ${k("colReceived")}`}
              head={[{ label: k("colProvince") }, { label: k("colReceived"), num: true }, { label: k("colGifts"), num: true }, { label: k("colSpent"), num: true }]}
              rows={provinceRows.map((r) => ({ key: r.slug, cells: [{ value: provinceName(r.slug) ?? r.slug, header: true }, { value: vnd(r.total), num: true }, { value: formatNumber(r.gifts, lang, 0), num: true }, { value: vnd(r.spent), num: true }] }))}
              foot={[{ value: k("colTotal"), header: true }, { value: vnd(figures.total.total), num: true }, { value: formatNumber(figures.total.gifts, lang, 0), num: true }, { value: vnd(figures.total.spent), num: true }]}
            />
          }
        />

        {catalogueBlock("type", "type", k("byTypeTitle"), k("colType"), figures.byType, INSTITUTION_TYPES, k("catalogueNote", { n: formatNumber(figures.catalogue.programmes, lang, 0) }))}
        {catalogueBlock("theme", "theme", k("byThemeTitle"), k("colTheme"), figures.byTheme, THEMES, k("themeNote"))}
        {catalogueBlock("campaign-day", "campaign-day", k("byCampaignDayTitle"), k("colCampaignDay"), figures.byCampaignDay, CAMPAIGN_DAYS)}

        <Block
          id="programme"
          title={topTitle}
          csv="programme"
          wide
          chart={chartOf("programme", topTitle, topBars)}
          table={
            <FigureTable
              id="programme"
              caption={`${topTitle} — ${k("colReceived")}`}
              head={[{ label: k("colRank"), num: true }, { label: k("colProgramme") }, { label: k("colInstitution") }, { label: k("colReceived"), num: true }, { label: k("colGoal"), num: true }]}
              rows={figures.topProgrammes.map((p, i) => ({
                key: p.id,
                cells: [
                  { value: formatNumber(i + 1, lang, 0), num: true },
                  { value: <Link to={`/programmes/${p.slug}`}>{p.title}</Link>, header: true },
                  { value: `${p.institutionName} · ${provinceName(p.provinceSlug) ?? p.provinceSlug}` },
                  { value: vnd(p.received), num: true },
                  { value: vnd(p.goal), num: true },
                ],
              }))}
            />
          }
        />
      </div>

      <section className="card stack dashboard-section" aria-labelledby="honour-heading" data-testid="honour-roll">
        <h2 id="honour-heading">{k("honourTitle")}</h2>
        <p>{k("honourIntro")}</p>
        <Form method="get" action="/transparency" className="year-form">
          <div className="field">
            <label htmlFor="honour-year">{k("honourYear")}</label>
            <select id="honour-year" name="year" defaultValue={String(roll.year)}>
              {years.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button button-small button-secondary">
            {k("honourShow")}
          </button>
        </Form>
        {roll.tiers.length === 0 ? (
          <p className="muted">{k("honourNone", { year: roll.year })}</p>
        ) : (
          <ol className="honour-tiers">
            {roll.tiers.map((tier) => (
              <li key={tier.ruleId} className="stack">
                <h3>{tier.name[lang]}</h3>
                <p className="muted">{k("honourThreshold", { type: CERTIFICATE_TYPES[tier.type].title[lang], amount: vnd(tier.minTotal), year: tier.ruleYear })}</p>
                {tier.named.length > 0 ? (
                  <ul className="honour-names">
                    {tier.named.map((donor) => (
                      <li key={donor.name}>{donor.name}</li>
                    ))}
                  </ul>
                ) : null}
                {tier.anonymous > 0 ? <p>{k(tier.named.length > 0 ? "honourAnonymous" : "honourOnlyAnonymous", { n: formatNumber(tier.anonymous, lang, 0) })}</p> : null}
              </li>
            ))}
          </ol>
        )}
        {roll.truncated ? <p className="muted">{k("honourTruncated", { n: formatNumber(maxPerKind, lang, 0) })}</p> : null}
        <p>
          <a href={`/transparency/totals.csv?by=honour&year=${roll.year}`} download>
            {k("csv")}
            <span className="visually-hidden"> — {k("honourTitle")}</span>
          </a>
        </p>
      </section>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
