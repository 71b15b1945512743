/**
 * The recognition services the officers' pages call (rules, who qualifies, nominations, review),
 * re-exported for the routes (docs/decisions/0004-server-only-imports.md).
 */
export { canKeepRules, canReview, createRule, nominate, review } from "#services/recognition/nominations";
export { qualifyingDonors } from "#services/recognition/qualification";
export { donorNames, drillDown, nominationsForViewer, nomineeHistoryView, rulesForViewer, setRuleActiveById } from "#services/recognition/officer-views";
