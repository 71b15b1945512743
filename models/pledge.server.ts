import { randomBytes } from "node:crypto";
import mongoose, { Schema, type HydratedDocument, type InferSchemaType, type Types } from "mongoose";
import { upsertAgainIfRaced } from "./duplicate-key";
import { currency, objectId, vnd } from "./fields";
import { findLookup, Lookup, lookupKey, setLookup } from "./lookup.server";

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
    /** ISO 3166-1 alpha-2; null on records from before countries were kept (Việt Nam). */
    country: { type: String, trim: true, maxlength: 2, default: null },
    /** An organisation abroad: its registration or tax number in its own country. */
    registrationNumber: { type: String, trim: true, maxlength: 40, default: null },
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
    /** What the books say was paid on it: a copy of its running total (services/money/projections.ts), never written by hand. */
    paidTotal: vnd({ default: 0 }),
    /** The sequence (in its institution's chain) of the last entry paidTotal and the instalments reflect (an older copy never overwrites a newer one). */
    paidThrough: { type: Number, default: 0 },
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

// ───────────────────────── key lookups (see models/lookup.server.ts) ─────────────────────────
//
// The embedded database serves only a read by `_id` from an index, so the hot reads of pledges go
// through key documents: "pledge-ref:<REFERENCE>" → the pledge, "user-pledges:<user id>" → the pledges
// that user's account page lists. A key is a cache, never the truth: a pledge is read by the id the key
// gives and checked against what was asked; without a usable key the old query answers and the key is
// written from what it found.

/** Reads by `_id` run this many at a time (one connection each). */
const PARALLEL_READS = 32;

async function inBatches<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL_READS) out.push(...(await Promise.all(items.slice(i, i + PARALLEL_READS).map(read))));
  return out;
}

/** How a reference is compared: trimmed, upper case. Null when it cannot be any pledge's (nothing to read). */
export function normalisedPledgeReference(reference: string): string | null {
  const ref = reference.trim().toUpperCase();
  return PLEDGE_REFERENCE_SHAPE.test(ref) ? ref : null;
}

type ByReference<T> = (filter: { _id: Types.ObjectId } | { reference: string }) => Promise<T | null>;

/**
 * A pledge by its reference, read with `read` (lean, hydrated, a projection that keeps `reference`):
 * the key "pledge-ref:<REF>" then the pledge by `_id`; the query on `reference` only when there is no key
 * (a pledge stored before keys, or a crash between the pledge and its key) or it is stale — then the key
 * is written. A reference no pledge has is answered by that query each time.
 */
async function byReference<T extends { _id: Types.ObjectId; reference: string }>(reference: string, read: ByReference<T>): Promise<T | null> {
  const ref = normalisedPledgeReference(reference);
  if (!ref) return null;
  const [id] = await findLookup("pledge-ref", ref);
  if (id) {
    const pledge = await read({ _id: id });
    if (pledge && pledge.reference === ref) return pledge;
  }
  const pledge = await read({ reference: ref });
  if (pledge) await setLookup("pledge-ref", ref, pledge._id);
  return pledge;
}

/** A pledge by its reference (lean), through its key. */
export async function findPledgeByReference(reference: string) {
  return byReference<PledgeDoc>(reference, (filter) => Pledge.findOne(filter).lean<PledgeDoc>());
}

/** A pledge by its reference as a document to change and save, through its key. */
export async function findPledgeDocumentByReference(reference: string) {
  return byReference<HydratedDocument<PledgeDoc>>(reference, (filter) => Pledge.findOne(filter));
}

/**
 * Pledges by reference, many at once (a bank statement's candidates): one key read and one `_id` read per
 * reference, and at most one query on `reference` for all those without a usable key (then their keys
 * are written). Keyed by reference; a reference no pledge has is absent.
 */
export async function findPledgesByReferences(references: readonly string[]): Promise<Map<string, PledgeDoc>> {
  const refs = [...new Set(references.map(normalisedPledgeReference).filter((ref): ref is string => ref !== null))];
  const found = new Map<string, PledgeDoc>();
  const missing: string[] = [];
  await inBatches(refs, async (ref) => {
    const [id] = await findLookup("pledge-ref", ref);
    const pledge = id ? await Pledge.findById(id).lean<PledgeDoc>() : null;
    if (pledge && pledge.reference === ref) found.set(ref, pledge);
    else missing.push(ref);
  });
  if (missing.length > 0) {
    const pledges = await Pledge.find({ reference: { $in: missing } }).lean<PledgeDoc[]>();
    await inBatches(pledges, async (pledge) => {
      found.set(pledge.reference, pledge);
      await setLookup("pledge-ref", pledge.reference, pledge._id);
    });
  }
  return found;
}

/** Writes a new pledge's reference key (right after the pledge is stored). */
export async function notePledgeReference(pledge: { _id: Types.ObjectId; reference: string }) {
  await setLookup("pledge-ref", pledge.reference, pledge._id);
}

/**
 * In a "user-pledges" key, marks a list that may lack the user's pledges stored before keys existed:
 * the first pledge made through the service creates the key with this mark (it does not scan for older
 * ones), and the account page's next read completes it from the old query and removes the mark.
 * Never a pledge's id (an ObjectId of all zeros).
 */
const INCOMPLETE = new mongoose.Types.ObjectId("000000000000000000000000");

/**
 * Adds a pledge to the list of its user's pledges — before the pledge is stored, with the id it will
 * have, so a crash in between leaves an id that reads nothing (skipped), never a pledge missing from the
 * list. A list that did not exist yet is created marked incomplete (see INCOMPLETE).
 */
export async function notePledgeOfUser(userId: string | Types.ObjectId, pledgeId: Types.ObjectId) {
  const _id = lookupKey("user-pledges", userId);
  await upsertAgainIfRaced(() => Lookup.updateOne({ _id }, { $setOnInsert: { ids: [INCOMPLETE] } }, { upsert: true }));
  await Lookup.updateOne({ _id }, { $addToSet: { ids: pledgeId } });
}

/** The ids listed for a user's pledges, or null when there is no complete list (read the old way, then completeUserPledges). */
export async function userPledgeIds(userId: string | Types.ObjectId): Promise<Types.ObjectId[] | null> {
  const doc = await Lookup.findById(lookupKey("user-pledges", userId)).lean();
  if (!doc || doc.ids.some((id) => INCOMPLETE.equals(id))) return null;
  return doc.ids;
}

/**
 * Completes a user's list with the pledges the old query found (the pledges added since by
 * notePledgeOfUser stay: nothing is ever removed but the mark), then removes the incomplete mark.
 */
export async function completeUserPledges(userId: string | Types.ObjectId, pledgeIds: readonly Types.ObjectId[]) {
  const _id = lookupKey("user-pledges", userId);
  const ordered = [...pledgeIds].sort((a, b) => String(a).localeCompare(String(b)));
  await upsertAgainIfRaced(() => Lookup.updateOne({ _id }, { $addToSet: { ids: { $each: ordered } } }, { upsert: true }));
  await Lookup.updateOne({ _id }, { $pull: { ids: INCOMPLETE } });
}

/** Pledges by their ids, each read by `_id` (a few at a time; `$in` is a scan on the embedded database). Missing ones are left out. */
export async function findPledgesByIds(ids: readonly Types.ObjectId[]): Promise<PledgeDoc[]> {
  const pledges = await inBatches(ids, (id) => Pledge.findById(id).lean<PledgeDoc>());
  return pledges.filter((pledge): pledge is PledgeDoc => pledge !== null);
}
