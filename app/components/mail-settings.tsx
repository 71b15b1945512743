import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";

/** /account's email confirmation and pledge reminder settings (decision 0019); the forms post to /account/mail. */
export function MailSettings({ email, emailVerified, pledgeReminders }: { email: string; emailVerified: boolean; pledgeReminders: boolean }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="mail-settings" className="card stack" data-testid="mail-settings">
      <h2 id="mail-settings">{t("emailVerification.sectionTitle")}</h2>
      <p>
        {email}{" "}
        <span className={`badge ${emailVerified ? "badge-approved" : "badge-pending"}`} data-testid="email-verified">
          {emailVerified ? t("emailVerification.verified") : t("emailVerification.notVerified")}
        </span>
      </p>
      {emailVerified ? null : (
        <Form method="post" action="/account/mail" className="inline-form">
          <AuthenticityTokenInput />
          <p className="muted">{t("emailVerification.why")}</p>
          <button type="submit" name="intent" value="send-verification" className="button button-secondary">
            {t("emailVerification.sendAgain")}
          </button>
        </Form>
      )}
      <h3>{t("reminders.title")}</h3>
      <p data-testid="reminders-state">{pledgeReminders ? t("reminders.on") : t("reminders.off")}</p>
      {pledgeReminders && !emailVerified ? <p className="muted">{t("reminders.needsVerification")}</p> : null}
      <Form method="post" action="/account/mail">
        <AuthenticityTokenInput />
        <button type="submit" name="intent" value={pledgeReminders ? "reminders-off" : "reminders-on"} className="button button-secondary">
          {pledgeReminders ? t("reminders.turnOff") : t("reminders.turnOn")}
        </button>
      </Form>
    </section>
  );
}
