import { stringify } from "csv-stringify/sync";
import { Expenditure, type ExpenditureDoc } from "#models/expenditure.server";
import { Programme } from "#models/programme.server";
import { Rollup, type InPeriod } from "#models/projection.server";
import { PROVINCE_SLUGS, provinceName } from "#models/reference/provinces";
import { readById } from "#models/read-by-id";
import { startOfVietnamDay, vietnamDateInput } from "../calendar";
import { currentCatalogueIndex } from "../catalogue-index";

/**
 * The public dataset as a Frictionless Data Package (issue 12, decision 0038): /transparency/data lists
 * it, /transparency/data/datapackage.json describes each CSV's fields and types (Table Schema), and each
 * resource is at /transparency/data/<name>.csv — stable English column names, whole đồng as integers,
 * dates as ISO 8601, UTF-8 without a byte-order mark (the dashboard's own CSVs, for people with a
 * spreadsheet, are translated and carry one). Journalists and auditors load it with frictionless-py,
 * R's frictionless or any CSV reader. What each resource reads:
 *   - programmes: the catalogue's in-memory index (every public programme, its copy of its received total);
 *   - received-by-province-month: the 34 province rollups, each read by `_id`;
 *   - expenditures: the published expenditures (a read of that collection; far fewer than gifts).
 * No resource reads the donations or the ledger, and no resource names a donor.
 */

type FieldType = "string" | "integer" | "date" | "boolean" | "year-month";
type Field = { name: string; type: FieldType; description: string; constraints?: Record<string, unknown> };
type Resource = { name: OpenDataResource; title: string; description: string; fields: Field[]; primaryKey?: string[] };

export const OPEN_DATA_RESOURCES = ["programmes", "received-by-province-month", "expenditures"] as const;
export type OpenDataResource = (typeof OPEN_DATA_RESOURCES)[number];
export const isOpenDataResource = (value: unknown): value is OpenDataResource => typeof value === "string" && (OPEN_DATA_RESOURCES as readonly string[]).includes(value);

const vnd = (name: string, description: string): Field => ({ name, type: "integer", description: `${description} (whole đồng, VND)`, constraints: { required: true } });

export const RESOURCES: Record<OpenDataResource, Resource> = {
  programmes: {
    name: "programmes",
    title: "Public programmes",
    description: "Every public learning programme of a library, museum or cultural centre on Góp Sức, with its goal and the money received (net of refunds and corrections).",
    primaryKey: ["id"],
    fields: [
      { name: "id", type: "string", description: "The programme's identifier", constraints: { required: true, unique: true } },
      { name: "slug", type: "string", description: "Its address: /programmes/<slug>", constraints: { required: true } },
      { name: "title", type: "string", description: "Its title (Vietnamese)" },
      { name: "institution", type: "string", description: "The institution that runs it" },
      { name: "institution_type", type: "string", description: "library, museum, cultural_centre, …" },
      { name: "province", type: "string", description: "Province code (slug)" },
      { name: "province_name", type: "string", description: "Province name" },
      { name: "themes", type: "string", description: "Themes, separated by ';'" },
      { name: "state", type: "string", description: "open or closed" },
      { name: "start_date", type: "date", description: "First day (Asia/Ho_Chi_Minh)" },
      { name: "end_date", type: "date", description: "Last day (Asia/Ho_Chi_Minh)" },
      vnd("goal_vnd", "The programme's goal"),
      vnd("received_vnd", "Money received, net of refunds and corrections"),
      vnd("pledged_vnd", "Money pledged and not cancelled"),
    ],
  },
  "received-by-province-month": {
    name: "received-by-province-month",
    title: "Money received by province and month",
    description: "Money received by the institutions of each province, by month received (Asia/Ho_Chi_Minh), net of refunds and corrections in the month they happened.",
    primaryKey: ["province", "month"],
    fields: [
      { name: "province", type: "string", description: "Province code (slug)", constraints: { required: true } },
      { name: "province_name", type: "string", description: "Province name" },
      { name: "month", type: "year-month", description: "Year and month (YYYY-MM)", constraints: { required: true } },
      vnd("received_vnd", "Money received"),
      { name: "gifts", type: "integer", description: "Number of gifts", constraints: { required: true } },
    ],
  },
  expenditures: {
    name: "expenditures",
    title: "Published expenditures",
    description: "Money spent from programmes, as published by their institutions with receipts; a reversed expenditure stays listed with its reversal.",
    primaryKey: ["id"],
    fields: [
      { name: "id", type: "string", description: "The expenditure's identifier", constraints: { required: true, unique: true } },
      { name: "programme_id", type: "string", description: "The programme (programmes.id)", constraints: { required: true } },
      { name: "programme_slug", type: "string", description: "The programme's address" },
      { name: "spent_on", type: "date", description: "Day spent (Asia/Ho_Chi_Minh)" },
      { name: "budget_line", type: "string", description: "The programme's budget line code" },
      { name: "payee", type: "string", description: "Paid to" },
      { name: "purpose", type: "string", description: "What the money was for" },
      vnd("amount_vnd", "Amount spent"),
      { name: "reversed", type: "boolean", description: "Taken back by a reversing entry" },
      { name: "reversed_on", type: "date", description: "Day reversed, if it was" },
      { name: "receipts", type: "string", description: "Addresses of its receipts, separated by ' '" },
    ],
  },
};

