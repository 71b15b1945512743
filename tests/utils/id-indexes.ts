import { inject } from "vitest";
import { addIdIndexes, dropIdIndexes, sqliteFileOf } from "../../scripts/lib/sqlite-indexes.mjs";

/** This test file's database file (setup-test-env.ts names one database per file). */
const testDatabaseFile = (dataDir: string) => sqliteFileOf(dataDir, new URL(process.env.MONGODB_URI!).pathname.slice(1));

/**
 * Adds the `_id` index to this test file's database now, as the launcher's upkeep does within half a
 * second of a collection appearing (scripts/lib/sqlite-indexes.mjs), instead of waiting for its next
 * sweep, which a busy machine may delay. FerretDB's connections see a new index when they next read
 * the schema, so callers still wait for the database's own answer (whenIdLookupsIndexed). Nothing to
 * do on MongoDB.
 */
export async function addIdIndexesNow(): Promise<void> {
  const dataDir = inject("embeddedDataDir");
  if (!dataDir) return;
  await addIdIndexes(testDatabaseFile(dataDir));
}

/**
 * Takes the launcher's `_id` indexes away from this test file's database (to test what happens while
 * they are missing). Nothing to do on MongoDB.
 */
export async function dropIdIndexesNow(): Promise<void> {
  const dataDir = inject("embeddedDataDir");
  if (!dataDir) return;
  await dropIdIndexes(testDatabaseFile(dataDir));
}

/**
 * Adds the indexes now, then asks the database (explain) until every collection's read by `_id` is an
 * index lookup — a wait for an answer, bounded generously (a minute) for a busy machine. Returns the
 * last answer: the caller asserts on it.
 */
export async function whenIdLookupsIndexed<T extends { indexed: boolean }>(check: () => Promise<T[]>): Promise<T[]> {
  await addIdIndexesNow();
  let checks = await check();
  for (const started = Date.now(); checks.some((c) => !c.indexed) && Date.now() - started < 60_000; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    checks = await check();
  }
  return checks;
}

