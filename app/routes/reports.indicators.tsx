import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { formatNumber } from "#services/format";
import { indicatorTargetsSchema } from "#services/validation/reports";
import { FormError, useMessage } from "~/components/forms";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { listIndicators, updateIndicatorTargets } from "~/utils/reports.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Chỉ tiêu · Indicators — Góp Sức" }];

/** /reports/indicators — the programme's indicators and their 2025 / 2030 targets, edited by the ministry (audited). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, ["ministry_officer", "admin"]);
  const indicators = await listIndicators();
  return json(
    { indicators: indicators.map((i) => ({ id: i._id, name: i.name, measure: i.measure, target2025: i.target2025, target2030: i.target2030 })) },
    { headers: { "Cache-Control": "private, no-store" } }
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, ["ministry_officer", "admin"]);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(indicatorTargetsSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  try {
    await updateIndicatorTargets(user, parsed.data);
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  return redirectWithToast("/reports/indicators", { type: "success", message: t("reports.indicators.saved") });
}

export default function IndicatorsPage() {
  const { indicators } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const { t } = useTranslation();
  const message = useMessage();
  const lang = useLocale();
  const value = (id: string, year: "y2025" | "y2030", stored: number) => failure?.values?.[`targets.${id}.${year}`] ?? formatNumber(stored, lang, 1).replace(/[.,](?=\d{3})/g, "");
  return (
    <section className="stack">
      <p>
        <Link to="/reports">← {t("reports.prepare.title")}</Link>
      </p>
      <div>
        <h1>{t("reports.indicators.title")}</h1>
        <p className="lead-text muted">{t("reports.indicators.lead")}</p>
      </div>
      <Form method="post" className="card" data-testid="indicators-form">
        <AuthenticityTokenInput />
        <FormError message={failure?.formError} />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t("reports.figures.indicator")}</th>
                <th scope="col">{t("reports.figures.target", { year: 2025 })}</th>
                <th scope="col">{t("reports.figures.target", { year: 2030 })}</th>
              </tr>
            </thead>
            <tbody>
              {indicators.map((indicator) => (
                <tr key={indicator.id}>
                  <th scope="row">
                    {indicator.name[lang]}
                  </th>
                  {(["y2025", "y2030"] as const).map((year) => {
                    const name = `targets.${indicator.id}.${year}`;
                    const error = failure?.errors?.[name]?.[0];
                    return (
                      <td key={year}>
                        <label className="visually-hidden" htmlFor={name}>
                          {indicator.name[lang]} — {t("reports.figures.target", { year: year.slice(1) })}
                        </label>
                        <input
                          id={name}
                          name={name}
                          defaultValue={value(indicator.id, year, indicator[year === "y2025" ? "target2025" : "target2030"])}
                          inputMode="decimal"
                          size={6}
                          aria-invalid={error ? true : undefined}
                          aria-describedby={error ? `${name}-error` : undefined}
                        />
                        %
                        {error ? (
                          <p className="field-error" id={`${name}-error`} role="alert">
                            {message(error)}
                          </p>
                        ) : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="field-hint">{t("reports.indicators.hint")}</p>
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("reports.indicators.save")}
          </button>
        </p>
      </Form>
    </section>
  );
}
