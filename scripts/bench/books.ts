/**
 * `BENCH_SCALES=books`: the books of issue 9, measured in the benchmark's own process against a fresh
 * embedded database (no HTTP, no build).
 *
 *   BENCH_BOOKS_SMALL=1000                entries in the institution's ledger at the first measurement
 *   BENCH_BOOKS_LARGE=100000              … and at the second
 *   BENCH_BOOKS_REBUILD_ENTRIES=1000000   ledger entries (all institutions) rebuildProjections derives from
 *   BENCH_BOOKS_PROGRAMMES=1000           the background loaded first (scripts/bench/data.ts loadData):
 *   BENCH_BOOKS_DONATIONS=10000           institutions, programmes, donors, pledges, gifts of every province
 *   BENCH_GIFTS=200                       recordDonation calls (and receivedOfProgramme reads) per size
 *
 * One institution (the statement's, index 0) and one of its open programmes: its ledger is topped up in
 * bulk to SMALL entries (addGiftsInBulk: gifts and their entries exactly as the app writes them, the chain
 * continued from its head), projections rebuilt, then recordDonation ×BENCH_GIFTS sequentially (cash, no
 * pledge, a new idempotency key each) and receivedOfProgramme ×BENCH_GIFTS; then the same at LARGE; then
 * the whole ledger is topped up to REBUILD_ENTRIES (gifts to every programme) and rebuildProjections timed.
 * Every command the driver sends is counted (command monitoring), per gift and per read.
 */
import os from "node:os";
import path from "node:path";
import mongoose, { type Types } from "mongoose";
import { LedgerEntry } from "#models/ledger-entry.server";
import { LedgerHead, forgetLegacyIds } from "#models/projection.server";
import { flushProgrammeTotals } from "#services/catalogue-index";
import { recordDonation } from "#services/money/donations";
import { forgetKnownLedgerHeads, verifyLedgerChain, type ChainCheck } from "#services/money/ledger";
import { rebuildProjections, receivedOfProgramme } from "#services/money/projections";
import { startEmbeddedDatabase, withDatabaseName } from "../lib/database.mjs";
import { addGiftsInBulk, loadData, type LoadedData } from "./data";
import { ms, percentile, progress, seconds, timed } from "./stats";

export type BooksOptions = {
  root: string;
  password: string;
  small: number;
  large: number;
  rebuildEntries: number;
  programmes: number;
  donations: number;
  gifts: number;
};

/**
 * One command as the driver sent it: its name, collection, how its filters find their documents, and how
 * long it took (driver's duration). `id`: only an `_id` equality; `id+`: an `_id` equality and more
 * conditions (on the embedded database a find may still use the `_id` index; an update reads the whole
 * collection — decision 0014 — so the money path sends none there); `scan`: no
 * `_id` equality (every document is read); null: no filter (an insert).
 */
export type CommandSeen = { name: string; collection: string; byId: "id" | "id+" | "scan" | null; filter: string; ms: number };

export type GiftSeries = {
  /** Entries in the institution's ledger before the first timed gift. */
  entriesBefore: number;
  times: number[];
  /** Commands per timed gift. */
  commands: number[];
  /** The commands of the median gift (by time). */
  example: CommandSeen[];
  /** Commands of any gift with a filter other than `_id` equality (a scan on the embedded database). */
  scans: string[];
  wallMs: number;
  errors: string[];
  /** receivedOfProgramme before and after the gifts, and Σ of the gifts recorded (must add up). */
  receivedBefore: number;
  receivedAfter: number;
  recordedSum: number;
};

/** `commands`: those of the first timed read; `everyOneFindById`: whether every timed read sent exactly one find by `_id`. */
export type ReadSeries = { times: number[]; commands: CommandSeen[]; perRead: number[]; everyOneFindById: boolean };

export type SizeResult = { label: string; target: number; fill?: { added: number; ms: number; rebuildMs: number }; gifts: GiftSeries; reads: ReadSeries };

