import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/utils/auth.server";
import { CSV_COLUMNS, financeExport, type CsvLabels } from "~/utils/gifts.server";
import { getFixedT } from "~/utils/i18n.server";
import { orRespond } from "~/utils/service-errors.server";
import { enforceFileLimits, limitsFor } from "~/utils/rate-limit.server";

const KINDS = ["donation_received", "in_kind_received", "volunteer_hours", "refund", "correction", "dispute", "reinstatement", "expenditure", "expenditure_reversal"] as const;
const METHODS = ["card", "bank_transfer", "cash", "in_kind", "volunteer_hours"] as const;

/**
 * GET /manage/institutions/<id>/export.csv — the institution's books (every gift and ledger entry)
 * for its managers and the officers who oversee it. UTF-8 with a byte-order mark, so Excel shows
 * Vietnamese correctly; headers in the reader's language.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  await enforceFileLimits(request, limitsFor(request, "export", user.id));
  const t = await getFixedT(request);
  const labels: CsvLabels = {
    header: Object.fromEntries(CSV_COLUMNS.map((c) => [c, t(`finance.csv.header.${c}`)])) as CsvLabels["header"],
    kind: Object.fromEntries(KINDS.map((k) => [k, t(`finance.csv.kind.${k}`)])),
    method: Object.fromEntries(METHODS.map((m) => [m, t(`gifts.methods.${m}`)])),
  };
  const { filename, csv } = await orRespond(financeExport(user, params.id ?? "", labels));
  return new Response(`\uFEFF${csv}`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
