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

/**
 * The submitted form, or a 400 page ("errors.badForm") for a body that is not one: JSON or text, a
 * multipart body without its boundary or cut short. Nothing is read further and nothing is written.
 */
export async function readFormData(request: Request): Promise<FormData> {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(type)) throw new Response("errors.badForm", { status: 400 });
  try {
    return await request.formData();
  } catch {
    throw new Response("errors.badForm", { status: 400 });
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
