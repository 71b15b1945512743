import type { LoaderFunctionArgs } from "@remix-run/node";
import { env } from "~/utils/env.server";
import { dataPackage, isOpenDataResource, openDataCsv } from "~/utils/open-data.server";
import { latestCheckpoint } from "~/utils/transparency.server";

/**
 * /transparency/data/datapackage.json — the Frictionless Data Package describing the public dataset;
 * /transparency/data/<resource>.csv — each of its resources (services/transparency/open-data.ts). Public.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const file = params.file ?? "";
  const common = { "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff", "Access-Control-Allow-Origin": "*" };
  if (file === "datapackage.json") {
    const checkpoint = await latestCheckpoint();
    const body = dataPackage(env().APP_URL, checkpoint ? { size: checkpoint._id, root: checkpoint.root, time: checkpoint.time } : null);
    return new Response(JSON.stringify(body, null, 2), { headers: { ...common, "Content-Type": "application/json; charset=utf-8" } });
  }
  const name = file.endsWith(".csv") ? file.slice(0, -".csv".length) : "";
  if (!isOpenDataResource(name)) throw new Response("errors.notFound", { status: 404, statusText: "Not Found" });
  return new Response(await openDataCsv(name), { headers: { ...common, "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="gopsuc-${name}.csv"` } });
}
