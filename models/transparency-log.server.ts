import mongoose, { Schema, type Types } from "mongoose";

/**
 * The platform's transparency log (issue 12, decision 0034): every ledger entry of every institution is
 * a leaf of one RFC 9162 Merkle tree. Everything here is read by `_id`:
 *
 * - LogNode `"<level>:<index>"`: the hash of the perfect subtree of 2^level leaves starting at leaf
 *   index × 2^level, written once it is complete. Level 0 is a leaf, with the entry it commits to.
 * - LogPosition `<entry id>`: where an entry's leaf is.
 * - LogState `"log"`: the log's size (leaves 0 … size − 1 and every complete node of them are written),
 *   how far along each institution's chain it has reached, and its latest checkpoint — one document,
 *   moved in one write.
 * - LogCheckpoint `<size>`: the signed checkpoint (C2SP signed note) of the tree at that size.
 */

const logNodeSchema = new Schema(
  {
    _id: { type: String, required: true },
    hash: { type: String, required: true },
    entryId: { type: Schema.Types.ObjectId, default: undefined },
    institutionId: { type: Schema.Types.ObjectId, default: undefined },
    sequence: { type: Number, default: undefined },
    entryHash: { type: String, default: undefined },
  },
  { versionKey: false },
);
export type LogNodeDoc = { _id: string; hash: string; entryId?: Types.ObjectId; institutionId?: Types.ObjectId; sequence?: number; entryHash?: string };
export const LogNode = (mongoose.models.LogNode as mongoose.Model<LogNodeDoc> | undefined) ?? mongoose.model<LogNodeDoc>("LogNode", logNodeSchema);
export const logNodeId = (level: number, index: number) => `${level}:${index}`;

const logPositionSchema = new Schema({ _id: { type: Schema.Types.ObjectId, required: true }, index: { type: Number, required: true } }, { versionKey: false });
export type LogPositionDoc = { _id: Types.ObjectId; index: number };
export const LogPosition =
  (mongoose.models.LogPosition as mongoose.Model<LogPositionDoc> | undefined) ?? mongoose.model<LogPositionDoc>("LogPosition", logPositionSchema);

const logStateSchema = new Schema(
  {
    _id: { type: String, required: true },
    size: { type: Number, required: true, default: 0 },
    /** Per institution (`through.<id>`): the last sequence of its chain in the log. */
    through: { type: Schema.Types.Mixed, default: {} },
    /** The latest checkpoint: its size and time, and (since bench 0028) its root and signed note, so it is one read by `_id`. */
    checkpoint: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false, minimize: false },
);
export type LogStateDoc = { _id: string; size: number; through: Record<string, number>; checkpoint: { size: number; time: Date; root?: string; note?: string } | null };
export const LogState = (mongoose.models.LogState as mongoose.Model<LogStateDoc> | undefined) ?? mongoose.model<LogStateDoc>("LogState", logStateSchema);
export const LOG_STATE_ID = "log";

const logCheckpointSchema = new Schema(
  {
    _id: { type: Number, required: true },
    root: { type: String, required: true },
    time: { type: Date, required: true },
    /** The signed note, exactly as served. */
    note: { type: String, required: true },
  },
  { versionKey: false },
);
export type LogCheckpointDoc = { _id: number; root: string; time: Date; note: string };
export const LogCheckpoint =
  (mongoose.models.LogCheckpoint as mongoose.Model<LogCheckpointDoc> | undefined) ?? mongoose.model<LogCheckpointDoc>("LogCheckpoint", logCheckpointSchema);
