import { fileTypeFromBuffer } from "file-type";
import { saveFile } from "#models/file.server";
import { discardUploads, isMarkup } from "./uploads";
import { ServiceError } from "./errors";
import { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES } from "./validation/offline-gift";

export { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES };

/**
 * Evidence for an offline gift (a cash voucher, a transfer slip, a photo of the hand-over, the signed
 * hand-over minutes): an image or a PDF, checked by its content (magic bytes) — not by its name or the
 * type the browser claimed — at most 5 MB, stored in GridFS with kind "evidence" and the institution's
 * id, so /files/:id serves it only to people who may see that institution's private data.
 */

type Upload = { name: string; size: number; arrayBuffer(): Promise<ArrayBuffer> };
type Checked = { bytes: Uint8Array; mime: string; ext: string; name: string };
export type EvidenceMeta = { institutionId: string; uploadedBy: string; field?: string; expenditureId?: string };

const refuse = (field: string, message: string) => new ServiceError("invalid", message, { [field]: [message] });

/** Reads and checks one file; throws ServiceError("invalid") on a wrong type or size. Stores nothing. */
export async function checkEvidence(file: Upload, field = "evidence"): Promise<Checked> {
  if (file.size > MAX_EVIDENCE_BYTES) throw refuse(field, "gifts.validation.evidenceTooLarge");
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.byteLength > MAX_EVIDENCE_BYTES) throw refuse(field, "gifts.validation.evidenceTooLarge");
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected || !(EVIDENCE_TYPES as readonly string[]).includes(detected.mime)) throw refuse(field, isMarkup(bytes) ? "files.markupRefused" : "gifts.validation.evidenceType");
  const name = file.name.replace(/[\\/\r\n"]/g, "_").slice(0, 200) || `evidence.${detected.ext}`;
  return { bytes, mime: detected.mime, ext: detected.ext, name };
}

async function save(checked: Checked, meta: EvidenceMeta) {
  return saveFile(checked.bytes, checked.name, { kind: "evidence", contentType: checked.mime, institutionId: meta.institutionId, uploadedBy: meta.uploadedBy, originalName: checked.name, ...(meta.expenditureId ? { expenditureId: meta.expenditureId } : {}) });
}

/** Checks one file by its content and stores it; returns the GridFS id. */
export async function storeEvidence(file: Upload, meta: EvidenceMeta): Promise<string> {
  return save(await checkEvidence(file, meta.field), meta);
}

/**
 * Several files: all are checked before any is stored, so one bad file stores nothing. If storing
 * fails half-way, what was stored is removed again.
 */
export async function storeEvidenceFiles(files: Upload[], meta: EvidenceMeta): Promise<string[]> {
  const field = meta.field ?? "evidence";
  if (files.length > MAX_EVIDENCE_FILES) throw refuse(field, "gifts.validation.evidenceTooMany");
  const checked: Checked[] = [];
  for (const file of files) checked.push(await checkEvidence(file, field));
  const ids: string[] = [];
  try {
    for (const item of checked) ids.push(await save(item, meta));
  } catch (error) {
    await discardUploads(ids);
    throw error;
  }
  return ids;
}

