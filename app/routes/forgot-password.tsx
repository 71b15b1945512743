import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { forgotPasswordSchema } from "#services/validation/account";
import { Field, FormError, useValidatedForm } from "~/components/forms";
import { validateCsrf } from "~/utils/csrf.server";
import { consumeLimits, limitedForm, limitsFor } from "~/utils/rate-limit.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { ensureMailConfigured, requestPasswordReset, RESET_TTL_MS, sendInBackground } from "~/utils/mail.server";

export const meta: MetaFunction = () => [{ title: "Quên mật khẩu · Forgot your password — Góp Sức" }];

/** Anyone may ask, signed in or not: the page itself shows nothing of anyone's. */
export function loader() {
  return json({});
}

/**
 * The same answer whether or not the address has an account, in the same time: the account is looked
 * up, and the mail made and sent, after the answer (decision 0019).
 */
export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(forgotPasswordSchema, formData);
  if (!parsed.ok) return formFailure(parsed);
  // Per address only: a limit per account would answer differently for addresses that have one.
  const wait = await consumeLimits(limitsFor(request, "password"));
  if (wait !== null) return limitedForm(wait, { email: parsed.data.email });
  ensureMailConfigured();
  const email = parsed.data.email;
  sendInBackground(() => requestPasswordReset(email));
  return json({ ok: true as const, email, minutes: RESET_TTL_MS / 60_000 });
}

export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const form = useValidatedForm(forgotPasswordSchema);
  const failure = actionData && !actionData.ok ? actionData : null;
  return (
    <section className="narrow card">
      <h1>{t("forgotPassword.title")}</h1>
      {actionData?.ok ? (
        <div className="stack" role="status" data-testid="forgot-sent">
          <p>{t("forgotPassword.sent", { email: actionData.email, minutes: actionData.minutes })}</p>
          <p className="muted">{t("forgotPassword.checkSpam")}</p>
        </div>
      ) : (
        <>
          <p>{t("forgotPassword.intro")}</p>
          <FormError message={failure?.formError} />
          <Form method="post" noValidate onSubmit={form.onSubmit}>
            <AuthenticityTokenInput />
            <Field
              name="email"
              type="email"
              autoComplete="email"
              label={t("auth.email")}
              register={form.register}
              clientError={form.formState.errors.email?.message as string | undefined}
              serverErrors={failure?.errors}
              defaultValue={failure?.values.email}
              required
            />
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("forgotPassword.submit")}
            </button>
          </Form>
        </>
      )}
      <p className="muted">
        <Link to="/login">{t("forgotPassword.backToLogin")}</Link>
      </p>
    </section>
  );
}
