/**
 * `npm run bench`: the app at the scale of a province and of the nation, on the embedded database
 * (FerretDB on SQLite, scripts/lib/database.mjs), with data the benchmark generates itself, measured
 * through HTTP against the real built app. Issue 8's proof; the report goes to docs/bench/<n>-<date>.md.
 *
 *   BENCH_SCALES=province,nation        which scales, in order (default both)
 *   BENCH_PROVINCE_PROGRAMMES=2000      BENCH_PROVINCE_DONATIONS=100000
 *   BENCH_NATION_PROGRAMMES=20000       BENCH_NATION_DONATIONS=1000000
 *   BENCH_REQUESTS=20                   timed requests per page (after one warm-up), sequential
 *   BENCH_GIFTS=200                     recordDonation calls at the start and at the end
 *   BENCH_STATEMENT_LINES=5000          lines of the imported bank statement
 *   BENCH_PAGE_BUDGET_S=300             a page's series stops early (n ≥ 3) once this is spent
 *   BENCH_SKIP=statement,growth,sweep   phases left out (the report says which): the statement import; the
 *                                       10 % more gifts, second rebuild and end gifts; the full sweep
 *
 * Per scale: a fresh database; the meta document "legacy-ids" = false; institutions, programmes,
 * donors, pledges, gifts and their ledger entries written in bulk with the ids and keys the app writes
 * (scripts/bench/data.ts); rebuildProjections; then recordDonation ×BENCH_GIFTS (start), the pages
 * through HTTP (remix-serve, NODE_ENV=production), the same programme page from a bare driver server
 * (scripts/bench/bare-server.ts), a statement import through the reconciliation service, another 10 %
 * of gifts in bulk, and recordDonation ×BENCH_GIFTS again (end). Targets are reported PASS/MISS; the
 * run never fails on them.
 *
 * BENCH_SCALES=books (issue 9's proof, scripts/bench/books.ts; asked for by name, not in the default): one
 * institution's ledger at BENCH_BOOKS_SMALL=1000 and BENCH_BOOKS_LARGE=100000 entries, recordDonation
 * ×BENCH_GIFTS and receivedOfProgramme at each (with the commands each sends), then rebuildProjections from
 * BENCH_BOOKS_REBUILD_ENTRIES=1000000 entries; the background is BENCH_BOOKS_PROGRAMMES=1000 and
 * BENCH_BOOKS_DONATIONS=10000 (loadData). No HTTP, so no build.
 *
 * BENCH_SCALES=certificates (issue 11's proof, scripts/bench/certificates.ts; asked for by name): certificate
 * PDFs per second (BENCH_CERT_PDFS=200) and a batch of BENCH_CERT_BATCH=1000 issued end to end. No build.
 *
 * BENCH_SCALES=log (issue 12's proof, scripts/bench/log.ts; asked for by name): the transparency log grown to
 * BENCH_LOG_ENTRIES=1650000 leaves through its appender, a checkpoint every BENCH_LOG_CHECKPOINT_EVERY=250000,
 * then publishCheckpoint, proveInclusion ×BENCH_LOG_INCLUSION=50 and proveConsistency ×BENCH_LOG_CONSISTENCY=20,
 * each proof verified. No build.
 */
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import mongoose from "mongoose";
import { LedgerEntry } from "#models/ledger-entry.server";
import { forgetLegacyIds } from "#models/projection.server";
import type { SessionUser } from "#models/user.server";
import { recordDonation } from "#services/money/donations";
import { runSweep } from "#services/money/sweeper";
import { rebuildProjections } from "#services/money/projections";
import { confirmStatement, previewStatement } from "#services/reconciliation";
import { FERRETDB_VERSION, startEmbeddedDatabase, withDatabaseName } from "./lib/database.mjs";
import { BOOKS_FLAT_TARGET, BOOKS_GIFTS_PER_S, booksSection, commandLine, runBooks, traced, watchCommands, type BooksResult, type CommandSeen } from "./bench/books";
import { certificatesSection, runCertificates } from "./bench/certificates";
import { logSection, runLog } from "./bench/log";
import { addGiftsInBulk, loadData, statementCsv, type LoadedData } from "./bench/data";
import { FIND_RATE_LIMIT, findByAmountSeries, findByReferenceSeries, rebuildFindKeys } from "./bench/find-by-amount";
import { expectCsv, expectPdf, measure, rssMiB, signIn, startServer, type RunningServer } from "./bench/http";
import { ms, percentile, progress, seconds, summary, timed, type Series } from "./bench/stats";

