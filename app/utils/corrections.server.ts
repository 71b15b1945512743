/**
 * Server functions for the corrections and platform-limits pages, re-exported from services/ (routes
 * import server code only through app/utils/*.server.ts bridges: docs/decisions/0004-server-only-imports.md).
 */
export { correctionForm, correctionReviewQueue, decideCorrection, programmeCorrections, requestCorrection } from "#services/corrections";
export { newClientToken } from "#services/offline-gifts";
export { getLimits, updateLimits } from "#services/settings";
