import { zodResolver } from "@hookform/resolvers/zod";
import { useSubmit } from "@remix-run/react";
import { useId, type FormEvent, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";
import { useForm, type FieldErrors, type FieldValues, type UseFormRegister } from "react-hook-form";
import { useTranslation } from "react-i18next";
import type { z } from "zod";
import { translateMessage } from "~/utils/messages";

type ServerErrors = Record<string, string[]> | undefined;

/**
 * react-hook-form with the form's zod schema for comfort in the browser; the submission itself is an
 * ordinary Remix form post, so the same page works with JavaScript off and the action (using the
 * same schema) stays the source of truth.
 */
export function useValidatedForm<S extends z.ZodTypeAny>(schema: S, defaultValues?: Record<string, unknown>) {
  const submit = useSubmit();
  // Checked on submit, then again as the reader corrects each field. Not on leaving a field: a message
  // appearing on blur moved the controls below it, so the click that caused the blur missed its button.
  const form = useForm<FieldValues>({ resolver: zodResolver(schema), mode: "onSubmit", reValidateMode: "onChange", defaultValues });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const element = event.currentTarget;
    void form.handleSubmit(() => submit(element))(event);
  };
  // The form-level summary while the browser holds the submission back for the marked fields.
  const clientFormError = form.formState.submitCount > 0 && Object.keys(form.formState.errors).length > 0 ? "validation.fixErrors" : null;
  return { ...form, onSubmit, clientFormError };
}

type Common = {
  name: string;
  label: string;
  hint?: string;
  register?: UseFormRegister<FieldValues>;
  clientError?: string;
  serverErrors?: ServerErrors;
};

/** Translates a validation/service message (a key, maybe with values) for the reader; never shows raw library text. */
export function useMessage() {
  const { t, i18n } = useTranslation();
  return (message: string | null | undefined) => translateMessage(t, i18n, message);
}

/** Label, hint and error (client or server) around a control, linked for screen readers. */
function FieldShell({ name, label, hint, clientError, serverErrors, children }: Common & { children: (props: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode }) {
  const message = useMessage();
  const id = useId();
  const error = clientError ?? serverErrors?.[name]?.[0];
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {message(error)}
        </p>
      ) : null}
    </div>
  );
}

function split<P extends Common & { onChange?: (event: never) => unknown }>(props: P) {
  const { name, label, hint, register, clientError, serverErrors, ...rest } = props;
  // The page's own onChange (to show or hide fields) runs as well as react-hook-form's.
  const registered = register ? register(name, rest.onChange ? { onChange: rest.onChange as (event: unknown) => void } : undefined) : { name };
  return { shell: { name, label, hint, clientError, serverErrors }, control: { ...rest, ...registered } };
}

export function Field(props: Common & InputHTMLAttributes<HTMLInputElement>) {
  const { shell, control } = split(props);
  return <FieldShell {...shell}>{(a11y) => <input {...a11y} {...control} />}</FieldShell>;
}

export function TextareaField(props: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const { shell, control } = split(props);
  return <FieldShell {...shell}>{(a11y) => <textarea {...a11y} {...control} />}</FieldShell>;
}

export function SelectField({ options, ...props }: Common & SelectHTMLAttributes<HTMLSelectElement> & { options: Array<{ value: string; label: string }> }) {
  const { shell, control } = split(props);
  return (
    <FieldShell {...shell}>
      {(a11y) => (
        <select {...a11y} {...control}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

/** The first message for a field from react-hook-form's nested errors ("budgetLines.0.code"). */
export function clientErrorAt(errors: FieldErrors, path: string): string | undefined {
  let node: unknown = errors;
  for (const part of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  const message = (node as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : undefined;
}

export function FormError({ message }: { message?: string | null }) {
  const translate = useMessage();
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      {translate(message)}
    </div>
  );
}
