import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { provinceName } from "#models/reference/provinces";
import { requireUser } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Tài khoản · Account — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return json({ user, provinceName: user.provinceSlug ? provinceName(user.provinceSlug) : null });
}

export default function AccountPage() {
  const { user, provinceName } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t("account.title")}</h1>
      <dl className="facts card">
        <div>
          <dt>{t("account.signedInAs")}</dt>
          <dd data-testid="account-name">
            {user.name} ({user.email})
          </dd>
        </div>
        <div>
          <dt>{t("account.role")}</dt>
          <dd>{t(`roles.${user.role}`)}</dd>
        </div>
        {user.role === "province_officer" ? (
          <div>
            <dt>{t("account.province")}</dt>
            <dd>{provinceName ?? t("account.none")}</dd>
          </div>
        ) : null}
        {user.role === "manager" ? (
          <div>
            <dt>{t("account.institutions")}</dt>
            <dd>{user.institutionIds.length || t("account.none")}</dd>
          </div>
        ) : null}
      </dl>
      <p>{user.role === "manager" ? t("account.nextStepsManager") : t("account.nextStepsDonor")}</p>
      <p className="inline-form">
        <Link to="/programmes" className="button">
          {t("nav.programmes")}
        </Link>
        <Link to="/manage" className="button button-secondary">
          {t("nav.manage")}
        </Link>
      </p>
    </section>
  );
}
