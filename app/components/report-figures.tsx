import { useTranslation } from "react-i18next";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName } from "#models/reference/provinces";
import { THEMES } from "#models/reference/themes";
import { countryName } from "#services/countries";
import { formatNumber, formatVnd, type Locale } from "#services/format";
import { useLocale } from "~/components/catalogue-helpers";

/** The figures of a report, as stored (services/reports/figures.ts ReportFigures; JSON-serialised). */
export type FiguresView = {
  kind: string;
  year: number;
  scope: string;
  milestone: number;
  period: { from: string; to: string };
  received: { total: number; gifts: number; donors: number };
  spent: number;
  byProvince: Array<{ slug: string; received: number; gifts: number; spent: number; donors: number }>;
  byType: Array<{ slug: string; received: number; gifts: number; spent: number }>;
  byTheme: Array<{ slug: string; received: number; gifts: number; spent: number }>;
  pledges: { made: number; fulfilled: number; amount: number; fulfilledAmount: number };
  certificates: { issued: number; revoked: number };
  indicators: Array<{ id: string; name: { vi: string; en: string }; measure: string; numerator: number; denominator: number; value: number | null; target2025: number; target2030: number }>;
  origin?: {
    domestic: { received: number; gifts: number; donors: number };
    international: { received: number; gifts: number; donors: number };
    byCountry: Array<{ country: string; received: number; gifts: number; donors: number }>;
  };
};

/** "Báo cáo năm 2026 — Hà Nội" / "Annual report 2026 — national". */
export function useReportTitle() {
  const { t } = useTranslation();
  return (r: { kind: string; year: number; scope: string }) =>
    `${t(`reports.kinds.${r.kind}`, { year: r.year })} — ${r.scope === "national" ? t("reports.national") : provinceName(r.scope) ?? r.scope}`;
}

