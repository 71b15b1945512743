import { json } from "@remix-run/node";
import type { z } from "zod";

export type FieldErrors = Record<string, string[]>;
export type FormFailure = { ok: false; errors: FieldErrors; formError?: string; values: Record<string, string> };

/**
 * Repeating rows arrive as "budgetLines.0.code" (react-hook-form's field names): build
 * { budgetLines: [{ code }] } so the zod schema sees the same shape in the browser and here.
 */
function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split(".");
  if (parts.some((part) => part === "" || part === "__proto__" || part === "constructor" || part === "prototype")) return;
  let node: Record<string | number, unknown> = target;
  for (let i = 0; i < parts.length; i += 1) {
    const isIndex = /^\d+$/.test(parts[i]!);
    // An index only into a list (at most 100 rows), a name only into a group: anything else is not a field of ours.
    if (isIndex !== Array.isArray(node) || (isIndex && Number(parts[i]) > 100)) return;
    const key = isIndex ? Number(parts[i]) : parts[i]!;
    const present = node[key];
    if (i === parts.length - 1) {
      // Sent both as "amount.1" and "amount": the group stays, the plain value is ignored (and the other way round below).
      if (typeof present !== "object" || present === null) node[key] = value;
      return;
    }
    if (present === undefined) node[key] = /^\d+$/.test(parts[i + 1]!) ? [] : {};
    else if (typeof present !== "object" || present === null) return; // "email" and "email.$gt": the plain value stays
    node = node[key] as Record<string | number, unknown>;
  }
}

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/** What a form without files may weigh: the longest programme description and its rows fit many times over. */
export const MAX_FORM_BYTES = 256 * 1024;

/** The 400 page for a body that is not a form (shared with the file forms, app/utils/uploads.server.ts). */
export const badForm = () => new Response("errors.badForm", { status: 400 });
/** The 413 page ("errors.tooLarge") for a body past its limit (shared with the file forms). */
export const tooLarge = () => new Response("errors.tooLarge", { status: 413 });

/**
 * The request's body, refused (413) as soon as it passes `maxBytes`: by its declared length before a
 * byte is read, or while it streams in (a body sent in chunks declares none). Never read whole first.
 */
async function readCapped(request: Request, maxBytes: number): Promise<Blob> {
  if (Number(request.headers.get("Content-Length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return new Blob([]);
  const reader = request.body.getReader();
  const chunks: BlobPart[] = [];
  let total = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      throw badForm(); // the connection broke off mid-body
    }
    if (next.done) return new Blob(chunks);
    total += next.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(next.value as Uint8Array<ArrayBuffer>);
  }
}

/**
 * The submitted form, read at most `maxBytes` (413 "errors.tooLarge" past it), or a 400 page
 * ("errors.badForm") for a body that is not one: JSON or text, a multipart body without its boundary or
 * cut short. Nothing is read further and nothing is written.
 */
export async function readFormData(request: Request, maxBytes = MAX_FORM_BYTES): Promise<FormData> {
  const contentType = request.headers.get("Content-Type") ?? "";
  if (!FORM_TYPES.includes(contentType.split(";")[0]!.trim().toLowerCase())) throw badForm();
  const body = await readCapped(request, maxBytes);
  try {
    return await new Response(body, { headers: { "Content-Type": contentType } }).formData();
  } catch {
    throw badForm();
  }
}

export function formValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (typeof value === "string" && key !== "csrf" && !/password/i.test(key)) values[key] = value;
  }
  return values;
}

/**
 * Validates a submitted form with the same zod schema the browser used. On failure: the field
 * errors (translation keys) and what was typed (passwords excepted), to render the form again.
 */
export function parseForm<S extends z.ZodTypeAny>(schema: S, formData: FormData): { ok: true; data: z.output<S> } | FormFailure {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(formData.keys())) {
    if (key === "csrf") continue;
    const all = formData.getAll(key).filter((v) => typeof v === "string");
    setPath(raw, key, all.length > 1 ? all : all[0]);
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.join(".") || "_form";
    (errors[field] ??= []).push(issue.message);
  }
  return { ok: false, errors, values: formValues(formData) };
}

/** A 400 with the form's errors: the page shows them next to their fields; nothing was written. */
export function formFailure(failure: Omit<FormFailure, "ok"> & { ok?: false }, status = 400) {
  return json({ ok: false as const, errors: failure.errors, formError: failure.formError, values: failure.values }, { status });
}
