import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDate, formatDateTime, formatVnd } from "#services/format";
import { RecognitionNav } from "~/components/recognition-nav";
import recognitionStyles from "~/styles/recognition.css";
import { requireRole } from "~/utils/auth.server";
import { nomineeHistoryView } from "~/utils/recognition-officer.server";
import { orRespond } from "~/utils/service-errors.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: recognitionStyles }];
export const meta: MetaFunction = () => [{ title: "Lịch sử đề cử · Nomination history — Góp Sức" }];

/** A nominee's history, for reviewers: nominations, certificates, and every step with who and when. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, ["ministry_officer"]);
  const view = await orRespond(nomineeHistoryView(user, params.donorId ?? ""));
  return json(view, { headers: { "Cache-Control": "private, no-store" } });
}

const badge = (status: string) => `badge badge-${status === "rejected" || status === "revoked" ? "rejected" : status === "proposed" ? "pending" : "approved"}`;

export default function NomineeHistoryPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { donor, nominations, certificates, trail } = useLoaderData<typeof loader>();
  const vnd = (amount: number) => formatVnd(amount, lang);
  return (
    <section className="stack">
      <RecognitionNav />
      <p>
        <Link to="/recognition/nominations">← {t("recognition.history.back")}</Link>
      </p>
      <h1>{t("recognition.history.title", { name: donor.name || "—" })}</h1>

      <h2>{t("recognition.history.nominations")}</h2>
      {nominations.length === 0 ? (
        <p className="muted">{t("recognition.history.noNominations")}</p>
      ) : (
        <div className="table-wrap">
          <table className="recognition-table" data-testid="history-nominations">
            <thead>
              <tr>
                <th scope="col">{t("recognition.nominations.rule")}</th>
                <th scope="col" className="num">{t("recognition.nominations.contribution")}</th>
                <th scope="col">{t("recognition.nominations.nominatedBy")}</th>
                <th scope="col">{t("recognition.nominations.justification")}</th>
                <th scope="col">{t("recognition.nominations.status")}</th>
              </tr>
            </thead>
            <tbody>
              {nominations.map((n) => (
                <tr key={n.id}>
                  <td>
                    {n.ruleName ? n.ruleName[lang] || n.ruleName.vi : "—"}
                    <div className="muted">
                      {n.ruleSet} · {n.year}
                    </div>
                  </td>
                  <td className="num">{vnd(n.contribution)}</td>
                  <td>{t("recognition.nominations.nominatedByLine", { name: n.nominatorName, role: t(`roles.${n.nominatorRole}`), date: formatDate(n.nominatedAt, lang) })}</td>
                  <td>{n.justification}</td>
                  <td>
                    <span className={badge(n.status)}>{t(`recognition.statuses.${n.status}`)}</span>
                    {n.reviewReason ? <div>{n.reviewReason}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>{t("recognition.history.certificates")}</h2>
      {certificates.length === 0 ? (
        <p className="muted">{t("recognition.history.noCertificates")}</p>
      ) : (
        <ul className="plain-list" data-testid="history-certificates">
          {certificates.map((c) => (
            <li key={c.serial}>
              <strong>{t(`recognition.types.${c.type}`)}</strong> · {t("recognition.history.serial")} <code>{c.serial}</code> · {t("recognition.history.issuedAt")} {formatDate(c.issuedAt, lang)} ·{" "}
              {c.status === "revoked" && c.revokedAt ? (
                <span className={badge("revoked")}>{t("recognition.history.revoked", { date: formatDate(c.revokedAt, lang), reason: c.revokedReason ?? "" })}</span>
              ) : (
                <span className={badge("issued")}>{t("recognition.history.valid")}</span>
              )}
            </li>
          ))}
        </ul>
      )}

      <h2>{t("recognition.history.trail")}</h2>
      {trail.length === 0 ? (
        <p className="muted">{t("recognition.history.noTrail")}</p>
      ) : (
        <div className="table-wrap">
          <table className="recognition-table" data-testid="history-trail">
            <thead>
              <tr>
                <th scope="col">{t("recognition.history.when")}</th>
                <th scope="col">{t("recognition.history.who")}</th>
                <th scope="col">{t("recognition.history.what")}</th>
                <th scope="col">{t("recognition.history.note")}</th>
              </tr>
            </thead>
            <tbody>
              {trail.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.at, lang)}</td>
                  <td>{e.actorName ? `${e.actorName} (${t(`roles.${e.actorRole}`, { defaultValue: e.actorRole })})` : t("recognition.history.system")}</td>
                  <td>{t(`recognition.history.actions.${e.action}`, { defaultValue: e.action })}</td>
                  <td>{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
