import mongoose from "mongoose";
import { explainIdLookup, sqliteFileOf } from "../scripts/lib/sqlite-indexes.mjs";

/**
 * Whether the database serves the app's hot reads from an index, asked of the database itself with
 * `explain` — the same question on the embedded FerretDB/SQLite and on MongoDB. Every hot read is a
 * read by `_id` (decision 0011), so the check is: for every collection, a find by `_id` is an index
 * lookup. /healthz reports it; tests/integration/hot-queries.test.ts fails when it is not so.
 */
export type IndexCheck = { collection: string; indexed: boolean; plan: string };

type ExplainResult = {
  queryPlanner?: { Plan?: unknown; winningPlan?: unknown };
  filterPushdown?: boolean;
};

/**
 * Reads an explain answer. FerretDB on SQLite returns `queryPlanner.Plan`, the rows of SQLite's
 * `EXPLAIN QUERY PLAN` ("… SEARCH <table> USING INDEX <name> (<expr>=?)" or "… SCAN <table>");
 * MongoDB returns `queryPlanner.winningPlan` (IDHACK, EXPRESS_IXSCAN, IXSCAN … or COLLSCAN).
 */
export function planUsesIndex(result: ExplainResult): { indexed: boolean; plan: string } {
  const planner = result.queryPlanner ?? {};
  if (Array.isArray(planner.Plan)) {
    const rows = planner.Plan.map(String);
    const indexed = result.filterPushdown !== false && rows.some((row) => /\bSEARCH\b.*\bUSING (?:COVERING )?INDEX\b/.test(row)) && !rows.some((row) => /\bSCAN\b/.test(row));
    return { indexed, plan: rows.join("; ") };
  }
  const text = JSON.stringify(planner.winningPlan ?? {});
  return { indexed: /IDHACK|IXSCAN|EXPRESS/.test(text) && !/COLLSCAN/.test(text), plan: text.slice(0, 300) };
}

/** FerretDB's own explain of one find on one collection, as it answers it (no second opinion). */
export async function explainFindAsAsked(collection: string, filter: Record<string, unknown>): Promise<IndexCheck> {
  const db = mongoose.connection.db!;
  const result = (await db.command({ explain: { find: collection, filter }, verbosity: "queryPlanner" })) as ExplainResult;
  return { collection, ...planUsesIndex(result) };
}

/**
 * Explains one find on one collection. On the embedded database the plan comes from SQLite's
 * `EXPLAIN QUERY PLAN` on one of FerretDB's pooled connections, and such a statement never notices
 * that another connection changed the schema (it does not touch the database file): a connection
 * that read the schema before the launcher added an index explains a SCAN until it next runs a real
 * statement, while real reads (which do check the schema) already use the index — and one that read
 * it before an index was dropped explains a SEARCH. So, when the launcher said where the files are
 * (EMBEDDED_DATA_DIR), the table FerretDB's answer names is asked again of SQLite itself, on a
 * connection opened for the question, with the statement FerretDB's reads by `_id` make
 * (scripts/lib/sqlite-indexes.mjs, explainIdLookup). That FerretDB's reads make that statement is what
 * tests/integration/hot-queries.test.ts checks with FerretDB's own answer.
 */
export async function explainFind(collection: string, filter: Record<string, unknown>): Promise<IndexCheck> {
  const asked = await explainFindAsAsked(collection, filter);
  const table = /\b(?:SCAN|SEARCH) (\S+)/.exec(asked.plan)?.[1];
  const dataDir = process.env.EMBEDDED_DATA_DIR;
  if (!table || !dataDir) return asked;
  const rows = await explainIdLookup(sqliteFileOf(dataDir, mongoose.connection.db!.databaseName), table);
  return rows ? { collection, ...planUsesIndex({ queryPlanner: { Plan: rows } }) } : asked;
}

/**
 * For every collection of the app's database: is a read by `_id` an index lookup? One collection after
 * another (a health check should not crowd the database).
 */
export async function checkIdLookups(): Promise<IndexCheck[]> {
  const db = mongoose.connection.db!;
  const collections = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => !name.startsWith("system."));
  collections.sort();
  const checks: IndexCheck[] = [];
  for (const name of collections) checks.push(await explainFind(name, { _id: new mongoose.Types.ObjectId() }));
  return checks;
}

/**
 * The unique indexes the models declare (the money events' idempotency keys among them: what makes a
 * retried webhook or import count once), each checked against the database's own list. Missing ones
 * are returned as "<collection>: <key pattern>".
 */
export async function missingUniqueIndexes(): Promise<string[]> {
  const db = mongoose.connection.db!;
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const missing: string[] = [];
  for (const model of Object.values(mongoose.models)) {
    const wanted = model.schema.indexes().filter(([, options]) => options?.unique);
    if (wanted.length === 0) continue;
    const name = model.collection.collectionName;
    const have = existing.has(name) ? await db.collection(name).indexes() : [];
    const keysOf = (key: Record<string, unknown>) => JSON.stringify(Object.entries(key).map(([field, order]) => [field, Number(order)]));
    const present = new Set(have.filter((index) => index.unique).map((index) => keysOf(index.key)));
    for (const [key] of wanted) if (!present.has(keysOf(key))) missing.push(`${name}: ${keysOf(key)}`);
  }
  return missing.sort();
}

/** Builds every index the models declare, and waits for them (before the server answers: see app/utils/db.server.ts). */
export async function ensureModelIndexes(): Promise<void> {
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
}

