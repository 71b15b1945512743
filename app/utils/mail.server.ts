import { configureMail, mailConfig, type MailConfig } from "#services/mail";
import { env } from "./env.server";

/**
 * Mail as this server's configuration says (decision 0019): SMTP when SMTP_URL is set; otherwise the
 * demo outbox, which env.server.ts allows only outside production or in the labelled demo on this machine.
 */
export function mailConfigFromEnv(e = env()): MailConfig {
  if (e.SMTP_URL && e.MAIL_FROM) return { transport: "smtp", smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, appUrl: e.APP_URL };
  if (e.NODE_ENV === "production" && !e.DEMO_MODE) throw new Error("SMTP_URL and MAIL_FROM are required in production");
  return { transport: "outbox", appUrl: e.APP_URL };
}

/** Configures services/mail once per process (the database connection does, before the sweeper starts). */
export function ensureMailConfigured(): MailConfig {
  const current = mailConfig();
  if (current) return current;
  const next = mailConfigFromEnv();
  configureMail(next);
  return next;
}

/** Whether the demo outbox page may exist on this server. */
export function outboxEnabled(): boolean {
  return ensureMailConfigured().transport === "outbox";
}

// What the routes use of the mail features, through this server-only module (decision 0004).
export { checkResetToken, completePasswordReset, requestPasswordReset, RESET_TTL_MS, sendVerificationMail, verifyEmail } from "#services/account-mail";
export { sendInBackground } from "#services/mail";
export { checkToken } from "#services/tokens";
export { getMailProfile, setPledgeReminders, setUserLocale } from "#models/user.server";
export { latestMails } from "#models/mail.server";
