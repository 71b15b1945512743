import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { loginSchema } from "#services/validation/account";
import { Field, FormError, useValidatedForm } from "~/components/forms";
import { ProofOfWork } from "~/components/proof-of-work";
import { getUser, startSession, verifyLogin } from "~/utils/auth.server";
import { clientIp } from "~/utils/client-ip.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { limitedForm } from "~/utils/rate-limit.server";
import { safeRedirect, toastCookie } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Đăng nhập · Log in — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect("/account");
  return json({});
}

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(loginSchema, formData);
  if (!parsed.ok) return formFailure(parsed);
  // The same answers whether or not the email has an account (decision 0021).
  const result = await verifyLogin(parsed.data.email, parsed.data.password, { ip: clientIp(request), challenge: formData.get("altcha") });
  const values = { email: parsed.data.email };
  if (!result.ok) {
    if (result.reason === "limited") return limitedForm(result.retryAfterSeconds, values);
    if (result.reason === "challenge") {
      const waitMinutes = Math.ceil(result.retryAfterSeconds / 60);
      return json({ ok: false as const, errors: {} as Record<string, string[]>, formError: "limits.challenge", values, challenge: result.challenge, waitMinutes }, { status: 400 });
    }
    return formFailure({ errors: {}, formError: "auth.invalidCredentials", values });
  }
  const t = await getFixedT(request);
  const headers = new Headers();
  headers.append("Set-Cookie", await toastCookie({ type: "success", message: t("auth.welcome", { name: result.user.name }) }));
  headers.append("Set-Cookie", await startSession(request, result.user.id));
  return redirect(safeRedirect(parsed.data.redirectTo), { headers });
}

export default function LoginPage() {
  const { t } = useTranslation();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const navigation = useNavigation();
  const form = useValidatedForm(loginSchema);
  const serverErrors = actionData && !actionData.ok ? actionData.errors : undefined;
  const challenge = actionData && "challenge" in actionData ? actionData : null;
  // Sending before the browser's check is done would only bring the question back.
  const [solving, setSolving] = useState(false);
  return (
    <section className="narrow card">
      <h1>{t("auth.loginTitle")}</h1>
      <FormError message={actionData && !actionData.ok ? actionData.formError : null} />
      <Form method="post" noValidate onSubmit={form.onSubmit}>
        <AuthenticityTokenInput />
        <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
        <Field
          name="email"
          type="email"
          autoComplete="email"
          label={t("auth.email")}
          register={form.register}
          clientError={form.formState.errors.email?.message as string | undefined}
          serverErrors={serverErrors}
          defaultValue={actionData && !actionData.ok ? actionData.values.email : undefined}
          required
        />
        <Field
          name="password"
          type="password"
          autoComplete="current-password"
          label={t("auth.password")}
          register={form.register}
          clientError={form.formState.errors.password?.message as string | undefined}
          serverErrors={serverErrors}
          required
        />
        {challenge ? <ProofOfWork challenge={challenge.challenge} waitMinutes={challenge.waitMinutes} onSolving={setSolving} /> : null}
        <button type="submit" className="button" disabled={navigation.state === "submitting" || (challenge !== null && solving)}>
          {t("auth.submitLogin")}
        </button>
      </Form>
      <p>
        <Link to="/forgot-password">{t("forgotPassword.link")}</Link>
      </p>
      <p className="muted">
        {t("auth.noAccount")} <Link to={`/register${searchParams.size ? `?${searchParams}` : ""}`}>{t("nav.register")}</Link>
      </p>
    </section>
  );
}
