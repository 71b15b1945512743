import { Schema } from "mongoose";
import { toSearchText } from "#services/text";

/**
 * An amount of Vietnamese đồng: a non-negative safe integer (VND has no minor unit).
 * Floats, negatives and NaN are refused by the model itself, whatever the caller validated.
 * (Return type left to inference: annotating it SchemaDefinitionProperty<number> made InferSchemaType see `any`.)
 */
export function vnd(options: { required?: boolean; allowNegative?: boolean; default?: number } = {}) {
  const { required = true, allowNegative = false } = options;
  return {
    type: Number,
    required,
    ...(options.default !== undefined ? { default: options.default } : {}),
    validate: {
      validator: (value: number | null | undefined) =>
        value === null || value === undefined || (Number.isSafeInteger(value) && (allowNegative || value >= 0)),
      message: allowNegative
        ? "Số tiền phải là số nguyên đồng (amount must be a whole number of đồng)"
        : "Số tiền phải là số nguyên đồng không âm (amount must be a non-negative whole number of đồng)",
    },
  };
}

/** The currency stored beside every amount. Only VND is accepted today. */
export const currency = { type: String, enum: ["VND"], default: "VND", required: true } as const;

export const objectId = Schema.Types.ObjectId;

/**
 * A diacritics-free, lower-case copy of some text, kept for search: FerretDB v1 has no collations,
 * so "thu vien so" must match a stored "thư viện số" through this field.
 */
export function searchTextOf(...parts: Array<string | undefined | null>): string {
  return toSearchText(parts.filter(Boolean).join(" "));
}
