import { json } from "@remix-run/node";
import { checkIdLookups, missingUniqueIndexes } from "#services/database-indexes";
import { pingDatabase } from "~/utils/db.server";

/**
 * For load balancers and uptime checks: 200 when the database answers, 503 when not, or when a unique
 * index the models declare is missing (money events would no longer be idempotent). It also says
 * whether every collection's reads by `_id` are index lookups (decision 0011): "degraded" (still 200:
 * the app works, only slowly) names the collections that would be scanned.
 */
export async function loader() {
  const headers = { "Cache-Control": "no-store" };
  let latencyMs: number;
  try {
    latencyMs = await pingDatabase();
  } catch {
    return json({ status: "error", database: "down" }, { status: 503, headers });
  }
  try {
    // A unique index missing means a retried payment could be booked twice: unhealthy, not just slow.
    const missing = await missingUniqueIndexes();
    if (missing.length) return json({ status: "error", database: "up", latencyMs, uniqueIndexes: { missing } }, { status: 503, headers });
  } catch {
    return json({ status: "error", database: "up", latencyMs, uniqueIndexes: "unknown" }, { status: 503, headers });
  }
  try {
    const checks = await checkIdLookups();
    const unindexed = checks.filter((c) => !c.indexed).map((c) => c.collection);
    return json({ status: unindexed.length ? "degraded" : "ok", database: "up", latencyMs, indexes: unindexed.length ? { unindexed } : "ok" }, { headers });
  } catch {
    return json({ status: "degraded", database: "up", latencyMs, indexes: "unknown" }, { headers });
  }
}
