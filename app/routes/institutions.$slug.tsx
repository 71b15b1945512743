import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { getInstitutionPage } from "~/utils/catalogue.server";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { catalogueLinks, CoverImage, institutionLevelName, institutionTypeName, Paragraphs, provinceLabel, useLocale } from "~/components/catalogue-helpers";
import { ProgrammeGrid } from "~/components/programme-card";
import { notFound, slugOr404 } from "~/utils/slugs";

export const links = catalogueLinks;

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.institution.name} — Góp Sức` : "Góp Sức" }];


/** An approved institution's public page; any other institution (pending, rejected, unknown) is a 404. */
export async function loader({ params }: LoaderFunctionArgs) {
  const page = await getInstitutionPage(slugOr404(params.slug, 100));
  if (!page) notFound();
  return json(page);
}

export default function InstitutionPage() {
  const { institution, programmes, programmeCount } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const { contact } = institution;
  const hasContact = Boolean(contact.email || contact.phone || contact.website);
  const province = provinceLabel(institution.provinceSlug);
  // The address usually names the province already ("47 Bà Triệu, Hoàn Kiếm, Hà Nội").
  const place = !institution.address ? province : institution.address.includes(province) ? institution.address : `${institution.address} · ${province}`;
  return (
    <article className="institution-page">
      <nav aria-label={t("catalogue.breadcrumb")} className="breadcrumb">
        <ol>
          <li>
            <Link to="/">{t("nav.home")}</Link>
          </li>
          <li>
            <Link to="/programmes">{t("catalogue.title")}</Link>
          </li>
          <li>
            <span aria-current="page">{institution.name}</span>
          </li>
        </ol>
      </nav>
      <header className="institution-header">
        <CoverImage coverImageId={null} institutionType={institution.type} className="institution-mark" />
        <div>
          <p className="programme-card-meta">
            {institutionTypeName(institution.type, locale)} · {institutionLevelName(institution.level, locale)}
          </p>
          <h1>{institution.name}</h1>
          <p className="muted">{place}</p>
        </div>
      </header>

      <div className="institution-layout">
        <section aria-labelledby="institution-about">
          <h2 id="institution-about">{t("institutionPage.about")}</h2>
          {institution.description ? <Paragraphs text={institution.description} /> : <p className="muted">{t("institutionPage.noDescription")}</p>}
        </section>
        <aside className="card" aria-labelledby="institution-facts">
          <h2 id="institution-facts" className="h3">
            {t("institutionPage.facts")}
          </h2>
          <dl className="facts facts-stacked">
            <div>
              <dt>{t("institutionPage.type")}</dt>
              <dd>{institutionTypeName(institution.type, locale)}</dd>
            </div>
            <div>
              <dt>{t("institutionPage.level")}</dt>
              <dd>
                {institutionLevelName(institution.level, locale)}
                {institution.formerDistrictName ? ` (${institution.formerDistrictName})` : null}
              </dd>
            </div>
            <div>
              <dt>{t("institutionPage.province")}</dt>
              <dd>{provinceLabel(institution.provinceSlug)}</dd>
            </div>
            {institution.address ? (
              <div>
                <dt>{t("institutionPage.address")}</dt>
                <dd>{institution.address}</dd>
              </div>
            ) : null}
            <div>
              <dt>{t("institutionPage.contact")}</dt>
              <dd>
                {hasContact ? (
                  <ul className="plain-list">
                    {contact.email ? (
                      <li>
                        <a href={`mailto:${contact.email}`}>{contact.email}</a>
                      </li>
                    ) : null}
                    {contact.phone ? (
                      <li>
                        <a href={`tel:${contact.phone.replace(/[^+0-9]/g, "")}`}>{contact.phone}</a>
                      </li>
                    ) : null}
                    {contact.website ? (
                      <li>
                        <a href={contact.website} rel="noopener noreferrer nofollow" target="_blank">
                          {contact.website.replace(/^https?:\/\//, "")}
                          <span className="visually-hidden"> {t("institutionPage.newWindow")}</span>
                        </a>
                      </li>
                    ) : null}
                  </ul>
                ) : (
                  <span className="muted">{t("institutionPage.noContact")}</span>
                )}
              </dd>
            </div>
          </dl>
        </aside>
      </div>

      <section aria-labelledby="institution-programmes" className="results">
        <h2 id="institution-programmes">{t("institutionPage.programmes", { count: programmeCount })}</h2>
        {programmes.length > 0 ? <ProgrammeGrid programmes={programmes} locale={locale} /> : <p className="empty-state">{t("institutionPage.noProgrammes")}</p>}
      </section>
    </article>
  );
}

/** Errors (a 404 for a programme that is not public) render inside the site's layout. */
export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
