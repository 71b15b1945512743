/**
 * Server functions for a donor's rights over their data (issue 12), re-exported from services/ (routes
 * import server code only through app/utils/*.server.ts bridges: docs/decisions/0004-server-only-imports.md).
 */
export { eraseMe, personalData, withdrawPublicConsent } from "#services/data-rights";
