import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { formatDateTime } from "#services/format";
import pageStyles from "~/styles/certificates-admin.css";
import giftStyles from "~/styles/gifts.css";
import { requireRole } from "~/utils/auth.server";
import { batchView } from "~/utils/certificates-admin.server";
import { orRespond } from "~/utils/service-errors.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: giftStyles },
  { rel: "stylesheet", href: pageStyles },
];
export const meta: MetaFunction = () => [{ title: "Đợt cấp giấy chứng nhận · Certificate batch — Góp Sức" }];

/** How often the page asks again while the batch runs (with JavaScript; without it, the page reloads every 2 s). */
const POLL_MS = 1500;
const REASONS = ["not_found", "not_approved", "needs_decision", "error"] as const;

/** A batch being issued in the background: how far it got, and what failed and why. Issuers only. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, ["ministry_officer"]);
  const id = params.id ?? "";
  if (!/^[a-f0-9]{24}$/.test(id)) throw new Response("errors.notFound", { status: 404 });
  const batch = await orRespond(batchView(user, id));
  return json({ batch }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function BatchPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { batch } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();

  // With JavaScript: ask again every POLL_MS while the batch runs (one request at a time).
  useEffect(() => {
    if (!batch.running) return;
    const timer = window.setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [batch.running, revalidator]);

  return (
    <section className="stack">
      {/* Without JavaScript the page reloads itself while the batch runs (inside <noscript>, so not with it). */}
      {batch.running ? (
        <noscript>
          <meta httpEquiv="refresh" content="2" />
        </noscript>
      ) : null}
      <div>
        <p className="page-kicker">{t("certificatesAdmin.kicker")}</p>
        <h1>{t("certificatesAdmin.batch.title")}</h1>
        {batch.startedAt ? <p className="muted">{t("certificatesAdmin.batch.started", { at: formatDateTime(batch.startedAt, lang) })}</p> : null}
      </div>
      <div className="card batch-progress" data-testid="batch-progress">
        <p className="batch-count" role="status" aria-live="polite">
          {t("certificatesAdmin.batch.issuedOf", { issued: batch.issued, total: batch.total })}
          {batch.failed > 0 ? <span className="muted"> · {t("certificatesAdmin.batch.failedCount", { count: batch.failed })}</span> : null}
        </p>
        <progress value={batch.issued} max={batch.total} aria-label={t("certificatesAdmin.batch.progressLabel")}>
          {t("certificatesAdmin.batch.issuedOf", { issued: batch.issued, total: batch.total })}
        </progress>
        <p className="muted">
          {batch.running
            ? t("certificatesAdmin.batch.running")
            : t("certificatesAdmin.batch.done", { at: batch.finishedAt ? formatDateTime(batch.finishedAt, lang) : "" })}
        </p>
      </div>
      {batch.failures.length > 0 ? (
        <div className="card">
          <h2>{t("certificatesAdmin.batch.failuresTitle")}</h2>
          <ul className="batch-failures" data-testid="batch-failures">
            {batch.failures.map((f) => (
              <li key={f.nominationId}>
                <strong>{f.donorName ?? f.nominationId}</strong>: {t(`certificatesAdmin.batch.reasons.${(REASONS as readonly string[]).includes(f.reason) ? f.reason : "error"}`)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {batch.running ? null : (
        <p>
          <Link to="/recognition/certificates" className="button">
            {t("certificatesAdmin.batch.back")}
          </Link>
        </p>
      )}
    </section>
  );
}
