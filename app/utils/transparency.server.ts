/** The transparency log's services for routes (server-only: the log's code stays out of the browser's bundle). */
export { entryIdForReference, findGift, latestCheckpoint, ledgerChains, logIdentity, proveConsistency, proveInclusion } from "#services/transparency/log";
export { findGiftsByAmount } from "#services/transparency/find-by-amount";
