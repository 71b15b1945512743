/**
 * Pledge reminders (decision 0019), sent by the sweeper's daily pass: for each unpaid instalment of an
 * open instalment pledge, one mail when it is due within REMIND_DAYS_BEFORE days (Vietnam's calendar),
 * and one when it has become overdue (for OVERDUE_WINDOW_DAYS after its due day, so a sweeper that was
 * down for a few days still sends it, and the first run on an old database does not mail every
 * instalment ever missed). Each goes to the person who made the pledge, in their language, only if
 * their address is verified and they have not turned reminders off.
 *
 * Exactly once: the mail's `_id` is `reminder:<pledge>:<instalment>:<due|overdue>`, and recording it is
 * an insert that one sender wins — two sweeps, at once or one after the other, send it once.
 */
import type { Types } from "mongoose";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { findMail } from "#models/mail.server";
import { Pledge, type PledgeDoc } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { findBankByBin } from "#models/reference/banks";
import { getMailProfile } from "#models/user.server";
import { vietnamDayNumber } from "./calendar";
import { formatDate, formatVnd } from "./format";
import { appLink, sendMail } from "./mail";
import { mailText, renderMail, type MailBlock } from "./mail/templates";
import { paidOfPledge, pledgeAsOf } from "./money/projections";
import { issueToken } from "./tokens";

export const REMIND_DAYS_BEFORE = 3;
export const OVERDUE_WINDOW_DAYS = 7;
/** How long the "turn reminders off" link in a reminder works. */
export const REMINDERS_OFF_TTL_MS = 90 * 24 * 60 * 60_000;

export type ReminderKind = "due" | "overdue";
export type ReminderReport = { due: number; overdue: number; skipped: number };

export function reminderMailId(pledgeId: Types.ObjectId | string, seq: number, kind: ReminderKind) {
  return `reminder:${String(pledgeId)}:${seq}:${kind}`;
}

/** Which reminder an instalment calls for today, if any (pure). */
export function reminderKindFor(instalment: { dueDate: Date; amount: number; paidAmount: number }, pledgeCreatedAt: Date, now: Date): ReminderKind | null {
  if (instalment.paidAmount >= instalment.amount) return null;
  const daysUntil = vietnamDayNumber(instalment.dueDate) - vietnamDayNumber(now);
  // An instalment due on the day the pledge was made (the first one is): the pledge page just showed how to pay it.
  if (daysUntil >= 0 && daysUntil <= REMIND_DAYS_BEFORE) return vietnamDayNumber(instalment.dueDate) > vietnamDayNumber(pledgeCreatedAt) ? "due" : null;
  if (daysUntil < 0 && -daysUntil <= OVERDUE_WINDOW_DAYS) return "overdue";
  return null;
}

/** The person a pledge's reminders go to: whoever made it, or (older pledges) the owner of its donor record. */
async function recipientOf(pledge: PledgeDoc) {
  let userId: Types.ObjectId | null = pledge.pledgedBy ?? null;
  if (!userId) userId = (await Donor.findById(pledge.donorId).select("userId").lean())?.userId ?? null;
  return userId ? getMailProfile(userId) : null;
}

/** Sends the reminders due today. Idempotent; safe to run from two processes at once. */
export async function sendPledgeReminders(now = new Date()): Promise<ReminderReport> {
  const report: ReminderReport = { due: 0, overdue: 0, skipped: 0 };
  const open = Pledge.find({ kind: "cash_instalments", state: { $in: ["active", "overdue"] } }).lean<PledgeDoc[]>().cursor();
  for await (const stored of open) {
    const paid = typeof stored.paidTotal === "number" ? stored.paidTotal : await paidOfPledge(stored._id);
    if (paid >= stored.amount) continue;
    const pledge = pledgeAsOf(stored, paid, now);
    if (pledge.state === "cancelled" || pledge.state === "fulfilled") continue;
    const wanted = pledge.instalments.flatMap((instalment) => {
      const kind = reminderKindFor(instalment, stored.createdAt, now);
      return kind ? [{ instalment, kind }] : [];
    });
    if (wanted.length === 0) continue;
    const recipient = await recipientOf(stored);
    if (!recipient || !recipient.emailVerified || !recipient.pledgeReminders) {
      report.skipped += wanted.length;
      continue;
    }
    const [programme, institution] = await Promise.all([
      Programme.findById(stored.programmeId).select("title").lean(),
      Institution.findById(stored.institutionId).select("name bankAccount").lean(),
    ]);
    for (const { instalment, kind } of wanted) {
      const id = reminderMailId(stored._id, instalment.seq, kind);
      if (await findMail(id)) continue; // sent already (by an earlier sweep): no token for a mail that will not go
      const locale = recipient.locale;
      const t = (key: string, values?: Record<string, string | number>) => mailText(locale, key, values);
      const remaining = instalment.amount - instalment.paidAmount;
      const values = {
        seq: instalment.seq,
        count: pledge.instalments.length,
        reference: stored.reference,
        programme: programme?.title ?? "",
        institution: institution?.name ?? "",
        date: formatDate(instalment.dueDate, locale),
        amount: formatVnd(remaining, locale),
      };
      const bank = institution?.bankAccount;
      const transfer: MailBlock[] = bank
        ? [
            {
              facts: {
                title: t("reminder.transferTitle"),
                rows: [
                  [t("reminder.bank"), findBankByBin(bank.bankBin)?.shortName ?? bank.bankBin],
                  [t("reminder.account"), bank.accountNumber],
                  [t("reminder.accountName"), bank.accountName],
                  [t("reminder.amount"), formatVnd(remaining, locale)],
                  [t("reminder.description"), stored.reference],
                ],
              },
            },
            { small: t("reminder.qrHint") },
          ]
        : [{ paragraph: t("reminder.noBank") }];
      const offToken = await issueToken("reminders-off", recipient, REMINDERS_OFF_TTL_MS, now);
      const offUrl = appLink(`/reminders/off/${offToken}`);
      const mail = renderMail(locale, {
        subject: t(kind === "due" ? "reminder.dueSubject" : "reminder.overdueSubject", values),
        name: recipient.name,
        blocks: [
          { paragraph: t(kind === "due" ? "reminder.dueIntro" : "reminder.overdueIntro", values) },
          ...transfer,
          { action: { label: t("reminder.action"), url: appLink(`/pledges/${stored.reference}`) } },
          { small: t("reminder.paidAlready") },
          { small: t("reminder.off"), url: offUrl },
        ],
      });
      const result = await sendMail({
        id,
        kind: `reminder-${kind}`,
        to: recipient.email,
        userId: recipient.id,
        locale,
        ...mail,
        // One-click unsubscribe (RFC 8058): the mail client POSTs to the link.
        headers: { "List-Unsubscribe": `<${offUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
        secrets: [offToken],
      });
      if (result !== "duplicate") report[kind] += 1;
    }
  }
  return report;
}
