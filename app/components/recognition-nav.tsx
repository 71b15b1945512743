import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** The officers' recognition pages: rules, who qualifies, nominations. */
export function RecognitionNav() {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("recognition.navLabel")} className="inline-form recognition-nav">
      <NavLink to="/recognition" end>
        {t("recognition.rulesTab")}
      </NavLink>
      <NavLink to="/recognition/qualifying">{t("recognition.qualifyingTab")}</NavLink>
      <NavLink to="/recognition/nominations">{t("recognition.nominationsTab")}</NavLink>
    </nav>
  );
}
