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
  if (parts.some((part) => part === "__proto__" || part === "constructor" || part === "prototype")) return;
  let node: Record<string, unknown> | unknown[] = target;
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const key: string | number = /^\d+$/.test(part) ? Number(part) : part;
    if (typeof key === "number" && key > 100) return;
    const container = node as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
    } else {
      container[key] ??= /^\d+$/.test(parts[i + 1]!) ? [] : {};
      node = container[key] as Record<string, unknown>;
    }
  });
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
