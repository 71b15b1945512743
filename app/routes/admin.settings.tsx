import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { formatVnd } from "#services/format";
import { DEFAULT_LIMITS, HARD_MAX_AMOUNT } from "#services/payment-limits";
import { limitsSchema } from "#services/validation/settings";
import { AdminNav } from "~/components/admin-nav";
import { clientErrorAt, Field, FormError, useValidatedForm } from "~/components/forms";
import { requireRole } from "~/utils/auth.server";
import { getLimits, updateLimits } from "~/utils/corrections.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Giới hạn của nền tảng · Platform limits — Góp Sức" }];

/** The platform's limits: the largest single pledge or gift, and the correction approval threshold. Admins only; audited. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, ["admin"]);
  return json({ limits: await getLimits(), defaults: DEFAULT_LIMITS, ceiling: HARD_MAX_AMOUNT }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireRole(request, ["admin"]);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(limitsSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  try {
    await updateLimits(admin, parsed.data);
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  return redirectWithToast("/admin/settings", { type: "success", message: t("admin.settings.saved") });
}

export default function AdminSettingsPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { limits, defaults, ceiling } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const form = useValidatedForm(limitsSchema);
  const vnd = (amount: number) => formatVnd(amount, lang);
  const props = (name: "maxAmount" | "correctionApprovalThreshold") => ({
    name,
    register: form.register,
    clientError: clientErrorAt(form.formState.errors, name),
    serverErrors: failure?.errors,
    defaultValue: failure?.values[name] ?? String(limits[name]),
  });
  return (
    <section className="stack">
      <AdminNav />
      <div>
        <h1>{t("admin.settings.title")}</h1>
        <p className="lead-text muted">{t("admin.settings.lead")}</p>
      </div>
      <Form method="post" noValidate onSubmit={form.onSubmit} className="card" data-testid="limits-form">
        <AuthenticityTokenInput />
        <FormError message={failure?.formError ?? form.clientFormError} />
        <Field
          {...props("maxAmount")}
          inputMode="numeric"
          autoComplete="off"
          label={t("admin.settings.maxAmount")}
          hint={t("admin.settings.maxAmountHint", { current: vnd(limits.maxAmount), default: vnd(defaults.maxAmount), ceiling: vnd(ceiling) })}
        />
        <Field
          {...props("correctionApprovalThreshold")}
          inputMode="numeric"
          autoComplete="off"
          label={t("admin.settings.threshold")}
          hint={t("admin.settings.thresholdHint", { current: vnd(limits.correctionApprovalThreshold), default: vnd(defaults.correctionApprovalThreshold) })}
        />
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("admin.settings.save")}
          </button>
        </p>
      </Form>
    </section>
  );
}
