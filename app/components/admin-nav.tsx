import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** The admin area's pages. */
export function AdminNav() {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("admin.navLabel")} className="inline-form admin-nav">
      <NavLink to="/admin/users">{t("admin.usersTitle")}</NavLink>
      <NavLink to="/admin/settings">{t("admin.settings.title")}</NavLink>
      <NavLink to="/admin/rates">{t("admin.rates.nav")}</NavLink>
    </nav>
  );
}
