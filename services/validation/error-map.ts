import { z, ZodIssueCode, type ZodErrorMap } from "zod";

/**
 * One error map for the whole app, on the server and in the browser: every message zod would make
 * up by itself (English text such as `Invalid literal value, expected "yes"`) becomes a translation
 * key instead, so no raw zod text can reach a page in any language. Messages a schema sets on
 * purpose (already keys) are kept. Imported for its effect by services/validation/fields.ts and app/root.tsx.
 */
export const translationKeyErrorMap: ZodErrorMap = (issue) => {
  switch (issue.code) {
    case ZodIssueCode.invalid_type:
      if (issue.received === "undefined" || issue.received === "null") return { message: "validation.required" };
      return { message: "validation.invalid" };
    case ZodIssueCode.too_small:
      if (issue.type === "string" && Number(issue.minimum) <= 1) return { message: "validation.required" };
      return { message: issue.type === "string" ? "validation.tooShort" : issue.type === "array" ? "validation.required" : "validation.tooSmall" };
    case ZodIssueCode.too_big:
      return { message: issue.type === "string" ? "validation.tooLong" : issue.type === "array" ? "validation.tooMany" : "validation.tooBig" };
    case ZodIssueCode.invalid_enum_value:
    case ZodIssueCode.invalid_literal:
    case ZodIssueCode.invalid_union:
    case ZodIssueCode.invalid_union_discriminator:
      return { message: "validation.invalidChoice" };
    case ZodIssueCode.invalid_date:
      return { message: "validation.date" };
    case ZodIssueCode.invalid_string:
      if (issue.validation === "email") return { message: "validation.email" };
      if (issue.validation === "url") return { message: "validation.url" };
      return { message: "validation.invalid" };
    case ZodIssueCode.not_multiple_of:
    case ZodIssueCode.not_finite:
      return { message: "validation.invalid" };
    default:
      // Custom issues without a message, unrecognized keys, intersections, arguments…
      return { message: "validation.invalid" };
  }
};

z.setErrorMap(translationKeyErrorMap);