const root = path.resolve(import.meta.dirname, "..");
const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number`);
  return Math.round(value);
};

const DEFAULT_COUNTS: Record<string, { programmes: number; donations: number }> = {
  province: { programmes: 2_000, donations: 100_000 },
  nation: { programmes: 20_000, donations: 1_000_000 },
};
const SCALES = (process.env.BENCH_SCALES ?? "province,nation").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
const REQUESTS = Math.max(3, num("BENCH_REQUESTS", 20));
const GIFTS = Math.max(3, num("BENCH_GIFTS", 200));
const SKIP = new Set((process.env.BENCH_SKIP ?? "").split(",").map((p) => p.trim()).filter(Boolean));
const STATEMENT_LINES = Math.min(5_000, Math.max(10, num("BENCH_STATEMENT_LINES", 5_000)));
const PAGE_BUDGET_MS = num("BENCH_PAGE_BUDGET_S", 300) * 1000;
/** One client address makes every request of the bench: the per-address limits on public work would refuse it (app/utils/limits-config.server.ts). */
const BENCH_RATE_LIMITS = "search-ip=1000000/60,pdf-ip=1000000/600,pdf-account=1000000/600,export-ip=1000000/600,export-account=1000000/600," + FIND_RATE_LIMIT;
/** p95 ceiling of every page, per scale (issue 8). */
const PAGE_TARGET_MS: Record<string, number> = { province: 300, nation: 1_000 };
const GIFT_TARGET_MS = 50;
const FLAT_TARGET = 1.5;
const BARE_TARGET = 0.6;

type GiftRun = { times: number[]; errors: string[] };

/** Milliseconds of garbage collection in this process so far (what a slow gift spent on it is the difference). */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ["gc"] });
type ScaleResult = {
  scale: string;
  counts: { programmes: number; donations: number };
  data?: LoadedData;
  durations: Record<string, number>;
  rebuild?: Awaited<ReturnType<typeof rebuildProjections>>;
  rebuild2?: Awaited<ReturnType<typeof rebuildProjections>>;
  pages: Series[];
  bare?: Series;
  appProgramme?: Series;
  ledgerPage?: Series;
  ledgerRecompute?: Series & { entries: number };
  ledgerCsv?: Series;
  giftsStart?: GiftRun;
  giftsEnd?: GiftRun;
  extraGifts?: number;
  sweep?: { ms: number; chains: number; broken: number };
  statement?: { lines: number; previewMs: number; confirmMs: number; recorded: number; queued: number; summary: string };
  rssMiB?: number | null;
  bareRssMiB?: number | null;
  errors: string[];
  serverErrors?: string;
};

// ——— The build ———

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** `npx remix build` when build/ is missing or older than the sources it bundles. Returns a line for the report. */
function ensureBuild(): string {
  const built = path.join(root, "build/index.js");
  const sources = Math.max(...["app", "models", "services"].map((d) => newestMtime(path.join(root, d))));
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  if (builtAt >= sources) return `build/ from ${new Date(builtAt).toISOString()} (newer than app/, models/, services/)`;
  progress(`build/ is ${builtAt ? "older than the sources" : "missing"}: npx remix build`);
  const start = Date.now();
  const result = spawnSync("npx", ["remix", "build"], { cwd: root, stdio: "inherit" });
  if (result.status === 0) return `built with \`npx remix build\` at ${new Date().toISOString()} (${((Date.now() - start) / 1000).toFixed(0)} s)`;
  if (!builtAt) throw new Error("npx remix build failed and there is no earlier build");
  progress("npx remix build FAILED: measuring the previous build");
  return `**npx remix build failed** (exit ${result.status}); measured the previous build from ${new Date(builtAt).toISOString()}`;
}

// ——— One scale ———

