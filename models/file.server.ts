import { Readable } from "node:stream";
import mongoose from "mongoose";

/**
 * Uploaded files live in the database (GridFS bucket "uploads"), never on the app's disk, so any
 * number of app instances can serve them.
 */
export type FileKind = "cover" | "evidence" | "receipt";
export type StoredFileMeta = { kind: FileKind; contentType: string; institutionId: string | null; uploadedBy: string | null; originalName: string };

function bucket() {
  const db = mongoose.connection.db;
  if (!db) throw new Error("database not connected");
  return new mongoose.mongo.GridFSBucket(db, { bucketName: "uploads" });
}

export async function saveFile(bytes: Uint8Array, filename: string, metadata: StoredFileMeta): Promise<string> {
  const upload = bucket().openUploadStream(filename, { metadata });
  await new Promise<void>((resolve, reject) => {
    Readable.from([Buffer.from(bytes)]).pipe(upload).on("finish", () => resolve()).on("error", reject);
  });
  return String(upload.id);
}

export async function findFile(id: string) {
  if (!mongoose.isValidObjectId(id)) return null;
  const [file] = await bucket().find({ _id: new mongoose.Types.ObjectId(id) }).limit(1).toArray();
  if (!file) return null;
  return { id, length: file.length, filename: file.filename, uploadDate: file.uploadDate, metadata: file.metadata as StoredFileMeta };
}

export function openFileStream(id: string) {
  return bucket().openDownloadStream(new mongoose.Types.ObjectId(id));
}

export async function deleteFile(id: string) {
  await bucket().delete(new mongoose.Types.ObjectId(id));
}
