import catalogueEn from "./locales/catalogue.en.json";
import catalogueVi from "./locales/catalogue.vi.json";
import certificatesAdminEn from "./locales/certificates-admin.en.json";
import certificatesAdminVi from "./locales/certificates-admin.vi.json";
import en from "./locales/en.json";
import filesEn from "./locales/files.en.json";
import filesVi from "./locales/files.vi.json";
import mailEn from "./locales/mail.en.json";
import mailVi from "./locales/mail.vi.json";
import manageEn from "./locales/manage.en.json";
import manageVi from "./locales/manage.vi.json";
import giftsEn from "./locales/gifts.en.json";
import giftsVi from "./locales/gifts.vi.json";
import limitsEn from "./locales/limits.en.json";
import limitsVi from "./locales/limits.vi.json";
import pledgeEn from "./locales/pledge.en.json";
import pledgeVi from "./locales/pledge.vi.json";
import reconcileEn from "./locales/reconcile.en.json";
import reconcileVi from "./locales/reconcile.vi.json";
import receiptEn from "./locales/receipt.en.json";
import receiptVi from "./locales/receipt.vi.json";
import recognitionEn from "./locales/recognition.en.json";
import recognitionVi from "./locales/recognition.vi.json";
import reportsEn from "./locales/reports.en.json";
import reportsVi from "./locales/reports.vi.json";
import sessionsEn from "./locales/sessions.en.json";
import sessionsVi from "./locales/sessions.vi.json";
import dataRightsEn from "./locales/data-rights.en.json";
import openDataEn from "./locales/open-data.en.json";
import openDataVi from "./locales/open-data.vi.json";
import ledgerEn from "./locales/ledger.en.json";
import ledgerVi from "./locales/ledger.vi.json";
import dataRightsVi from "./locales/data-rights.vi.json";
import expendituresEn from "./locales/expenditures.en.json";
import expendituresVi from "./locales/expenditures.vi.json";
import transparencyEn from "./locales/transparency.en.json";
import transparencyVi from "./locales/transparency.vi.json";
import verifyEn from "./locales/verify.en.json";
import verifyVi from "./locales/verify.vi.json";
import vi from "./locales/vi.json";

export const SUPPORTED_LANGUAGES = ["vi", "en"] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "vi";

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
}

/**
 * One configuration for the server (per request) and the browser. Resources are small and bundled;
 * each area of the app keeps its strings in its own pair of files (top-level keys never overlap).
 */
export const i18nConfig = {
  supportedLngs: [...SUPPORTED_LANGUAGES],
  fallbackLng: DEFAULT_LANGUAGE,
  defaultNS: "common",
  ns: ["common"],
  resources: {
    vi: { common: { ...vi, ...catalogueVi, ...manageVi, ...pledgeVi, ...giftsVi, ...reconcileVi, ...receiptVi, ...sessionsVi, ...filesVi, ...mailVi, ...limitsVi, ...certificatesAdminVi, ...verifyVi, ...recognitionVi, ...transparencyVi, ...expendituresVi, ...dataRightsVi, ...openDataVi, ...ledgerVi, ...reportsVi } },
    en: { common: { ...en, ...catalogueEn, ...manageEn, ...pledgeEn, ...giftsEn, ...reconcileEn, ...receiptEn, ...sessionsEn, ...filesEn, ...mailEn, ...limitsEn, ...certificatesAdminEn, ...verifyEn, ...recognitionEn, ...transparencyEn, ...expendituresEn, ...dataRightsEn, ...openDataEn, ...ledgerEn, ...reportsEn } },
  },
  interpolation: { escapeValue: false },
  react: { useSuspense: false },
} as const;
