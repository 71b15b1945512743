import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { getPledgePlaceholder } from "~/utils/catalogue.server";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { catalogueLinks } from "~/components/catalogue-helpers";

// `$slug_` keeps this page out of the programme page's layout: /programmes/:slug/pledge is a page of its own.
export const links = catalogueLinks;

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.programme.title} · Cam kết · Pledge — Góp Sức` : "Góp Sức" }];

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The "Pledge support" call to action's destination, until online pledging opens: what will come,
 * and the institution's bank account as text for a transfer today. No forms. Invisible programmes 404.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const slug = (params.slug ?? "").toLowerCase();
  if (!SLUG.test(slug) || slug.length > 120) throw new Response("errors.notFound", { status: 404, statusText: "Not Found" });
  const page = await getPledgePlaceholder(slug);
  if (!page) throw new Response("errors.notFound", { status: 404, statusText: "Not Found" });
  return json(page);
}

export default function PledgePlaceholderPage() {
  const { programme, bank } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <article className="pledge-page">
      <nav aria-label={t("catalogue.breadcrumb")} className="breadcrumb">
        <ol>
          <li>
            <Link to="/programmes">{t("catalogue.title")}</Link>
          </li>
          <li>
            <Link to={`/programmes/${programme.slug}`}>{programme.title}</Link>
          </li>
          <li>
            <span aria-current="page">{t("pledgePage.crumb")}</span>
          </li>
        </ol>
      </nav>
      <div className="card pledge-card">
        <h1>{t("pledgePage.title", { title: programme.title })}</h1>
        {programme.state === "closed" ? (
          <p className="notice">{t("pledgePage.closed")}</p>
        ) : (
          <>
            <p className="lead-muted">{t("pledgePage.soon")}</p>
            <h2>{t("pledgePage.comingTitle")}</h2>
            <ul className="check-list">
              <li>{t("pledgePage.coming1")}</li>
              <li>{t("pledgePage.coming2")}</li>
              <li>{t("pledgePage.coming3")}</li>
            </ul>
            <h2>{t("pledgePage.bankTitle")}</h2>
            {bank ? (
              <>
                <p>{t("pledgePage.bankIntro", { institution: bank.institutionName })}</p>
                <dl className="facts bank-details" data-testid="bank-details">
                  <div>
                    <dt>{t("pledgePage.bank")}</dt>
                    <dd>
                      {bank.bankShortName ? (
                        <>
                          <strong>{bank.bankShortName}</strong>
                          {bank.bankName ? ` — ${bank.bankName}` : null}
                        </>
                      ) : (
                        bank.bankBin
                      )}
                    </dd>
                  </div>
                  <div>
                    <dt>{t("pledgePage.accountNumber")}</dt>
                    <dd className="mono">{bank.accountNumber}</dd>
                  </div>
                  <div>
                    <dt>{t("pledgePage.accountName")}</dt>
                    <dd className="mono">{bank.accountName}</dd>
                  </div>
                </dl>
                <p className="muted">{t("pledgePage.bankNote")}</p>
              </>
            ) : (
              <p>{t("pledgePage.noBank", { institution: programme.institutionName })}</p>
            )}
          </>
        )}
        <p>
          <Link to={`/programmes/${programme.slug}`}>{t("pledgePage.back")}</Link>
          {programme.institutionSlug ? (
            <>
              {" · "}
              <Link to={`/institutions/${programme.institutionSlug}`}>{programme.institutionName}</Link>
            </>
          ) : null}
        </p>
      </div>
    </article>
  );
}

/** Errors (a 404 for a programme that is not public) render inside the site's layout. */
export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
