import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { vietnamDateInput } from "#services/calendar";
import { FOREIGN_CARD_CURRENCIES } from "#services/currencies";
import { formatDate } from "#services/format";
import { cardRatesSchema } from "#services/validation/exchange-rates";
import { AdminNav } from "~/components/admin-nav";
import { useLocale } from "~/components/catalogue-helpers";
import { clientErrorAt, Field, FormError, useValidatedForm } from "~/components/forms";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { findCardRates, saveCardRates } from "~/utils/stripe.server";

export const meta: MetaFunction = () => [{ title: "Tỷ giá tham khảo · Indicative rates — Góp Sức" }];

/**
 * /admin/rates — the indicative rates a card gift in another currency is quoted at (issue 13, decision
 * 0045): đồng for one unit of each currency, the day and the source. Admins only; audited. A blank rate
 * takes that currency off the card choices.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, ["admin"]);
  return json({ rates: await findCardRates() }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, ["admin"]);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(cardRatesSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  try {
    await saveCardRates(admin, parsed.data);
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  return redirectWithToast("/admin/rates", { type: "success", message: t("admin.rates.saved") });
}

export default function AdminRatesPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { rates } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const form = useValidatedForm(cardRatesSchema);
  const stored = (name: string) => {
    const rate = rates?.rates[name as keyof NonNullable<typeof rates>["rates"]];
    return rate === undefined ? "" : String(rate).replace(".", lang === "vi" ? "," : ".");
  };
  const props = (name: (typeof FOREIGN_CARD_CURRENCIES)[number] | "asOf" | "source", fallback: string) => ({
    name,
    register: form.register,
    clientError: clientErrorAt(form.formState.errors, name),
    serverErrors: failure?.errors,
    defaultValue: failure?.values[name] ?? fallback,
  });
  return (
    <section className="stack">
      <AdminNav />
      <div>
        <h1>{t("admin.rates.title")}</h1>
        <p className="lead-text muted">{t("admin.rates.lead")}</p>
        {rates ? <p data-testid="rates-current">{t("admin.rates.current", { date: formatDate(rates.asOf, lang), source: rates.source })}</p> : <p className="notice">{t("admin.rates.none")}</p>}
      </div>
      <Form method="post" noValidate onSubmit={form.onSubmit} className="card" data-testid="rates-form">
        <AuthenticityTokenInput />
        <FormError message={failure?.formError ?? form.clientFormError} />
        {FOREIGN_CARD_CURRENCIES.map((currency) => (
          <Field key={currency} {...props(currency, stored(currency))} inputMode="decimal" autoComplete="off" label={t("admin.rates.rateOf", { currency: currency.toUpperCase() })} hint={t("admin.rates.rateHint")} />
        ))}
        <Field {...props("asOf", rates ? vietnamDateInput(new Date(rates.asOf)) : "")} type="date" label={t("admin.rates.asOf")} />
        <Field {...props("source", rates?.source ?? "")} autoComplete="off" maxLength={200} label={t("admin.rates.source")} hint={t("admin.rates.sourceHint")} />
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("admin.rates.save")}
          </button>
        </p>
      </Form>
    </section>
  );
}