export type BooksResult = {
  options: BooksOptions;
  institution?: { name: string; id: string };
  programme?: { slug: string; id: string };
  background?: { data: LoadedData; loadMs: number; rebuildMs: number };
  sizes: SizeResult[];
  chain?: { check: ChainCheck; ms: number };
  rebuild?: { added: number; loadMs: number; entries: number; ms: number; result: Awaited<ReturnType<typeof rebuildProjections>> };
  loadAverage: { start: number[]; end?: number[] };
  durations: Record<string, number>;
  errors: string[];
};

/** A progress line every so many entries written in bulk. */
const BULK_PROGRESS = 50_000;

// ——— Counting commands ———

type Traced = { started: mongoose.mongo.CommandStartedEvent; ms: number };
let tracing: Map<number, Traced> | null = null;
/** A bulk load under way: its ledger entries are counted as their inserts go out (addGiftsInBulk says nothing until it ends). */
let bulk: { total: number; written: number; next: number } | null = null;

export function watchCommands() {
  const client = mongoose.connection.getClient();
  client.on("commandStarted", (event) => {
    tracing?.set(event.requestId, { started: event, ms: Number.NaN });
    if (bulk && event.commandName === "insert" && event.command.insert === LedgerEntry.collection.collectionName) {
      bulk.written += (event.command.documents as unknown[] | undefined)?.length ?? 0;
      if (bulk.written >= bulk.next) {
        progress(`    ${bulk.written.toLocaleString("en")} / ${bulk.total.toLocaleString("en")} entries written in bulk`);
        bulk.next += BULK_PROGRESS;
      }
    }
  });
  const finished = (event: mongoose.mongo.CommandSucceededEvent | mongoose.mongo.CommandFailedEvent) => {
    const seen = tracing?.get(event.requestId);
    if (seen) seen.ms = event.duration;
  };
  client.on("commandSucceeded", finished);
  client.on("commandFailed", finished);
}

/** Runs `fn` and returns the commands the driver sent meanwhile (the benchmark runs one thing at a time). */
export async function traced<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; commands: CommandSeen[] }> {
  const seen = new Map<number, Traced>();
  tracing = seen;
  try {
    const { result, ms: elapsed } = await timed(fn);
    return { result, ms: elapsed, commands: [...seen.values()].map(describe) };
  } finally {
    tracing = null;
  }
}

/** Whether a filter is an `_id` equality alone ("id"), with more conditions ("id+"), or has none ("scan"). */
const filterKind = (filter: unknown): "id" | "id+" | "scan" => {
  if (!filter || typeof filter !== "object" || !("_id" in filter)) return "scan";
  const value = (filter as { _id: unknown })._id;
  // An operator object ({ $in: … }, { $gt: … }) is not an equality; an ObjectId or a string is.
  if (value && typeof value === "object" && Object.keys(value).some((k) => k.startsWith("$"))) return "scan";
  return Object.keys(filter).length === 1 ? "id" : "id+";
};

function describe({ started: event, ms: elapsed }: Traced): CommandSeen {
  const command = event.command as Record<string, unknown>;
  const collection = String(command[event.commandName] ?? "");
  let filters: unknown[] | null = null;
  if (event.commandName === "find" || event.commandName === "count" || event.commandName === "distinct") filters = [command.filter ?? command.query ?? {}];
  else if (event.commandName === "update") filters = ((command.updates as Array<{ q: unknown }>) ?? []).map((u) => u.q);
  else if (event.commandName === "delete") filters = ((command.deletes as Array<{ q: unknown }>) ?? []).map((d) => d.q);
  else if (event.commandName === "findAndModify") filters = [command.query];
  else if (event.commandName === "aggregate") filters = [null];
  const kinds = filters ? filters.map(filterKind) : [];
  const byId = !filters ? null : kinds.includes("scan") ? "scan" : kinds.includes("id+") ? "id+" : "id";
  const filter = filters ? filters.map((f) => (f ? JSON.stringify(f) : "pipeline")).join(", ").slice(0, 200) : "";
  return { name: event.commandName, collection, byId, filter, ms: elapsed };
}

