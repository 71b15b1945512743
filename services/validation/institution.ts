import { z } from "zod";
import { BANK_BINS } from "#models/reference/banks";
import { INSTITUTION_LEVEL_SLUGS, INSTITUTION_TYPE_SLUGS } from "#models/reference/institution-types";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { toSearchText } from "../text";
import { emailField, optionalField as optional, phoneField, plainText } from "./fields";

const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values as unknown as [T[number], ...T[number][]], { errorMap: () => ({ message: "validation.invalidChoice" }) });

/** The application a manager files for a new institution (and edits while it is pending). */
export const institutionApplicationSchema = z
  .object({
    name: plainText(200, 3),
    type: choice(INSTITUTION_TYPE_SLUGS),
    level: choice(INSTITUTION_LEVEL_SLUGS),
    formerDistrictName: optional(plainText(120)),
    provinceSlug: choice(PROVINCE_SLUGS),
    address: plainText(300, 5),
    contactEmail: emailField,
    contactPhone: optional(phoneField),
    website: optional(z.string().trim().url("validation.url").max(300, "validation.tooLong")),
    description: optional(plainText(5000)),
    bankBin: z.string().refine((value) => BANK_BINS.includes(value), "validation.invalidChoice"),
    accountNumber: z.string().trim().regex(/^\d{6,19}$/, "validation.accountNumber"),
    // The account holder as banks print it: upper-case, no diacritics ("Thư viện Hà Nội" → "THU VIEN HA NOI").
    accountName: plainText(100, 3).transform((value) => toSearchText(value).toUpperCase()),
  })
  .refine((value) => value.level !== "former_district" || value.formerDistrictName, { path: ["formerDistrictName"], message: "validation.formerDistrictRequired" });

export type InstitutionApplication = z.infer<typeof institutionApplicationSchema>;

export const decisionSchema = z
  .object({
    decision: z.enum(["approve", "reject"], { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    reason: optional(plainText(1000)),
  })
  .refine((value) => value.decision === "approve" || value.reason, { path: ["reason"], message: "validation.reasonRequired" });

export const joinRequestSchema = z.object({
  institutionId: z.string().regex(/^[a-f0-9]{24}$/, "validation.invalidChoice"),
  message: optional(plainText(1000)),
});

/**
 * A SWIFT/BIC code (ISO 9362): 4 letters for the bank, 2 for its country, 2 letters or digits for the
 * place, and 3 for a branch or none ("BFTVVNVX", "BFTVVNVX045").
 */
export const SWIFT_CODE = /\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b/;

/** The institution's details for an international transfer, as text; blank takes them off. It must name the SWIFT/BIC code. */
export const internationalTransferSchema = z.object({
  internationalTransfer: z.preprocess(
    (value) => (value == null ? "" : value),
    plainText(1000).refine((value) => value === "" || SWIFT_CODE.test(value), "institutions.validation.swiftMissing"),
  ),
});
