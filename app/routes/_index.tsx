import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { getHomeCatalogue } from "~/utils/catalogue.server";
import { formatDate, formatNumber, formatVnd } from "#services/format";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { campaignDayName, catalogueLinks, provinceLabel, useLocale } from "~/components/catalogue-helpers";
import { ProgrammeGrid } from "~/components/programme-card";

export const links = catalogueLinks;

export const meta: MetaFunction = () => [
  { title: "Góp Sức — học tập suốt đời ở thư viện, bảo tàng, trung tâm văn hóa" },
  { name: "description", content: "Huy động nguồn lực xã hội hóa cho học tập suốt đời — Supporting lifelong learning in Vietnam." },
];

/** Public: anyone may ask, signed in or not (the request is not needed). */
export async function loader(_args?: LoaderFunctionArgs) {
  return json(await getHomeCatalogue());
}

export default function HomePage() {
  const { totals, campaign, provinces } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const dayName = campaignDayName(campaign.slug, locale);
  const sameDay = campaign.date === campaign.endDate;
  const when = sameDay ? formatDate(campaign.date, locale) : `${formatDate(campaign.date, locale)} – ${formatDate(campaign.endDate, locale)}`;
  return (
    <>
      <section className="hero">
        <h1>{t("home.title")}</h1>
        <p className="lead">{t("home.lead")}</p>
        <p>
          <Link to="/programmes" className="button">
            {t("home.browse")}
          </Link>
        </p>
      </section>

      <section aria-labelledby="totals-title" className="home-totals">
        <h2 id="totals-title">{t("home.totalsTitle")}</h2>
        <dl className="stats" data-testid="home-totals">
          <div className="stat">
            <dt>{t("home.institutions")}</dt>
            <dd>{formatNumber(totals.institutions, locale, 0)}</dd>
          </div>
          <div className="stat">
            <dt>{t("homeCatalogue.programmesOpen")}</dt>
            <dd>
              {/* The same programmes the catalogue lists by default: the number matches what the link shows. */}
              <Link to="/programmes" data-testid="home-programme-count">
                {formatNumber(totals.programmes, locale, 0)}
              </Link>
            </dd>
          </div>
          <div className="stat">
            <dt>{t("home.received")}</dt>
            <dd>{formatVnd(totals.received, locale)}</dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="campaign-title" className="home-campaign">
        <div className="section-header">
          <div>
            <p className="eyebrow">{t("homeCatalogue.nextDay")}</p>
            <h2 id="campaign-title">{dayName}</h2>
            <p className="muted">
              <time dateTime={campaign.date}>{when}</time>
              {" · "}
              {campaign.daysUntil === 0 ? t("homeCatalogue.today") : t("homeCatalogue.daysUntil", { count: campaign.daysUntil })}
            </p>
          </div>
          <Link to={`/programmes?day=${campaign.slug}`} className="button button-secondary button-small">
            {t("homeCatalogue.allForDay")}
          </Link>
        </div>
        {campaign.fallback ? <p className="notice">{t("homeCatalogue.fallback", { day: dayName })}</p> : null}
        {campaign.programmes.length > 0 ? (
          <ProgrammeGrid programmes={campaign.programmes} locale={locale} />
        ) : (
          <p className="empty-state">{t("homeCatalogue.none")}</p>
        )}
        <p className="section-more">
          <Link to="/programmes">{t("homeCatalogue.seeAll")}</Link>
        </p>
      </section>

      {provinces.length > 0 ? (
        <section aria-labelledby="provinces-title" className="home-provinces">
          <h2 id="provinces-title">{t("homeCatalogue.byProvince")}</h2>
          <ul className="chips">
            {provinces.map((province) => (
              <li key={province.slug}>
                <Link to={`/programmes?province=${province.slug}`} className="chip">
                  {provinceLabel(province.slug)}
                  <span className="chip-count" aria-hidden="true">
                    {formatNumber(province.count, locale, 0)}
                  </span>
                  <span className="visually-hidden">{t("homeCatalogue.provinceCount", { count: province.count })}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section aria-labelledby="how-title" className="how">
        <h2 id="how-title">{t("home.howTitle")}</h2>
        <ol className="steps">
          <li>
            <h3>{t("home.how1Title")}</h3>
            <p>{t("home.how1")}</p>
          </li>
          <li>
            <h3>{t("home.how2Title")}</h3>
            <p>{t("home.how2")}</p>
          </li>
          <li>
            <h3>{t("home.how3Title")}</h3>
            <p>{t("home.how3")}</p>
          </li>
        </ol>
      </section>
    </>
  );
}

/** Errors (a 404 for a programme that is not public) render inside the site's layout. */
export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
