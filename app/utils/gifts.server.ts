/**
 * Server functions for the offline-gift and finance pages, re-exported from services/ (routes import
 * server code only through app/utils/*.server.ts bridges: docs/decisions/0004-server-only-imports.md).
 */
export { storeEvidenceFiles } from "#services/evidence";
export { discardUploads } from "#services/uploads";
export { newClientToken, recordOfflineGift } from "#services/offline-gifts";
export { CSV_COLUMNS, financeCsv, financeExport, programmeFinance, type CsvLabels } from "#services/programme-finance";
