import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { verifyEmail } from "~/utils/mail.server";

export const meta: MetaFunction = () => [{ title: "Xác nhận email · Email confirmation — Góp Sức" }, { name: "robots", content: "noindex" }];

const STATUS = { unknown: 404, expired: 410, used: 410, changed: 410 } as const;

/**
 * Following the mailed link confirms the address (the token is the authority: single-use, expiring,
 * and only for the address it was mailed to). A bad link is said so, and nothing changes.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const result = await verifyEmail(params.token ?? "");
  if (!result.ok) return json({ ok: false as const, reason: result.reason }, { status: STATUS[result.reason] });
  return json({ ok: true as const, email: result.email });
}

export default function VerifyEmailPage() {
  const { t } = useTranslation();
  const data = useLoaderData<typeof loader>();
  return (
    <section className="narrow card stack">
      <h1>{t("emailVerification.title")}</h1>
      {data.ok ? (
        <p role="status" data-testid="verify-done">
          {t("emailVerification.done", { email: data.email })}
        </p>
      ) : (
        <p className="form-error" role="alert" data-testid="verify-invalid">
          {t(`emailVerification.${data.reason}`)}
        </p>
      )}
      <p>
        <Link to="/account" className="button">
          {t("emailVerification.toAccount")}
        </Link>
      </p>
    </section>
  );
}
