/**
 * Bank statement reconciliation for the routes (see docs/decisions/0004-server-only-imports.md:
 * routes reach services only through app/utils/*.server.ts bridges).
 */
export {
  assignLine,
  confirmStatement,
  decodeStatementFile,
  ignoreLine,
  MAX_STATEMENT_BYTES,
  MAX_STATEMENT_LINES,
  previewStatement,
  reconciliationAccess,
  StatementError,
  statementHeaders,
  unmatchedQueue,
} from "#services/reconciliation";
export type { AssignResult, ColumnMapping, ColumnRole, ConfirmResult, OverpaymentQuestion, PreviewLine, QueueLine, QueueLineReason, StatementPreview, StatementProblem } from "#services/reconciliation";