const BY_ID = { id: " by _id", "id+": " by _id + condition", scan: " **not by _id (a scan)**" } as const;
export const commandLine = (c: CommandSeen, withTime = false) => `${c.name} ${c.collection}${c.byId === null ? "" : BY_ID[c.byId]}${withTime ? (Number.isFinite(c.ms) ? ` ${ms(c.ms)} ms` : " (still running when the call returned: a background write)") : ""}`;

// ——— The steps ———

async function headSequence(institutionId: Types.ObjectId): Promise<number> {
  return (await LedgerHead.findById(institutionId).lean())?.sequence ?? 0;
}

/**
 * addGiftsInBulk, in one call: it continues each chain from its head document, which only a rebuild moves
 * on, so the gifts cannot be split into several calls without a rebuild between them.
 */
async function giftsInBulk(data: LoadedData, count: number, tag: string) {
  bulk = { total: count, written: 0, next: BULK_PROGRESS };
  try {
    return await timed(() => addGiftsInBulk(data, count, tag));
  } finally {
    bulk = null;
  }
}

/** Gifts in bulk, then the projections derived again. */
async function bulkGifts(data: LoadedData, count: number, tag: string, ensureIndexes: () => Promise<unknown>) {
  const load = await giftsInBulk(data, count, tag);
  await ensureIndexes();
  const rebuild = await timed(() => rebuildProjections());
  // The rebuild drops and writes again the heads and totals: their indexes come back now.
  await ensureAllIndexes(ensureIndexes);
  // The chain was continued around the services: the head this process remembers is stale.
  forgetKnownLedgerHeads();
  return { added: load.result, ms: load.ms, rebuildMs: rebuild.ms, rebuild: rebuild.result };
}

async function recordGifts(data: LoadedData, programme: LoadedData["programmes"][number], tag: string, count: number): Promise<GiftSeries> {
  const institution = data.institutions[programme.inst]!;
  const gift = (i: number) =>
    recordDonation({
      idempotencyKey: `offline:bench-books-${tag}-${i}`,
      programmeId: programme._id,
      institutionId: institution._id,
      method: "cash",
      amount: 100_000 + i * 1_000,
      receivedAt: new Date(),
      reference: `PT-${tag}-${i}`,
    });
  // Three gifts first, not timed: the process's first reads of this chain after the bulk load.
  for (let i = 0; i < 3; i += 1) await gift(-1 - i);
  await flushProgrammeTotals();
  const series: GiftSeries = {
    entriesBefore: await headSequence(institution._id),
    times: [],
    commands: [],
    example: [],
    scans: [],
    wallMs: 0,
    errors: [],
    receivedBefore: await receivedOfProgramme(programme._id),
    receivedAfter: 0,
    recordedSum: 0,
  };
  const perGift: CommandSeen[][] = [];
  const wallStart = performance.now();
  for (let i = 0; i < count; i += 1) {
    try {
      const { result, ms: elapsed, commands } = await traced(() => gift(i));
      if (result.duplicate) {
        series.errors.push(`gift ${i} was a duplicate`);
        continue;
      }
      series.times.push(elapsed);
      series.recordedSum += 100_000 + i * 1_000;
      series.commands.push(commands.length);
      perGift.push(commands);
      for (const c of commands) if ((c.byId === "scan" || (c.byId === "id+" && c.name !== "find")) && series.scans.length < 10) series.scans.push(`${commandLine(c)} \`${c.filter}\``);
    } catch (error) {
      series.errors.push(String((error as Error).message ?? error));
    }
  }
  series.wallMs = performance.now() - wallStart;
  await flushProgrammeTotals();
  series.receivedAfter = await receivedOfProgramme(programme._id);
  const median = percentile(series.times, 50);
  const at = series.times.indexOf(median);
  series.example = perGift[at] ?? [];
  return series;
}

