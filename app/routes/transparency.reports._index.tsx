import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDate } from "#services/format";
import { ReportFiles, useReportTitle } from "~/components/report-figures";
import { listPublishedReports } from "~/utils/reports.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Báo cáo Thủ tướng · Reports to the Prime Minister — Góp Sức" }];

/** /transparency/reports — every published report and edition, with its files' SHA-256 and its checkpoint. Public. */
export async function loader(_args: LoaderFunctionArgs) {
  const reports = await listPublishedReports();
  return json({
    reports: reports.map((r) => ({
      id: r._id,
      kind: r.kind,
      year: r.year,
      scope: r.scope,
      edition: r.edition,
      supersedes: r.supersedes,
      superseded: r.superseded,
      publishedAt: r.publishedAt,
      pdfSha256: r.pdfSha256,
      csvSha256: r.csvSha256,
      checkpointSize: r.checkpointSize,
    })),
  });
}

export default function PublishedReportsPage() {
  const { reports } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const lang = useLocale();
  const title = useReportTitle();
  return (
    <section className="stack">
      <p>
        <Link to="/transparency">← {t("nav.transparency")}</Link>
      </p>
      <div>
        <h1>{t("reports.public.title")}</h1>
        <p className="lead-text muted">{t("reports.public.lead")}</p>
      </div>
      {reports.length === 0 ? <p data-testid="no-reports">{t("reports.public.none")}</p> : null}
      {reports.map((r) => (
        <article key={r.id} className="card stack" data-testid="published-report" data-report-id={r.id}>
          <h2>
            <Link to={`/transparency/reports/${r.id}`}>{title(r)}</Link>
          </h2>
          <p className="muted">
            {t("reports.public.edition", { edition: r.edition, date: formatDate(r.publishedAt, lang) })}
            {r.superseded ? <strong> · {t("reports.public.superseded")}</strong> : null}
          </p>
          <ReportFiles report={r} />
          <dl className="facts">
            <div>
              <dt>{t("reports.public.checkpoint")}</dt>
              <dd>{r.checkpointSize === null ? t("reports.public.noCheckpoint") : t("reports.public.checkpointSize", { size: r.checkpointSize })}</dd>
            </div>
          </dl>
        </article>
      ))}
      <p className="muted">{t("reports.public.howToCheck")}</p>
    </section>
  );
}
