/**
 * A write refused by a unique index (MongoDB's and FerretDB's code 11000). For the money path it is the
 * answer, not a failure: the idempotency key says the event was already recorded. The one copy of this test.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}