/** Table Schema types (a year-month is the `yearmonth` type). */
const tableSchemaType = (type: FieldType) => (type === "year-month" ? "yearmonth" : type);

/** datapackage.json: the package and each resource's schema, with absolute paths under `appUrl`. */
export function dataPackage(appUrl: string, checkpoint: { size: number; root: string; time: Date } | null, now = new Date()) {
  const base = appUrl.replace(/\/+$/, "");
  return {
    profile: "tabular-data-package",
    name: "gopsuc-transparency",
    title: "Góp Sức — public transparency data",
    description:
      "Money received and spent by public learning programmes of libraries, museums and cultural centres (Vietnam's lifelong-learning programme to 2030). Every amount is in whole đồng. Donors are never named here. The ledger behind these figures is a transparency log anyone can check: see /transparency/ledger.",
    homepage: `${base}/transparency/data`,
    created: now.toISOString(),
    version: vietnamDateInput(now),
    licenses: [{ name: "CC-BY-4.0", path: "https://creativecommons.org/licenses/by/4.0/", title: "Creative Commons Attribution 4.0" }],
    ...(checkpoint ? { transparencyCheckpoint: { treeSize: checkpoint.size, rootHash: checkpoint.root, time: checkpoint.time.toISOString(), url: `${base}/transparency/checkpoint` } } : {}),
    resources: OPEN_DATA_RESOURCES.map((name) => {
      const resource = RESOURCES[name];
      return {
        profile: "tabular-data-resource",
        name,
        title: resource.title,
        description: resource.description,
        path: `${base}/transparency/data/${name}.csv`,
        format: "csv",
        mediatype: "text/csv",
        encoding: "utf-8",
        dialect: { delimiter: ",", doubleQuote: true, header: true, lineTerminator: "\r\n" },
        schema: { fields: resource.fields.map((f) => ({ ...f, type: tableSchemaType(f.type) })), ...(resource.primaryKey ? { primaryKey: resource.primaryKey } : {}) },
      };
    }),
  };
}

const day = (date: Date | string | null | undefined) => (date ? vietnamDateInput(new Date(date)) : "");

async function programmeRows(now: Date) {
  const index = await currentCatalogueIndex();
  const { items } = index.page({ today: startOfVietnamDay(now), state: "all" }, [{ sort: "newest" }], 0, Number.MAX_SAFE_INTEGER);
  return items.map((card) => [card.id, card.slug, card.title, card.institutionName, card.institutionType, card.provinceSlug, provinceName(card.provinceSlug) ?? "", card.themes.join(";"), card.state, day(card.startDate), day(card.endDate), card.goal, card.receivedTotal, card.pledgedTotal]);
}

async function provinceMonthRows() {
  const docs = await Promise.all(PROVINCE_SLUGS.map(async (slug) => [slug, await readById<{ months?: InPeriod }>(Rollup, `province:${slug}`, "months")] as const));
  return docs.flatMap(([slug, doc]) =>
    Object.entries(doc?.months ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, period]) => [slug, provinceName(slug) ?? "", month, period.total, period.gifts]),
  );
}

async function expenditureRows() {
  const published = await Expenditure.find({ state: "published" }).lean<ExpenditureDoc[]>();
  const slugs = new Map<string, string>();
  for (const id of new Set(published.map((e) => String(e.programmeId)))) slugs.set(id, (await Programme.findById(id).select("slug").lean())?.slug ?? "");
  return published
    .sort((a, b) => a.spentAt.getTime() - b.spentAt.getTime() || String(a._id).localeCompare(String(b._id)))
    .map((e) => [String(e._id), String(e.programmeId), slugs.get(String(e.programmeId)) ?? "", day(e.spentAt), e.budgetLineCode, e.payee ?? "", e.description, e.amount, e.reversedAt ? "true" : "false", day(e.reversedAt), (e.receiptFileIds ?? []).map((id) => `/files/${String(id)}`).join(" ")]);
}

/** One resource as CSV text: its schema's field names, then its rows. */
export async function openDataCsv(name: OpenDataResource, now = new Date()): Promise<string> {
  const rows = name === "programmes" ? await programmeRows(now) : name === "received-by-province-month" ? await provinceMonthRows() : await expenditureRows();
  return stringify([RESOURCES[name].fields.map((f) => f.name), ...rows], { record_delimiter: "windows" });
}
