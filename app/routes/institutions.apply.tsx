import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { BANKS } from "#models/reference/banks";
import { INSTITUTION_LEVELS, INSTITUTION_TYPES } from "#models/reference/institution-types";
import { PROVINCES, provinceName } from "#models/reference/provinces";
import { toSearchText } from "#services/text";
import { institutionApplicationSchema, joinRequestSchema } from "#services/validation/institution";
import { Field, FormError, SelectField, TextareaField, useValidatedForm } from "~/components/forms";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, formValues, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { applyForInstitution, findApprovedInstitutions, requestToJoin } from "~/utils/domain.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Đăng ký thiết chế · Register an institution — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  const q = new URL(request.url).searchParams.get("q")?.slice(0, 100) ?? "";
  const matches = q ? await findApprovedInstitutions(toSearchText(q)) : [];
  return json({ q, matches: matches.map((m) => ({ id: String(m._id), name: m.name, province: provinceName(m.provinceSlug) ?? "" })) });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  if (formData.get("intent") === "join") {
    const parsed = parseForm(joinRequestSchema, formData);
    if (!parsed.ok) return formFailure(parsed);
    try {
      await requestToJoin(user, parsed.data.institutionId, parsed.data.message);
    } catch (error) {
      return serviceFailure(error);
    }
    return redirectWithToast("/manage", { type: "success", message: t("institutions.joinRequested") });
  }
  const parsed = parseForm(institutionApplicationSchema, formData);
  if (!parsed.ok) return formFailure(parsed);
  try {
    await applyForInstitution(user, parsed.data);
  } catch (error) {
    return serviceFailure(error, formValues(formData));
  }
  return redirectWithToast("/manage", { type: "success", message: t("institutions.applied") });
}

export default function ApplyPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { q, matches } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const form = useValidatedForm(institutionApplicationSchema);
  const failure = actionData && !actionData.ok ? actionData : null;
  const errors = form.formState.errors;
  const common = (name: string) => ({
    name,
    register: form.register,
    clientError: errors[name]?.message as string | undefined,
    serverErrors: failure?.errors,
    defaultValue: failure?.values[name],
  });
  return (
    <section className="stack">
      <h1>{t("institutions.applyTitle")}</h1>
      <p className="lead-text">{t("institutions.applyLead")}</p>
      <FormError message={failure?.formError} />
      <div className="two-columns">
        <Form method="post" noValidate onSubmit={form.onSubmit} className="card" aria-labelledby="new-institution">
          <h2 id="new-institution">{t("institutions.newTitle")}</h2>
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="apply" />
          <Field {...common("name")} label={t("institutions.name")} required />
          <SelectField {...common("type")} label={t("institutions.type")} options={INSTITUTION_TYPES.map((x) => ({ value: x.slug, label: x[lang] }))} />
          <SelectField {...common("level")} label={t("institutions.level")} options={INSTITUTION_LEVELS.map((x) => ({ value: x.slug, label: x[lang] }))} />
          <Field {...common("formerDistrictName")} label={t("institutions.formerDistrictName")} hint={t("institutions.formerDistrictHint")} />
          <SelectField {...common("provinceSlug")} label={t("institutions.province")} options={[{ value: "", label: t("institutions.chooseProvince") }, ...PROVINCES.map((p) => ({ value: p.slug, label: p.name }))]} />
          <Field {...common("address")} label={t("institutions.address")} required />
          <Field {...common("contactEmail")} type="email" label={t("institutions.contactEmail")} required />
          <Field {...common("contactPhone")} type="tel" label={t("institutions.contactPhone")} />
          <Field {...common("website")} type="url" label={t("institutions.website")} />
          <TextareaField {...common("description")} label={t("institutions.description")} rows={4} />
          <fieldset>
            <legend>{t("institutions.bankAccount")}</legend>
            <p className="field-hint">{t("institutions.bankHint")}</p>
            <SelectField {...common("bankBin")} label={t("institutions.bank")} options={[{ value: "", label: t("institutions.chooseBank") }, ...BANKS.map((b) => ({ value: b.bin, label: `${b.shortName} — ${b.name} (${b.bin})` }))]} />
            <Field {...common("accountNumber")} inputMode="numeric" label={t("institutions.accountNumber")} required />
            <Field {...common("accountName")} label={t("institutions.accountName")} hint={t("institutions.accountNameHint")} required />
          </fieldset>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("institutions.submitApplication")}
          </button>
        </Form>
        <div className="card" aria-labelledby="join-title">
          <h2 id="join-title">{t("institutions.joinTitle")}</h2>
          <p>{t("institutions.joinLead")}</p>
          <Form method="get" className="inline-form" role="search">
            <label htmlFor="join-q" className="visually-hidden">
              {t("institutions.joinSearch")}
            </label>
            <input id="join-q" name="q" type="search" defaultValue={q} placeholder={t("institutions.joinSearch")} />
            <button type="submit" className="button button-small">
              {t("institutions.search")}
            </button>
          </Form>
          {q && matches.length === 0 ? <p className="muted">{t("institutions.noMatches")}</p> : null}
          <ul className="plain-list">
            {matches.map((m) => (
              <li key={m.id}>
                <Form method="post" className="inline-form">
                  <AuthenticityTokenInput />
                  <input type="hidden" name="intent" value="join" />
                  <input type="hidden" name="institutionId" value={m.id} />
                  <span>
                    <strong>{m.name}</strong> · {m.province}
                  </span>
                  <button type="submit" className="button button-small button-secondary">
                    {t("institutions.requestJoin")}
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
