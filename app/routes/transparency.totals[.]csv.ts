import type { LoaderFunctionArgs } from "@remix-run/node";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { CSV_TABLES, dashboardCsv, dashboardFigures, honourRoll, isCsvTable, vietnamYear, type CsvHeaders } from "~/utils/transparency-dashboard.server";

/**
 * GET /transparency/totals.csv?by=<year|month|province|type|theme|campaign-day|programme|honour>[&year=]
 * — each table of /transparency as CSV, open data for anyone: UTF-8 with a byte-order mark (Excel then
 * shows Vietnamese right), quoted by csv-stringify, headers in the reader's language, amounts as plain
 * whole đồng. The same reads as the page (decision 0035): never the donations or the ledger.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const by = url.searchParams.get("by");
  const t = await getFixedT(request);
  const k = (key: string, options?: Record<string, unknown>) => t(`transparency.dashboard.${key}`, options);
  if (!isCsvTable(by)) {
    throw new Response(k("badTable", { tables: CSV_TABLES.join(", ") }), { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const now = new Date();
  const current = vietnamYear(now);
  const yearParam = url.searchParams.get("year");
  const year = yearParam === null || yearParam === "" ? current : Number(yearParam);
  if (!Number.isInteger(year) || year < 2000 || year > current) {
    throw new Response(k("badYear"), { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const lang = await getLanguage(request);
  const received = k("colReceivedVnd");
  const spent = k("colSpentVnd");
  const headers: CsvHeaders = {
    year: [k("colYear"), received, k("colGifts"), spent],
    month: [k("colMonth"), received, k("colGifts"), spent],
    province: [k("colSlug"), k("colProvince"), received, k("colGifts"), spent],
    type: [k("colSlug"), k("colType"), received, k("colProgrammes"), spent],
    theme: [k("colSlug"), k("colTheme"), received, k("colProgrammes"), spent],
    "campaign-day": [k("colSlug"), k("colCampaignDay"), received, k("colProgrammes"), spent],
    programme: [k("colRank"), k("colProgramme"), k("colInstitution"), k("colProvince"), received, k("colGoalVnd"), k("colAddress")],
    honour: [k("honourYear"), k("colTier"), k("colCertificate"), k("colDonor"), k("colCount")],
  };
  const data = by === "honour" ? { figures: null, roll: await honourRoll(year) } : { figures: await dashboardFigures(now), roll: null };
  const csv = dashboardCsv(by, headers, data, lang, k("anonymousBenefactor"));
  const name = by === "honour" ? `gopsuc-honour-roll-${year}` : `gopsuc-received-by-${by}`;
  return new Response(`\uFEFF${csv}`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