/** The report's tables, in the reader's language (the same numbers as the PDF and the CSV). */
export function ReportFiguresTables({ figures }: { figures: FiguresView }) {
  const { t } = useTranslation();
  const lang = useLocale();
  const vnd = (n: number) => formatVnd(n, lang);
  const num = (n: number) => formatNumber(n, lang, 0);
  const pct = (v: number | null) => (v === null ? "—" : `${formatNumber(v, lang, 1)}%`);
  const target = figures.milestone === 2025 ? "target2025" : "target2030";
  return (
    <div className="stack">
      <section aria-labelledby="rf-summary">
        <h2 id="rf-summary">{t("reports.figures.summary")}</h2>
        <dl className="facts" data-testid="report-summary">
          <div>
            <dt>{t("reports.figures.received")}</dt>
            <dd data-testid="report-received">{vnd(figures.received.total)}</dd>
          </div>
          <div>
            <dt>{t("reports.figures.gifts")}</dt>
            <dd>{num(figures.received.gifts)}</dd>
          </div>
          <div>
            <dt>{t("reports.figures.donors")}</dt>
            <dd>{num(figures.received.donors)}</dd>
          </div>
          <div>
            <dt>{t("reports.figures.spent")}</dt>
            <dd data-testid="report-spent">{vnd(figures.spent)}</dd>
          </div>
          <div>
            <dt>{t("reports.figures.pledges")}</dt>
            <dd>{t("reports.figures.pledgesValue", { made: num(figures.pledges.made), fulfilled: num(figures.pledges.fulfilled) })}</dd>
          </div>
          <div>
            <dt>{t("reports.figures.certificates")}</dt>
            <dd>{num(figures.certificates.issued)}</dd>
          </div>
        </dl>
      </section>
      {figures.scope === "national" ? (
        <MoneyTable id="rf-province" caption={t("reports.figures.byProvince")} rows={figures.byProvince.map((r) => ({ ...r, name: provinceName(r.slug) ?? r.slug }))} vnd={vnd} num={num} />
      ) : null}
      <MoneyTable
        id="rf-type"
        caption={t("reports.figures.byType")}
        rows={figures.byType.map((r) => ({ ...r, name: INSTITUTION_TYPES.find((x) => x.slug === r.slug)?.[lang] ?? r.slug }))}
        vnd={vnd}
        num={num}
      />
      <MoneyTable
        id="rf-theme"
        caption={t("reports.figures.byTheme")}
        rows={figures.byTheme.map((r) => ({ ...r, name: THEMES.find((x) => x.slug === r.slug)?.[lang] ?? r.slug }))}
        vnd={vnd}
        num={num}
      />
      {figures.origin ? <OriginTable origin={figures.origin} lang={lang} vnd={vnd} num={num} /> : null}
      <section aria-labelledby="rf-indicators">
        <h2 id="rf-indicators">{t("reports.figures.indicators", { year: figures.year })}</h2>
        <div className="table-wrap">
          <table data-testid="report-indicators">
            <thead>
              <tr>
                <th scope="col">{t("reports.figures.indicator")}</th>
                <th scope="col">{t("reports.figures.value")}</th>
                <th scope="col">{t("reports.figures.target", { year: 2025 })}</th>
                <th scope="col">{t("reports.figures.target", { year: 2030 })}</th>
                <th scope="col">{t("reports.figures.met", { year: figures.milestone })}</th>
              </tr>
            </thead>
            <tbody>
              {figures.indicators.map((r) => {
                const met = r.value === null ? null : r.value >= r[target];
                return (
                  <tr key={r.id} data-indicator={r.id}>
                    <th scope="row">{r.name[lang]}</th>
                    <td className="num">
                      {pct(r.value)}
                      {r.measure === "share" ? ` (${num(r.numerator)}/${num(r.denominator)})` : ""}
                    </td>
                    <td className="num">{r.measure === "growth" ? `+${pct(r.target2025)}` : pct(r.target2025)}</td>
                    <td className="num">{r.measure === "growth" ? `+${pct(r.target2030)}` : pct(r.target2030)}</td>
                    <td>{met === null ? "—" : met ? t("reports.figures.yes") : t("reports.figures.no")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function MoneyTable({
  id,
  caption,
  rows,
  vnd,
  num,
}: {
  id: string;
  caption: string;
  rows: Array<{ slug: string; name: string; received: number; gifts: number; spent: number }>;
  vnd: (n: number) => string;
  num: (n: number) => string;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{caption}</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("reports.figures.name")}</th>
              <th scope="col">{t("reports.figures.received")}</th>
              <th scope="col">{t("reports.figures.gifts")}</th>
              <th scope="col">{t("reports.figures.spent")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.slug}>
                <th scope="row">{r.name}</th>
                <td className="num">{vnd(r.received)}</td>
                <td className="num">{num(r.gifts)}</td>
                <td className="num">{vnd(r.spent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Support from Việt Nam and from abroad, by the donor's country (issue 13). */
function OriginTable({ origin, lang, vnd, num }: { origin: NonNullable<FiguresView["origin"]>; lang: Locale; vnd: (n: number) => string; num: (n: number) => string }) {
  const { t } = useTranslation();
  const row = (key: string, name: string, r: { received: number; gifts: number; donors: number }) => (
    <tr key={key} data-origin={key}>
      <th scope="row">{name}</th>
      <td className="num">{vnd(r.received)}</td>
      <td className="num">{num(r.gifts)}</td>
      <td className="num">{num(r.donors)}</td>
    </tr>
  );
  return (
    <section aria-labelledby="rf-origin">
      <h2 id="rf-origin">{t("reports.figures.byOrigin")}</h2>
      <div className="table-wrap">
        <table data-testid="report-origin">
          <thead>
            <tr>
              <th scope="col">{t("reports.figures.origin")}</th>
              <th scope="col">{t("reports.figures.received")}</th>
              <th scope="col">{t("reports.figures.gifts")}</th>
              <th scope="col">{t("reports.figures.donors")}</th>
            </tr>
          </thead>
          <tbody>
            {row("domestic", t("reports.figures.domestic"), origin.domestic)}
            {row("international", t("reports.figures.international"), origin.international)}
            {origin.byCountry.map((r) => row(r.country, `— ${countryName(r.country, lang)}`, r))}
          </tbody>
        </table>
      </div>
      <p className="muted">{t("reports.figures.originNote")}</p>
    </section>
  );
}

/** A published edition's two files to download, with the SHA-256 of each (anyone can hash what they downloaded and compare). */
export function ReportFiles({ report }: { report: { id: string; pdfSha256: string; csvSha256: string } }) {
  const { t } = useTranslation();
  return (
    <>
      <p>
        <a className="button" href={`/transparency/reports/${report.id}/pdf`} download data-testid="download-pdf">
          {t("reports.public.pdf")}
        </a>{" "}
        <a className="button secondary" href={`/transparency/reports/${report.id}/csv`} download data-testid="download-csv">
          {t("reports.public.csv")}
        </a>
      </p>
      <dl className="facts">
        <div>
          <dt>{t("reports.public.pdfHash")}</dt>
          <dd>
            <code className="hash" data-testid="pdf-sha256">
              {report.pdfSha256}
            </code>
          </dd>
        </div>
        <div>
          <dt>{t("reports.public.csvHash")}</dt>
          <dd>
            <code className="hash" data-testid="csv-sha256">
              {report.csvSha256}
            </code>
          </dd>
        </div>
      </dl>
    </>
  );
}
