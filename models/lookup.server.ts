import mongoose, { Schema, type Types } from "mongoose";
import { upsertAgainIfRaced } from "./duplicate-key";
import { readById } from "./read-by-id";

/**
 * Key documents: a record found by something other than its `_id` (a pledge by its reference, a
 * programme by its slug, a donor's pledges) is found through a document whose `_id` is that key,
 * e.g. `_id: "pledge-ref:GS-7K2M9Q"` → `{ ids: [<pledge id>] }`. A read by `_id` is the one lookup the
 * embedded database (FerretDB on SQLite) serves from an index; on MongoDB it is the `_id` index.
 * See docs/decisions/0011-embedded-database-at-scale.md.
 *
 * A key document is a cache of the records it points at, never the truth: a writer inserts the record
 * first and the key after it, and a reader that finds no key (a crash between the two, data written
 * before keys existed) falls back to the query on the record's own field and writes the key it found.
 */
export const LOOKUP_KINDS = ["programme-slug", "institution-slug", "pledge-ref", "donor-pledges", "user-pledges", "programme-expenditures", "user-data-requests", "gift-day-amount"] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

const lookupSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The records the key points at, oldest first. One for a unique key (slug, reference). */
    ids: { type: [Schema.Types.ObjectId], default: [] },
    /** A capped list key that refused ids (the gifts of one day and amount past the cap; services/transparency/find-by-amount.ts). */
    full: { type: Boolean },
  },
  { versionKey: false },
);

type LookupDoc = { _id: string; ids: Types.ObjectId[]; full?: boolean };
export const Lookup = (mongoose.models.Lookup as mongoose.Model<LookupDoc> | undefined) ?? mongoose.model<LookupDoc>("Lookup", lookupSchema);

export function lookupKey(kind: LookupKind, value: string | Types.ObjectId): string {
  return `${kind}:${String(value)}`;
}

/** The ids a key points at (empty when there is no key document). One read by `_id`. */
export async function findLookup(kind: LookupKind, value: string | Types.ObjectId): Promise<Types.ObjectId[]> {
  const doc = await readById<{ ids?: Types.ObjectId[] }>(Lookup, lookupKey(kind, value), "ids");
  return doc?.ids ?? [];
}

async function upsertById(id: string, update: Record<string, unknown>) {
  await upsertAgainIfRaced(() => Lookup.updateOne({ _id: id }, update, { upsert: true }));
}

/** Points a unique key (a slug, a reference) at one record, replacing what it pointed at. Idempotent. */
export async function setLookup(kind: LookupKind, value: string | Types.ObjectId, id: Types.ObjectId | string) {
  await upsertById(lookupKey(kind, value), { $set: { ids: [new mongoose.Types.ObjectId(String(id))] } });
}

/** Adds a record to a list key (a donor's pledges). Idempotent: an id already there is not added again. */
export async function addToLookup(kind: LookupKind, value: string | Types.ObjectId, id: Types.ObjectId | string) {
  await upsertById(lookupKey(kind, value), { $addToSet: { ids: new mongoose.Types.ObjectId(String(id)) } });
}

/** Removes a record from a list key (a draft deleted). */
export async function removeFromLookup(kind: LookupKind, value: string | Types.ObjectId, id: Types.ObjectId | string) {
  await Lookup.updateOne({ _id: lookupKey(kind, value) }, { $pull: { ids: new mongoose.Types.ObjectId(String(id)) } });
}

/** Removes a key (a slug no longer in use). */
export async function removeLookup(kind: LookupKind, value: string | Types.ObjectId) {
  await Lookup.deleteOne({ _id: lookupKey(kind, value) });
}