const oneFindById = (commands: CommandSeen[]) => commands.length === 1 && commands[0]!.name === "find" && commands[0]!.byId === "id";

async function readTotals(programmeId: Types.ObjectId, count: number): Promise<ReadSeries> {
  await flushProgrammeTotals();
  await receivedOfProgramme(programmeId); // one read first, not timed
  const series: ReadSeries = { times: [], commands: [], perRead: [], everyOneFindById: true };
  for (let i = 0; i < count; i += 1) {
    const { ms: elapsed, commands } = await traced(() => receivedOfProgramme(programmeId));
    if (i === 0) series.commands = commands;
    series.times.push(elapsed);
    series.perRead.push(commands.length);
    if (!oneFindById(commands)) series.everyOneFindById = false;
  }
  return series;
}

/** Every model's indexes, and the `_id` index of every table (after a rebuild dropped and wrote collections again). */
async function ensureAllIndexes(ensureIdIndexes: () => Promise<unknown>) {
  for (const model of Object.values(mongoose.models)) await model.createIndexes();
  await ensureIdIndexes();
}

export async function runBooks(options: BooksOptions): Promise<BooksResult> {
  const result: BooksResult = { options, sizes: [], loadAverage: { start: os.loadavg() }, durations: {}, errors: [] };
  const durations = result.durations;
  progress(
    `━━ books: one institution's ledger at ${options.small.toLocaleString("en")} and ${options.large.toLocaleString("en")} entries, ${options.gifts} gifts each; rebuild from ${options.rebuildEntries.toLocaleString("en")} entries`,
  );
  const dataDir = path.join(options.root, ".data", `bench-${process.pid}-books`);
  let db: { uri: string; stop: () => Promise<void>; ensureIndexes?: () => unknown } | null = null;
  try {
    db = await startEmbeddedDatabase({ dataDir, persistent: false, log: (line: string) => progress(line) });
    const ensureIndexes = async () => db!.ensureIndexes?.();
    forgetLegacyIds();
    forgetKnownLedgerHeads();
    await mongoose.connect(withDatabaseName(db.uri, "gopsuc_bench"), { autoIndex: false, serverSelectionTimeoutMS: 10_000, monitorCommands: true });
    watchCommands();
    durations.createIndexes = (await timed(() => ensureAllIndexes(ensureIndexes))).ms;

    // ——— The background: every province's institutions, programmes, donors, pledges, gifts ———
    progress("loading the background");
    const load = await timed(() => loadData({ programmes: options.programmes, donations: options.donations, statementLines: 10 }, options.password));
    const data = load.result;
    await ensureIndexes();
    const rebuild = await timed(() => rebuildProjections());
    await ensureAllIndexes(ensureIndexes);
    result.background = { data, loadMs: load.ms, rebuildMs: rebuild.ms };
    durations["background load"] = load.ms;
    durations["background rebuildProjections"] = rebuild.ms;

    const programme = data.programmes.find((p) => p.inst === 0 && p.state === "open");
    if (!programme) throw new Error("institution 0 has no open programme");
    const institution = data.institutions[0]!;
    result.institution = { name: institution.name, id: String(institution._id) };
    result.programme = { slug: programme.slug, id: String(programme._id) };
    // Bulk gifts of this institution go to this programme alone: its total counts them all.
    const onlyTarget: LoadedData = { ...data, programmes: [programme] };

    for (const [label, target] of [
      ["small", options.small],
      ["large", options.large],
    ] as const) {
      const have = await headSequence(institution._id);
      let fill: SizeResult["fill"];
      if (have < target) {
        progress(`${label}: the institution's ledger holds ${have.toLocaleString("en")} entries; ${(target - have).toLocaleString("en")} more in bulk, then rebuildProjections`);
        const bulk = await bulkGifts(onlyTarget, target - have, `books-${label}`, ensureIndexes);
        fill = { added: bulk.added, ms: bulk.ms, rebuildMs: bulk.rebuildMs };
        durations[`${label}: bulk`] = bulk.ms;
        durations[`${label}: rebuildProjections`] = bulk.rebuildMs;
        progress(`  bulk ${seconds(bulk.ms)}, rebuild ${seconds(bulk.rebuildMs)}`);
      }
      progress(`${label}: recordDonation ×${options.gifts}`);
      const gifts = await timed(() => recordGifts(data, programme, label, options.gifts));
      durations[`${label}: gifts`] = gifts.ms;
      const g = gifts.result;
      progress(
        `  at ${g.entriesBefore.toLocaleString("en")} entries: p50 ${ms(percentile(g.times, 50))} ms, p95 ${ms(percentile(g.times, 95))} ms, ${(g.times.length / (g.wallMs / 1000)).toFixed(1)} gifts/s, ` +
          `${percentile(g.commands, 50)} commands${g.errors.length ? `, ${g.errors.length} errors: ${g.errors[0]}` : ""}`,
      );
      progress(`  the median gift: ${g.example.map((c) => commandLine(c, true)).join("; ")}`);
      const reads = await timed(() => readTotals(programme._id, options.gifts));
      durations[`${label}: reads`] = reads.ms;
      progress(`  receivedOfProgramme: p50 ${ms(percentile(reads.result.times, 50))} ms; commands: ${reads.result.commands.map((c) => commandLine(c, true)).join("; ")}`);
      result.sizes.push({ label, target, fill, gifts: g, reads: reads.result });
    }

    progress("verifying the institution's chain");
    const chain = await timed(() => verifyLedgerChain(institution._id));
    result.chain = { check: chain.result, ms: chain.ms };
    durations["verifyLedgerChain"] = chain.ms;
    progress(`  ${JSON.stringify(chain.result)} in ${seconds(chain.ms)}`);

    // ——— Rebuilding every projection from the whole ledger ———
    const entriesNow = await LedgerEntry.countDocuments({});
    const more = Math.max(0, options.rebuildEntries - entriesNow);
    progress(`rebuild: the ledger holds ${entriesNow.toLocaleString("en")} entries; ${more.toLocaleString("en")} more in bulk (every programme), then rebuildProjections timed`);
    const fill = await giftsInBulk(data, more, "books-rebuild");
    durations["rebuild: bulk"] = fill.ms;
    await ensureIndexes();
    const full = await timed(() => rebuildProjections());
    durations["rebuild: rebuildProjections"] = full.ms;
    result.rebuild = { added: fill.result, loadMs: fill.ms, entries: full.result.entries, ms: full.ms, result: full.result };
    progress(`  bulk ${seconds(fill.ms)}; rebuildProjections ${seconds(full.ms)} (${JSON.stringify(full.result)})`);
    await flushProgrammeTotals();
  } catch (error) {
    result.errors.push((error as Error).stack ?? String(error));
    progress(`books FAILED: ${(error as Error).message}`);
  } finally {
    result.loadAverage.end = os.loadavg();
    await mongoose.disconnect().catch(() => {});
    await db?.stop().catch((error: unknown) => progress(`stopping the database: ${String(error)}`));
  }
  return result;
}

