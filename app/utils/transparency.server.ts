/** The transparency log's services for routes (server-only: the log's code stays out of the browser's bundle). */
export { describeCheckpoint, entryIdForReference, findGift, latestCheckpoint, ledgerChains, logIdentity, logPlaceOfReceipt, proveConsistency, proveInclusion } from "#services/transparency/log";
