import { fileTypeFromBuffer } from "file-type";
import { deleteFile, saveFile, type FileKind } from "#models/file.server";
import { ServiceError } from "./errors";

export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

/**
 * Checks an uploaded image by its content (magic bytes), not by the name or the type the browser
 * claimed, and stores it in GridFS. Returns the file id.
 */
export async function storeImage(
  file: { name: string; size: number; arrayBuffer(): Promise<ArrayBuffer> },
  meta: { kind: FileKind; institutionId: string | null; uploadedBy: string; field: string },
): Promise<string> {
  if (file.size > MAX_IMAGE_BYTES) throw new ServiceError("invalid", "validation.fileTooLarge", { [meta.field]: ["validation.fileTooLarge"] });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected || !(IMAGE_TYPES as readonly string[]).includes(detected.mime)) {
    throw new ServiceError("invalid", "validation.imageType", { [meta.field]: ["validation.imageType"] });
  }
  return saveFile(bytes, file.name.slice(0, 200) || `upload.${detected.ext}`, {
    kind: meta.kind,
    contentType: detected.mime,
    institutionId: meta.institutionId,
    uploadedBy: meta.uploadedBy,
    originalName: file.name.slice(0, 200),
  });
}

/**
 * Removes stored uploads that ended up attached to nothing: a form refused after its files were checked
 * and stored (a gift not recorded or already recorded, a programme edit refused).
 */
export async function discardUploads(ids: ReadonlyArray<string | null | undefined>) {
  for (const id of ids) if (id) await deleteFile(id).catch(() => undefined);
}
