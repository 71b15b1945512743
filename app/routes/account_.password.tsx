import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { changePasswordSchema } from "#services/validation/account";
import { Field, FormError, useValidatedForm } from "~/components/forms";
import { changePassword, requireUser, requireUserSession } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { consumeLimits, limitedForm, limitsFor } from "~/utils/rate-limit.server";
import { redirectWithToast } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Đổi mật khẩu · Change password — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request);
  return json({});
}

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const { user, sessionId } = await requireUserSession(request);
  const parsed = parseForm(changePasswordSchema, formData);
  if (!parsed.ok) return formFailure(parsed);
  // Counted before the current password is checked (per address and per account, decision 0021).
  const wait = await consumeLimits(limitsFor(request, "password", user.id));
  if (wait !== null) return limitedForm(wait);
  const result = await changePassword(user.id, { currentPassword: parsed.data.currentPassword, newPassword: parsed.data.newPassword, keepSessionId: sessionId });
  if (!result.ok) return formFailure({ errors: { currentPassword: ["passwordChange.wrongCurrent"] }, values: {} });
  const t = await getFixedT(request);
  const message = result.sessionsEnded > 0 ? t("passwordChange.changed", { count: result.sessionsEnded }) : t("passwordChange.changedAlone");
  return redirectWithToast("/account", { type: "success", message });
}

export default function ChangePasswordPage() {
  const { t } = useTranslation();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const form = useValidatedForm(changePasswordSchema);
  const failure = actionData && !actionData.ok ? actionData : null;
  const errors = form.formState.errors;
  return (
    <section className="narrow card">
      <h1>{t("passwordChange.title")}</h1>
      <p>{t("passwordChange.intro")}</p>
      <FormError message={failure?.formError ?? form.clientFormError} />
      <Form method="post" noValidate onSubmit={form.onSubmit}>
        <AuthenticityTokenInput />
        <Field name="currentPassword" type="password" autoComplete="current-password" label={t("passwordChange.current")} register={form.register} clientError={errors.currentPassword?.message as string | undefined} serverErrors={failure?.errors} required />
        <Field name="newPassword" type="password" autoComplete="new-password" label={t("passwordChange.new")} hint={t("auth.passwordHint")} register={form.register} clientError={errors.newPassword?.message as string | undefined} serverErrors={failure?.errors} required />
        <Field name="confirmPassword" type="password" autoComplete="new-password" label={t("passwordChange.confirm")} register={form.register} clientError={errors.confirmPassword?.message as string | undefined} serverErrors={failure?.errors} required />
        <button type="submit" className="button" disabled={navigation.state === "submitting"}>
          {t("passwordChange.submit")}
        </button>
      </Form>
      <p className="muted">
        <Link to="/account/sessions">{t("sessions.link")}</Link>
      </p>
    </section>
  );
}
