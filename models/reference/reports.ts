/** The reports to the Prime Minister (issue 12): the annual report and the two reviews of the plan. */
export const REPORT_KINDS = ["annual", "review-2025", "review-2030"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
