import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { resetPasswordSchema } from "#services/validation/account";
import { Field, FormError, useValidatedForm } from "~/components/forms";
import { hashPassword, startSession } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { checkResetToken, completePasswordReset } from "~/utils/mail.server";
import { consumeLimits, limitedForm, limitsFor } from "~/utils/rate-limit.server";
import { redirectWithToast } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Đặt mật khẩu mới · Choose a new password — Góp Sức" }, { name: "robots", content: "noindex" }];

const STATUS = { unknown: 404, expired: 410, used: 410 } as const;

/** The token is the authority here: whoever holds the mailed link. A bad one is said so, and nothing changes. */
export async function loader({ params }: LoaderFunctionArgs) {
  const check = await checkResetToken(params.token ?? "");
  if (!check.ok) return json({ ok: false as const, reason: check.reason }, { status: STATUS[check.reason] });
  return json({ ok: true as const, email: check.email });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const token = params.token ?? "";
  const parsed = parseForm(resetPasswordSchema, formData);
  if (!parsed.ok) return formFailure(parsed);
  const wait = await consumeLimits(limitsFor(request, "password"));
  if (wait !== null) return limitedForm(wait);
  // Checked before the (slow) hashing, and again when it is used up.
  const check = await checkResetToken(token);
  if (!check.ok) return formFailure({ errors: {}, formError: `resetPassword.${check.reason}`, values: {} }, STATUS[check.reason]);
  const result = await completePasswordReset(token, await hashPassword(parsed.data.password));
  if (!result.ok) return formFailure({ errors: {}, formError: `resetPassword.${result.reason}`, values: {} }, STATUS[result.reason]);
  // Every earlier session was ended; this browser gets a fresh one.
  const t = await getFixedT(request);
  return redirectWithToast("/account", { type: "success", message: t("resetPassword.done") }, { headers: { "Set-Cookie": await startSession(request, result.userId) } });
}

export default function ResetPasswordPage() {
  const { t } = useTranslation();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const form = useValidatedForm(resetPasswordSchema);
  const failure = actionData && !actionData.ok ? actionData : null;
  const errors = form.formState.errors;
  if (!data.ok) {
    return (
      <section className="narrow card stack">
        <h1>{t("resetPassword.title")}</h1>
        <p className="form-error" role="alert" data-testid="reset-invalid">
          {t(`resetPassword.${data.reason}`)}
        </p>
        <p>
          <Link to="/forgot-password" className="button">
            {t("resetPassword.requestNew")}
          </Link>
        </p>
      </section>
    );
  }
  return (
    <section className="narrow card">
      <h1>{t("resetPassword.title")}</h1>
      <p>{t("resetPassword.intro", { email: data.email })}</p>
      <FormError message={failure?.formError} />
      <Form method="post" noValidate onSubmit={form.onSubmit}>
        <AuthenticityTokenInput />
        {/* The account's address, for password managers (not sent). */}
        <input type="email" name="username" autoComplete="username" value={data.email} readOnly hidden />
        <Field name="password" type="password" autoComplete="new-password" label={t("resetPassword.newPassword")} hint={t("auth.passwordHint")} register={form.register} clientError={errors.password?.message as string | undefined} serverErrors={failure?.errors} required />
        <Field name="confirmPassword" type="password" autoComplete="new-password" label={t("resetPassword.confirmPassword")} register={form.register} clientError={errors.confirmPassword?.message as string | undefined} serverErrors={failure?.errors} required />
        <button type="submit" className="button" disabled={navigation.state === "submitting"}>
          {t("resetPassword.submit")}
        </button>
      </Form>
      {failure?.formError && failure.formError !== "validation.fixErrors" && Object.keys(failure.errors).length === 0 ? (
        <p>
          <Link to="/forgot-password">{t("resetPassword.requestNew")}</Link>
        </p>
      ) : null}
    </section>
  );
}
