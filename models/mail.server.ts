import mongoose, { Schema } from "mongoose";
import { isDuplicateKeyError } from "./duplicate-key";

/**
 * Every mail the app sends, recorded before it is handed to SMTP (or, without SMTP outside production,
 * kept here as the demo outbox: services/mail). `_id` is chosen by the sender: deterministic where a mail
 * must go once (`reminder:<pledge>:<instalment>:<kind>`, `reset:<user>:<window>`), so recording it is
 * the claim — an insert that only one sender wins, on MongoDB and on FerretDB alike.
 */
export const MAIL_STATUSES = ["outbox", "sending", "sent", "failed"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

const mailSchema = new Schema(
  {
    _id: { type: String, required: true, maxlength: 200 },
    kind: { type: String, required: true, maxlength: 40 },
    to: { type: String, required: true, maxlength: 254 },
    userId: { type: Schema.Types.ObjectId, ref: "User", default: null },
    locale: { type: String, enum: ["vi", "en"], required: true },
    subject: { type: String, required: true, maxlength: 300 },
    text: { type: String, required: true },
    html: { type: String, required: true },
    headers: { type: Map, of: String, default: {} },
    /** outbox: kept here, not sent (no SMTP: demo, development, test); sending → sent | failed over SMTP. */
    status: { type: String, enum: MAIL_STATUSES, required: true },
    sentAt: { type: Date, default: null },
    error: { type: String, default: null, maxlength: 1000 },
  },
  { timestamps: true, versionKey: false },
);
mailSchema.index({ createdAt: -1 });

export type MailDoc = {
  _id: string;
  kind: string;
  to: string;
  userId: mongoose.Types.ObjectId | null;
  locale: "vi" | "en";
  subject: string;
  text: string;
  html: string;
  headers: Map<string, string> | Record<string, string>;
  status: MailStatus;
  sentAt: Date | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
};
export const Mail = (mongoose.models.Mail as mongoose.Model<MailDoc> | undefined) ?? mongoose.model<MailDoc>("Mail", mailSchema);

/** Records a mail; false when a mail with this `_id` is already recorded (it was sent, or is being sent, by someone else). */
export async function recordMail(mail: Omit<MailDoc, "createdAt" | "updatedAt" | "sentAt" | "error">): Promise<boolean> {
  try {
    await Mail.create(mail);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

export async function markMail(id: string, update: { status: MailStatus; sentAt?: Date | null; error?: string | null }) {
  await Mail.updateOne({ _id: id }, { $set: update });
}

export async function latestMails(limit = 50) {
  return Mail.find({}).sort({ createdAt: -1 }).limit(limit).lean<MailDoc[]>();
}

export async function findMail(id: string) {
  return Mail.findById(id).lean<MailDoc>();
}
