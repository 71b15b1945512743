import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { getProgrammePage } from "~/utils/catalogue.server";
import { formatDate, formatNumber, formatVnd } from "#services/format";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { campaignDayName, catalogueLinks, CoverImage, institutionTypeName, Paragraphs, provinceLabel, themeName, useLocale } from "~/components/catalogue-helpers";
import { TimeLeft } from "~/components/programme-card";
import { ProgressBar } from "~/components/progress-bar";
import { getFixedT } from "~/utils/i18n.server";
import { publicSpending } from "~/utils/expenditures.server";
import { BudgetLinesTable, ExpendituresTable } from "~/components/spending";
import { notFound, slugOr404 } from "~/utils/slugs";

export const links = catalogueLinks;

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data ? [{ title: `${data.programme.title} — Góp Sức` }, { name: "description", content: data.programme.summary }] : [{ title: "Góp Sức" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const slug = slugOr404(params.slug);
  const page = await getProgrammePage(slug);
  if (!page) notFound();
  const t = await getFixedT(request);
  const anonymous = t("programmePage.ledger.anonymous");
  const spending = await publicSpending(page.programme);
  return json({
    spending,
    programme: page.programme,
    inKindNeeds: page.inKindNeeds,
    otherGoods: page.otherGoods,
    ledger: {
      total: page.ledger.total,
      // Donors appear only as they consented; the name of anyone else never leaves the server.
      entries: page.ledger.entries.map((entry) => ({ ...entry, donorName: entry.donorName ?? anonymous, anonymous: entry.donorName === null })),
    },
  });
}

export default function ProgrammePage() {
  const { programme, inKindNeeds, otherGoods, ledger, spending } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const vnd = (amount: number) => formatVnd(amount, locale);
  const budgetTotal = programme.budgetLines.reduce((sum, line) => sum + line.amount, 0);
  return (
    <article className="programme-page">
      <nav aria-label={t("catalogue.breadcrumb")} className="breadcrumb">
        <ol>
          <li>
            <Link to="/">{t("nav.home")}</Link>
          </li>
          <li>
            <Link to="/programmes">{t("catalogue.title")}</Link>
          </li>
          <li>
            <span aria-current="page">{programme.title}</span>
          </li>
        </ol>
      </nav>

      <header className="programme-header">
        <CoverImage coverImageId={programme.coverImageId} institutionType={programme.institutionType} className="programme-cover" />
        <div className="programme-header-text">
          <p className="programme-card-meta">
            {institutionTypeName(programme.institutionType, locale)} · {provinceLabel(programme.provinceSlug)}
          </p>
          <h1>{programme.title}</h1>
          <p className="programme-institution">
            {t("programmePage.by")}{" "}
            {programme.institutionSlug ? <Link to={`/institutions/${programme.institutionSlug}`}>{programme.institutionName}</Link> : programme.institutionName}
          </p>
          {programme.summary ? <p className="lead-muted">{programme.summary}</p> : null}
          <TimeLeft state={programme.state} daysLeft={programme.daysLeft} />
        </div>
      </header>

      <div className="programme-layout">
        <aside className="programme-aside" aria-labelledby="progress-title">
          <div className="card">
            <h2 id="progress-title">{t("programmePage.progress")}</h2>
            <ProgressBar goal={programme.goal} received={programme.receivedTotal} pledged={programme.pledgedTotal} locale={locale} variant="full" />
            {programme.state === "open" ? (
              <Link to={`/programmes/${programme.slug}/pledge`} className="button button-block" data-testid="pledge-cta">
                {t("programmePage.pledgeCta")}
              </Link>
            ) : (
              <p className="notice">{t("programmePage.closedNotice")}</p>
            )}
          </div>
          <div className="card">
            <h2 className="h3">{t("programmePage.facts")}</h2>
            <dl className="facts facts-stacked">
              <div>
                <dt>{t("programmePage.dates")}</dt>
                <dd>
                  {formatDate(programme.startDate, locale)} – {formatDate(programme.endDate, locale)}
                </dd>
              </div>
              <div>
                <dt>{t("programmePage.institution")}</dt>
                <dd>
                  {programme.institutionSlug ? <Link to={`/institutions/${programme.institutionSlug}`}>{programme.institutionName}</Link> : programme.institutionName}
                </dd>
              </div>
              <div>
                <dt>{t("programmePage.province")}</dt>
                <dd>
                  <Link to={`/programmes?province=${programme.provinceSlug}`}>{provinceLabel(programme.provinceSlug)}</Link>
                </dd>
              </div>
              {programme.themes.length > 0 ? (
                <div>
                  <dt>{t("programmePage.themes")}</dt>
                  <dd>
                    <ul className="tags">
                      {programme.themes.map((theme) => (
                        <li key={theme}>
                          <Link to={`/programmes?theme=${theme}`}>{themeName(theme, locale)}</Link>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              ) : null}
              {programme.campaignDays.length > 0 ? (
                <div>
                  <dt>{t("programmePage.campaignDays")}</dt>
                  <dd>
                    <ul className="plain-list">
                      {programme.campaignDays.map((day) => (
                        <li key={day}>
                          <Link to={`/programmes?day=${day}`}>{campaignDayName(day, locale)}</Link>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              ) : null}
            </dl>
          </div>
        </aside>
        <div className="programme-main">
          <section aria-labelledby="about-title">
            <h2 id="about-title">{t("programmePage.about")}</h2>
            {programme.description ? <Paragraphs text={programme.description} /> : <p className="muted">{t("programmePage.noDescription")}</p>}
          </section>

          <section aria-labelledby="budget-title">
            <h2 id="budget-title">{t("programmePage.budget.title")}</h2>
            {programme.budgetLines.length > 0 ? (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">{t("programmePage.budget.caption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("programmePage.budget.line")}</th>
                      <th scope="col" className="num">
                        {t("programmePage.budget.amount")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {programme.budgetLines.map((line) => (
                      <tr key={line.code}>
                        <td>{line.label}</td>
                        <td className="num">{vnd(line.amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">{t("programmePage.budget.total")}</th>
                      <td className="num">
                        <strong>{vnd(budgetTotal)}</strong>
                      </td>
                    </tr>
                  </tfoot>
                </table>
              </div>
            ) : (
              <p className="muted">{t("programmePage.budget.none")}</p>
            )}
          </section>

          {inKindNeeds.length > 0 || otherGoods.length > 0 ? (
            <section aria-labelledby="inkind-title">
              <h2 id="inkind-title">{t("programmePage.inKind.title")}</h2>
              <p className="muted">{t("programmePage.inKind.intro")}</p>
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">{t("programmePage.inKind.caption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("programmePage.inKind.item")}</th>
                      <th scope="col" className="num">
                        {t("programmePage.inKind.quantity")}
                      </th>
                      <th scope="col" className="num">
                        {t("programmePage.inKind.unitValue")}
                      </th>
                      <th scope="col" className="num">
                        {t("programmePage.inKind.covered")}
                      </th>
                      <th scope="col" className="num">
                        {t("programmePage.inKind.received")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {inKindNeeds.map((need) => (
                      <tr key={need.item}>
                        <td>{need.item}</td>
                        <td className="num">
                          {formatNumber(need.quantity, locale, 0)} {need.unit}
                        </td>
                        <td className="num">{vnd(need.unitValue)}</td>
                        <td className="num">
                          {t("programmePage.inKind.coveredOf", { covered: formatNumber(Math.min(need.covered, need.quantity), locale, 0), quantity: formatNumber(need.quantity, locale, 0) })}
                          {need.covered >= need.quantity ? <span className="badge badge-open">{t("programmePage.inKind.done")}</span> : null}
                        </td>
                        <td className="num" data-testid="inkind-received">
                          {t("programmePage.inKind.receivedOf", { received: formatNumber(need.received, locale, 0), quantity: formatNumber(need.quantity, locale, 0) })}
                          {need.received >= need.quantity ? <span className="badge badge-open">{t("programmePage.inKind.receivedDone")}</span> : null}
                        </td>
                      </tr>
                    ))}
                    {otherGoods.map((goods) => (
                      <tr key={`other:${goods.item}`} data-testid="inkind-other">
                        <td>
                          {goods.item} <span className="muted">({t("programmePage.inKind.notListed")})</span>
                        </td>
                        <td className="num">—</td>
                        <td className="num">—</td>
                        <td className="num">—</td>
                        <td className="num">{formatNumber(goods.quantity, locale, 0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ) : null}

          <section aria-labelledby="ledger-title">
            <h2 id="ledger-title">{t("programmePage.ledger.title")}</h2>
            <p className="muted">{t("programmePage.ledger.intro")}</p>
            {ledger.entries.length > 0 ? (
              <div className="table-wrap">
                <table data-testid="ledger">
                  <caption className="visually-hidden">{t("programmePage.ledger.caption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("programmePage.ledger.date")}</th>
                      <th scope="col">{t("programmePage.ledger.donor")}</th>
                      <th scope="col" className="num">
                        {t("programmePage.ledger.amount")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {ledger.entries.map((entry) => (
                      <tr key={entry.id}>
                        <td className="nowrap">{formatDate(entry.receivedAt, locale)}</td>
                        <td className={entry.anonymous ? "muted" : undefined}>{entry.donorName}</td>
                        <td className="num">{entry.amount === null ? <span className="muted">{t("programmePage.ledger.amountHidden")}</span> : vnd(entry.amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <p>{t("programmePage.ledger.empty")}</p>
            )}
            {ledger.total > ledger.entries.length ? (
              <p className="muted">{t("programmePage.ledger.more", { shown: ledger.entries.length, total: ledger.total })}</p>
            ) : null}
            <p>
              <Link to={`/programmes/${programme.slug}/ledger`} data-testid="open-ledger">
                {t("programmeLedger.open")}
              </Link>
            </p>
          </section>

          <section aria-labelledby="spending-title" data-testid="spending">
            <h2 id="spending-title">{t("expenditures.publicTitle")}</h2>
            <p className="muted">{t("expenditures.publicLead")}</p>
            <p>
              {t("expenditures.spent")}: <strong data-testid="public-spent">{vnd(spending.spent)}</strong>
            </p>
            {spending.expenditures.length > 0 ? (
              <div className="stack">
                <BudgetLinesTable lines={spending.budgetLines} />
                <ExpendituresTable rows={spending.expenditures} testId="public-expenditures" />
              </div>
            ) : (
              <p className="muted">{t("expenditures.none")}</p>
            )}
          </section>
        </div>

      </div>
    </article>
  );
}

/** Errors (a 404 for a programme that is not public) render inside the site's layout. */
export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
