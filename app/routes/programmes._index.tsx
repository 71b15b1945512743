import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import type { FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { CAMPAIGN_DAYS } from "#models/reference/campaign-days";
import { INSTITUTION_TYPES } from "#models/reference/institution-types";
import { PROVINCES } from "#models/reference/provinces";
import { THEMES } from "#models/reference/themes";
import { catalogueFromSearchParams } from "~/utils/catalogue.server";
import { clientIp } from "~/utils/client-ip.server";
import { enforceLimits, keepRetryAfter } from "~/utils/rate-limit.server";
import { formatNumber } from "#services/format";
import { CATALOGUE_SORTS, CATALOGUE_STATES, catalogueHref, type CatalogueQuery } from "#services/validation/catalogue";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { byName, catalogueLinks, useLocale } from "~/components/catalogue-helpers";
import { Pagination } from "~/components/pagination";
import { ProgrammeGrid } from "~/components/programme-card";
import { isLanguage } from "~/i18n";

export const links = catalogueLinks;

export const meta: MetaFunction = () => [
  { title: "Chương trình · Programmes — Góp Sức" },
  { name: "description", content: "Tìm chương trình học tập suốt đời ở thư viện, bảo tàng, trung tâm văn hóa — Find lifelong-learning programmes to support." },
];

/** A 429 (too many searches) keeps its Retry-After on the page. */
export const headers: HeadersFunction = keepRetryAfter;

export async function loader({ request }: LoaderFunctionArgs) {
  await enforceLimits([["search-ip", clientIp(request)]]);
  const url = new URL(request.url);
  const result = await catalogueFromSearchParams(url.searchParams);
  // A shared link with ?lng=en keeps its language on the next pages.
  const lng = url.searchParams.get("lng");
  return json({ ...result, lng: isLanguage(lng) ? lng : null });
}

function SelectField({ name, label, value, children }: { name: string; label: string; value: string; children: React.ReactNode }) {
  const id = `filter-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={value}>
        {children}
      </select>
    </div>
  );
}

function Filters({ query, lng }: { query: CatalogueQuery; lng: string | null }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const submit = useSubmit();
  const navigation = useNavigation();
  // With JavaScript, empty fields are left out of the address; without it the plain GET form works the same.
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(event.currentTarget)) {
      if (typeof value === "string" && value.trim() !== "") params.append(key, value.trim());
    }
    submit(params, { method: "get", action: "/programmes" });
  };
  return (
    <Form method="get" action="/programmes" className="filters card" role="search" aria-labelledby="filters-title" onSubmit={onSubmit}>
      <h2 id="filters-title" className="visually-hidden">
        {t("catalogue.filters.title")}
      </h2>
      {lng ? <input type="hidden" name="lng" value={lng} /> : null}
      <div className="field filters-search">
        <label htmlFor="filter-q">{t("catalogue.filters.search")}</label>
        <input id="filter-q" type="search" name="q" defaultValue={query.q} maxLength={100} placeholder={t("catalogue.filters.searchPlaceholder")} aria-describedby="filter-q-hint" />
        <p className="field-hint" id="filter-q-hint">
          {t("catalogue.filters.searchHint")}
        </p>
      </div>
      <SelectField name="province" label={t("catalogue.filters.province")} value={query.province ?? ""}>
        <option value="">{t("catalogue.filters.anyProvince")}</option>
        {byName(PROVINCES, (p) => p.name, "vi").map((p) => (
          <option key={p.slug} value={p.slug}>
            {p.name}
          </option>
        ))}
      </SelectField>
      <SelectField name="type" label={t("catalogue.filters.type")} value={query.type ?? ""}>
        <option value="">{t("catalogue.filters.anyType")}</option>
        {INSTITUTION_TYPES.map((type) => (
          <option key={type.slug} value={type.slug}>
            {type[locale]}
          </option>
        ))}
      </SelectField>
      <SelectField name="theme" label={t("catalogue.filters.theme")} value={query.theme ?? ""}>
        <option value="">{t("catalogue.filters.anyTheme")}</option>
        {byName(THEMES, (theme) => theme[locale], locale).map((theme) => (
          <option key={theme.slug} value={theme.slug}>
            {theme[locale]}
          </option>
        ))}
      </SelectField>
      <SelectField name="day" label={t("catalogue.filters.day")} value={query.day ?? ""}>
        <option value="">{t("catalogue.filters.anyDay")}</option>
        {CAMPAIGN_DAYS.map((day) => (
          <option key={day.slug} value={day.slug}>
            {`${day[locale]} (${String(day.day).padStart(2, "0")}${"endDay" in day ? `–${String(day.endDay).padStart(2, "0")}` : ""}/${String(day.month).padStart(2, "0")})`}
          </option>
        ))}
      </SelectField>
      <SelectField name="state" label={t("catalogue.filters.state")} value={query.state}>
        {CATALOGUE_STATES.map((state) => (
          <option key={state} value={state}>
            {t(`catalogue.states.${state}`)}
          </option>
        ))}
      </SelectField>
      <SelectField name="sort" label={t("catalogue.filters.sort")} value={query.sort}>
        {CATALOGUE_SORTS.map((sort) => (
          <option key={sort} value={sort}>
            {t(`catalogue.sorts.${sort}`)}
          </option>
        ))}
      </SelectField>
      <div className="filters-actions">
        <button type="submit" className="button" disabled={navigation.state === "loading" && navigation.location?.pathname === "/programmes"}>
          {t("catalogue.filters.apply")}
        </button>
        <Link to={lng ? `/programmes?lng=${lng}` : "/programmes"} className="filters-reset">
          {t("catalogue.filters.reset")}
        </Link>
      </div>
    </Form>
  );
}

export default function ProgrammesPage() {
  const data = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const { query, items, total, page, pageCount, ignored, lng } = data;
  const hrefFor = (p: number) => catalogueHref(query, { page: p }, { lng });
  const beyondEnd = total > 0 && items.length === 0;
  const first = (page - 1) * data.pageSize + 1;
  return (
    <div className="catalogue">
      <header className="page-header">
        <h1>{t("catalogue.title")}</h1>
        <p className="lead-muted">{t("catalogue.lead")}</p>
      </header>
      <Filters key={JSON.stringify(query)} query={query} lng={lng} />
      {ignored.length > 0 ? (
        <div className="notice" role="status" data-testid="ignored-filters">
          {t("catalogue.ignoredFilters", { filters: ignored.map((key) => t(`catalogue.filterNames.${key}`)).join(", ") })}
        </div>
      ) : null}
      <section aria-labelledby="results-title" className="results">
        <div className="results-header">
          <h2 id="results-title">{t("catalogue.results")}</h2>
          <p className="results-count" role="status" data-testid="result-count" data-q={query.q} data-total={total}>
            {total === 0
              ? t("catalogue.count.none")
              : items.length > 0 && pageCount > 1
                ? t("catalogue.count.range", { from: formatNumber(first, locale, 0), to: formatNumber(first + items.length - 1, locale, 0), total: formatNumber(total, locale, 0), count: total })
                : t("catalogue.count.total", { total: formatNumber(total, locale, 0), count: total })}
          </p>
        </div>
        {items.length > 0 ? (
          <ProgrammeGrid programmes={items} locale={locale} />
        ) : beyondEnd ? (
          <div className="empty-state" data-testid="beyond-end">
            <h3>{t("catalogue.beyondEnd.title", { page: formatNumber(page, locale, 0) })}</h3>
            <p>{t("catalogue.beyondEnd.body", { pageCount: formatNumber(pageCount, locale, 0), count: pageCount })}</p>
            <p>
              <Link to={hrefFor(pageCount)} className="button button-secondary">
                {t("catalogue.beyondEnd.lastPage")}
              </Link>
              <Link to={hrefFor(1)}>{t("catalogue.beyondEnd.firstPage")}</Link>
            </p>
          </div>
        ) : (
          <div className="empty-state" data-testid="no-results">
            <h3>{t("catalogue.empty.title")}</h3>
            <p>{query.q ? t("catalogue.empty.bodyWithQuery", { q: query.q }) : t("catalogue.empty.body")}</p>
            <p>
              {query.state === "open" ? (
                <>
                  <Link to={catalogueHref(query, { state: "all", page: 1 }, { lng })}>{t("catalogue.empty.includeClosed")}</Link>
                  {" · "}
                </>
              ) : null}
              <Link to={lng ? `/programmes?lng=${lng}` : "/programmes"}>{t("catalogue.filters.reset")}</Link>
            </p>
          </div>
        )}
        <Pagination page={page} pageCount={pageCount} hrefFor={hrefFor} />
      </section>
    </div>
  );
}

/** Errors (a 404 for a programme that is not public) render inside the site's layout. */
export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
