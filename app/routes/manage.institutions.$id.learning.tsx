import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { LIBRARY_SECTORS, LIFELONG_SERVICES } from "#models/reference/indicators";
import { formatDateTime } from "#services/format";
import { FIRST_REPORT_YEAR, LAST_REPORT_YEAR, institutionYearSchema, yearField } from "#services/validation/reports";
import { Field, FormError, SelectField, useMessage } from "~/components/forms";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { institutionYearForm, recordInstitutionYear } from "~/utils/reports.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Học tập suốt đời · Lifelong learning — Góp Sức" }];

const thisYear = () => Math.min(LAST_REPORT_YEAR, Math.max(FIRST_REPORT_YEAR, Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4))));

/**
 * /manage/institutions/:id/learning?year= — an institution's managers record the lifelong-learning
 * services it offered in a year and how many learners / visitors came (what the programme's indicators
 * are computed from). The institution's own managers only (and admins).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const yearParam = new URL(request.url).searchParams.get("year");
  const year = yearField.safeParse(yearParam ?? String(thisYear()));
  if (!year.success) throw new Response("reports.validation.year", { status: 400 });
  const form = await orRespond(institutionYearForm(user, params.id ?? "", year.data));
  return json({ ...form, years: Array.from({ length: LAST_REPORT_YEAR - FIRST_REPORT_YEAR + 1 }, (_, i) => FIRST_REPORT_YEAR + i) }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(institutionYearSchema, formData);
  if (!parsed.ok) {
    // Refused before anything is read: a manager of another institution still gets a 403 for it.
    await orRespond(institutionYearForm(user, params.id ?? "", thisYear()));
    return formFailure({ ...parsed, formError: "validation.fixErrors" });
  }
  try {
    await recordInstitutionYear(user, params.id ?? "", parsed.data);
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  return redirectWithToast(`/manage/institutions/${params.id}/learning?year=${parsed.data.year}`, { type: "success", message: t("reports.learning.saved", { year: parsed.data.year }) });
}

export default function LearningYearPage() {
  const { institution, year, record, years } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const { t } = useTranslation();
  const message = useMessage();
  const lang = useLocale();
  const chosen = new Set(record?.services ?? []);
  return (
    <section className="stack">
      <div>
        <h1>{t("reports.learning.title", { name: institution.name })}</h1>
        <p className="lead-text muted">{t("reports.learning.lead")}</p>
      </div>
      <Form method="get" className="inline-form">
        <SelectField name="year" label={t("reports.prepare.year")} defaultValue={String(year)} options={years.map((y) => ({ value: String(y), label: String(y) }))} />
        <button type="submit" className="button secondary">
          {t("reports.prepare.show")}
        </button>
      </Form>
      {record?.updatedAt ? (
        <p className="muted">{t("reports.learning.recordedAt", { date: formatDateTime(record.updatedAt, lang) })}</p>
      ) : (
        <p className="muted">{t("reports.learning.nothingYet", { year })}</p>
      )}
      <Form method="post" className="card" data-testid="learning-form">
        <AuthenticityTokenInput />
        <FormError message={failure?.formError} />
        <input type="hidden" name="year" value={String(year)} />
        {institution.type === "library" ? (
          <SelectField
            name="sector"
            label={t("reports.learning.sector")}
            defaultValue={failure?.values?.sector ?? record?.sector ?? "public"}
            serverErrors={failure?.errors}
            options={LIBRARY_SECTORS.map((s) => ({ value: s.slug, label: s[lang] }))}
          />
        ) : (
          <input type="hidden" name="sector" value="public" />
        )}
        <fieldset>
          <legend>{t("reports.learning.services")}</legend>
          {LIFELONG_SERVICES.map((service) => (
            <label key={service.slug} className="checkbox">
              <input type="checkbox" name="services" value={service.slug} defaultChecked={chosen.has(service.slug)} /> {service[lang]}
            </label>
          ))}
          {failure?.errors?.services ? <p className="field-error">{message(failure.errors.services[0]!)}</p> : null}
        </fieldset>
        <Field name="learners" label={t("reports.learning.learners")} inputMode="numeric" defaultValue={failure?.values?.learners ?? String(record?.learners ?? 0)} serverErrors={failure?.errors} />
        <Field
          name="visitors"
          label={t("reports.learning.visitors")}
          hint={t("reports.learning.visitorsHint")}
          inputMode="numeric"
          defaultValue={failure?.values?.visitors ?? String(record?.visitors ?? 0)}
          serverErrors={failure?.errors}
        />
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("reports.learning.save")}
          </button>
        </p>
      </Form>
    </section>
  );
}
