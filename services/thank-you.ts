import type { Types } from "mongoose";
import { Donation } from "#models/donation.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { Institution } from "#models/institution.server";
import { getMailProfile } from "#models/user.server";
import { formatDate, formatVnd } from "./format";
import { paidInLine, type CardCurrency } from "./currencies";
import { appLink, mailConfig, sendInBackground, sendMail, type SendResult } from "./mail";
import { mailText, renderMail } from "./mail/templates";

/**
 * The thank-you letter for a confirmed gift towards a pledge (issue 13): to the person who made the
 * pledge, in the language they chose (their account's, which the language switch keeps), with their
 * receipt's PDF in that language and — for English — the Vietnamese original beside it. Sent once per
 * gift (the mail's `_id` is its receipt number); only to a confirmed address, as reminders are.
 */
export async function sendThankYouLetter(donationId: Types.ObjectId | string): Promise<SendResult | "no-recipient"> {
  const gift = await Donation.findById(donationId).select("pledgeId programmeId institutionId receiptNumber amount receivedAt paidIn").lean();
  if (!gift?.pledgeId) return "no-recipient";
  const pledge = await Pledge.findById(gift.pledgeId).select("pledgedBy reference").lean();
  const recipient = pledge?.pledgedBy ? await getMailProfile(pledge.pledgedBy) : null;
  if (!pledge || !recipient?.emailVerified) return "no-recipient";
  const [programme, institution] = await Promise.all([Programme.findById(gift.programmeId).select("title").lean(), Institution.findById(gift.institutionId).select("name").lean()]);
  const locale = recipient.locale;
  const t = (key: string, values?: Record<string, string | number>) => mailText(locale, `thanks.${key}`, values);
  const values = { programme: programme?.title ?? "", institution: institution?.name ?? "", number: gift.receiptNumber, amount: formatVnd(gift.amount, locale), reference: pledge.reference };
  const rows: Array<[string, string]> = [
    [t("amount"), formatVnd(gift.amount, locale)],
    ...(gift.paidIn ? [[t("charged"), paidInLine({ currency: gift.paidIn.currency as CardCurrency, amount: gift.paidIn.amount, exchangeRate: gift.paidIn.exchangeRate }, locale)] as [string, string]] : []),
    [t("receivedAt"), formatDate(gift.receivedAt, locale)],
    [t("reference"), pledge.reference],
    [t("receipt"), gift.receiptNumber],
  ];
  const pdf = `/receipts/${gift.receiptNumber}/pdf`;
  const mail = renderMail(locale, {
    subject: t("subject", values),
    name: recipient.name,
    blocks: [
      { paragraph: t("intro", values) },
      { facts: { title: t("factsTitle"), rows } },
      { action: { label: t("action"), url: appLink(locale === "en" ? `${pdf}?lang=en` : pdf) } },
      ...(locale === "en" ? [{ small: t("original"), url: appLink(pdf) }] : []),
      { small: t("check"), url: appLink(`/receipts/${gift.receiptNumber}`) },
    ],
  });
  return sendMail({ id: `thanks:${gift.receiptNumber}`, kind: "thank-you", to: recipient.email, userId: recipient.id, locale, ...mail });
}

/** Thank-you letters for gifts just booked, one after the other after the response (a statement may book many). */
export function sendThankYouLetters(donationIds: Array<Types.ObjectId | string>): void {
  // No mail configured (a script, the benchmark): no letters.
  if (donationIds.length === 0 || !mailConfig()) return;
  sendInBackground(async () => {
    for (const id of donationIds) await sendThankYouLetter(id);
  });
}
