/**
 * Server functions for the open data package (issue 12), re-exported from services/ (routes import server
 * code only through app/utils/*.server.ts bridges: docs/decisions/0004-server-only-imports.md).
 */
export { dataPackage, isOpenDataResource, openDataCsv, OPEN_DATA_RESOURCES, RESOURCES } from "#services/transparency/open-data";
