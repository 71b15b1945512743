import type { LoaderFunctionArgs } from "@remix-run/node";
import { orRespond } from "~/utils/service-errors.server";
import { publishedReportFile, REPORT_FORMATS, type ReportFormat } from "~/utils/reports.server";

/**
 * /transparency/reports/:id/pdf and /csv — a published report's file, byte for byte as it was published
 * (its SHA-256 is on the report's page). Public; read by `_id`; cacheable forever (it never changes).
 */
export async function loader({ params }: LoaderFunctionArgs) {
  const format = params.format ?? "";
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) throw new Response("errors.notFound", { status: 404 });
  const file = await orRespond(publishedReportFile(params.id ?? "", format as ReportFormat));
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      "Content-Type": file.contentType,
      "Content-Length": String(file.bytes.length),
      "Content-Disposition": `attachment; filename="${file.filename}"`,
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-SHA256": file.sha256,
    },
  });
}
