import { createHash } from "node:crypto";
import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { FOREIGN_CARD_CURRENCIES } from "#services/currencies";
import { currency, objectId, vnd } from "./fields";
import { donorSnapshotSchema } from "./pledge.server";
import { Projection, decodeRecentGifts, hasLegacyIds, objectIdFromName, projectionKey } from "./projection.server";

export const DONATION_METHODS = ["card", "bank_transfer", "cash", "in_kind", "volunteer_hours"] as const;
export type DonationMethod = (typeof DONATION_METHODS)[number];

/** Default receipt number derived from the idempotency key, so it is always present and stable on retry. */
export function receiptNumberFor(idempotencyKey: string): string {
  return `R-${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 16).toUpperCase()}`;
}

const inKindItemSchema = new Schema(
  {
    item: { type: String, required: true, trim: true, maxlength: 200 },
    quantity: {
      type: Number,
      required: true,
      validate: { validator: (v: number) => Number.isSafeInteger(v) && v > 0, message: "Số lượng phải là số nguyên dương (quantity must be a positive whole number)" },
    },
    unitValue: vnd(),
    /** Goods declared abroad: the unit's value in the declared currency's minor units (`unitValue` is its đồng). */
    declaredUnitValue: { type: Number, validate: { validator: (v: number | null | undefined) => v == null || (Number.isSafeInteger(v) && v > 0), message: "Giá trị khai báo phải là số nguyên dương (declared value in minor units)" } },
  },
  { _id: false },
);

/** The rate a manager converted goods declared in another currency at (issue 13): đồng per unit, its day and source. */
const declaredInSchema = new Schema(
  {
    currency: { type: String, enum: FOREIGN_CARD_CURRENCIES, required: true },
    rate: { type: Number, required: true, min: 0 },
    rateDate: { type: Date, required: true },
    rateSource: { type: String, required: true, trim: true, maxlength: 200 },
  },
  { _id: false },
);

