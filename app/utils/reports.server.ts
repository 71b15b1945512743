/**
 * Server functions for the reports to the Prime Minister and the programme's indicators (issue 12),
 * re-exported from services/ (routes import server code only through app/utils/*.server.ts bridges:
 * docs/decisions/0004-server-only-imports.md).
 */
export { institutionYearForm, listIndicators, recordInstitutionYear, updateIndicatorTargets } from "#services/reports/indicators";
export { listPublishedReports, previewReport, publishedReport, publishedReportFile, publishReport, reportScopesFor, REPORT_FORMATS, type ReportFormat } from "#services/reports/publish";
export { indicatorMet } from "#services/reports/pdf";
export type { ReportFigures } from "#services/reports/figures";
