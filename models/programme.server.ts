import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { currency, objectId, searchTextOf, vnd } from "./fields";
import { Projection, isEmbeddedDatabase, projectionKey } from "./projection.server";
import { oneWriter } from "./one-writer";
import { CAMPAIGN_DAY_SLUGS } from "./reference/campaign-days";
import { INSTITUTION_TYPE_SLUGS } from "./reference/institution-types";
import { PROVINCE_SLUGS, provinceName } from "./reference/provinces";
import { THEME_SLUGS } from "./reference/themes";

export const PROGRAMME_STATES = ["draft", "open", "closed"] as const;
export type ProgrammeState = (typeof PROGRAMME_STATES)[number];

const positiveInteger = {
  validator: (v: number) => Number.isSafeInteger(v) && v > 0,
  message: "Số lượng phải là số nguyên dương (quantity must be a positive whole number)",
};

const budgetLineSchema = new Schema(
  {
    code: { type: String, required: true, trim: true, maxlength: 40, match: /^[A-Za-z0-9._-]+$/ },
    label: { type: String, required: true, trim: true, maxlength: 200 },
    amount: vnd(),
  },
  { _id: false },
);

const inKindNeedSchema = new Schema(
  {
    item: { type: String, required: true, trim: true, maxlength: 200 },
    unit: { type: String, required: true, trim: true, maxlength: 40 },
    quantity: { type: Number, required: true, validate: positiveInteger },
    unitValue: vnd(),
  },
  { _id: false },
);

const programmeSchema = new Schema(
  {
    institutionId: { type: objectId, ref: "Institution", required: true },
    slug: { type: String, required: true, trim: true, lowercase: true, maxlength: 120, match: /^[a-z0-9]+(?:-[a-z0-9]+)*$/ },
    title: { type: String, required: true, trim: true, maxlength: 200 },
    summary: { type: String, trim: true, maxlength: 500, default: "" },
    description: { type: String, trim: true, maxlength: 20000, default: "" },
    /** Diacritics-free copy of title, summary, institution name and province name, for search (programmeSearchText). */
    searchText: { type: String, default: "", maxlength: 1000 },
    /** Diacritics-free copy of the title alone, so that title matches rank first. */
    titleSearchText: { type: String, default: "", maxlength: 400 },
    themes: { type: [{ type: String, enum: THEME_SLUGS }], default: [] },
    campaignDays: { type: [{ type: String, enum: CAMPAIGN_DAY_SLUGS }], default: [] },
    startDate: { type: Date, required: true },
    endDate: { type: Date, required: true },
    goal: vnd(),
    currency,
    budgetLines: { type: [budgetLineSchema], default: [] },
    inKindNeeds: { type: [inKindNeedSchema], default: [] },
    /** A GridFS file id. */
    coverImageId: { type: objectId, default: null },
    state: { type: String, enum: PROGRAMME_STATES, required: true, default: "draft" },
    /** Copied from the institution so the catalogue can filter without a join. */
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, required: true },
    institutionType: { type: String, enum: INSTITUTION_TYPE_SLUGS, required: true },
    institutionName: { type: String, trim: true, maxlength: 200, default: "" },
    institutionSlug: { type: String, trim: true, maxlength: 100, default: "" },
    /** Kept equal to the institution's status === "approved" (services/institutions.ts updates it). */
    institutionApproved: { type: Boolean, required: true, default: false },
    /**
     * Rolled-up totals for the catalogue's progress bars and "most needed" sort. Never trusted as
     * the books: services/money/projections.ts keeps them from the ledger and derives them again (idempotent).
     */
    pledgedTotal: vnd({ default: 0 }),
    receivedTotal: vnd({ default: 0 }),
    /** The sequence (in its institution's chain) of the last entry receivedTotal reflects: an older total never overwrites a newer one. */
    receivedThrough: { type: Number, default: 0 },
    publishedAt: { type: Date, default: null },
  },
  { timestamps: true },
);

/**
 * What search reads: the title, summary, the institution's name (copied, decision 0003) and the
 * province's name, diacritics-free; and the title alone, for ranking. Derived on every save and by
 * syncInstitutionCopies when the institution changes — never written by hand.
 */
export function programmeSearchText(p: { title?: string | null; summary?: string | null; institutionName?: string | null; provinceSlug?: string | null }) {
  return {
    searchText: searchTextOf(p.title, p.summary, p.institutionName, provinceName(p.provinceSlug)).slice(0, 1000),
    titleSearchText: searchTextOf(p.title).slice(0, 400),
  };
}

programmeSchema.pre("validate", function () {
  const search = programmeSearchText(this);
  this.searchText = search.searchText;
  this.titleSearchText = search.titleSearchText;
  if (this.startDate && this.endDate && this.endDate.getTime() < this.startDate.getTime()) {
    this.invalidate("endDate", "Ngày kết thúc phải sau ngày bắt đầu (end date must not be before start date)", this.endDate);
  }
  const codes = this.budgetLines.map((line) => line.code);
  if (new Set(codes).size !== codes.length) {
    this.invalidate("budgetLines", "Mã dòng ngân sách bị trùng (budget line codes must be unique)", codes.join(","));
  }
});

