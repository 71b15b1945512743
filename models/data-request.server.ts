import mongoose, { Schema, type Types } from "mongoose";
import { objectId } from "./fields";

/**
 * A donor's request about their own data (Law 91/2025/QH15 on personal data protection), each kept with
 * its time: a copy of everything held (export), public consent withdrawn, erasure. Kept after an
 * erasure too (it names the account by id only): the record that the request was made and carried out.
 */
export const DATA_REQUEST_KINDS = ["export", "withdraw_consent", "erasure"] as const;
export type DataRequestKind = (typeof DATA_REQUEST_KINDS)[number];

const dataRequestSchema = new Schema(
  {
    userId: { type: objectId, ref: "User", required: true },
    kind: { type: String, enum: DATA_REQUEST_KINDS, required: true },
    at: { type: Date, required: true },
    /** What was done: counts of the records changed, never the personal data itself. */
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false },
);

export type DataRequestDoc = { _id: Types.ObjectId; userId: Types.ObjectId; kind: DataRequestKind; at: Date; details: Record<string, unknown> };
export const DataRequest =
  (mongoose.models.DataRequest as mongoose.Model<DataRequestDoc> | undefined) ?? mongoose.model<DataRequestDoc>("DataRequest", dataRequestSchema);
