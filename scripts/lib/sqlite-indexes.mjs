// The index FerretDB's own `_id` lookups can use, added to every table of the embedded database.
//
// FerretDB v1.24's SQLite backend answers a filter that is exactly `{_id: <string|ObjectId>}` (and
// every update and delete of a document) with `WHERE _ferretdb_sjson->'$._id' = ?`
// (internal/backends/sqlite/collection.go, metadata.IDColumn), but creates its own unique `_id` index
// on `_ferretdb_sjson->"_id"` (metadata/registry.go, indexesCreate) — a different expression, so
// SQLite scans the whole table for every read, update and delete by `_id`. We add, next to FerretDB's,
// an index on exactly the expression its queries use. FerretDB does not list it (its index list lives
// in `_ferretdb_collections.settings`) and drops it with the table. Decision 0011 says more; the test
// that fails if a FerretDB upgrade changes this is tests/integration/hot-queries.test.ts.
//
// Plain Node plus better-sqlite3 (an optional dependency): without it the app still works, only slowly,
// and /healthz says so.
import fs from "node:fs";
import path from "node:path";

export const ID_INDEX_SUFFIX = "_gopsuc_id";
export const ID_INDEX_EXPRESSION = "_ferretdb_sjson->'$._id'";
const POLL_MS = 500;

function quote(identifier) {
  return `"${String(identifier).replaceAll('"', '""')}"`;
}

async function loadSqlite() {
  try {
    return (await import("better-sqlite3")).default;
  } catch {
    return null;
  }
}

/**
 * Adds the `_id` index to every FerretDB table in one database file that lacks it. Idempotent.
 * Returns the names of the indexes it created.
 */
export function ensureIdIndexesInFile(Database, file) {
  let db;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  } catch {
    return []; // dropped between listing and opening
  }
  try {
    const hasCatalogue = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'").get();
    if (!hasCatalogue) return [];
    const tables = db.prepare("SELECT table_name FROM _ferretdb_collections").pluck().all();
    const indexes = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all());
    const created = [];
    for (const table of tables) {
      const name = `${table}${ID_INDEX_SUFFIX}`;
      if (indexes.has(name)) continue;
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
      if (!exists) continue;
      db.exec(`CREATE INDEX IF NOT EXISTS ${quote(name)} ON ${quote(table)} (${ID_INDEX_EXPRESSION})`);
      created.push(name);
    }
    return created;
  } finally {
    db.close();
  }
}

function fileStamp(file) {
  const parts = [];
  for (const f of [file, `${file}-wal`]) {
    try {
      const s = fs.statSync(f);
      parts.push(`${s.ino}:${s.size}:${s.mtimeMs}`);
    } catch {
      parts.push("-");
    }
  }
  return parts.join("|");
}

/** The file FerretDB keeps one database in, under the folder given to its --sqlite-url. */
export function sqliteFileOf(dataDir, databaseName) {
  return path.join(dataDir, `${databaseName}.sqlite`);
}

/** ensureIdIndexesInFile with better-sqlite3 loaded here (tests add the index now instead of waiting for the upkeep). */
export async function addIdIndexes(file) {
  const Database = await loadSqlite();
  return Database ? ensureIdIndexesInFile(Database, file) : [];
}

/** Removes the indexes this module adds from one database file (tests of what happens while they are missing). */
export async function dropIdIndexes(file) {
  const Database = await loadSqlite();
  if (!Database) return;
  const db = new Database(file, { fileMustExist: true, timeout: 10_000 });
  try {
    for (const name of db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE ?").pluck().all(`%${ID_INDEX_SUFFIX}`)) db.exec(`DROP INDEX ${quote(name)}`);
  } finally {
    db.close();
  }
}

/**
 * SQLite's plan for FerretDB's read of one document by `_id` from one table (the statement
 * internal/backends/sqlite/collection.go makes), asked on a connection of our own opened for the
 * question, so it sees the schema as it is now. Rows as FerretDB's explain shows them. Null when
 * better-sqlite3 is not installed or the file or table is gone.
 */
export async function explainIdLookup(file, table) {
  const Database = await loadSqlite();
  if (!Database) return null;
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2_000 });
    const rows = db.prepare(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM ${quote(table)} WHERE ${ID_INDEX_EXPRESSION} = ?`).all("probe");
    return rows.map((row) => `id=${row.id} parent=${row.parent} notused=${row.notused} detail=${row.detail}`);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/**
 * Keeps the `_id` indexes in place while FerretDB runs: once for every database file now, then
 * whenever a file (or its write-ahead log) changes — which is when a collection may have appeared.
 * Returns null when better-sqlite3 is not installed.
 */
export async function watchSqliteIdIndexes({ dataDir, log = console.log }) {
  const Database = await loadSqlite();
  if (!Database) {
    log("• better-sqlite3 is not installed: the embedded database will scan on every lookup (slow). Run npm install.");
    return null;
  }
  const seen = new Map();
  let timer = null;
  let stopped = false;
  const sweep = () => {
    let files = [];
    try {
      files = fs.readdirSync(dataDir).filter((f) => f.endsWith(".sqlite"));
    } catch {
      return;
    }
    for (const name of files) {
      const file = path.join(dataDir, name);
      const stamp = fileStamp(file);
      if (seen.get(file) === stamp) continue;
      try {
        ensureIdIndexesInFile(Database, file);
        seen.set(file, fileStamp(file));
      } catch (error) {
        // Busy, or the database was dropped while we looked (its files vanish under us): the next sweep
        // tries again, or no longer sees it. Anything else is said.
        const gone = !fs.existsSync(file);
        if (!gone && !/SQLITE_BUSY|no such table/.test(String(error?.code ?? error?.message))) log(`• index upkeep on ${name}: ${error.message}`);
      }
    }
    for (const file of seen.keys()) if (!files.includes(path.basename(file))) seen.delete(file);
  };
  sweep();
  const loop = () => {
    if (stopped) return;
    sweep();
    timer = setTimeout(loop, POLL_MS);
    timer.unref?.();
  };
  timer = setTimeout(loop, POLL_MS);
  timer.unref?.();
  return {
    sweep,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
