import { Readable } from "node:stream";
import mongoose from "mongoose";
import { isDuplicateKeyError } from "./duplicate-key";

/**
 * Uploaded files live in the database (GridFS bucket "uploads"), never on the app's disk, so any
 * number of app instances can serve them.
 */
export type FileKind = "cover" | "evidence" | "receipt";
/** `expenditureId`: evidence of money out — public once that expenditure is published (services/files.ts). */
export type StoredFileMeta = { kind: FileKind; contentType: string; institutionId: string | null; uploadedBy: string | null; originalName: string; expenditureId?: string };

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

/**
 * Receipt PDFs, rendered once and kept (a receipt is a record of the moment: its content never
 * changes afterwards). Keyed by `_id` = "receipt:<number>" — a lookup by `_id`, the one FerretDB's
 * SQLite backend pushes down. `verifyUrl` is kept with it: a PDF made for another address is made again.
 */
const receiptFileId = (receiptNumber: string, locale: "vi" | "en" = "vi") => `receipt:${receiptNumber}${locale === "en" ? ":en" : ""}`;

/** A generated PDF stored under a key (`receipt:<number>`, `certificate:<code>`), if made for this address. */
async function findStoredPdf(id: string, verifyUrl: string): Promise<Buffer | null> {
  const [file] = await bucket().find({ _id: id as never }).limit(1).toArray();
  if (!file || (file.metadata as { verifyUrl?: string } | undefined)?.verifyUrl !== verifyUrl) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of bucket().openDownloadStream(id as never)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function storePdf(id: string, filename: string, metadata: Record<string, unknown> & { verifyUrl: string }, pdf: Buffer) {
  // A PDF made for another address (APP_URL changed) is replaced.
  await bucket().delete(id as never).catch(() => {});
  const upload = bucket().openUploadStreamWithId(id as never, filename, { metadata: { contentType: "application/pdf", ...metadata } });
  await new Promise<void>((resolve, reject) => {
    Readable.from([pdf]).pipe(upload).on("finish", () => resolve()).on("error", reject);
  }).catch((error: unknown) => {
    // Two first downloads at once: the other one stored the same bytes.
    if (!isDuplicateKeyError(error)) throw error;
  });
}

/** The Vietnamese original under `receipt:<number>`; its English translation (issue 13) under `receipt:<number>:en`. */
export const findStoredReceipt = (receiptNumber: string, verifyUrl: string, locale: "vi" | "en" = "vi") => findStoredPdf(receiptFileId(receiptNumber, locale), verifyUrl);
export const storeReceipt = (receiptNumber: string, verifyUrl: string, pdf: Buffer, locale: "vi" | "en" = "vi") =>
  storePdf(receiptFileId(receiptNumber, locale), locale === "en" ? `receipt-${receiptNumber}.pdf` : `bien-nhan-${receiptNumber}.pdf`, { kind: "receipt", verifyUrl, receiptNumber, locale }, pdf);

/** A certificate's PDF, rendered once (services/recognition/certificates.ts) and kept under its verification code. */
export const findStoredCertificatePdf = (code: string, verifyUrl: string) => findStoredPdf(`certificate:${code}`, verifyUrl);
export const storeCertificatePdf = (code: string, serial: string, verifyUrl: string, pdf: Buffer) =>
  storePdf(`certificate:${code}`, `chung-nhan-${serial.replaceAll("/", "-")}.pdf`, { kind: "certificate", verifyUrl, serial }, pdf);
/** Forgets a certificate's PDF (after a revocation: the next download is drawn again, marked revoked). */
export async function dropCertificatePdf(code: string) {
  await bucket().delete(`certificate:${code}` as never).catch(() => {});
}
