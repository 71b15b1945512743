import { fileTypeFromBuffer } from "file-type";
import { deleteFile, saveFile, type FileKind } from "#models/file.server";
import { ServiceError } from "./errors";

export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

/**
 * Markup (HTML, SVG, XML) whatever its name: it could run script on our origin, so it is refused with its
 * own message ("files.markupRefused") rather than the general "wrong type" (decision 0020; "files.markupRefusedImage" for images). Looks at the
 * first bytes, past a byte-order mark and blank space, for a "<".
 */
export function isMarkup(bytes: Uint8Array) {
  let text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 512));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder("utf-16le").decode(bytes.subarray(2, 514));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder("utf-16be").decode(bytes.subarray(2, 514));
  return /^\uFEFF?\s*</.test(text);
}

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
    if (isMarkup(bytes)) throw new ServiceError("invalid", "files.markupRefusedImage", { [meta.field]: ["files.markupRefusedImage"] });
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
