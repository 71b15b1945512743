/** A programme's public ledger for routes (server-only: services stay out of the browser's bundle). */
export { LEDGER_VIEW_ROWS, publicProgrammeLedger, publicProgrammeLedgerCsv } from "#services/transparency/programme-ledger";
export { LEDGER_ENTRY_KINDS } from "#models/ledger-entry.server";