async function timeGifts(data: LoadedData, tag: string): Promise<GiftRun> {
  // Programmes of eight institutions, in turn (each gift appends to its institution's chain).
  const institutions = [0, 1, 2, 3, 40, 41, 150, 300].filter((i) => i < data.institutions.length);
  const targets = data.programmes.filter((p) => p.state === "open" && institutions.includes(p.inst));
  const run: GiftRun = { times: [], errors: [] };
  const traces = new Map<number, { commands: CommandSeen[]; gc: number }>();
  for (let i = 0; i < GIFTS; i += 1) {
    const programme = targets[i % targets.length]!;
    const input = {
      idempotencyKey: `offline:bench-${tag}-${i}`,
      programmeId: programme._id,
      institutionId: data.institutions[programme.inst]!._id,
      method: "cash" as const,
      amount: 100_000 + i * 1_000,
      receivedAt: new Date(),
      reference: `PT-${tag}-${i}`,
    };
    try {
      const gcBefore = gcMs;
      const { ms: elapsed, result, commands } = await traced(() => recordDonation(input));
      if (result.duplicate) run.errors.push(`gift ${i} was a duplicate`);
      else {
        run.times.push(elapsed);
        traces.set(i, { commands, gc: gcMs - gcBefore });
      }
    } catch (error) {
      run.errors.push(String((error as Error).message ?? error));
    }
  }
  progress(`  recordDonation ×${GIFTS} (${tag}): p50 ${ms(percentile(run.times, 50))} ms, p95 ${ms(percentile(run.times, 95))} ms${run.errors.length ? `, ${run.errors.length} errors: ${run.errors[0]}` : ""}`);
  // Where the tail is: the slowest gifts by their place in the run (the first ${targets.length} are each programme's first in this process).
  const slowest = run.times.map((t, i) => ({ i, t })).sort((a, b) => b.t - a.t).slice(0, Math.ceil(GIFTS / 20));
  progress(`    slowest (gift #: ms, of ${targets.length} programmes in turn): ${slowest.map(({ i, t }) => `${i}: ${ms(t)}`).join(", ")}`);
  // What each of them spent its time on: the driver's time per command, garbage collection, and the rest (the app's own work, waits).
  for (const { i, t } of slowest) {
    const trace = traces.get(i);
    if (!trace) continue;
    const inCommands = trace.commands.reduce((sum, c) => sum + (Number.isFinite(c.ms) ? c.ms : 0), 0);
    progress(`      #${i} ${ms(t)} ms: ${trace.commands.map((c) => commandLine(c, true)).join("; ")}; gc ${ms(trace.gc)} ms; rest ${ms(t - inCommands)} ms`);
  }
  return run;
}

