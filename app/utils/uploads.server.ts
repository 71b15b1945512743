import { MaxPartSizeExceededError, unstable_composeUploadHandlers, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData, type UploadHandler } from "@remix-run/node";
import { MAX_IMAGE_BYTES } from "#services/uploads";
import { badForm, readFormData } from "./forms.server";

/**
 * Reads a multipart form with files held in memory up to the limit (files then go to GridFS, never
 * to the app's disk). Returns null when a file is too large, so the page can say so.
 */
export async function readMultipartForm(request: Request, maxFileBytes = MAX_IMAGE_BYTES): Promise<FormData | null> {
  // Without a file chosen and without JavaScript a browser may send the form url-encoded.
  if (/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("Content-Type") ?? "")) return readFormData(request);
  requireMultipart(request);
  try {
    return await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: maxFileBytes + 1 }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return null;
    throw notAForm(error);
  }
}

/** A form with files comes as multipart/form-data with its boundary; anything else is a 400 page ("errors.badForm"). */
function requireMultipart(request: Request) {
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^multipart\/form-data\s*;.*\bboundary=\S+/i.test(type)) throw badForm();
}

/** A body cut short or otherwise unreadable is the sender's fault (400), not ours. */
function notAForm(error: unknown): unknown {
  return error instanceof Response ? error : badForm();
}

/** The uploaded file in a field, or null when none was chosen. */
export function uploadedFile(formData: FormData, field: string): File | null {
  const value = formData.get(field);
  return value && typeof value !== "string" && value.size > 0 ? (value as File) : null;
}

class TooManyLinesError extends Error {}

/**
 * A multipart form whose files are text with a cap on lines as well as bytes, both checked while
 * the upload streams in: a statement over either cap is refused as soon as the cap is passed, not
 * after the whole file was read and parsed. Lines are counted as line-feed bytes (UTF-8 and UTF-16 alike).
 */
export async function readTextUploadForm(request: Request, limits: { maxBytes: number; maxLines: number }): Promise<FormData | "too_large" | "too_many_lines"> {
  const textFiles: UploadHandler = async ({ filename, contentType, data }) => {
    if (!filename) return undefined; // ordinary fields: the memory handler below
    const chunks: Buffer[] = [];
    let bytes = 0;
    let lines = 0;
    for await (const chunk of data) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) throw new MaxPartSizeExceededError(filename, limits.maxBytes);
      for (let i = 0; i < chunk.length; i += 1) if (chunk[i] === 0x0a) lines += 1;
      if (lines > limits.maxLines) throw new TooManyLinesError();
      chunks.push(Buffer.from(chunk));
    }
    return new File([Buffer.concat(chunks)], filename, { type: contentType });
  };
  requireMultipart(request);
  try {
    return await unstable_parseMultipartFormData(request, unstable_composeUploadHandlers(textFiles, unstable_createMemoryUploadHandler({ maxPartSize: limits.maxBytes + 1 })));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return "too_large";
    if (error instanceof TooManyLinesError) return "too_many_lines";
    throw notAForm(error);
  }
}
