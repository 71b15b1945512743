import { PROVINCE_SLUGS } from "./provinces";

/**
 * Reference data of recognition (J3), with no database code: the rule model, the forms' zod schemas
 * and the pages (in the browser) share it. models/recognition-rule.server.ts re-exports it.
 */

/**
 * Kinds of certificate (domain.md §4). The platform issues a Giấy chứng nhận or a Thư cảm ơn on its own;
 * a Minister's Bằng khen and the Prime Minister's are state awards: recorded here only from a signed
 * decision (its number and date), never invented. `code` is the serial's middle part: 2026/GCN/000123.
 */
export const CERTIFICATE_TYPES = {
  certificate: { code: "GCN", decision: false, title: { vi: "Giấy chứng nhận", en: "Certificate of recognition" } },
  thanks: { code: "TCO", decision: false, title: { vi: "Thư cảm ơn", en: "Letter of thanks" } },
  minister_merit: { code: "BKBT", decision: true, title: { vi: "Bằng khen của Bộ trưởng", en: "Minister's certificate of merit" } },
  pm_merit: { code: "BKTTG", decision: true, title: { vi: "Bằng khen của Thủ tướng Chính phủ", en: "Prime Minister's certificate of merit" } },
} as const;
export type CertificateType = keyof typeof CERTIFICATE_TYPES;
export const CERTIFICATE_TYPE_KEYS = Object.keys(CERTIFICATE_TYPES) as CertificateType[];

/** Who a rule applies to: organisations, individuals, and volunteer experts (individuals who gave hours in the period). */
export const RULE_DONOR_KINDS = ["organisation", "individual", "volunteer_expert"] as const;
export type RuleDonorKind = (typeof RULE_DONOR_KINDS)[number];

/** A rule's reach: the nation, or one province (contributions to that province's institutions). */
export const RULE_SCOPES = ["national", ...PROVINCE_SLUGS] as const;

/** proposed → approved or rejected (by a ministry officer who did not nominate) → issued (a certificate exists). */
export const NOMINATION_STATUSES = ["proposed", "approved", "rejected", "issued"] as const;
export type NominationStatus = (typeof NOMINATION_STATUSES)[number];
