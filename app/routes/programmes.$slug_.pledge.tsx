import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { useHydrated } from "remix-utils/use-hydrated";
import { PROVINCES } from "#models/reference/provinces";
import { countryOptions } from "#services/countries";
import { formatVnd } from "#services/format";
import { HOME_COUNTRY } from "#services/validation/country";
import { STRIPE_MAX_VND } from "#services/payment-limits";
import { CONSENT_TEXT, pledgeSchema } from "#services/validation/pledge";
import { catalogueLinks } from "~/components/catalogue-helpers";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Field, FormError, SelectField, useValidatedForm } from "~/components/forms";
import { getUser, requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { createPledge, donorProfileOf, getPledgeProgramme } from "~/utils/domain.server";
import { formFailure, formValues, parseForm, readFormData } from "~/utils/forms.server";
import { consumeLimits, limitedForm, limitsFor } from "~/utils/rate-limit.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { notFound, slugOr404 } from "~/utils/slugs";
import { useLocale } from "~/components/catalogue-helpers";

export const links = catalogueLinks;
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.programme.title} · Cam kết · Pledge — Góp Sức` : "Góp Sức" }];

async function programmeOr404(slug: string | undefined) {
  const page = await getPledgeProgramme(slugOr404(slug));
  if (!page) notFound();
  return page;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const page = await programmeOr404(params.slug);
  const user = await getUser(request);
  const donor = user ? await donorProfileOf(user) : null;
  const url = new URL(request.url);
  return json({
    ...page,
    countries: countryOptions(await getLanguage(request)),
    signedIn: Boolean(user),
    loginUrl: `/login?${new URLSearchParams({ redirectTo: url.pathname })}`,
    registerUrl: `/register?${new URLSearchParams({ redirectTo: url.pathname })}`,
    defaults: {
      donorKind: donor?.kind ?? "organisation",
      country: donor?.country ?? HOME_COUNTRY,
      legalName: donor?.legalName ?? "",
      taxCode: donor?.taxCode ?? "",
      registrationNumber: donor?.registrationNumber ?? "",
      representative: donor?.representative?.name ?? "",
      fullName: donor?.fullName ?? user?.name ?? "",
      address: donor?.address ?? "",
      provinceSlug: donor?.provinceSlug ?? "",
      email: donor?.email ?? user?.email ?? "",
      phone: donor?.phone ?? "",
    },
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const page = await programmeOr404(params.slug);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(pledgeSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  const wait = await consumeLimits(limitsFor(request, "pledge", user.id));
  if (wait !== null) return limitedForm(wait, formValues(formData));
  try {
    const { reference } = await createPledge(user, page.programme.slug, parsed.data);
    const t = await getFixedT(request);
    return redirectWithToast(`/pledges/${reference}`, { type: "success", message: t("pledge.created", { reference }) });
  } catch (error) {
    return serviceFailure(error, formValues(formData));
  }
}

export default function PledgePage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const failure = actionData && !actionData.ok ? actionData : null;
  const form = useValidatedForm(pledgeSchema, { ...data.defaults, kind: "cash_once", visibility: "anonymous", frequency: "monthly" });
  const [donorKind, setDonorKind] = useState(failure?.values.donorKind ?? data.defaults.donorKind);
  const [kind, setKind] = useState(failure?.values.kind ?? "cash_once");
  const [country, setCountry] = useState(failure?.values.country || data.defaults.country);
  const errors = form.formState.errors;
  // Without JavaScript every group is shown (the server ignores what the chosen kind does not use).
  const hydrated = useHydrated();
  const showDonor = (value: string) => !hydrated || donorKind === value;
  const showKind = (...values: string[]) => !hydrated || values.includes(kind);
  // A Vietnamese organisation gives its tax code and province; one abroad its own registration number.
  const home = country === HOME_COUNTRY;
  const showHome = !hydrated || home;
  const showAbroad = !hydrated || !home;
  const props = (name: string) => ({
    name,
    register: form.register,
    clientError: errors[name]?.message as string | undefined,
    serverErrors: failure?.errors,
    defaultValue: failure?.values[name] ?? (data.defaults as Record<string, string>)[name],
  });

  if (!data.signedIn) {
    return (
      <article className="card narrow stack">
        <h1>{t("pledge.title", { title: data.programme.title })}</h1>
        <p>{t("pledge.signInFirst")}</p>
        <p className="inline-form">
          <Link className="button" to={data.loginUrl}>
            {t("nav.login")}
          </Link>
          <Link className="button button-secondary" to={data.registerUrl}>
            {t("nav.register")}
          </Link>
        </p>
      </article>
    );
  }
  if (data.programme.state !== "open") {
    return (
      <article className="card narrow">
        <h1>{t("pledge.title", { title: data.programme.title })}</h1>
        <p>{t("pledge.closedProgramme")}</p>
      </article>
    );
  }
  return (
    <article className="stack pledge-form-page">
      <p>
        <Link to={`/programmes/${data.programme.slug}`}>← {data.programme.title}</Link>
      </p>
      <h1>{t("pledge.title", { title: data.programme.title })}</h1>
      <Form method="post" noValidate onSubmit={form.onSubmit} className="card">
        <AuthenticityTokenInput />
        <FormError message={failure?.formError ?? form.clientFormError} />
        <fieldset>
          <legend>{t("pledge.who")}</legend>
          <div className="radio-row">
            {(["organisation", "individual"] as const).map((value) => (
              <label key={value} className="checkbox">
                <input type="radio" value={value} {...form.register("donorKind", { onChange: (e) => setDonorKind(e.target.value) })} defaultChecked={donorKind === value} />
                {t(`pledge.donorKind.${value}`)}
              </label>
            ))}
          </div>
          <SelectField {...props("country")} label={t("pledge.country")} onChange={(e) => setCountry(e.target.value)} options={data.countries.map((c) => ({ value: c.code, label: c.name }))} />
          {showDonor("organisation") ? (
            <>
              <Field {...props("legalName")} label={t("pledge.legalName")} />
              {showHome ? <Field {...props("taxCode")} label={t("pledge.taxCode")} hint={t(hydrated ? "pledge.taxCodeHint" : "pledge.taxCodeHintHome")} inputMode="numeric" /> : null}
              {showAbroad ? <Field {...props("registrationNumber")} label={t("pledge.registrationNumber")} hint={t(hydrated ? "pledge.registrationNumberHint" : "pledge.registrationNumberHintAbroad")} /> : null}
              <Field {...props("representative")} label={t("pledge.representative")} />
            </>
          ) : null}
          {showDonor("individual") ? <Field {...props("fullName")} label={t("pledge.fullName")} /> : null}
          <Field {...props("address")} label={t("pledge.address")} />
          {showHome ? (
            <SelectField {...props("provinceSlug")} label={t("pledge.province")} hint={hydrated ? undefined : t("pledge.provinceHintHome")} options={[{ value: "", label: "—" }, ...PROVINCES.map((p) => ({ value: p.slug, label: p.name }))]} />
          ) : null}
          <div className="two-columns">
            <Field {...props("email")} type="email" label={t("pledge.email")} />
            <Field {...props("phone")} type="tel" label={t("pledge.phone")} />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t("pledge.what")}</legend>
          <SelectField
            {...props("kind")}
            defaultValue={kind}
            label={t("pledge.kindLabel")}
            onChange={(e) => setKind(e.target.value)}
            options={(["cash_once", "cash_instalments", "in_kind", "volunteer_hours"] as const).map((value) => ({ value, label: t(`pledge.kind.${value}`) }))}
          />
          {showKind("cash_once", "cash_instalments") ? <Field {...props("amount")} inputMode="numeric" label={t("pledge.amount")} hint={t(showHome ? "pledge.amountHint" : "pledge.amountHintAbroad", { max: formatVnd(STRIPE_MAX_VND, lang) })} /> : null}
          {showKind("cash_instalments") ? (
            <div className="two-columns">
              <Field {...props("instalmentCount")} type="number" min={2} max={12} label={t("pledge.instalmentCount")} />
              <SelectField {...props("frequency")} label={t("pledge.frequency")} options={[{ value: "monthly", label: t("pledge.monthly") }, { value: "quarterly", label: t("pledge.quarterly") }]} />
            </div>
          ) : null}
          {showKind("in_kind") ? (
            <div className="row-fields">
              {/* The programme's needs are offered by name, so what is pledged counts against them. */}
              <datalist id="needs">
                {data.programme.inKindNeeds.map((need) => (
                  <option key={need.item} value={need.item}>
                    {need.item} — {need.quantity} {need.unit} × {formatVnd(need.unitValue, lang)}
                  </option>
                ))}
              </datalist>
              <Field {...props("item")} list="needs" label={t("pledge.item")} />
              <Field {...props("quantity")} inputMode="numeric" label={t("pledge.quantity")} />
              <Field {...props("unitValue")} inputMode="numeric" label={t("pledge.unitValue")} />
            </div>
          ) : null}
          {showKind("volunteer_hours") ? (
            <div className="two-columns">
              <Field {...props("hours")} inputMode="numeric" label={t("pledge.hours")} />
              <Field {...props("ratePerHour")} inputMode="numeric" label={t("pledge.ratePerHour")} />
            </div>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>{t("pledge.visibilityLabel")}</legend>
          {(["name_and_amount", "name_only", "anonymous"] as const).map((value) => (
            <label key={value} className="checkbox">
              <input type="radio" value={value} defaultChecked={(failure?.values.visibility ?? "anonymous") === value} {...form.register("visibility")} />
              {t(`pledge.visibility.${value}`)}
            </label>
          ))}
          {showDonor("individual") ? (
            <label className="checkbox consent">
              <input type="checkbox" value="yes" {...form.register("consent")} />
              {CONSENT_TEXT[lang]}
            </label>
          ) : null}
          {errors.consent?.message || failure?.errors.consent ? (
            <p className="field-error" role="alert">
              {t(String(errors.consent?.message ?? failure?.errors.consent?.[0]))}
            </p>
          ) : null}
        </fieldset>
        <button type="submit" className="button" disabled={navigation.state === "submitting"}>
          {t("pledge.submit")}
        </button>
      </Form>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

