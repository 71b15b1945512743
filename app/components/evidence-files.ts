import { useState, type ChangeEvent, type FormEvent } from "react";
import { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES } from "#services/validation/offline-gift";

/** The first problem with chosen evidence files (a gift's, an expenditure's receipts), checked in the browser before a long upload; the server checks again, by content. */
export function evidenceProblem(files: FileList | null): string | null {
  const list = Array.from(files ?? []);
  if (list.length > MAX_EVIDENCE_FILES) return "gifts.validation.evidenceTooMany";
  if (list.some((file) => file.size > MAX_EVIDENCE_BYTES)) return "gifts.validation.evidenceTooLarge";
  if (list.some((file) => file.type && !(EVIDENCE_TYPES as readonly string[]).includes(file.type))) return "gifts.validation.evidenceType";
  return null;
}

/**
 * A form with an evidence file input: the input's onChange checks the files, and the form's submit is
 * stopped while they are wrong (then handed to `submit`, react-hook-form's handler).
 */
export function useEvidenceCheck(submit: (event: FormEvent<HTMLFormElement>) => void) {
  const [error, setError] = useState<string | null>(null);
  return {
    error,
    onChange: (event: ChangeEvent<HTMLInputElement>) => setError(evidenceProblem(event.currentTarget.files)),
    onSubmit: (event: FormEvent<HTMLFormElement>) => {
      if (error) {
        event.preventDefault();
        return;
      }
      submit(event);
    },
  };
}