async function runScale(scale: string, password: string): Promise<ScaleResult> {
  const defaults = DEFAULT_COUNTS[scale] ?? DEFAULT_COUNTS.province!;
  const key = scale.toUpperCase();
  const counts = { programmes: num(`BENCH_${key}_PROGRAMMES`, defaults.programmes), donations: num(`BENCH_${key}_DONATIONS`, defaults.donations) };
  const result: ScaleResult = { scale, counts, durations: {}, pages: [], errors: [] };
  const durations = result.durations;
  progress(`━━ ${scale}: ${counts.programmes.toLocaleString("en")} programmes, ${counts.donations.toLocaleString("en")} donations`);
  const dataDir = path.join(root, ".data", `bench-${process.pid}-${scale}`);
  // The embedded FerretDB also offers ensureIndexes (its `_id` index upkeep, run now); mongod does not need it.
  let db: { uri: string; stop: () => Promise<void>; ensureIndexes?: () => unknown } | null = null;
  let app: RunningServer | null = null;
  let bare: RunningServer | null = null;
  try {
    db = await startEmbeddedDatabase({ dataDir, persistent: false, log: (line: string) => progress(line) });
    const uri = withDatabaseName(db.uri, "gopsuc_bench");
    forgetLegacyIds();
    await mongoose.connect(uri, { autoIndex: false, serverSelectionTimeoutMS: 10_000, monitorCommands: true });
    watchCommands();
    const indexes = await timed(async () => {
      for (const model of Object.values(mongoose.models)) await model.createIndexes();
    });
    durations.createIndexes = indexes.ms;

    progress("loading data");
    const load = await timed(() => loadData({ ...counts, statementLines: STATEMENT_LINES }, password));
    const data = load.result;
    result.data = data;
    durations.load = load.ms;
    for (const [name, value] of Object.entries(data.timings)) durations[`load: ${name}`] = value;
    durations.idIndexes = (await timed(async () => db!.ensureIndexes?.())).ms;
    progress(`loaded in ${seconds(load.ms)}; rebuildProjections…`);
    const rebuild = await timed(() => rebuildProjections());
    durations.rebuildProjections = rebuild.ms;
    result.rebuild = rebuild.result;
    progress(`rebuildProjections: ${seconds(rebuild.ms)} (${JSON.stringify(rebuild.result)})`);
    durations.rebuildGiftAmountKeys = await rebuildFindKeys(); // the load wrote gifts around the services: their keys by amount and day

    progress("recording gifts (start)");
    const giftsStart = await timed(() => timeGifts(data, "start"));
    result.giftsStart = giftsStart.result;
    durations.giftsStart = giftsStart.ms;

    // ——— The app through HTTP ———
    const pagesStart = performance.now();
    app = await startServer(
      "remix-serve",
      ["scripts/serve.mjs", "build/index.js"],
      // The sweeper off in the server: its first sweep of a database reads everything, and would land in the
      // middle of the series measured here; one sweep is timed on its own at the end (sweepMs).
      { MONGODB_URI: uri, SWEEPER_INTERVAL_MS: "0", NODE_ENV: "production", SESSION_SECRET: crypto.randomBytes(32).toString("hex"), APP_URL: "http://127.0.0.1", HOST: "127.0.0.1", DEMO_MODE: "false", RATE_LIMITS: BENCH_RATE_LIMITS, SMTP_URL: "smtp://127.0.0.1:2525", MAIL_FROM: "bench@gopsuc.invalid", SIGNING_KEY: crypto.generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString() },
      root,
    );
    const budget = { requests: REQUESTS, budgetMs: PAGE_BUDGET_MS };
    const catalogue: Array<[string, string]> = [
      ["catalogue: no filter", "/programmes"],
      ["catalogue: q=thu+vien", "/programmes?q=thu+vien"],
      ["catalogue: province + type", "/programmes?province=ha-noi&type=library"],
      ["catalogue: theme + most-needed", "/programmes?theme=reading-culture&sort=most-needed"],
      ["catalogue: q + province + page 3", "/programmes?q=thu+vien&province=hue&page=3"],
      ["catalogue: closing-soon, all states", "/programmes?sort=closing-soon&state=all"],
    ];
    for (const [label, url] of catalogue) result.pages.push(await measure(label, () => `${app!.url}${url}`, budget));
    const programmeUrl = `/programmes/${data.programmePageSlug}`;
    result.appProgramme = await measure("programme page", () => `${app!.url}${programmeUrl}`, budget);
    result.pages.push(result.appProgramme);
    // The busy programme's whole ledger (issue 12): its newest page, one far back, and the same page's figures
    // recomputed from the ledger entries themselves (in this process, with the driver) for the ratio.
    result.ledgerPage = await measure("programme ledger, newest page", () => `${app!.url}${programmeUrl}/ledger`, budget);
    result.pages.push(result.ledgerPage);
    result.pages.push(await measure("programme ledger, page 100 (or its last)", () => `${app!.url}${programmeUrl}/ledger?page=100`, budget));
    result.ledgerRecompute = await timeLedgerRecompute(data, budget.requests);
    result.pages.push(await measure("/transparency (dashboard)", () => `${app!.url}/transparency`, budget));
    result.ledgerCsv = await measure("programme ledger CSV, the whole", () => `${app!.url}${programmeUrl}/ledger.csv`, { requests: counts.donations > 200_000 ? 1 : 2, budgetMs: PAGE_BUDGET_MS, warmUp: false, check: expectCsv });

    const donor = await signIn(app.url, data.donorUser.email, data.donorUser.password);
    result.pages.push(await measure("pledge page (signed in)", () => `${app!.url}/pledges/${data.donorUser.instalmentPledgeReference}`, { ...budget, jar: donor }));
    result.pages.push(await measure("/account, 50 pledges (signed in)", () => `${app!.url}/account`, { ...budget, jar: donor }));
    result.pages.push(...(await findByReferenceSeries(app.url, budget, data.donorUser.pledgeReferences, data.donorUser.receiptNumbers)));
    result.pages.push(...(await findByAmountSeries(app.url, budget, 100_000 + (GIFTS - 1) * 1_000))); // the last gift of the start run
    const receipts = data.donorUser.receiptNumbers;
    // First downloads: a different receipt each time (rendered, then stored); then one stored receipt again and again.
    const distinct = (i: number) => receipts[(i + 1) % receipts.length]!;
    result.pages.push(await measure(`receipt PDF, first download (${Math.min(receipts.length, REQUESTS + 1)} distinct)`, (i) => `${app!.url}/receipts/${distinct(i)}/pdf`, { ...budget, jar: donor, check: expectPdf }));
    result.pages.push(await measure("receipt PDF, stored", () => `${app!.url}/receipts/${receipts[0]!}/pdf`, { ...budget, jar: donor, check: expectPdf }));
    durations.pages = performance.now() - pagesStart;

    // ——— The bare driver server, same page ———
    bare = await startServer("bare server", ["--import", "tsx", "scripts/bench/bare-server.ts"], { MONGODB_URI: uri }, root, "/healthz", 60_000);
    result.bare = await measure("bare driver server: programme page", () => `${bare!.url}${programmeUrl}`, budget);
    result.bareRssMiB = rssMiB(bare.child.pid);
    await bare.stop();
    bare = null;

    // ——— A 5,000-line statement, imported as the institution's manager would ———
    if (!SKIP.has("statement")) {
      progress(`importing a ${STATEMENT_LINES}-line statement`);
      const manager: SessionUser = { id: data.manager.id, email: data.manager.email, name: data.manager.name, role: "manager", institutionIds: [data.manager.institutionId], provinceSlug: null };
      const csv = statementCsv(data.statementPledges, STATEMENT_LINES);
      try {
        const preview = await timed(() => previewStatement(manager, data.manager.institutionId, csv, { layout: "vietcombank" }));
        progress(`  preview: ${seconds(preview.ms)} ${JSON.stringify(preview.result.summary)}`);
        const confirm = await timed(() => confirmStatement(manager, data.manager.institutionId, csv, { layout: "vietcombank" }, { acceptAmountDiffers: [], fileName: "sao-ke-bench.csv" }));
        progress(`  confirm: ${seconds(confirm.ms)} ${JSON.stringify(confirm.result)}`);
        const s = preview.result.summary;
        result.statement = { lines: s.total, previewMs: preview.ms, confirmMs: confirm.ms, recorded: confirm.result.recorded, queued: confirm.result.queued, summary: `${s.matched} matched, ${s.amountDiffers} amount differs, ${s.unmatched} unmatched` };
        durations.statement = preview.ms + confirm.ms;
      } catch (error) {
        result.errors.push(`statement import: ${(error as Error).stack ?? error}`);
        progress(`  statement import FAILED: ${(error as Error).message}`);
      }
    }

    // ——— 10 % more gifts, then the gifts again ———
    if (!SKIP.has("growth")) {
      const extra = Math.round(counts.donations / 10);
      progress(`adding ${extra.toLocaleString("en")} gifts in bulk, then rebuildProjections`);
      const added = await timed(() => addGiftsInBulk(data, extra, "extra"));
      result.extraGifts = added.result;
      durations.extraGifts = added.ms;
      await db.ensureIndexes?.();
      const rebuild2 = await timed(() => rebuildProjections());
      result.rebuild2 = rebuild2.result;
      durations.rebuildProjections2 = rebuild2.ms;
      progress(`  bulk ${seconds(added.ms)}, rebuild ${seconds(rebuild2.ms)}`);
      progress("recording gifts (end)");
      const giftsEnd = await timed(() => timeGifts(data, "end"));
      result.giftsEnd = giftsEnd.result;
      durations.giftsEnd = giftsEnd.ms;
    }
    if (!SKIP.has("sweep")) {
      // What the server's sweeper does on a database it has not swept: everything read, and the daily pass.
      progress("one full sweep (as a server's first, with the daily pass)");
      const sweep = await timed(() => runSweep({ full: true }));
      durations.sweep = sweep.ms;
      result.sweep = { ms: sweep.ms, chains: sweep.result.daily?.chains ?? 0, broken: sweep.result.daily?.brokenChains ?? 0 };
      progress(`  ${seconds(sweep.ms)}: ${JSON.stringify(sweep.result.daily)}`);
    }
    // One more page so the server has read the grown database, then its memory.
    await measure("programme page after the run", () => `${app!.url}${programmeUrl}`, { requests: 3, budgetMs: PAGE_BUDGET_MS, warmUp: false });
    result.rssMiB = rssMiB(app.child.pid);
  } catch (error) {
    result.errors.push((error as Error).stack ?? String(error));
    progress(`${scale} FAILED: ${(error as Error).message}`);
  } finally {
    const serverLog = app?.output() ?? "";
    const errorLines = serverLog.split("\n").filter((line) => /error|Error|ERR|warn/i.test(line));
    if (errorLines.length) result.serverErrors = errorLines.slice(-30).join("\n");
    await bare?.stop().catch(() => {});
    await app?.stop().catch(() => {});
    await mongoose.disconnect().catch(() => {});
    await db?.stop().catch((error: unknown) => progress(`stopping the database: ${String(error)}`));
  }
  return result;
}

