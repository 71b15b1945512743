/**
 * Server functions for money out (issue 12), re-exported from services/ (routes import server code only
 * through app/utils/*.server.ts bridges: docs/decisions/0004-server-only-imports.md).
 */
export { actOnExpenditure, expenditureForm, expenditureIdFor, programmeSpending, publicSpending, recordExpenditure } from "#services/expenditures";
export { storeEvidenceFiles } from "#services/evidence";
export { discardUploads } from "#services/uploads";
export { newClientToken } from "#services/offline-gifts";
