import { MaxPartSizeExceededError, unstable_composeUploadHandlers, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData, type UploadHandler } from "@remix-run/node";
import { MAX_IMAGE_BYTES } from "#services/uploads";
import { MAX_FORM_BYTES, badForm, readFormData, tooLarge } from "./forms.server";

class BodyTooLargeError extends Error {}

/**
 * The request with its body counted as it streams in (decision 0020): refused before a byte is read when
 * it declares more than `maxBytes`, and cut off (BodyTooLargeError from the parser) once more than that
 * has arrived, whatever it declared or if it declared nothing (chunked). Each part has its own cap too;
 * this one bounds the whole body, however many parts it has.
 */
function limitedBody(request: Request, maxBytes: number): Request {
  if (Number(request.headers.get("Content-Length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return request;
  let total = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength;
        if (total > maxBytes) controller.error(new BodyTooLargeError());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(request.url, { method: request.method, headers: request.headers, body: counted, duplex: "half" } as RequestInit);
}

/** What a multipart form may weigh in all: its files at their cap, and the fields of a form without files. */
export const multipartLimit = (maxFileBytes: number, maxFiles: number) => maxFiles * (maxFileBytes + 1024) + MAX_FORM_BYTES;

/**
 * Reads a multipart form with files held in memory up to the limit (files then go to GridFS, never
 * to the app's disk). Returns null when a file is too large, so the page can say so; a body larger
 * than `maxFiles` such files and the fields is a 413 ("errors.tooLarge"), refused as it streams in.
 */
export async function readMultipartForm(request: Request, maxFileBytes = MAX_IMAGE_BYTES, maxFiles = 1): Promise<FormData | null> {
  // Without a file chosen and without JavaScript a browser may send the form url-encoded.
  if (/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("Content-Type") ?? "")) return readFormData(request);
  requireMultipart(request);
  try {
    return await unstable_parseMultipartFormData(limitedBody(request, multipartLimit(maxFileBytes, maxFiles)), unstable_createMemoryUploadHandler({ maxPartSize: maxFileBytes + 1 }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return null;
    if (error instanceof BodyTooLargeError) throw tooLarge();
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
  // The statement and the same text kept in the page (csvText), plus the fields: past that, "too large".
  if (Number(request.headers.get("Content-Length") ?? 0) > multipartLimit(limits.maxBytes, 2)) return "too_large";
  try {
    return await unstable_parseMultipartFormData(limitedBody(request, multipartLimit(limits.maxBytes, 2)), unstable_composeUploadHandlers(textFiles, unstable_createMemoryUploadHandler({ maxPartSize: limits.maxBytes + 1 })));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError || error instanceof BodyTooLargeError) return "too_large";
    if (error instanceof TooManyLinesError) return "too_many_lines";
    throw notAForm(error);
  }
}
