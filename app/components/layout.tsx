import { Form, Link, NavLink, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import type { RootLoader } from "~/root";

function LanguageSwitch() {
  const { t } = useTranslation();
  const data = useRouteLoaderData<RootLoader>("root");
  const other = data?.locale === "en" ? "vi" : "en";
  return (
    <Form method="post" action="/set-language" className="language-switch">
      <AuthenticityTokenInput />
      <input type="hidden" name="lng" value={other} />
      <input type="hidden" name="redirectTo" value={data?.path ?? "/"} />
      <button type="submit" className="button-link" lang={other} aria-label={t("language.switchToLabel")} data-testid="language-switch">
        {t("language.switchTo")}
      </button>
    </Form>
  );
}

function AccountMenu() {
  const { t } = useTranslation();
  const user = useRouteLoaderData<RootLoader>("root")?.user;
  if (!user) {
    return (
      <div className="account-links">
        <Link to="/login">{t("nav.login")}</Link>
        <Link to="/register" className="button button-small">
          {t("nav.register")}
        </Link>
      </div>
    );
  }
  return (
    <details className="account-menu">
      <summary>
        <span className="avatar" aria-hidden="true">
          {user.name.slice(0, 1).toUpperCase()}
        </span>
        <span className="account-name">{user.name}</span>
      </summary>
      <div className="account-menu-panel">
        <p className="account-role">{t(`roles.${user.role}`)}</p>
        <Link to="/account">{t("nav.account")}</Link>
        <Link to="/manage">{t("nav.manage")}</Link>
        {["admin", "ministry_officer", "province_officer"].includes(user.role) ? <Link to="/review/institutions">{t("nav.review")}</Link> : null}
        {["admin", "ministry_officer", "province_officer"].includes(user.role) ? <Link to="/review/corrections">{t("nav.reviewCorrections")}</Link> : null}
        {["admin", "ministry_officer", "province_officer", "manager"].includes(user.role) ? <Link to="/recognition">{t("recognition.nav")}</Link> : null}
        {["admin", "ministry_officer", "province_officer"].includes(user.role) ? <Link to="/reports">{t("reports.nav")}</Link> : null}
        {user.role === "admin" ? <Link to="/admin/users">{t("nav.admin")}</Link> : null}
        {user.role === "admin" ? <Link to="/admin/settings">{t("nav.adminSettings")}</Link> : null}
        <Form method="post" action="/logout">
          <AuthenticityTokenInput />
          <button type="submit" className="button-link">
            {t("nav.logout")}
          </button>
        </Form>
      </div>
    </details>
  );
}

export function SiteHeader() {
  const { t } = useTranslation();
  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            GS
          </span>
          <span>{t("app.name")}</span>
        </Link>
        <nav aria-label={t("nav.main")} className="main-nav">
          <NavLink to="/" end>
            {t("nav.home")}
          </NavLink>
          <NavLink to="/programmes">{t("nav.programmes")}</NavLink>
          <NavLink to="/transparency">{t("nav.transparency")}</NavLink>
          <NavLink to="/transparency/reports">{t("reports.navPublic")}</NavLink>
        </nav>
        <div className="header-tools">
          <LanguageSwitch />
          <AccountMenu />
        </div>
      </div>
    </header>
  );
}

export function SiteFooter() {
  const { t } = useTranslation();
  return (
    <footer className="site-footer">
      <div className="container">
        <p>{t("app.footer")}</p>
      </div>
    </footer>
  );
}