programmeSchema.index({ slug: 1 }, { unique: true });
programmeSchema.index({ state: 1, provinceSlug: 1, institutionType: 1, endDate: 1 });
programmeSchema.index({ themes: 1 });
programmeSchema.index({ campaignDays: 1 });
programmeSchema.index({ endDate: 1 });
programmeSchema.index({ institutionId: 1, state: 1 });
programmeSchema.index({ searchText: 1 });
programmeSchema.index({ titleSearchText: 1 });
programmeSchema.index({ institutionApproved: 1, state: 1, publishedAt: -1 });

export type ProgrammeDoc = InferSchemaType<typeof programmeSchema> & { _id: Types.ObjectId };
export const Programme =
  (mongoose.models.Programme as mongoose.Model<ProgrammeDoc> | undefined) ?? mongoose.model<ProgrammeDoc>("Programme", programmeSchema);

/**
 * Brings a programme's copy of its received total (progress bars, the catalogue) up to its books, the
 * `received:<programme>` projection (none yet: nothing received): both read by `_id`, the copy written by `_id` only when the books
 * are further on (or a rebuild changed the total at the same position). Never an older total over a
 * newer one: on MongoDB the write is conditional on the copy's position; on the embedded database a
 * condition would make the write read every programme (decision 0014), so the books are read again
 * after the write and the copy written again if they moved on meanwhile (another process — the
 * sweeper run by hand — may have copied a newer total just before). Returns whether it wrote.
 */
export async function copyReceivedTotal(programmeId: Types.ObjectId | string): Promise<boolean> {
  const _id = new mongoose.Types.ObjectId(String(programmeId));
  // No running total yet: nothing received (as receivedOfProgramme reads it).
  const readBooks = async () => {
    const books = await Projection.collection.findOne({ _id: projectionKey("received", _id) as never }, { projection: { total: 1, through: 1 } });
    return { total: Math.max(0, (books?.total as number | undefined) ?? 0), through: (books?.through as number | undefined) ?? 0 };
  };
  const [read, copy] = await Promise.all([readBooks(), Programme.collection.findOne({ _id }, { projection: { receivedTotal: 1, receivedThrough: 1 } })]);
  if (!copy) return false;
  let books = read;
  const at = (copy.receivedThrough as number | undefined) ?? 0;
  if (books.through < at || (books.through === at && books.total === copy.receivedTotal)) return false;
  const embedded = await isEmbeddedDatabase();
  for (let round = 0; round < 5; round += 1) {
    const filter = embedded ? { _id } : { _id, receivedThrough: { $not: { $gt: books.through } } };
    const { matchedCount } = await oneWriter(() => Programme.collection.updateOne(filter, { $set: { receivedTotal: books.total, receivedThrough: books.through } }), { background: true });
    if (!embedded || matchedCount === 0) return matchedCount === 1;
    const again = await readBooks();
    if (again.through === books.through && again.total === books.total) return true;
    books = again;
  }
  return true;
}

export async function findProgrammeBySlug(slug: string) {
  return Programme.findOne({ slug: slug.trim().toLowerCase() }).lean();
}

/**
 * Rewrites what every programme of an institution copies from it (decision 0003): name, slug,
 * approval, and the search text that includes the name. One updateMany for the plain copies, then one
 * bulk write of derived search texts (FerretDB v1 has no pipeline updates), in bounded batches.
 */
export async function syncInstitutionCopies(institution: { _id: Types.ObjectId | string; name: string; slug: string; status: string }) {
  const institutionId = new mongoose.Types.ObjectId(String(institution._id));
  await Programme.updateMany(
    { institutionId },
    { $set: { institutionApproved: institution.status === "approved", institutionName: institution.name, institutionSlug: institution.slug } },
  );
  await refreshProgrammeSearchText({ institutionId });
}

/**
 * Derives searchText/titleSearchText again for the programmes matching `filter` (all of an
 * institution's, or those written before titleSearchText existed: `{ titleSearchText: { $exists: false } }`).
 * Idempotent. Returns how many were rewritten.
 */
export async function refreshProgrammeSearchText(filter: mongoose.FilterQuery<ProgrammeDoc>, batchSize = 500) {
  let lastId: Types.ObjectId | null = null;
  let count = 0;
  for (;;) {
    const docs: Array<Pick<ProgrammeDoc, "_id" | "title" | "summary" | "institutionName" | "provinceSlug">> = await Programme.find({ ...filter, ...(lastId ? { _id: { $gt: lastId } } : {}) })
      .select("title summary institutionName provinceSlug")
      .sort({ _id: 1 })
      .limit(batchSize)
      .lean();
    if (docs.length === 0) return count;
    // 50 updates to a command: FerretDB v1.24 waits forever on an update command of 100 or more (decision 0011).
    for (let i = 0; i < docs.length; i += 50) {
      await Programme.bulkWrite(docs.slice(i, i + 50).map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $set: programmeSearchText(doc) } } })));
    }
    count += docs.length;
    lastId = docs[docs.length - 1]!._id;
    if (docs.length < batchSize) return count;
  }
}

/** Ledger kinds that count as money (or value) received for a programme; expenditures do not. */
export const RECEIVED_KINDS = ["donation_received", "in_kind_received", "volunteer_hours", "refund", "correction", "dispute", "reinstatement"] as const;

