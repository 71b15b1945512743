import { MaxPartSizeExceededError, unstable_createMemoryUploadHandler, unstable_parseMultipartFormData } from "@remix-run/node";
import { MAX_IMAGE_BYTES } from "#services/uploads";

/**
 * Reads a multipart form with files held in memory up to the limit (files then go to GridFS, never
 * to the app's disk). Returns null when a file is too large, so the page can say so.
 */
export async function readMultipartForm(request: Request, maxFileBytes = MAX_IMAGE_BYTES): Promise<FormData | null> {
  try {
    return await unstable_parseMultipartFormData(request, unstable_createMemoryUploadHandler({ maxPartSize: maxFileBytes + 1 }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return null;
    throw error;
  }
}

/** The uploaded file in a field, or null when none was chosen. */
export function uploadedFile(formData: FormData, field: string): File | null {
  const value = formData.get(field);
  return value && typeof value !== "string" && value.size > 0 ? (value as File) : null;
}
