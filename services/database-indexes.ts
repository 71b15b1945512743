import mongoose from "mongoose";

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

/**
 * Explains one find on one collection, after making that find for real. On the embedded database the
 * plan comes from SQLite's `EXPLAIN QUERY PLAN` on one of FerretDB's pooled connections, and such a
 * statement never notices that another connection changed the schema (it does not touch the
 * database file): a connection that read the schema before the launcher added an index explains a
 * SCAN until it next runs a real statement, while real reads already use the index. The real find
 * refreshes the connection it runs on, which Go's pool (most recently freed first) hands to the
 * explain that follows when nothing else runs between them. A SCAN is asked again twice, each time
 * after a burst of real finds side by side (which refreshes the pool's other connections), before it
 * is believed.
 */
export async function explainFind(collection: string, filter: Record<string, unknown>): Promise<IndexCheck> {
  const db = mongoose.connection.db!;
  const find = () => db.collection(collection).find(filter, { limit: 1, projection: { _id: 1 } }).toArray();
  let answer = { indexed: false, plan: "" };
  for (let attempt = 0; attempt < 3 && !answer.indexed; attempt += 1) {
    if (attempt === 0) await find();
    else await Promise.all(Array.from({ length: 16 }, find));
    const result = (await db.command({ explain: { find: collection, filter }, verbosity: "queryPlanner" })) as ExplainResult;
    answer = planUsesIndex(result);
  }
  return { collection, ...answer };
}

/**
 * For every collection of the app's database: is a read by `_id` an index lookup? One collection after
 * another, so that each explain follows its own real find on the same pooled connection (explainFind).
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

