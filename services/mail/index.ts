/**
 * The one way the app sends mail (decision 0019). Plain TypeScript: the server configures it from its
 * validated environment (app/utils/mail.server.ts), `npm run jobs` from its own (scripts/jobs.ts).
 *
 * - With SMTP (`SMTP_URL`, `MAIL_FROM`): nodemailer sends it.
 * - Without, outside production (development, tests, the labelled demo on this machine): nothing leaves
 *   the machine; the mail is kept as the **demo outbox** (/dev/outbox, admins only, labelled "not sent").
 *   Production without SMTP refuses to start (app/utils/env.server.ts), so the outbox never exists there.
 *
 * Every mail is recorded (models/mail.server.ts) before it is handed over; its `_id`, chosen by the
 * caller, makes a mail that must go once go once: recording it is an insert only one sender wins.
 */
import nodemailer, { type Transporter } from "nodemailer";
import type { Types } from "mongoose";
import { markMail, recordMail } from "#models/mail.server";

export type MailConfig =
  | { transport: "smtp"; smtpUrl: string; from: string; appUrl: string }
  | { transport: "outbox"; appUrl: string };

let config: MailConfig | undefined;
let transporter: Transporter | undefined;

export function configureMail(next: MailConfig) {
  config = next;
  transporter = next.transport === "smtp" ? nodemailer.createTransport(next.smtpUrl) : undefined;
}

/** How mail goes, or null when nothing configured it (then nothing can be sent: callers say so). */
export function mailConfig(): MailConfig | null {
  return config ?? null;
}

export function requireMailConfig(): MailConfig {
  if (!config) throw new Error("Mail is not configured: call configureMail (app/utils/mail.server.ts does, from SMTP_URL and MAIL_FROM)");
  return config;
}

/** Whether mail is kept in the demo outbox instead of being sent. */
export function isOutbox(): boolean {
  return config?.transport === "outbox";
}

/** An absolute link into the app. */
export function appLink(path: string): string {
  return new URL(path, requireMailConfig().appUrl).toString();
}

export type OutgoingMail = {
  /** Deterministic where the mail must go once (e.g. `reminder:<pledge>:<instalment>:<kind>`). */
  id: string;
  kind: string;
  to: string;
  userId?: Types.ObjectId | string | null;
  locale: "vi" | "en";
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /**
   * Secrets in the mail (a reset link's token): the copy recorded when the mail is really sent has them
   * blanked, so the database never holds a usable link — only the token's hash (services/tokens.ts). The
   * demo outbox keeps them: it is how the demo's mail is read, and it never exists in production.
   */
  secrets?: string[];
};

function redact(text: string, secrets: readonly string[]) {
  return secrets.reduce((out, secret) => (secret ? out.split(secret).join("[…]") : out), text);
}

export type SendResult = "sent" | "outbox" | "duplicate" | "failed";

/**
 * Records the mail, then sends it (SMTP) or leaves it in the outbox. A mail whose `_id` is already
 * recorded is not sent again ("duplicate"). A failed SMTP delivery is recorded as failed and logged;
 * it is not retried (at most once: decision 0019).
 */
export async function sendMail(mail: OutgoingMail): Promise<SendResult> {
  const current = requireMailConfig();
  const blank = current.transport === "smtp" ? (text: string) => redact(text, mail.secrets ?? []) : (text: string) => text;
  const recorded = await recordMail({
    _id: mail.id,
    kind: mail.kind,
    to: mail.to,
    userId: mail.userId ? (mail.userId as Types.ObjectId) : null,
    locale: mail.locale,
    subject: mail.subject,
    text: blank(mail.text),
    html: blank(mail.html),
    headers: Object.fromEntries(Object.entries(mail.headers ?? {}).map(([name, value]) => [name, blank(value)])),
    status: current.transport === "outbox" ? "outbox" : "sending",
  });
  if (!recorded) return "duplicate";
  if (current.transport === "outbox") return "outbox";
  try {
    await transporter!.sendMail({ from: current.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, headers: mail.headers });
    await markMail(mail.id, { status: "sent", sentAt: new Date() });
    return "sent";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`✗ Mail ${mail.id} to ${mail.to} could not be sent: ${message}`);
    await markMail(mail.id, { status: "failed", error: message.slice(0, 1000) });
    return "failed";
  }
}

const inFlight = new Set<Promise<unknown>>();

/**
 * Runs mail work after the response: a request that may or may not send mail (a password reset for an
 * address that may have no account) answers in the same time either way. Failures are logged.
 */
export function sendInBackground(work: () => Promise<unknown>): void {
  const running = Promise.resolve()
    .then(work)
    .catch((error: unknown) => console.error(`✗ Mail work failed: ${error instanceof Error ? error.message : String(error)}`))
    .finally(() => inFlight.delete(running));
  inFlight.add(running);
}

/** Resolves when the mail work started so far has finished (a graceful stop; tests). */
export async function mailSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}
