/**
 * The bare driver server of `npm run bench`: node:http and the MongoDB driver, nothing else. It answers
 * GET /programmes/<slug> with the same database reads the app's programme page makes (as of
 * 2026-12-01 15:08: services/catalogue.ts getProgrammePage → models/catalogue.server.ts
 * findPublicProgrammeBySlug, services/projections.ts recentGiftsOfProgramme, findLedgerDonations with
 * the kept ids; the root loader reads nothing for a visitor without a cookie), and a trivial HTML page.
 * All reads are by `_id`. If the page's reads change, change them here too. The app's time divided by this one's is the cost of Remix, React and mongoose.
 *
 * The driver is the copy mongoose depends on (`mongoose.mongo` is that module; a bare `import "mongodb"`
 * does not resolve here because npm nests it under mongoose). Only the driver is used.
 *
 * Run: MONGODB_URI=mongodb://…/db PORT=… node --import tsx scripts/bench/bare-server.ts
 */
import http from "node:http";
import mongoose from "mongoose";

const { MongoClient, ObjectId } = mongoose.mongo;

const CARD_FIELDS = ["slug", "title", "summary", "institutionName", "institutionSlug", "institutionType", "provinceSlug", "themes", "campaignDays", "startDate", "endDate", "goal", "pledgedTotal", "receivedTotal", "state", "coverImageId", "publishedAt"];
const DETAIL_FIELDS = [...CARD_FIELDS, "institutionId", "institutionApproved", "description", "budgetLines", "inKindNeeds"];
const projection = (fields: string[]) => Object.fromEntries(fields.map((f) => [f, 1]));
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const escape = (text: unknown) => String(text ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

async function main() {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error("MONGODB_URI is required");
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000 });
  const db = client.db();
  const lookups = db.collection<{ _id: string; ids: InstanceType<typeof ObjectId>[] }>("lookups");
  const programmes = db.collection("programmes");
  const donations = db.collection("donations");
  const projections = db.collection<{ _id: string; total: number; gifts?: number; recent?: Array<{ id: InstanceType<typeof ObjectId>; at: Date }> }>("projections");
  const pledges = db.collection("pledges");
  const donors = db.collection("donors");

  async function programmePage(slug: string): Promise<string | null> {
    const key = await lookups.findOne({ _id: `programme-slug:${slug}` });
    const id = key?.ids[0];
    const programme = id ? await programmes.findOne({ _id: id }, { projection: projection(DETAIL_FIELDS) }) : null;
    if (!programme || programme.slug !== slug || programme.institutionApproved !== true || !["open", "closed"].includes(programme.state)) return null;
    // The programme's gifts as the books keep them (services/projections.ts recentGiftsOfProgramme: the
    // "received:<programme>" projection, with a count and the latest ids), then each gift by `_id`
    // (models/catalogue.server.ts findLedgerDonations). No projection: no gifts (a database without legacy ids).
    const kept = await projections.findOne({ _id: `received:${String(programme._id)}` });
    const total: number = kept?.gifts ?? 0;
    // `recent`: "<ms base 36>.<id hex>" per gift, newest first (models/projection.server.ts encodeRecentGifts).
    const ids = String(kept?.recent ?? "").split(" ").filter(Boolean).slice(0, 50).map((g) => new mongoose.Types.ObjectId(g.split(".")[1]));
    const gifts = (await Promise.all(ids.map((gift) => donations.findOne({ _id: gift }, { projection: projection(["amount", "receivedAt", "method", "donorId", "pledgeId", "donorSnapshot"]) })))).filter((g) => g !== null);
    const pledgeIds = [...new Set(gifts.map((g) => g.pledgeId).filter(Boolean).map(String))];
    const donorIds = [...new Set(gifts.map((g) => g.donorId).filter(Boolean).map(String))];
    const [pledgeDocs, donorDocs] = await Promise.all([
      Promise.all(pledgeIds.map((p) => pledges.findOne({ _id: new ObjectId(p) }, { projection: { visibility: 1, consent: 1 } }))),
      Promise.all(donorIds.map((d) => donors.findOne({ _id: new ObjectId(d) }, { projection: { kind: 1, legalName: 1, fullName: 1, erasedAt: 1 } }))),
    ]);
    const visible = new Set(pledgeDocs.filter((p) => p && p.visibility !== "anonymous").map((p) => String(p!._id)));
    const names = new Map(donorDocs.filter(Boolean).map((d) => [String(d!._id), d!.kind === "organisation" ? d!.legalName : d!.fullName]));
    const rows = gifts
      .map((g) => `<li>${escape(new Date(g.receivedAt).toISOString().slice(0, 10))} · ${escape(g.amount)} ₫ · ${escape(g.pledgeId && visible.has(String(g.pledgeId)) ? names.get(String(g.donorId)) : "Nhà hảo tâm")}</li>`)
      .join("");
    return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${escape(programme.title)}</title></head><body><h1>${escape(programme.title)}</h1><p>${escape(programme.institutionName)} · ${escape(programme.provinceSlug)}</p><p>${escape(programme.summary)}</p><p>${escape(programme.receivedTotal)} / ${escape(programme.goal)} ₫</p><h2>${total}</h2><ul>${rows}</ul></body></html>`;
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = /^\/programmes\/([^/]+)$/.exec(url.pathname);
    const slug = match?.[1]?.toLowerCase() ?? "";
    if (!match || !SLUG.test(slug)) {
      res.writeHead(url.pathname === "/healthz" ? 200 : 404, { "Content-Type": "text/plain" }).end(url.pathname === "/healthz" ? "ok" : "not found");
      return;
    }
    programmePage(slug).then(
      (html) => {
        if (html === null) res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
        else res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
      },
      (error: unknown) => {
        console.error(error);
        res.writeHead(500, { "Content-Type": "text/plain" }).end("error");
      },
    );
  });
  const port = Number(process.env.PORT ?? 0);
  server.listen(port, "127.0.0.1", () => console.log(`bare server on http://127.0.0.1:${port}`));
  const stop = () => {
    server.close();
    void client.close().finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
