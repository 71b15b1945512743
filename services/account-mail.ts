/**
 * Password reset and email verification by mail (decision 0019). Routes call these; hashing a new
 * password stays with the app's hashing queue (app/utils/auth.server.ts), which hands the hash in.
 */
import { findUserByEmail, getMailProfile, markEmailVerified, setPasswordHash } from "#models/user.server";
import { deleteSessionsOfUser } from "#models/session.server";
import { appLink, sendMail } from "./mail";
import { mailText, renderMail } from "./mail/templates";
import { checkToken, issueToken, spendToken } from "./tokens";

export const RESET_TTL_MS = 60 * 60_000;
export const VERIFY_TTL_MS = 48 * 60 * 60_000;
/** At most one reset (or verification) mail per account in each window of this length: a form cannot bomb a mailbox. */
export const MAIL_WINDOW_MS = 5 * 60_000;

const windowOf = (now: Date) => Math.floor(now.getTime() / MAIL_WINDOW_MS);

/**
 * "Forgot your password?": mails a reset link if the address has an account, nothing otherwise. The
 * caller answers the same either way and runs this after answering (sendInBackground), so the time
 * of the answer does not tell either. Returns what happened, for tests and logs only.
 */
export async function requestPasswordReset(email: string, now = new Date()): Promise<"sent" | "no-account" | "already-sent"> {
  const user = await findUserByEmail(email);
  if (!user) return "no-account";
  const profile = (await getMailProfile(user._id))!;
  const token = await issueToken("reset-password", profile, RESET_TTL_MS, now);
  const url = appLink(`/reset-password/${token}`);
  const locale = profile.locale;
  const t = (key: string, values?: Record<string, string | number>) => mailText(locale, key, values);
  const mail = renderMail(locale, {
    subject: t("reset.subject"),
    name: profile.name,
    blocks: [{ paragraph: t("reset.intro", { email: profile.email }) }, { action: { label: t("reset.action"), url } }, { paragraph: t("reset.expires", { minutes: RESET_TTL_MS / 60_000 }) }, { small: t("reset.ignore") }],
  });
  // One per account per window: a second request within it mails nothing (its token is never known to anyone).
  const result = await sendMail({ id: `reset:${profile.id}:${windowOf(now)}`, kind: "reset-password", to: profile.email, userId: profile.id, locale, ...mail, secrets: [token] });
  return result === "duplicate" ? "already-sent" : "sent";
}

/** What the reset page may show for a token: whose account, or why not. */
export async function checkResetToken(token: string, now = new Date()): Promise<{ ok: true; email: string } | { ok: false; reason: "unknown" | "expired" | "used" }> {
  const check = await checkToken("reset-password", token, now);
  if (!check.ok) return check;
  const profile = await getMailProfile(check.token.userId);
  return profile ? { ok: true, email: profile.email } : { ok: false, reason: "unknown" };
}

/**
 * Sets the new password (already hashed) if the token is still good, uses the token up, ends every
 * session of the account, and counts the address as verified (the link proved it). The person is
 * signed in by the reset itself, so no login limit stands in the way (decision 0021). Returns the user's id for a fresh session, or why nothing was changed.
 */
export async function completePasswordReset(token: string, passwordHash: string, now = new Date()): Promise<{ ok: true; userId: string } | { ok: false; reason: "unknown" | "expired" | "used" }> {
  const check = await checkToken("reset-password", token, now);
  if (!check.ok) return check;
  if (!(await spendToken(check.token, now))) return { ok: false, reason: "used" };
  const userId = check.token.userId;
  await setPasswordHash(userId, passwordHash);
  await deleteSessionsOfUser(userId);
  await markEmailVerified(userId, check.token.email, now);
  return { ok: true, userId: String(userId) };
}

/**
 * Mails a verification link to the account's address (at registration, and "send again" on /account).
 * One per account per window; nothing for an address already verified.
 */
export async function sendVerificationMail(userId: string, now = new Date()): Promise<"sent" | "already-verified" | "already-sent" | "no-account"> {
  const profile = await getMailProfile(userId);
  if (!profile) return "no-account";
  if (profile.emailVerified) return "already-verified";
  const token = await issueToken("verify-email", profile, VERIFY_TTL_MS, now);
  const locale = profile.locale;
  const t = (key: string, values?: Record<string, string | number>) => mailText(locale, key, values);
  const mail = renderMail(locale, {
    subject: t("verify.subject"),
    name: profile.name,
    blocks: [{ paragraph: t("verify.intro", { email: profile.email }) }, { action: { label: t("verify.action"), url: appLink(`/verify-email/${token}`) } }, { paragraph: t("verify.expires", { hours: VERIFY_TTL_MS / 3_600_000 }) }, { small: t("verify.ignore") }],
  });
  const result = await sendMail({ id: `verify:${profile.id}:${windowOf(now)}`, kind: "verify-email", to: profile.email, userId: profile.id, locale, ...mail, secrets: [token] });
  return result === "duplicate" ? "already-sent" : "sent";
}

/** Follows a verification link: the address is verified if the account still has it. */
export async function verifyEmail(token: string, now = new Date()): Promise<{ ok: true; email: string } | { ok: false; reason: "unknown" | "expired" | "used" | "changed" }> {
  const check = await checkToken("verify-email", token, now);
  if (!check.ok) return check;
  if (!(await spendToken(check.token, now))) return { ok: false, reason: "used" };
  if (!(await markEmailVerified(check.token.userId, check.token.email, now))) return { ok: false, reason: "changed" };
  return { ok: true, email: check.token.email };
}
