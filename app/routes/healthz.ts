import { json } from "@remix-run/node";
import { checkIdLookups, missingUniqueIndexes } from "#services/database-indexes";
import { databaseReachable, TimedOut, within } from "~/utils/db.server";

/** The longest /healthz takes to answer, whatever state the database is in (decision 0018). */
const BUDGET_MS = 900;
/** Of which the ping may take this much: a database that does not answer is "unavailable", not a hang. */
const PING_MS = 500;

/**
 * For load balancers and uptime checks, always within a second: 200 when the database answers, 503
 * when it does not (down, being restarted by `npm start`, or hanging), or when a unique index the models
 * declare is missing (money events would no longer be idempotent). It also says whether every
 * collection's reads by `_id` are index lookups (decision 0011): "degraded" (still 200: the app works,
 * only slowly) names the collections that would be scanned. The answer holds fixed words only; what
 * went wrong is written to the server log.
 */
export async function loader() {
  const headers = { "Cache-Control": "no-store" };
  const started = Date.now();
  const left = () => BUDGET_MS - (Date.now() - started);
  const database = await databaseReachable({ timeoutMs: PING_MS });
  if (!database.up) return json({ status: "unavailable", database: "unreachable" }, { status: 503, headers });
  const { latencyMs } = database;
  try {
    // A unique index missing means a retried payment could be booked twice: unhealthy, not just slow.
    const missing = await within(missingUniqueIndexes(), left(), "unique index check");
    if (missing.length) return json({ status: "error", database: "up", latencyMs, uniqueIndexes: { missing } }, { status: 503, headers });
  } catch (error) {
    // The database answered the ping but is too busy to list its indexes in time: slow, not broken (a
    // load balancer should not pull the instance for that).
    if (error instanceof TimedOut) return json({ status: "degraded", database: "up", latencyMs, uniqueIndexes: "unchecked" }, { headers });
    console.error(`[healthz] the unique indexes could not be checked: ${error instanceof Error ? error.message : String(error)}`);
    return json({ status: "error", database: "up", latencyMs, uniqueIndexes: "unknown" }, { status: 503, headers });
  }
  try {
    const checks = await within(checkIdLookups(), left(), "index lookup check");
    const unindexed = checks.filter((c) => !c.indexed).map((c) => c.collection);
    return json({ status: unindexed.length ? "degraded" : "ok", database: "up", latencyMs, indexes: unindexed.length ? { unindexed } : "ok" }, { headers });
  } catch {
    return json({ status: "degraded", database: "up", latencyMs, indexes: "unknown" }, { headers });
  }
}
