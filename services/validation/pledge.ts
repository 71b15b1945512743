import { z } from "zod";
import { PROVINCE_SLUGS } from "#models/reference/provinces";
import { isValidEnterpriseTaxCode } from "./tax-code";
import { checkboxField, emailField, optionalField, phoneField, plainText, positiveVndAmountField } from "./fields";

const text = (max: number) => plainText(max);
const optional = optionalField;
const positiveAmount = positiveVndAmountField;

/** The pledge form: who gives (organisation or individual), what, and how they appear in public. */
export const pledgeSchema = z
  .object({
    donorKind: z.enum(["organisation", "individual"], { errorMap: () => ({ message: "validation.invalidChoice" }) }),
    legalName: optional(text(200)),
    taxCode: optional(z.string().trim().refine(isValidEnterpriseTaxCode, "validation.taxCode")),
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
    const need = (path: string, ok: unknown, message = "validation.required") => {
      if (ok === undefined || ok === null || ok === "") ctx.addIssue({ code: "custom", path: [path], message });
    };
    if (v.donorKind === "organisation") {
      need("legalName", v.legalName);
      need("taxCode", v.taxCode);
    } else {
      need("fullName", v.fullName);
      // Personal data (Law 91/2025/QH15): an individual is named in public only with explicit consent.
      if (v.visibility !== "anonymous" && !v.consent) ctx.addIssue({ code: "custom", path: ["consent"], message: "pledge.validation.consentRequired" });
    }
    if (v.kind === "cash_once") need("amount", v.amount);
    if (v.kind === "cash_instalments") {
      need("amount", v.amount);
      need("instalmentCount", v.instalmentCount);
      need("frequency", v.frequency);
      if (v.amount !== undefined && v.instalmentCount !== undefined && v.amount < v.instalmentCount) ctx.addIssue({ code: "custom", path: ["amount"], message: "pledge.validation.tooSmallForInstalments" });
    }
    if (v.kind === "in_kind") {
      need("item", v.item);
      need("quantity", v.quantity);
      need("unitValue", v.unitValue);
    }
    if (v.kind === "volunteer_hours") {
      need("hours", v.hours);
      need("ratePerHour", v.ratePerHour);
    }
  });

export type PledgeInput = z.infer<typeof pledgeSchema>;

/** The consent wording shown beside the checkbox and stored with the pledge (vi is the record). */
export const CONSENT_TEXT = {
  vi: "Tôi đồng ý để Góp Sức công khai tên tôi (và số tiền, nếu tôi chọn) trên trang chương trình và báo cáo minh bạch. Tôi có thể rút lại sự đồng ý này bất cứ lúc nào.",
  en: "I agree that Góp Sức may show my name (and the amount, if I chose so) on the programme page and in transparency reports. I can withdraw this consent at any time.",
} as const;
