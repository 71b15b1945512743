import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import verifyStyles from "~/styles/verify.css";
import { recognitionConfig } from "~/utils/recognition.server";
import { readVerificationCode } from "~/utils/certificates.server";
import { clientIp } from "~/utils/client-ip.server";
import { enforceLimits, keepRetryAfter } from "~/utils/rate-limit.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: verifyStyles }];
export const meta: MetaFunction = () => [{ title: "Kiểm tra giấy chứng nhận · Verify a certificate — Góp Sức" }];

/** A 429 (too many look-ups) keeps its Retry-After on the page. */
export const headers: HeadersFunction = keepRetryAfter;

/**
 * /verify — type a certificate's verification code (a GET form: it works without JavaScript and
 * changes nothing). A code of the right shape goes to /verify/<CODE>; anything else is shown again
 * with what is wrong, in the reader's language. Anyone may use it.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const typed = new URL(request.url).searchParams.get("code");
  const { origin } = await recognitionConfig();
  if (typed === null) return json({ typed: "", error: null, count: 0, origin });
  await enforceLimits([["verify-ip", clientIp(request)]]);
  const read = readVerificationCode(typed.slice(0, 200));
  if ("code" in read) throw redirect(`/verify/${read.code}`);
  return json({ typed: typed.slice(0, 200), error: read.error, count: typed.replace(/[\s-]+/g, "").length, origin }, { status: 400 });
}

export default function VerifyForm() {
  const { typed, error, count, origin } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section className="stack verify-form-page">
      <h1>{t("verify.formTitle")}</h1>
      <p>{t("verify.formIntro")}</p>
      <Form method="get" action="/verify" className="card stack verify-form" noValidate>
        <div className={`field${error ? " field-invalid" : ""}`}>
          <label htmlFor="code">{t("verify.codeLabel")}</label>
          <input
            id="code"
            name="code"
            defaultValue={typed}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            required
            maxLength={200}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "code-error code-hint" : "code-hint"}
          />
          <p className="field-hint" id="code-hint">{t("verify.codeHint")}</p>
          {error ? (
            <p className="field-error" id="code-error" role="alert" data-testid="code-error">
              {t(error, { count })}
            </p>
          ) : null}
        </div>
        <p>
          <button type="submit" className="button">
            {t("verify.submit")}
          </button>
        </p>
      </Form>
      <p className="muted">{t("verify.formHowItWorks")}</p>
      <section aria-labelledby="independent" className="stack" id="independent-section">
        <h2 id="independent">{t("verify.independentTitle")}</h2>
        <p>{t("verify.independentIntro")}</p>
        <ol className="stack">
          <li>
            {t("verify.independentStep1")}
            <pre className="card">
              <code>{`curl -o credential.jwt ${origin}/verify/<CODE>/credential
curl -o jwks.json ${origin}/.well-known/jwks.json
curl -o status.jwt ${origin}/status/1`}</code>
            </pre>
          </li>
          <li>
            {t("verify.independentStep2")}
            <pre className="card">
              <code>node scripts/verify-credential.mjs credential.jwt jwks.json status.jwt</code>
            </pre>
          </li>
          <li>{t("verify.independentStep3")}</li>
        </ol>
      </section>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
