import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDate, formatDateTime } from "#services/format";
import { ReportFiguresTables, ReportFiles, useReportTitle, type FiguresView } from "~/components/report-figures";
import { orRespond } from "~/utils/service-errors.server";
import { publishedReport } from "~/utils/reports.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Báo cáo · Report — Góp Sức" }];

/** /transparency/reports/:id — one published edition, as published (one read by `_id`), and whether a later edition superseded it. Public. */
export async function loader({ params }: LoaderFunctionArgs) {
  const { report, supersededBy } = await orRespond(publishedReport(params.id ?? ""));
  return json({
    report: {
      id: report._id,
      kind: report.kind,
      year: report.year,
      scope: report.scope,
      edition: report.edition,
      supersedes: report.supersedes,
      correctionReason: report.correctionReason,
      publishedAt: report.publishedAt,
      pdfSha256: report.pdfSha256,
      csvSha256: report.csvSha256,
      checkpoint: report.checkpoint ? { size: report.checkpoint.size, root: report.checkpoint.root, time: report.checkpoint.time, note: report.checkpoint.note } : null,
      figures: report.figures as FiguresView,
    },
    supersededBy,
  });
}

export default function PublishedReportPage() {
  const { report, supersededBy } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const lang = useLocale();
  const title = useReportTitle();
  return (
    <section className="stack">
      <p>
        <Link to="/transparency/reports">← {t("reports.public.title")}</Link>
      </p>
      <div>
        <h1>{title(report)}</h1>
        <p className="lead-text muted">
          {t("reports.public.edition", { edition: report.edition, date: formatDate(report.publishedAt, lang) })} ·{" "}
          {t("reports.public.period", { from: formatDate(`${report.figures.period.from}T12:00:00+07:00`, lang), to: formatDate(`${report.figures.period.to}T12:00:00+07:00`, lang) })}
        </p>
      </div>
      {supersededBy ? (
        <p className="notice warning" role="status" data-testid="superseded">
          {t("reports.public.supersededBy")} <Link to={`/transparency/reports/${supersededBy}`}>{supersededBy}</Link>
        </p>
      ) : null}
      {report.supersedes ? (
        <p className="notice" data-testid="supersedes">
          {t("reports.public.supersedes")} <Link to={`/transparency/reports/${report.supersedes}`}>{report.supersedes}</Link>. {t("reports.public.reason", { reason: report.correctionReason ?? "" })}
        </p>
      ) : null}
      <ReportFiles report={report} />
      <dl className="facts">
        <div>
          <dt>{t("reports.public.checkpoint")}</dt>
          <dd>
            {report.checkpoint ? (
              <>
                {t("reports.public.checkpointSize", { size: report.checkpoint.size })} · {formatDateTime(report.checkpoint.time, lang)} ·{" "}
                <Link to="/transparency/ledger">{t("reports.public.checkpointProof")}</Link>
                <pre className="note">{report.checkpoint.note}</pre>
              </>
            ) : (
              t("reports.public.noCheckpoint")
            )}
          </dd>
        </div>
      </dl>
      <ReportFiguresTables figures={report.figures} />
      <p className="muted">{t("reports.public.howToCheck")}</p>
    </section>
  );
}
