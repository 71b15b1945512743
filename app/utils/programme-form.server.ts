import { programmeSchema, type ProgrammeInput } from "#services/validation/programme";
import { validateCsrf } from "./csrf.server";
import { formFailure, formValues, parseForm } from "./forms.server";
import { readMultipartForm, uploadedFile } from "./uploads.server";
import { serviceFailure } from "./service-errors.server";
import { consumeLimits, limitedForm, limitsFor } from "./rate-limit.server";
import { discardUploads, storeImage } from "#services/uploads";

type Parsed = { ok: true; input: ProgrammeInput; coverImageId: string | undefined } | { ok: false; response: Response };

/**
 * Reads the programme form (multipart, with an optional cover image): CSRF, the shared zod schema,
 * then the image checked by its content and stored in GridFS. Nothing is stored when anything is wrong.
 */
export async function readProgrammeForm(request: Request, context: { institutionId: string; userId: string }): Promise<Parsed> {
  const formData = await readMultipartForm(request);
  if (!formData) return { ok: false, response: formFailure({ errors: { cover: ["validation.fileTooLarge"] }, formError: "validation.fixErrors", values: {} }) };
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(programmeSchema, formData);
  if (!parsed.ok) return { ok: false, response: formFailure({ ...parsed, formError: "validation.fixErrors" }) };
  const file = uploadedFile(formData, "cover");
  let coverImageId: string | undefined;
  if (file) {
    // Uploads are limited per address and per account, counted before the image is checked and stored.
    const wait = await consumeLimits(limitsFor(request, "upload", context.userId));
    if (wait !== null) return { ok: false, response: limitedForm(wait, formValues(formData)) };
    try {
      coverImageId = await storeImage(file, { kind: "cover", institutionId: context.institutionId, uploadedBy: context.userId, field: "cover" });
    } catch (error) {
      return { ok: false, response: serviceFailure(error, formValues(formData)) };
    }
  }
  return { ok: true, input: parsed.data, coverImageId };
}

/**
 * Saves what a programme form asked for; if the save is refused (a closed programme, a slug taken…) the
 * cover image stored for it is removed again — a refused form leaves nothing behind.
 */
export async function saveProgrammeForm<T>(form: { coverImageId: string | undefined }, save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (error) {
    await discardUploads([form.coverImageId]);
    throw error;
  }
}
