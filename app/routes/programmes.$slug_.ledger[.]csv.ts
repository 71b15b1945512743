import type { LoaderFunctionArgs } from "@remix-run/node";
import { getFixedT } from "~/utils/i18n.server";
import { LEDGER_ENTRY_KINDS, publicProgrammeLedgerCsv } from "~/utils/programme-ledger.server";
import { notFound, slugOr404 } from "~/utils/slugs";

/**
 * GET /programmes/<slug>/ledger.csv — a programme's whole public ledger as CSV, open data for anyone: oldest
 * first, every entry in and out with the balance after it, donors only as they consented. UTF-8 with a
 * byte-order mark (Excel then shows Vietnamese right), headers in the reader's language, amounts as plain
 * whole đồng. Streamed one stored page at a time.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const slug = slugOr404(params.slug);
  const t = await getFixedT(request);
  const labels = {
    header: t("programmeLedger.csvHeader", { returnObjects: true }) as unknown as string[],
    kind: Object.fromEntries(LEDGER_ENTRY_KINDS.map((kind) => [kind, t(`finance.csv.kind.${kind}`)])),
    anonymous: t("programmeLedger.anonymous"),
  };
  const chunks = await publicProgrammeLedgerCsv(slug, labels);
  if (!chunks) notFound();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("\uFEFF"));
    },
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="gopsuc-ledger-${slug}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
