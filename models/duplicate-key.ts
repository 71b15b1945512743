/**
 * A write refused by a unique index (MongoDB's and FerretDB's code 11000). For the money path it is the
 * answer, not a failure: the idempotency key says the event was already recorded. The one copy of this test.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * An upsert by `_id` that two callers may send at once: both can find no document and insert, and the
 * second's insert fails on `_id` (FerretDB does not retry it as MongoDB's server does). Then the document
 * exists, and the same upsert sent again is an update.
 */
export async function upsertAgainIfRaced<T>(upsert: () => Promise<T>): Promise<T> {
  try {
    return await upsert();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return upsert();
  }
}
