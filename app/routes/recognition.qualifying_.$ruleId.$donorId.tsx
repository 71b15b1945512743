import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDate, formatVnd } from "#services/format";
import { RecognitionNav } from "~/components/recognition-nav";
import recognitionStyles from "~/styles/recognition.css";
import { requireRole } from "~/utils/auth.server";
import { drillDown } from "~/utils/recognition-officer.server";
import { orRespond } from "~/utils/service-errors.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: recognitionStyles }];
export const meta: MetaFunction = () => [{ title: "Các khoản đóng góp · Contributions — Góp Sức" }];

/** The gifts behind a donor's figure for a rule, down to the receipts (for those who may nominate the donor). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, ["ministry_officer", "province_officer", "manager"]);
  const view = await orRespond(drillDown(user, params.ruleId ?? "", params.donorId ?? ""));
  return json(view, { headers: { "Cache-Control": "private, no-store" } });
}

export default function ContributionsBehindPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { rule, donor, lines, total } = useLoaderData<typeof loader>();
  const vnd = (amount: number) => formatVnd(amount, lang);
  return (
    <section className="stack">
      <RecognitionNav />
      <p>
        <Link to={`/recognition/qualifying?${new URLSearchParams({ set: rule.ruleSet, year: String(rule.year) })}`}>← {t("recognition.drill.back")}</Link>
      </p>
      <div>
        <h1>{t("recognition.drill.title", { name: donor.name })}</h1>
        <p className="lead-text muted">{t("recognition.drill.lead", { rule: rule.name[lang] || rule.name.vi, set: rule.ruleSet, year: rule.year, threshold: vnd(rule.minTotal) })}</p>
      </div>
      {lines.length === 0 ? (
        <p className="muted">{t("recognition.drill.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="recognition-table" data-testid="contributions">
            <thead>
              <tr>
                <th scope="col">{t("recognition.drill.date")}</th>
                <th scope="col">{t("recognition.drill.programme")}</th>
                <th scope="col">{t("recognition.drill.method")}</th>
                <th scope="col" className="num">{t("recognition.drill.amount")}</th>
                <th scope="col" className="num">{t("recognition.drill.reversed")}</th>
                <th scope="col">{t("recognition.drill.counted")}</th>
                <th scope="col">{t("recognition.drill.receipt")}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((line) => (
                <tr key={line.receiptNumber} data-testid="contribution">
                  <td>{formatDate(line.receivedAt, lang)}</td>
                  <td>
                    {line.programme}
                    <div className="muted">{line.institution}</div>
                  </td>
                  <td>{t(`gifts.methods.${line.method}`, { defaultValue: line.method })}</td>
                  <td className="num">{vnd(line.amount)}</td>
                  <td className="num">{line.reversed ? vnd(line.reversed) : "—"}</td>
                  <td>{t(line.counted ? "recognition.drill.yes" : "recognition.drill.no")}</td>
                  <td>
                    <Link to={`/receipts/${line.receiptNumber}`}>
                      <code>{line.receiptNumber}</code>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  {t("recognition.drill.total")}
                </th>
                <td className="num" data-testid="contributions-total">
                  <strong>{vnd(total)}</strong>
                </td>
                <td colSpan={3} className="muted">
                  {t("recognition.rules.threshold")}: {vnd(rule.minTotal)}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}
