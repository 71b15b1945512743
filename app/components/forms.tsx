import { zodResolver } from "@hookform/resolvers/zod";
import { useSubmit } from "@remix-run/react";
import { useId, type FormEvent, type InputHTMLAttributes } from "react";
import { useForm, type FieldValues, type UseFormRegister } from "react-hook-form";
import { useTranslation } from "react-i18next";
import type { z } from "zod";

type ServerErrors = Record<string, string[]> | undefined;

/**
 * react-hook-form with the form's zod schema for comfort in the browser; the submission itself is an
 * ordinary Remix form post, so the same page works with JavaScript off and the action (using the
 * same schema) stays the source of truth.
 */
export function useValidatedForm<S extends z.ZodTypeAny>(schema: S, defaultValues?: Record<string, unknown>) {
  const submit = useSubmit();
  const form = useForm<FieldValues>({ resolver: zodResolver(schema), mode: "onTouched", defaultValues });
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    const element = event.currentTarget;
    void form.handleSubmit(() => submit(element))(event);
  };
  return { ...form, onSubmit };
}

type FieldProps = {
  name: string;
  label: string;
  hint?: string;
  register?: UseFormRegister<FieldValues>;
  clientError?: string;
  serverErrors?: ServerErrors;
} & InputHTMLAttributes<HTMLInputElement>;

/** A labelled input with its hint and its error (client or server), linked for screen readers. */
export function Field({ name, label, hint, register, clientError, serverErrors, ...input }: FieldProps) {
  const { t } = useTranslation();
  const id = useId();
  const error = clientError ?? serverErrors?.[name]?.[0];
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const registered = register ? register(name) : { name };
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} {...registered} />
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {t(error)}
        </p>
      ) : null}
    </div>
  );
}

export function FormError({ message }: { message?: string | null }) {
  const { t } = useTranslation();
  if (!message) return null;
  return (
    <div className="form-error" role="alert">
      {t(message)}
    </div>
  );
}