// ——— The report ———

/** Sequential gifts per second (issue 9). */
export const BOOKS_GIFTS_PER_S = 50;
/** "Costs the same at 1,000 and at 100,000 entries": large ÷ small p50 at most this (our reading of "near 1"). */
export const BOOKS_FLAT_TARGET = 1.25;

const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
const n = (value: number) => value.toLocaleString("en");
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
const rate = (g: GiftSeries) => g.times.length / (g.wallMs / 1000);

export function booksSection(r: BooksResult): string {
  const o = r.options;
  const lines: string[] = ["## books", ""];
  const load = (l?: number[]) => (l ? l.map((x) => x.toFixed(1)).join(" / ") : "—");
  lines.push(`Machine during this scale: ${os.cpus().length} cores (nproc), load average ${load(r.loadAverage.start)} at its start, ${load(r.loadAverage.end)} at its end.`, "");
  const bg = r.background;
  if (bg) {
    const d = bg.data;
    lines.push(
      `Background (scripts/bench/data.ts loadData, asked: ${n(o.programmes)} programmes, ${n(o.donations)} donations): ${d.institutions.length} institutions, ${n(d.programmes.length)} programmes, ` +
        `${n(d.donors)} donors, ${n(d.pledges)} pledges, ${n(d.donations)} gifts and as many ledger entries; loaded in ${seconds(bg.loadMs)}, rebuildProjections ${seconds(bg.rebuildMs)}.`,
      "",
    );
  }
  if (r.institution && r.programme) {
    lines.push(
      `Measured: **${r.institution.name}** (\`${r.institution.id}\`) and its open programme \`${r.programme.slug}\`. Its ledger is topped up in bulk to each size with gifts to that programme alone ` +
        `(scripts/bench/data.ts addGiftsInBulk: a gift and its ledger entry each, exactly as recordDonation writes them, the hash chain continued from the head), then rebuildProjections. ` +
        `Then ${o.gifts} sequential recordDonation calls (cash, no pledge, a new idempotency key each; after 3 untimed), and ${o.gifts} receivedOfProgramme reads (after 1 untimed). ` +
        `Commands are those the driver sent during each call (command monitoring), with the driver's time for each: “by _id” has only an \`_id\` equality as its filter (the one filter the embedded database serves from an index), ` +
        `“by _id + condition” an \`_id\` equality and more (for an update, a read of the whole collection on the embedded database: decision 0014), “not by _id” none (a scan).`,
      "",
    );
  }
  if (r.sizes.length) {
    lines.push("| measure | entries in the institution's ledger | n | p50 ms | p95 ms | mean ms | gifts/s | commands per call (p50, max) | target | verdict |", "|---|---|---|---|---|---|---|---|---|---|");
    for (const s of r.sizes) {
      const g = s.gifts;
      const errs = g.errors.length ? ` — **${g.errors.length} errors**` : "";
      lines.push(
        `| recordDonation, ${s.label}${errs} | ${n(g.entriesBefore)} | ${g.times.length} | ${ms(percentile(g.times, 50))} | ${ms(percentile(g.times, 95))} | ${ms(mean(g.times))} | ${rate(g).toFixed(1)} | ${percentile(g.commands, 50)}, ${Math.max(0, ...g.commands)} | ≥ ${BOOKS_GIFTS_PER_S} gifts/s | ${verdict(g.times.length > 0 && g.errors.length === 0 && rate(g) >= BOOKS_GIFTS_PER_S)} |`,
      );
    }
    const [small, large] = [r.sizes[0], r.sizes[1]];
    if (small && large && small.gifts.times.length && large.gifts.times.length) {
      const ratio = percentile(large.gifts.times, 50) / percentile(small.gifts.times, 50);
      const ratio95 = percentile(large.gifts.times, 95) / percentile(small.gifts.times, 95);
      lines.push(`| recordDonation ${large.label} ÷ ${small.label} (p50; p95 ${ratio95.toFixed(2)}, mean ${(mean(large.gifts.times) / mean(small.gifts.times)).toFixed(2)}) | — | — | ${ratio.toFixed(2)} | — | — | — | — | ≤ ${BOOKS_FLAT_TARGET} | ${verdict(ratio <= BOOKS_FLAT_TARGET)} |`);
    }
    for (const s of r.sizes) {
      const t = s.reads.times;
      lines.push(`| receivedOfProgramme, ${s.label} | ${n(s.gifts.entriesBefore + s.gifts.times.length)} | ${t.length} | ${ms(percentile(t, 50))} | ${ms(percentile(t, 95))} | ${ms(mean(t))} | — | ${percentile(s.reads.perRead, 50)}, ${Math.max(0, ...s.reads.perRead)} | one find by _id, every read | ${verdict(t.length > 0 && s.reads.everyOneFindById)} |`);
    }
    if (small && large && small.reads.times.length && large.reads.times.length) {
      lines.push(`| receivedOfProgramme ${large.label} ÷ ${small.label} (p50) | — | — | ${(percentile(large.reads.times, 50) / percentile(small.reads.times, 50)).toFixed(2)} | — | — | — | — | — | — |`);
    }
    lines.push("");
    for (const s of r.sizes) {
      const g = s.gifts;
      lines.push(
        `- ${s.label}: ${s.fill ? `${n(s.fill.added)} gifts added in bulk in ${seconds(s.fill.ms)} (${(s.fill.added / (s.fill.ms / 1000)).toFixed(0)} gifts/s with their entries), rebuildProjections ${seconds(s.fill.rebuildMs)}; ` : ""}` +
          `${g.times.length} gifts in ${seconds(g.wallMs)} wall-clock; the programme's total went from ${n(g.receivedBefore)} to ${n(g.receivedAfter)} đồng, ` +
          `${g.receivedAfter - g.receivedBefore === g.recordedSum ? "exactly" : `**not** (${n(g.receivedAfter - g.receivedBefore)} ≠)`} the ${n(g.recordedSum)} recorded. ` +
          `The median gift's commands (driver's time each): ${g.example.map((c) => commandLine(c, true)).join("; ") || "—"}. ` +
          `${g.scans.length ? `Commands with no \`_id\` equality (scans; the first ${g.scans.length}): ${g.scans.join("; ")}.` : "No gift sent a command without an `_id` equality in its filter (no scan)."} ` +
          `receivedOfProgramme sent: ${s.reads.commands.map((c) => `${commandLine(c)} \`${c.filter}\``).join("; ") || "—"}.`,
      );
      for (const e of g.errors.slice(0, 3)) lines.push(`  - gift error: \`${e.slice(0, 300)}\``);
    }
    lines.push("");
  }
  if (r.chain) {
    const c = r.chain.check;
    lines.push(`The institution's chain after both sizes: ${c.ok ? `verifies, ${n(c.entries)} entries` : `**broken** at sequence ${c.sequence} (${c.problem}) after ${n(c.entries)} entries`} (verifyLedgerChain, ${seconds(r.chain.ms)}).`, "");
  }
  if (r.rebuild) {
    const b = r.rebuild;
    const asked = o.rebuildEntries;
    lines.push(
      `Rebuild: ${n(b.added)} gifts with their entries added in bulk across every programme in ${seconds(b.loadMs)}${b.added ? ` (${(b.added / (b.loadMs / 1000)).toFixed(0)} gifts/s)` : ""}; ` +
        `then **rebuildProjections from ${n(b.entries)} ledger entries in ${seconds(b.ms)}** (${(b.entries / (b.ms / 1000)).toFixed(0)} entries/s; ${b.result.institutions} institutions, ${n(b.result.programmes)} programmes, ${n(b.result.pledges)} pledges)` +
        `${b.entries === asked ? "" : ` — asked ${n(asked)}`}. Time noted, no target.`,
      "",
    );
  }
  lines.push(`Durations: ${Object.entries(r.durations).map(([k, v]) => `${k} ${seconds(v)}`).join(" · ")}.`, "");
  for (const e of r.errors) lines.push("Run error:", "", "```", e.slice(0, 3000), "```", "");
  return lines.join("\n");
}
