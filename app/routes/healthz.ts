import { json } from "@remix-run/node";
import { pingDatabase } from "~/utils/db.server";

/** For load balancers and uptime checks: 200 when the database answers a ping, 503 when not. */
export async function loader() {
  try {
    const latencyMs = await pingDatabase();
    return json({ status: "ok", database: "up", latencyMs }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return json({ status: "error", database: "down", error: (error as Error).message }, { status: 503, headers: { "Cache-Control": "no-store" } });
  }
}
