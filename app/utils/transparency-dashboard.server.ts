/** The transparency dashboard's services for routes (server-only: the database code stays out of the browser's bundle; decision 0004). */
export { dashboardFigures, honourRoll, vietnamYear, MAX_CERTIFICATES_PER_KIND, MONTHS_SHOWN, TOP_PROGRAMMES } from "#services/transparency/dashboard";
export type { DashboardFigures, HonourRoll, HonourTier } from "#services/transparency/dashboard";
export { CSV_TABLES, dashboardCsv, isCsvTable } from "#services/transparency/dashboard-csv";
export type { CsvHeaders, CsvTable } from "#services/transparency/dashboard-csv";
