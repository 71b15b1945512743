import { z } from "zod";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { isValidEnterpriseTaxCode } from "./tax-code";
import { HOME_COUNTRY, isCountryCode, REGISTRATION_NUMBER_SHAPE } from "./country";
import { checkboxField, emailField, optionalField, phoneField, plainText, positiveVndAmountField } from "./fields";

const text = (max: number) => plainText(max);
const optional = optionalField;
const positiveAmount = positiveVndAmountField;

/** Each field on its own: its shape, its limits. */
const pledgeFields = z
  .object({
    donorKind: z.enum(["organisation", "individual"], { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    country: z.preprocess((value) => (value == null || value === "" ? HOME_COUNTRY : value), z.string().refine(isCountryCode, "validation.invalidChoice")),
    legalName: optional(text(200)),
    // Checked below against the country: a Vietnamese tax code, or a registration number elsewhere.
    taxCode: optional(text(20)),
    registrationNumber: optional(text(40)),
    representative: optional(text(120)),
    fullName: optional(text(120)),
    address: optional(text(300)),
    provinceSlug: optional(z.enum(PROVINCE_SLUGS as unknown as [string, ...string[]], { errorMap: () => ({ message: "validation.invalidChoice" }) })),
    email: emailField,
    phone: optional(phoneField),
    kind: z.enum(["cash_once", "cash_instalments", "in_kind", "volunteer_hours"], { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    amount: optional(positiveAmount),
    instalmentCount: optional(z.coerce.number({ invalid_type_error: "pledge.validation.instalmentCount" }).int("pledge.validation.instalmentCount").min(2, "pledge.validation.instalmentCount").max(12, "pledge.validation.instalmentCount")),
    frequency: optional(z.enum(["monthly", "quarterly"], { errorMap: () => ({ message: "validation.invalidChoice" }) })),
    item: optional(text(200)),
    quantity: optional(z.coerce.number({ invalid_type_error: "validation.quantity" }).int("validation.quantity").positive("validation.quantity").max(1_000_000, "validation.quantity")),
    unitValue: optional(positiveAmount),
    hours: optional(z.coerce.number({ invalid_type_error: "pledge.validation.hours" }).int("pledge.validation.hours").positive("pledge.validation.hours").max(10_000, "pledge.validation.hours")),
    ratePerHour: optional(positiveAmount),
    visibility: z.enum(["name_and_amount", "name_only", "anonymous"], { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    consent: checkboxField,
  })
  .superRefine((v, ctx) => {
    if (v.kind === "cash_instalments" && v.amount !== undefined && v.instalmentCount !== undefined && v.amount < v.instalmentCount) {
      ctx.addIssue({ code: "custom", path: ["amount"], message: "pledge.validation.tooSmallForInstalments" });
    }
  });

const given = (value: unknown) => value !== undefined && value !== null && String(value).trim() !== "";

/**
 * What the choices require (a business needs its legal name and tax code; a named individual needs
 * consent; cash needs an amount…), checked on what was typed, so these messages come together with
 * the fields' own in one pass rather than only once every field is valid.
 */
const pledgeRequirements = z
  .object({ donorKind: z.unknown(), kind: z.unknown(), visibility: z.unknown(), consent: checkboxField })
  .passthrough()
  .superRefine((raw, ctx) => {
    const v = raw as Record<string, unknown>;
    const need = (path: string) => {
      if (!given(v[path])) ctx.addIssue({ code: "custom", path: [path], message: "validation.required" });
    };
    if (v.donorKind === "organisation") {
      need("legalName");
      // What the form shows for the donor's country is what is required (the other field is ignored).
      const abroad = given(v.country) && v.country !== HOME_COUNTRY;
      const number = abroad ? "registrationNumber" : "taxCode";
      need(number);
      const typed = given(v[number]) ? String(v[number]).trim() : "";
      if (typed && !abroad && !isValidEnterpriseTaxCode(typed)) ctx.addIssue({ code: "custom", path: ["taxCode"], message: "validation.taxCode" });
      if (typed && abroad && !REGISTRATION_NUMBER_SHAPE.test(typed)) ctx.addIssue({ code: "custom", path: ["registrationNumber"], message: "pledge.validation.registrationNumber" });
    } else if (v.donorKind === "individual") {
      need("fullName");
      // Personal data (Law 91/2025/QH15): an individual is named in public only with explicit consent.
      if (given(v.visibility) && v.visibility !== "anonymous" && !raw.consent) ctx.addIssue({ code: "custom", path: ["consent"], message: "pledge.validation.consentRequired" });
    }
    if (v.kind === "cash_once") need("amount");
    if (v.kind === "cash_instalments") ["amount", "instalmentCount", "frequency"].forEach(need);
    if (v.kind === "in_kind") ["item", "quantity", "unitValue"].forEach(need);
    if (v.kind === "volunteer_hours") ["hours", "ratePerHour"].forEach(need);
  })
  .transform((raw) => ({ consent: raw.consent }));

/** The pledge form: who gives (an organisation or individual, in Việt Nam or abroad), what, and how they appear in public. */
export const pledgeSchema = pledgeFields.and(pledgeRequirements);

export type PledgeInput = z.infer<typeof pledgeSchema>;

/** The consent wording shown beside the checkbox and stored with the pledge (vi is the record). */
export const CONSENT_TEXT = {
  vi: "Tôi đồng ý để Góp Sức công khai tên tôi (và số tiền, nếu tôi chọn) trên trang chương trình và báo cáo minh bạch. Tôi có thể rút lại sự đồng ý này bất cứ lúc nào.",
  en: "I agree that Góp Sức may show my name (and the amount, if I chose so) on the programme page and in transparency reports. I can withdraw this consent at any time.",
} as const;
