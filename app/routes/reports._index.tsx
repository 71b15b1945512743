import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { provinceName } from "#models/reference/provinces";
import { REPORT_KINDS } from "#models/reference/reports";
import { formatDate } from "#services/format";
import { FIRST_REPORT_YEAR, LAST_REPORT_YEAR, publishReportSchema, reportChoiceSchema } from "#services/validation/reports";
import { FormError, SelectField, TextareaField, useMessage } from "~/components/forms";
import { ReportFiguresTables, useReportTitle, type FiguresView } from "~/components/report-figures";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { previewReport, publishReport, reportScopesFor } from "~/utils/reports.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Lập báo cáo · Prepare a report — Góp Sức" }];

const OFFICERS = ["province_officer", "ministry_officer", "admin"] as const;

/** The year in Vietnam now, within the plan's years. */
const currentYear = () => Math.min(LAST_REPORT_YEAR, Math.max(FIRST_REPORT_YEAR, Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4))));

/**
 * /reports — an officer prepares a report to the Prime Minister: chooses the kind, year and scope, sees
 * the figures as they would be published now, and publishes (a correction: with a reason). A province
 * officer: their province only; ministry officers and admins: the nation or any province.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, OFFICERS);
  const scopes = reportScopesFor(user);
  if (scopes.length === 0) throw new Response("errors.forbidden", { status: 403 });
  const url = new URL(request.url);
  const asked = { kind: url.searchParams.get("kind") ?? "annual", year: url.searchParams.get("year") ?? String(currentYear()), scope: url.searchParams.get("scope") ?? scopes[0]! };
  const parsed = reportChoiceSchema.safeParse(asked);
  const headers = { "Cache-Control": "private, no-store" };
  if (!parsed.success) {
    const errors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (errors[issue.path.join(".")] ??= []).push(issue.message);
    return json({ scopes, asked, errors, preview: null }, { status: 400, headers });
  }
  const preview = await orRespond(previewReport(user, parsed.data));
  return json({ scopes, asked, errors: null, preview: { ...preview, figures: preview.figures as FiguresView } }, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, OFFICERS);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(publishReportSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  let published: { id: string; edition: number };
  try {
    published = await publishReport(user, parsed.data);
  } catch (error) {
    return serviceFailure(error, parsed.ok ? { reason: parsed.data.reason } : {});
  }
  const t = await getFixedT(request);
  return redirectWithToast(`/transparency/reports/${published.id}`, { type: "success", message: t("reports.prepare.published", { id: published.id }) });
}

export default function PrepareReportPage() {
  const { scopes, asked, errors, preview } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const { t } = useTranslation();
  const message = useMessage();
  const lang = useLocale();
  const title = useReportTitle();
  const years = Array.from({ length: LAST_REPORT_YEAR - FIRST_REPORT_YEAR + 1 }, (_, i) => String(FIRST_REPORT_YEAR + i));
  const scopeLabel = (scope: string) => (scope === "national" ? t("reports.national") : provinceName(scope) ?? scope);
  const hasEditions = (preview?.editions.length ?? 0) > 0;
  return (
    <section className="stack">
      <div>
        <h1>{t("reports.prepare.title")}</h1>
        <p className="lead-text muted">{t("reports.prepare.lead")}</p>
        <p>
          <Link to="/transparency/reports">{t("reports.public.title")}</Link>
          {scopes.includes("national") ? (
            <>
              {" · "}
              <Link to="/reports/indicators">{t("reports.indicators.title")}</Link>
            </>
          ) : null}
        </p>
      </div>
      <Form method="get" className="card" data-testid="report-choice">
        <SelectField
          name="kind"
          label={t("reports.prepare.kind")}
          defaultValue={asked.kind}
          serverErrors={errors ?? undefined}
          options={REPORT_KINDS.map((kind) => ({ value: kind, label: t(`reports.kindNames.${kind}`) }))}
        />
        <SelectField
          name="year"
          label={t("reports.prepare.year")}
          hint={t("reports.prepare.yearHint")}
          defaultValue={asked.year}
          serverErrors={errors ?? undefined}
          options={years.map((y) => ({ value: y, label: y }))}
        />
        <SelectField name="scope" label={t("reports.prepare.scope")} defaultValue={asked.scope} serverErrors={errors ?? undefined} options={scopes.map((s) => ({ value: s, label: scopeLabel(s) }))} />
        <p>
          <button type="submit" className="button secondary">
            {t("reports.prepare.show")}
          </button>
        </p>
      </Form>
      {preview ? (
        <>
          <h2 data-testid="preview-title">{title({ kind: preview.choice.kind, year: preview.choice.year, scope: preview.choice.scope })}</h2>
          <p className="muted">{t("reports.prepare.previewNote")}</p>
          {hasEditions ? (
            <ul data-testid="editions">
              {preview.editions.map((e) => (
                <li key={e.id}>
                  <Link to={`/transparency/reports/${e.id}`}>{t("reports.public.edition", { edition: e.edition, date: formatDate(e.publishedAt, lang) })}</Link>
                </li>
              ))}
            </ul>
          ) : null}
          <Form method="post" className="card" data-testid="publish-form">
            <AuthenticityTokenInput />
            <FormError message={failure?.formError} />
            {failure?.errors?.kind || failure?.errors?.year || failure?.errors?.scope ? (
              <p className="field-error">{message((failure.errors.kind ?? failure.errors.year ?? failure.errors.scope)![0]!)}</p>
            ) : null}
            <input type="hidden" name="kind" value={preview.choice.kind} />
            <input type="hidden" name="year" value={String(preview.choice.year)} />
            <input type="hidden" name="scope" value={preview.choice.scope} />
            {hasEditions ? (
              <TextareaField
                name="reason"
                label={t("reports.prepare.reason")}
                hint={t("reports.prepare.reasonHint")}
                serverErrors={failure?.errors}
                defaultValue={failure?.values?.reason ?? ""}
                rows={3}
              />
            ) : (
              <input type="hidden" name="reason" value="" />
            )}
            <p>
              <button type="submit" className="button" disabled={navigation.state === "submitting"} data-testid="publish-report">
                {hasEditions ? t("reports.prepare.publishCorrection") : t("reports.prepare.publish")}
              </button>
            </p>
            <p className="field-hint">{t("reports.prepare.publishHint")}</p>
          </Form>
          <ReportFiguresTables figures={preview.figures} />
        </>
      ) : null}
    </section>
  );
}
