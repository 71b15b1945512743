import { randomBytes } from "node:crypto";
import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { currency, objectId, vnd } from "./fields";

export const PLEDGE_KINDS = ["cash_once", "cash_instalments", "in_kind", "volunteer_hours"] as const;
export type PledgeKind = (typeof PLEDGE_KINDS)[number];
export const PLEDGE_STATES = ["active", "fulfilled", "overdue", "cancelled"] as const;
export type PledgeState = (typeof PLEDGE_STATES)[number];
export const INSTALMENT_STATUSES = ["pending", "paid", "overdue"] as const;
export type InstalmentStatus = (typeof INSTALMENT_STATUSES)[number];
/** How a donor appears publicly. Default anonymous ("Nhà hảo tâm") until they opt in (Law 91/2025/QH15). */
export const VISIBILITIES = ["name_and_amount", "name_only", "anonymous"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Pledge references travel in bank-transfer descriptions (≤ 25 ASCII chars, VietQR tag 62-08). */
export const PLEDGE_REFERENCE_SHAPE = /^[A-Z0-9]{4,20}$/;
const CROCKFORD_BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** "GS" + 8 random Crockford base32 characters (no I, L, O, U), e.g. "GS7K2M9QXA". */
export function newPledgeReference(): string {
  const bytes = randomBytes(8);
  let out = "GS";
  for (const b of bytes) out += CROCKFORD_BASE32[b & 31];
  return out;
}

const positiveInteger = {
  validator: (v: number) => Number.isSafeInteger(v) && v > 0,
  message: "Phải là số nguyên dương (must be a positive whole number)",
};

const instalmentSchema = new Schema(
  {
    seq: { type: Number, required: true, validate: positiveInteger },
    dueDate: { type: Date, required: true },
    amount: vnd(),
    paidAmount: vnd({ default: 0 }),
    status: { type: String, enum: INSTALMENT_STATUSES, required: true, default: "pending" },
  },
  { _id: false },
);

const inKindItemSchema = new Schema(
  {
    item: { type: String, required: true, trim: true, maxlength: 200 },
    quantity: { type: Number, required: true, validate: positiveInteger },
    unitValue: vnd(),
  },
  { _id: false },
);

const volunteerHoursSchema = new Schema(
  {
    hours: { type: Number, required: true, min: 0, max: 100000 },
    ratePerHour: vnd(),
  },
  { _id: false },
);

const consentSchema = new Schema(
  {
    /** The exact wording the donor agreed to. */
    text: { type: String, required: true, trim: true, maxlength: 2000 },
    givenAt: { type: Date, required: true },
    withdrawnAt: { type: Date, default: null },
  },
  { _id: false },
);

/**
 * Who gave, as the donor typed it when pledging (or as the records said when a gift was confirmed):
 * a receipt is a record of that moment, so later edits of the donor's profile never change it. Only an
 * erasure request (Law 91/2025/QH15) anonymises it.
 */
export const donorSnapshotSchema = new Schema(
  {
    kind: { type: String, enum: ["organisation", "individual"], required: true },
    name: { type: String, trim: true, maxlength: 200, default: null },
    taxCode: { type: String, trim: true, maxlength: 20, default: null },
    address: { type: String, trim: true, maxlength: 300, default: null },
    representative: { type: String, trim: true, maxlength: 120, default: null },
  },
  { _id: false },
);

const pledgeSchema = new Schema(
  {
    reference: { type: String, required: true, trim: true, uppercase: true, match: PLEDGE_REFERENCE_SHAPE, default: newPledgeReference },
    programmeId: { type: objectId, ref: "Programme", required: true },
    institutionId: { type: objectId, ref: "Institution", required: true },
    donorId: { type: objectId, ref: "Donor", required: true },
    kind: { type: String, enum: PLEDGE_KINDS, required: true },
    /** Total declared value in đồng (cash, in-kind valuation, or hours × rate). */
    amount: vnd(),
    currency,
    instalments: { type: [instalmentSchema], default: [] },
    inKindItems: { type: [inKindItemSchema], default: [] },
    volunteerHours: { type: volunteerHoursSchema, default: null },
    visibility: { type: String, enum: VISIBILITIES, required: true, default: "anonymous" },
    /** Consent to publish an individual's name/amount (null when none was asked or given). */
    consent: { type: consentSchema, default: null },
    /** The signed-in person who made the pledge (for an organisation, one of possibly many who act for it). */
    pledgedBy: { type: objectId, ref: "User", default: null },
    /** The donor's details as typed on this pledge (several people may pledge for one organisation). */
    donorSnapshot: { type: donorSnapshotSchema, default: null },
    state: { type: String, enum: PLEDGE_STATES, required: true, default: "active" },
    cancelledReason: { type: String, trim: true, maxlength: 1000, default: null },
    cancelledBy: { type: objectId, ref: "User", default: null },
    cancelledAt: { type: Date, default: null },
  },
  { timestamps: true },
);

pledgeSchema.pre("validate", function () {
  if (this.kind === "cash_instalments") {
    const sum = this.instalments.reduce((total, i) => total + (i.amount ?? 0), 0);
    if (this.instalments.length === 0 || sum !== this.amount) {
      this.invalidate("instalments", "Tổng các đợt phải bằng số tiền cam kết (instalments must add up to the pledged amount)", sum);
    }
  } else if (this.instalments.length > 0) {
    this.invalidate("instalments", "Chỉ cam kết trả góp mới có các đợt (only instalment pledges have instalments)", this.instalments.length);
  }
});

pledgeSchema.index({ reference: 1 }, { unique: true });
pledgeSchema.index({ programmeId: 1, state: 1 });
pledgeSchema.index({ institutionId: 1, state: 1 });
pledgeSchema.index({ donorId: 1, createdAt: -1 });
pledgeSchema.index({ pledgedBy: 1, createdAt: -1 });
pledgeSchema.index({ state: 1, "instalments.dueDate": 1 });

export type PledgeDoc = InferSchemaType<typeof pledgeSchema> & { _id: Types.ObjectId };
export const Pledge = (mongoose.models.Pledge as mongoose.Model<PledgeDoc> | undefined) ?? mongoose.model<PledgeDoc>("Pledge", pledgeSchema);

export async function findPledgeByReference(reference: string) {
  return Pledge.findOne({ reference: reference.trim().toUpperCase() }).lean();
}