const donationSchema = new Schema(
  {
    /** E.g. the Stripe event/checkout id, or a hash of the bank statement line: the same payment is counted once. */
    idempotencyKey: { type: String, required: true, trim: true, maxlength: 200 },
    pledgeId: { type: objectId, ref: "Pledge", default: null },
    programmeId: { type: objectId, ref: "Programme", required: true },
    institutionId: { type: objectId, ref: "Institution", required: true },
    /** Null for an anonymous walk-in gift. */
    donorId: { type: objectId, ref: "Donor", default: null },
    method: { type: String, enum: DONATION_METHODS, required: true },
    amount: vnd(),
    currency,
    receivedAt: { type: Date, required: true },
    /** Bank-transfer description / pledge reference / cash voucher number. */
    reference: { type: String, trim: true, maxlength: 200, default: null },
    provider: {
      name: { type: String, trim: true, maxlength: 40, default: null },
      paymentIntentId: { type: String, trim: true, maxlength: 200, default: null },
      checkoutSessionId: { type: String, trim: true, maxlength: 500, default: null },
    },
    /**
     * A card gift paid in another currency (issue 13): what the donor's card was charged (in the currency's
     * minor unit) and the rate Stripe applied to settle it in đồng (its balance transaction's
     * `exchange_rate`: đồng for one unit of the currency). `amount` above is the đồng settled — what the
     * books count; a refund reverses its share of that, whatever the rate is later.
     */
    paidIn: {
      type: new Schema(
        {
          currency: { type: String, enum: FOREIGN_CARD_CURRENCIES, required: true },
          amount: { type: Number, required: true, validate: { validator: (v: number) => Number.isSafeInteger(v) && v > 0, message: "amount must be a positive whole number of minor units" } },
          exchangeRate: { type: Number, required: true, min: 0 },
          balanceTransactionId: { type: String, trim: true, maxlength: 200, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    /** GridFS file ids (transfer slips, photos, hand-over minutes). */
    evidenceFileIds: { type: [objectId], default: [] },
    inKind: {
      items: { type: [inKindItemSchema], default: [] },
      valuationBasis: { type: String, trim: true, maxlength: 1000, default: null },
      declaredIn: { type: declaredInSchema, default: null },
    },
    /** For volunteer expert hours: what the amount is made of (hours × the declared value of an hour). */
    volunteerHours: {
      type: new Schema({ hours: { type: Number, required: true, min: 0, max: 100000 }, ratePerHour: vnd(), mode: { type: String, enum: ["in_person", "remote"], default: "in_person" } }, { _id: false }),
      default: null,
    },
    receiptNumber: { type: String, required: true, trim: true, maxlength: 40 },
    /** The manager who recorded it; null when confirmed by a webhook. */
    recordedBy: { type: objectId, ref: "User", default: null },
    /** The donor as they were when the gift was confirmed: what its receipt and the public ledger show. */
    donorSnapshot: { type: donorSnapshotSchema, default: null },
  },
  { timestamps: true },
);

donationSchema.pre("validate", function () {
  if (!this.receiptNumber && this.idempotencyKey) this.receiptNumber = receiptNumberFor(this.idempotencyKey);
  // Found by `_id` from its key or its receipt number (donationIdForReceipt, below).
  if (this.isNew && this.receiptNumber) this._id = donationIdForReceipt(this.receiptNumber);
});

donationSchema.index({ idempotencyKey: 1 }, { unique: true });
donationSchema.index({ receiptNumber: 1 }, { unique: true });
donationSchema.index({ programmeId: 1, receivedAt: -1 });
donationSchema.index({ institutionId: 1, receivedAt: -1 });
donationSchema.index({ donorId: 1, receivedAt: -1 });
donationSchema.index({ pledgeId: 1 });
donationSchema.index({ "provider.paymentIntentId": 1 });
// The sweeper's read of gifts written since its last sweep (on MongoDB; a scan on the embedded database).
donationSchema.index({ createdAt: 1 });

export type DonationDoc = InferSchemaType<typeof donationSchema> & { _id: Types.ObjectId };
export const Donation = (mongoose.models.Donation as mongoose.Model<DonationDoc> | undefined) ?? mongoose.model<DonationDoc>("Donation", donationSchema);

/**
 * A gift's `_id` follows from its receipt number, which follows from its idempotency key: the gift is
 * found by either with one read by `_id` (decision 0011). Gifts stored before this have random ids;
 * the finders below fall back to the query on the field for them.
 */
export function donationIdForReceipt(receiptNumber: string): Types.ObjectId {
  return objectIdFromName(`donation:${receiptNumber}`);
}
export function donationIdFor(idempotencyKey: string): Types.ObjectId {
  return donationIdForReceipt(receiptNumberFor(idempotencyKey));
}

export async function findDonationByIdempotencyKey(idempotencyKey: string) {
  const found = await Donation.findById(donationIdFor(idempotencyKey)).lean();
  return found ?? ((await hasLegacyIds()) ? Donation.findOne({ idempotencyKey }).lean() : null);
}

export async function findDonationByReceiptNumber(receiptNumber: string) {
  const found = await Donation.findById(donationIdForReceipt(receiptNumber)).lean();
  return found ?? ((await hasLegacyIds()) ? Donation.findOne({ receiptNumber }).lean() : null);
}

/**
 * A pledge's gifts, oldest first (by when they were recorded): their ids are kept in the pledge's paid
 * total ("paid:<pledge>", counted from the ledger), then each gift is read by `_id`. In a database from
 * before that, the query on pledgeId.
 */
export async function findGiftsOfPledge(pledgeId: Types.ObjectId | string): Promise<DonationDoc[]> {
  return (await giftsOfPledgeWith(pledgeId)).gifts;
}

/** The same, with `alongside` read side by side with the paid total (find my gift reads the pledge so: one round fewer). */
export async function giftsOfPledgeWith<T = null>(pledgeId: Types.ObjectId | string, alongside?: () => Promise<T>): Promise<{ gifts: DonationDoc[]; alongside: T | null }> {
  const [paid, read] = await Promise.all([Projection.findById(projectionKey("paid", pledgeId)).select("recent").lean(), alongside ? alongside() : null]);
  const gifts = paid
    ? (await Promise.all(decodeRecentGifts(paid.recent).map((g) => Donation.findById(g.id).lean()))).filter((g): g is NonNullable<typeof g> => g !== null)
    : (await hasLegacyIds())
      ? await Donation.find({ pledgeId }).lean()
      : [];
  return { gifts: gifts.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || String(a._id).localeCompare(String(b._id))), alongside: read };
}
