import mongoose, { Schema } from "mongoose";
import { upsertAgainIfRaced } from "./duplicate-key";

/**
 * Money events that were decided and booked nothing, by their idempotency key: a refund or card dispute
 * that arrived when nothing was left of its gift, a reinstatement of a reversal that took nothing. The
 * ledger holds no entry for them, so without this record a retry of the same event (Stripe delivering
 * it again) would be decided afresh — and could book money the first decision did not, once the gift had
 * money back. One document per key (`_id`), written once, read by `_id`.
 */
const nothingBookedSchema = new Schema(
  {
    _id: { type: String, required: true },
    decidedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

type NothingBookedDoc = { _id: string; decidedAt: Date };
export const NothingBooked =
  (mongoose.models.NothingBooked as mongoose.Model<NothingBookedDoc> | undefined) ?? mongoose.model<NothingBookedDoc>("NothingBooked", nothingBookedSchema, "nothingbooked");

/** Whether the event with this key was decided before and booked nothing. One read by `_id`. */
export async function bookedNothing(idempotencyKey: string): Promise<boolean> {
  return Boolean(await NothingBooked.exists({ _id: idempotencyKey }));
}

/** Records that the event with this key booked nothing (idempotent). */
export async function recordBookedNothing(idempotencyKey: string, at = new Date()): Promise<void> {
  await upsertAgainIfRaced(() => NothingBooked.updateOne({ _id: idempotencyKey }, { $setOnInsert: { decidedAt: at } }, { upsert: true }));
}
