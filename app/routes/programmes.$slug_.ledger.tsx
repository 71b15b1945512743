import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDateTime, formatVnd } from "#services/format";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { catalogueLinks, useLocale } from "~/components/catalogue-helpers";
import { Pagination } from "~/components/pagination";
import { getFixedT } from "~/utils/i18n.server";
import { publicProgrammeLedger } from "~/utils/programme-ledger.server";
import { notFound, slugOr404 } from "~/utils/slugs";

/** The catalogue's styles: breadcrumb, tables, pagination. */
export const links = catalogueLinks;

export const meta: MetaFunction<typeof loader> = ({ data }) => (data ? [{ title: `${data.title} — ${data.programme.title} — Góp Sức` }] : [{ title: "Góp Sức" }]);

/**
 * /programmes/<slug>/ledger?page=N — a programme's whole public ledger (issue 12): every entry in and out,
 * newest first, with the balance after each, 50 to a page, read from the pages the books keep (decision
 * 0039). Public, read-only, works without JavaScript. A page number past the end shows the last page.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const slug = slugOr404(params.slug);
  const raw = new URL(request.url).searchParams.get("page") ?? "1";
  const page = /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  const ledger = await publicProgrammeLedger(slug, page);
  if (!ledger) notFound();
  const t = await getFixedT(request);
  const anonymous = t("programmeLedger.anonymous");
  return json({
    title: t("programmeLedger.title"),
    programme: ledger.programme,
    entries: ledger.entries,
    pages: ledger.pages,
    page: ledger.page,
    balance: ledger.balance,
    // Only what the public may see leaves the server: a gift's donor as consented, or the anonymous benefactor.
    lines: ledger.lines.map((line) => ({ ...line, gift: line.gift ? { ...line.gift, donorName: line.gift.donorName ?? anonymous } : null })),
  });
}

export default function ProgrammeLedger() {
  const { programme, entries, pages, page, balance, lines } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const vnd = (amount: number) => formatVnd(amount, locale);
  const isGift = (kind: string) => kind === "donation_received" || kind === "in_kind_received" || kind === "volunteer_hours";
  return (
    <article className="stack">
      <nav aria-label={t("catalogue.breadcrumb")} className="breadcrumb">
        <ol>
          <li>
            <Link to="/programmes">{t("catalogue.title")}</Link>
          </li>
          <li>
            <Link to={`/programmes/${programme.slug}`}>{programme.title}</Link>
          </li>
          <li>
            <span aria-current="page">{t("programmeLedger.crumb")}</span>
          </li>
        </ol>
      </nav>
      <header className="stack">
        <h1>
          {t("programmeLedger.title")}: {programme.title}
        </h1>
        <p className="muted">{programme.institutionSlug ? <Link to={`/institutions/${programme.institutionSlug}`}>{programme.institutionName}</Link> : programme.institutionName}</p>
        <p>{t("programmeLedger.lead")}</p>
        <p className="muted">{t("programmeLedger.consent")}</p>
        <p data-testid="ledger-summary">
          <strong>{t("programmeLedger.summary", { entries: entries.toLocaleString(locale === "vi" ? "vi-VN" : "en-GB"), balance: vnd(balance) })}</strong>
        </p>
        <p>
          <a href={`/programmes/${programme.slug}/ledger.csv`} download data-testid="ledger-csv">
            {t("programmeLedger.csv")}
          </a>
          <br />
          <span className="muted">{t("programmeLedger.csvHint")}</span>
        </p>
      </header>
      {lines.length === 0 ? (
        <p>{t("programmeLedger.empty")}</p>
      ) : (
        <div className="table-scroll">
          <table data-testid="programme-ledger">
            <caption className="visually-hidden">{t("programmeLedger.caption", { page, pages })}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t("programmeLedger.place")}
                </th>
                <th scope="col">{t("programmeLedger.date")}</th>
                <th scope="col">{t("programmeLedger.kind")}</th>
                <th scope="col">{t("programmeLedger.detail")}</th>
                <th scope="col">{t("programmeLedger.receipt")}</th>
                <th scope="col" className="num">
                  {t("programmeLedger.amount")}
                </th>
                <th scope="col" className="num">
                  {t("programmeLedger.balance")}
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((line) => (
                <tr key={line.entryId} data-kind={line.kind}>
                  <td className="num">{line.place}</td>
                  <td>{formatDateTime(line.at, locale)}</td>
                  <td>{t(`finance.csv.kind.${line.kind}`)}</td>
                  <td>
                    {line.expenditure ? (
                      <>
                        {line.expenditure.budgetLineLabel}
                        {line.expenditure.payee ? ` — ${line.expenditure.payee}` : ""}
                        <br />
                        <span className="muted">{line.expenditure.description}</span>
                      </>
                    ) : line.gift && isGift(line.kind) ? (
                      line.gift.donorName
                    ) : line.gift?.receiptNumber ? (
                      <span className="muted">{t("programmeLedger.againstReceipt", { receipt: line.gift.receiptNumber })}</span>
                    ) : null}
                  </td>
                  <td>{line.gift?.receiptNumber ? <Link to={`/receipts/${line.gift.receiptNumber}`}>{line.gift.receiptNumber}</Link> : null}</td>
                  <td className="num" data-testid="ledger-amount">
                    {vnd(line.amount)}
                  </td>
                  <td className="num" data-testid="ledger-balance">
                    {vnd(line.balance)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination page={page} pageCount={pages} hrefFor={(p) => `/programmes/${programme.slug}/ledger?page=${p}`} />
      <p>
        <Link to="/transparency/ledger">{t("programmeLedger.check")}</Link> · <Link to={`/programmes/${programme.slug}`}>{t("programmeLedger.back")}</Link>
      </p>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
