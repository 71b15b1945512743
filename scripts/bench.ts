/**
 * `npm run bench`: speed on the embedded database (or MONGODB_URI), written to a numbered report in
 * docs/bench/. Targets (the report says PASS/MISS, the run never fails on them):
 *   catalogue search over 20,000 public programmes: p95 < 300 ms
 *   recordDonation (insert + ledger + pledge + totals): ≥ 20 gifts/s, sequential
 *   verifyLedgerChain: ≥ 2,000 entries/s
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mongoose from "mongoose";
import { Institution } from "#models/institution.server";
import { Programme, programmeSearchText } from "#models/programme.server";
import { PROVINCES } from "#models/reference/provinces";
import { THEMES } from "#models/reference/themes";
import { catalogueFromSearchParams } from "#services/catalogue";
import { recordDonation } from "#services/donations";
import { verifyLedgerChain } from "#services/ledger";
import { searchTextOf } from "#models/fields";
import { startEmbeddedDatabase, withDatabaseName } from "./lib/database.mjs";

const PROGRAMMES = Number(process.env.BENCH_PROGRAMMES ?? 20_000);
const GIFTS = Number(process.env.BENCH_GIFTS ?? 300);

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time<T>(fn: () => Promise<T>) {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

async function main() {
  const root = path.resolve(import.meta.dirname, "..");
  let db: { uri: string; stop: () => Promise<void> } | null = null;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    db = await startEmbeddedDatabase({ dataDir: path.join(root, ".data", `bench-${process.pid}`), persistent: false, log: () => {} });
    uri = withDatabaseName(db!.uri, "gopsuc_bench");
  }
  await mongoose.connect(uri!);
  await mongoose.connection.dropDatabase();
  await Promise.all(Object.values(mongoose.models).map((m) => m.createIndexes()));

  // Data: 340 institutions (10 per province), PROGRAMMES programmes spread over them.
  const seedStart = performance.now();
  const institutions = await Institution.insertMany(
    PROVINCES.flatMap((p, pi) => Array.from({ length: 10 }, (_, i) => ({ name: `Thư viện ${p.name} ${i}`, slug: `tv-${p.slug}-${i}`, type: ["library", "museum", "cultural_centre"][i % 3], level: "commune", provinceSlug: p.slug, status: "approved", searchText: searchTextOf(`Thư viện ${p.name} ${i}`), address: p.name, bankAccount: { bankBin: "970415", accountNumber: String(1000000 + pi * 10 + i), accountName: "THU VIEN" } }))),
  );
  const words = ["Thư viện số", "Tủ sách thiếu nhi", "Bảo tàng mở", "Lớp kỹ năng sống", "Tiếng Anh cộng đồng", "Di sản địa phương"];
  const batch = 2_000;
  for (let offset = 0; offset < PROGRAMMES; offset += batch) {
    await Programme.collection.insertMany(
      Array.from({ length: Math.min(batch, PROGRAMMES - offset) }, (_, k) => {
        const n = offset + k;
        const inst = institutions[n % institutions.length]!;
        const title = `${words[n % words.length]} ${n}`;
        const goal = 10_000_000 + (n % 50) * 1_000_000;
        return { institutionId: inst._id, slug: `p-${n}`, title, summary: "Chương trình học tập suốt đời.", ...programmeSearchText({ title, summary: "Chương trình học tập suốt đời.", institutionName: inst.name, provinceSlug: inst.provinceSlug }), themes: [THEMES[n % THEMES.length]!.slug], campaignDays: [], startDate: new Date("2026-01-01"), endDate: new Date(Date.UTC(2027, n % 12, 1 + (n % 28))), goal, currency: "VND", state: n % 10 === 0 ? "closed" : "open", provinceSlug: inst.provinceSlug, institutionType: inst.type, institutionName: inst.name, institutionSlug: inst.slug, institutionApproved: true, pledgedTotal: 0, receivedTotal: 0, remainingNeed: goal, budgetLines: [], inKindNeeds: [], publishedAt: new Date(Date.now() - n * 1000), createdAt: new Date(), updatedAt: new Date() };
      }),
    );
  }
  const seedMs = performance.now() - seedStart;

  // Catalogue: typical URLs, 20 runs each after one warm-up.
  const queries = ["", "q=thu+vien+so", "province=ha-noi&type=library", "theme=reading-culture&sort=most-needed", "q=di+san&province=hue&page=3", "sort=closing-soon&state=all"];
  const searchTimes: number[] = [];
  const perQuery: Array<[string, number, number]> = [];
  for (const q of queries) {
    await catalogueFromSearchParams(new URLSearchParams(q));
    const times: number[] = [];
    for (let i = 0; i < 20; i += 1) times.push((await time(() => catalogueFromSearchParams(new URLSearchParams(q)))).ms);
    searchTimes.push(...times);
    perQuery.push([q || "(no filter)", percentile(times, 50), percentile(times, 95)]);
  }

  // Money: GIFTS sequential gifts into one institution's chain.
  const target = await Programme.findOne({ slug: "p-0" }).lean();
  const gifts = await time(async () => {
    for (let i = 0; i < GIFTS; i += 1) {
      await recordDonation({ idempotencyKey: `bench:${i}`, programmeId: target!._id, institutionId: target!.institutionId, method: "bank_transfer", amount: 100_000 + i, receivedAt: new Date(), reference: `BENCH${i}` });
    }
  });
  const duplicate = await time(() => recordDonation({ idempotencyKey: "bench:0", programmeId: target!._id, institutionId: target!.institutionId, method: "bank_transfer", amount: 100_000, receivedAt: new Date() }));
  const chain = await time(() => verifyLedgerChain(target!.institutionId));

  const p95 = percentile(searchTimes, 95);
  const giftsPerSecond = GIFTS / (gifts.ms / 1000);
  const entriesPerSecond = (chain.result.ok ? chain.result.entries : 0) / (chain.ms / 1000);
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

  const existing = fs.readdirSync(path.join(root, "docs/bench")).filter((f) => /^\d{4}-/.test(f));
  const number = String(existing.length + 1).padStart(4, "0");
  const file = path.join(root, "docs/bench", `${number}-${new Date().toISOString().slice(0, 10)}.md`);
  const report = `# Benchmark ${number} — ${new Date().toISOString()}

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; database: ${db ? "embedded FerretDB v1.24 (SQLite)" : "MONGODB_URI"}.
Data: ${institutions.length} institutions, ${PROGRAMMES.toLocaleString("en")} public programmes (inserted in ${(seedMs / 1000).toFixed(1)} s).

| measure | result | target | verdict |
|---|---|---|---|
| catalogue search p95 (${searchTimes.length} requests) | ${p95.toFixed(0)} ms (p50 ${percentile(searchTimes, 50).toFixed(0)} ms) | < 300 ms | ${verdict(p95 < 300)} |
| recordDonation, sequential | ${giftsPerSecond.toFixed(1)} gifts/s (${GIFTS} gifts in ${(gifts.ms / 1000).toFixed(1)} s) | ≥ 20/s | ${verdict(giftsPerSecond >= 20)} |
| the same gift again (duplicate) | ${duplicate.ms.toFixed(0)} ms, counted once: ${duplicate.result.duplicate} | — | — |
| verifyLedgerChain | ${chain.result.ok ? chain.result.entries : "BROKEN"} entries in ${chain.ms.toFixed(0)} ms (${entriesPerSecond.toFixed(0)}/s) | ≥ 2,000/s | ${verdict(entriesPerSecond >= 2000)} |

Per catalogue query (p50 / p95 ms):

${perQuery.map(([q, p50, p95q]) => `- \`${q}\`: ${p50.toFixed(0)} / ${p95q.toFixed(0)}`).join("\n")}
`;
  fs.writeFileSync(file, report);
  console.log(report);
  console.log(`Written to ${path.relative(root, file)}`);
  await mongoose.disconnect();
  if (db) await db.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