/**
 * What a programme's ledger page costs without the pages the books keep: every entry of the programme read
 * from the ledger (a filter on programmeId: on the embedded database, a read of the whole collection) in
 * chain order, and the balance summed through each — the newest 50 being what the page shows.
 */
async function timeLedgerRecompute(data: LoadedData, requests: number): Promise<Series & { entries: number }> {
  const programme = data.programmes.find((p) => p.slug === data.programmePageSlug)!;
  const series: Series & { entries: number } = { label: "programme ledger recomputed from the entries (in process)", times: [], errors: [], entries: 0 };
  const began = performance.now();
  // At the nation's size one recompute reads every entry (minutes): at least 2, then stop once the page budget is spent.
  for (let i = 0; i < Math.max(3, Math.min(requests, 10)) && !(i >= 2 && performance.now() - began > PAGE_BUDGET_MS); i += 1) {
    const start = performance.now();
    const entries = await LedgerEntry.find({ programmeId: programme._id }).select("amount sequence").sort({ sequence: 1 }).lean();
    let balance = 0;
    const balances = entries.map((e) => (balance += e.amount));
    series.times.push(performance.now() - start);
    series.entries = balances.length;
  }
  progress(`  ${series.label}: ${series.entries} entries, p50=${percentile(series.times, 50).toFixed(0)} ms`);
  return series;
}

