import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { registerSchema } from "#services/validation/account";
import { Field, FormError, useValidatedForm } from "~/components/forms";
import { getUser, registerDonor, startSession } from "~/utils/auth.server";
import { clientIp } from "~/utils/client-ip.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { ensureMailConfigured, sendInBackground, sendVerificationMail } from "~/utils/mail.server";
import { consumeLimits, limitedForm } from "~/utils/rate-limit.server";
import { safeRedirect, toastCookie } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Đăng ký · Register — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/account");
  return json({});
}

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(registerSchema, formData);
  if (!parsed.ok) return formFailure(parsed);
  // Counted before the account is made (and before "already registered" can be said: decision 0021).
  const wait = await consumeLimits([["register-ip", clientIp(request)]]);
  if (wait !== null) return limitedForm(wait, { name: parsed.data.name, email: parsed.data.email });
  const result = await registerDonor({ ...parsed.data, locale: await getLanguage(request) });
  if (!result.ok) {
    return formFailure({ errors: { email: ["auth.emailTaken"] }, values: { name: parsed.data.name, email: parsed.data.email } });
  }
  // A link to confirm the address (decision 0019), mailed after the answer.
  ensureMailConfigured();
  const newUserId = result.user.id;
  sendInBackground(() => sendVerificationMail(newUserId));
  const t = await getFixedT(request);
  const headers = new Headers();
  headers.append("Set-Cookie", await toastCookie({ type: "success", message: t("auth.registered", { name: result.user.name }) }));
  headers.append("Set-Cookie", await startSession(request, result.user.id));
  return redirect(safeRedirect(parsed.data.redirectTo), { headers });
}

export default function RegisterPage() {
  const { t } = useTranslation();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const form = useValidatedForm(registerSchema);
  const failure = actionData && !actionData.ok ? actionData : null;
  const errors = form.formState.errors;
  return (
    <section className="narrow card">
      <h1>{t("auth.registerTitle")}</h1>
      <FormError message={failure?.formError} />
      <Form method="post" noValidate onSubmit={form.onSubmit}>
        <AuthenticityTokenInput />
        <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
        <Field name="name" autoComplete="name" label={t("auth.name")} register={form.register} clientError={errors.name?.message as string | undefined} serverErrors={failure?.errors} defaultValue={failure?.values.name} required />
        <Field name="email" type="email" autoComplete="email" label={t("auth.email")} register={form.register} clientError={errors.email?.message as string | undefined} serverErrors={failure?.errors} defaultValue={failure?.values.email} required />
        <Field name="password" type="password" autoComplete="new-password" label={t("auth.password")} hint={t("auth.passwordHint")} register={form.register} clientError={errors.password?.message as string | undefined} serverErrors={failure?.errors} required />
        <button type="submit" className="button" disabled={navigation.state === "submitting"}>
          {t("auth.submitRegister")}
        </button>
      </Form>
      <p className="muted">
        {t("auth.haveAccount")} <Link to={`/login${searchParams.size ? `?${searchParams}` : ""}`}>{t("nav.login")}</Link>
      </p>
    </section>
  );
}