// ——— The report ———

const verdict = (ok: boolean | null) => (ok === null ? "—" : ok ? "PASS" : "MISS");

function scaleSection(r: ScaleResult): string {
  const target = PAGE_TARGET_MS[r.scale] ?? 1_000;
  const d = r.data;
  const lines: string[] = [`## ${r.scale}`, ""];
  if (d) {
    lines.push(
      `Data loaded (asked: ${r.counts.programmes.toLocaleString("en")} programmes, ${r.counts.donations.toLocaleString("en")} donations): ` +
        `${d.institutions.length} approved institutions (10 per province, with bank accounts), ${d.programmes.length.toLocaleString("en")} public programmes ` +
        `(${d.programmes.filter((p) => p.state === "open").length.toLocaleString("en")} open, ${d.programmes.filter((p) => p.state === "closed").length.toLocaleString("en")} closed), ` +
        `${d.donors.toLocaleString("en")} donors, ${d.pledges.toLocaleString("en")} pledges (cash_once and cash_instalments; one donor with 50, who signs in; ` +
        `${d.statementPledges.length.toLocaleString("en")} unpaid ones of the statement's institution), ${d.donations.toLocaleString("en")} donations and as many ledger entries, ` +
        `${d.lookups.toLocaleString("en")} key documents, ${d.users} users. Later: ${GIFTS * 2} gifts by recordDonation, ${r.statement?.recorded ?? 0} by the statement import, ` +
        `${(r.extraGifts ?? 0).toLocaleString("en")} more in bulk.`,
      "",
    );
  }
  const dur = Object.entries(r.durations).map(([k, v]) => `${k} ${seconds(v)}`).join(" · ");
  lines.push(`Durations: ${dur}.`, "");
  if (r.rebuild) lines.push(`rebuildProjections counted ${r.rebuild.entries.toLocaleString("en")} entries of ${r.rebuild.institutions} institutions, ${r.rebuild.programmes.toLocaleString("en")} programmes, ${r.rebuild.pledges.toLocaleString("en")} pledges.`, "");
  lines.push("| measure | n | p50 ms | p95 ms | target | verdict |", "|---|---|---|---|---|---|");
  for (const s of r.pages) {
    const { n, p50, p95 } = summary(s);
    const limit = s.targetMs ?? target;
    lines.push(`| ${s.label}${s.note ? ` (${s.note})` : ""}${s.errors.length ? ` — **${s.errors.length} errors**` : ""} | ${n} | ${ms(p50)} | ${ms(p95)} | p95 ≤ ${limit} | ${verdict(n > 0 && s.errors.length === 0 ? p95 <= limit : false)} |`);
  }
  const giftRow = (label: string, run?: GiftRun) => {
    if (!run) return;
    lines.push(`| ${label}${run.errors.length ? ` — **${run.errors.length} errors**` : ""} | ${run.times.length} | ${ms(percentile(run.times, 50))} | ${ms(percentile(run.times, 95))} | p95 ≤ ${GIFT_TARGET_MS} | ${verdict(run.times.length > 0 ? percentile(run.times, 95) <= GIFT_TARGET_MS : false)} |`);
  };
  giftRow("recordDonation, start (after loading)", r.giftsStart);
  giftRow("recordDonation, end (after the run and +10 % gifts)", r.giftsEnd);
  if (r.giftsStart?.times.length && r.giftsEnd?.times.length) {
    const ratio = percentile(r.giftsEnd.times, 50) / percentile(r.giftsStart.times, 50);
    const ratio95 = percentile(r.giftsEnd.times, 95) / percentile(r.giftsStart.times, 95);
    lines.push(`| recordDonation end ÷ start (p50; p95 ${ratio95.toFixed(2)}) | — | ${ratio.toFixed(2)} | — | ≤ ${FLAT_TARGET} | ${verdict(ratio <= FLAT_TARGET)} |`);
  }
  if (r.ledgerRecompute && r.ledgerPage) {
    const c = summary(r.ledgerRecompute);
    const page = summary(r.ledgerPage);
    lines.push(`| ${r.ledgerRecompute.label} | ${c.n} | ${ms(c.p50)} | ${ms(c.p95)} | — | — |`);
    lines.push(`| recompute p50 ÷ ledger page p50 | — | ${(c.p50 / page.p50).toFixed(2)} | — | — | — |`);
  }
  if (r.ledgerCsv) {
    const c = summary(r.ledgerCsv);
    lines.push(`| ${r.ledgerCsv.label} (${r.ledgerRecompute?.entries.toLocaleString("en") ?? "?"} entries; a download, not a page)${r.ledgerCsv.errors.length ? ` — **${r.ledgerCsv.errors.length} errors**` : ""} | ${c.n} | ${ms(c.p50)} | ${ms(c.p95)} | — | — |`);
  }
  if (r.bare && r.appProgramme) {
    const b = summary(r.bare);
    const a = summary(r.appProgramme);
    lines.push(`| ${r.bare.label}${r.bare.errors.length ? ` — **${r.bare.errors.length} errors**` : ""} | ${b.n} | ${ms(b.p50)} | ${ms(b.p95)} | — | — |`);
    lines.push(`| app ÷ bare (bare p50 ÷ app p50) | — | ${(b.p50 / a.p50).toFixed(2)} | — | ≥ ${BARE_TARGET} | ${verdict(b.n > 0 && a.n > 0 ? b.p50 / a.p50 >= BARE_TARGET : false)} |`);
  }
  lines.push("");
  if (r.statement) {
    const total = r.statement.previewMs + r.statement.confirmMs;
    lines.push(
      `Statement import (${r.statement.lines.toLocaleString("en")} credit lines, Vietcombank layout, half with a real pledge reference; as the institution's manager, through previewStatement then confirmStatement): ` +
        `preview ${seconds(r.statement.previewMs)} (${r.statement.summary}), import ${seconds(r.statement.confirmMs)} (${r.statement.recorded} recorded, ${r.statement.queued} queued); ` +
        `total ${seconds(total)}, **${(r.statement.lines / (total / 1000)).toFixed(1)} lines/s**.`,
      "",
    );
  }
  if (r.sweep) {
    lines.push(
      `One full sweep (what a server's sweeper does on a database it has not swept yet, with the daily pass; the server's own sweeper was off during the series): ` +
        `**${seconds(r.sweep.ms)}**, ${r.sweep.chains} institutions' chains verified in one read of the ledger, ${r.sweep.broken} broken.`,
      "",
    );
  }
  lines.push(`Server memory after the run: remix-serve RSS ${r.rssMiB ? `${r.rssMiB.toFixed(0)} MiB` : "unknown"}; bare server ${r.bareRssMiB ? `${r.bareRssMiB.toFixed(0)} MiB` : "unknown"}.`, "");
  const failed = r.pages.filter((s) => s.errors.length);
  for (const s of failed) lines.push(`Errors of “${s.label}”: ${s.errors.slice(0, 3).map((e) => `\`${e.slice(0, 300).replaceAll("`", "'")}\``).join("; ")}`, "");
  for (const e of [...(r.giftsStart?.errors ?? []), ...(r.giftsEnd?.errors ?? [])].slice(0, 3)) lines.push(`Gift error: \`${e.slice(0, 300)}\``, "");
  for (const e of r.errors) lines.push("Run error:", "", "```", e.slice(0, 3000), "```", "");
  if (r.serverErrors) lines.push("Server log (lines mentioning errors or warnings, last 30):", "", "```", r.serverErrors.slice(0, 4000), "```", "");
  return lines.join("\n");
}

function reportNumber(dir: string): string {
  const numbers = fs.readdirSync(dir).map((f) => /^(\d{4})-/.exec(f)?.[1]).filter((n): n is string => Boolean(n)).map(Number);
  return String(Math.max(0, ...numbers) + 1).padStart(4, "0");
}

function command(): string {
  const vars = Object.entries(process.env)
    .filter(([k]) => k.startsWith("BENCH_"))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [...vars, "npm run bench"].join(" ");
}

async function main() {
  const startedAt = new Date();
  const load = os.loadavg();
  const pageScales = SCALES.filter((scale) => scale !== "books" && scale !== "certificates" && scale !== "log");
  // Only the scales served through HTTP need the build (books runs in this process).
  const build = pageScales.length ? ensureBuild() : null;
  const password = `bench-${crypto.randomBytes(9).toString("base64url")}`;
  const results: ScaleResult[] = [];
  const sections: string[] = [];
  let books: BooksResult | null = null;
  for (const scale of SCALES) {
    if (scale === "log") {
      const entries = Math.max(2, num("BENCH_LOG_ENTRIES", 1_650_000));
      const checkpointEvery = Math.max(1, num("BENCH_LOG_CHECKPOINT_EVERY", Math.min(250_000, Math.ceil(entries / 6))));
      sections.push(logSection(await runLog({ root, entries, checkpointEvery, inclusion: Math.max(1, num("BENCH_LOG_INCLUSION", 50)), consistency: num("BENCH_LOG_CONSISTENCY", 20) })));
    } else if (scale === "certificates") {
      sections.push(certificatesSection(await runCertificates({ root, pdfs: Math.max(1, num("BENCH_CERT_PDFS", 200)), batch: num("BENCH_CERT_BATCH", 1_000) })));
    } else if (scale === "books") {
      books = await runBooks({
        root,
        password,
        small: Math.max(1, num("BENCH_BOOKS_SMALL", 1_000)),
        large: Math.max(1, num("BENCH_BOOKS_LARGE", 100_000)),
        rebuildEntries: num("BENCH_BOOKS_REBUILD_ENTRIES", 1_000_000),
        programmes: Math.max(340, num("BENCH_BOOKS_PROGRAMMES", 1_000)),
        donations: Math.max(1_000, num("BENCH_BOOKS_DONATIONS", 10_000)),
        gifts: GIFTS,
      });
      sections.push(booksSection(books));
    } else {
      const result = await runScale(scale, password);
      results.push(result);
      sections.push(scaleSection(result));
    }
  }

  const dir = path.join(root, "docs/bench");
  const number = reportNumber(dir);
  const file = path.join(dir, `${number}-${startedAt.toISOString().slice(0, 10)}.md`);
  const cpus = os.cpus();
  const report = [
    `# Benchmark ${number}: the embedded database at ${SCALES.join(" and ")} scale, ${startedAt.toISOString().slice(0, 10)}`,
    "",
    `Command: \`${command()}\` (started ${startedAt.toISOString()}, ${((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)} min in all).`,
    "",
    ...(SKIP.size ? [`Phases left out (BENCH_SKIP): ${[...SKIP].join(", ")} — statement: the 5,000-line statement import; growth: the 10 % more gifts, the second rebuild and recordDonation at the end; sweep: the full sweep.`, ""] : []),
    `Machine: ${os.type()} ${os.release()}, ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}; load average at the start ${load.map((l) => l.toFixed(1)).join(" / ")} (the cores are shared).`,
    "",
    `Database: the embedded default — FerretDB ${FERRETDB_VERSION} on SQLite (scripts/lib/database.mjs, with its \`_id\` index upkeep), one fresh database per scale (\`.data/bench-<pid>-<scale>\`, removed afterwards). ` +
      (build
        ? `App: ${build}; served by remix-serve with NODE_ENV=production, one process, with the public abuse limits raised (\`RATE_LIMITS=${BENCH_RATE_LIMITS}\`: one client makes every request; each is still counted, only none is refused); requests are sequential, each page after one warm-up request; times are wall-clock at the client (fetch). ` +
          `recordDonation and the statement import run in the benchmark's own process against the same database.`
        : `No pages measured (no build): the services are called in the benchmark's own process; times are wall-clock around each call.`),
    "",
    ...(results.length
      ? [
          `Targets (issue 8): every page p95 ≤ 300 ms at province scale and ≤ 1 s at nation scale; a gift ≤ ${GIFT_TARGET_MS} ms at both (p95 here), and flat (end ÷ start p50 ≤ ${FLAT_TARGET}); the app ≥ ${BARE_TARGET}× a bare driver server on the same page (bare p50 ÷ app p50). PASS/MISS never fails the run.`,
          "",
        ]
      : []),
    ...(books
      ? [
          `Targets (issue 9, books): recording a gift costs the same with ${books.options.small.toLocaleString("en")} and ${books.options.large.toLocaleString("en")} entries in the institution's ledger (large ÷ small p50 ≤ ${BOOKS_FLAT_TARGET}, our reading of “near 1”), ` +
            `at least ${BOOKS_GIFTS_PER_S} gifts/s sequential at both; reading a programme's totals is one command, a find by \`_id\`; rebuilding all projections from ${books.options.rebuildEntries.toLocaleString("en")} ledger entries, time noted. PASS/MISS never fails the run.`,
          "",
        ]
      : []),
    ...sections,
  ].join("\n");
  fs.writeFileSync(file, report);
  console.log(`\n${report}\n`);
  progress(`written to ${path.relative(root, file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
