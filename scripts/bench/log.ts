/**
 * `BENCH_SCALES=log` (issue 12's proof, "building a checkpoint and a proof at that size"; asked for by
 * name): the transparency log grown to BENCH_LOG_ENTRIES=1650000 leaves on a fresh embedded database, in
 * the benchmark's own process (no HTTP, no build).
 *
 *   BENCH_LOG_ENTRIES=1650000            leaves appended
 *   BENCH_LOG_CHECKPOINT_EVERY=250000    a checkpoint signed every this many leaves while growing (and at the end)
 *   BENCH_LOG_INCLUSION=50               inclusion proofs (random entries, by entry id) at the full size
 *   BENCH_LOG_CONSISTENCY=20             consistency proofs (random pairs of the checkpoints' sizes)
 *   BENCH_LOG_GATE=<file>                before the proofs, wait while this file exists
 *
 * The leaves are synthetic ledger entries (the log's leaves commit to an entry's id, institution,
 * sequence and hash, nothing else): 340 institutions' chains, entry k being the (⌊k / 340⌋ + 1)-th of
 * institution k mod 340, with deterministic ids and a hex hash each. They go through the real appender
 * (`logAppender().add/finish`, batches of 100 as the sweeper writes them) in chain order, so it never
 * has to read the ledger for a gap — no ledger entry is written. Every proof is checked with the RFC 9162
 * verification functions (merkle.ts) against the root of the signed checkpoint, opened with the public key.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mongoose, { type Types } from "mongoose";
import { LogNode, LogPosition } from "#models/transparency-log.server";
import { openNote, parseCheckpoint, rawPublicKey } from "#services/transparency/checkpoint";
import { configureLogSigner, forgetUpperNodes, leafData, logAppender, logIdentity, preloadUpperNodes, proveConsistency, proveInclusion, publishCheckpoint, type LoggedEntry } from "#services/transparency/log";
import { leafHash, verifyConsistency, verifyInclusion } from "#services/transparency/merkle";
import { startEmbeddedDatabase, withDatabaseName } from "../lib/database.mjs";
import { ms, percentile, progress, seconds, timed } from "./stats";

/** Issue 12: a donor's proof quickly — p95 of an inclusion proof ≤ 50 ms, as find-my-gift's key lookup. */
export const LOG_PROOF_TARGET_MS = 50;
const INSTITUTIONS = 340;

export type LogOptions = { root: string; entries: number; checkpointEvery: number; inclusion: number; consistency: number };

export type LogResult = {
  options: LogOptions;
  appended: number;
  appendMs: number;
  /** Leaves/s over each segment between checkpoints (does the rate fall as the log grows?). */
  segments: Array<{ from: number; to: number; ms: number }>;
  checkpoints: Array<{ size: number; ms: number }>;
  inclusion: { times: number[]; failures: string[]; proofLength: number[] };
  consistency: { times: number[]; failures: string[]; pairs: Array<[number, number]>; proofLength: number[] };
  /** The upper subtrees read into memory before the proofs, as a server does after it starts. */
  preload?: { nodes: number; ms: number };
  storageBytes: number | null;
  logNodes: number | null;
  logPositions: number | null;
  loadAverage: { start: number[]; proofs?: number[]; end?: number[] };
  errors: string[];
};

/** Entry k's fields: deterministic, so a proof's leaf can be checked against what was fed. */
function entryAt(k: number): LoggedEntry {
  const inst = k % INSTITUTIONS;
  const id = Buffer.alloc(12);
  id.writeUInt32BE(0x6750_0000, 0);
  id.writeUInt32BE(k, 8);
  const institution = Buffer.alloc(12);
  institution.writeUInt32BE(0x6740_0000, 0);
  institution.writeUInt32BE(inst, 8);
  return {
    _id: new mongoose.Types.ObjectId(id.toString("hex")),
    institutionId: new mongoose.Types.ObjectId(institution.toString("hex")),
    sequence: Math.floor(k / INSTITUTIONS) + 1,
    hash: createHash("sha256").update(`bench-log-entry:${k}`).digest("hex"),
  };
}

/** A small deterministic generator (mulberry32), so two runs ask for the same proofs. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** The root a signed checkpoint note commits to, after its signature verifies with the log's public key (null otherwise). */
function rootOfNote(note: string, origin: string, publicKey: Buffer): { size: number; root: Buffer } | null {
  const text = openNote(note, origin, publicKey);
  const checkpoint = text ? parseCheckpoint(text) : null;
  return checkpoint ? { size: checkpoint.size, root: checkpoint.root } : null;
}

export async function runLog(options: LogOptions): Promise<LogResult> {
  const result: LogResult = {
    options,
    appended: 0,
    appendMs: 0,
    segments: [],
    checkpoints: [],
    inclusion: { times: [], failures: [], proofLength: [] },
    consistency: { times: [], failures: [], pairs: [], proofLength: [] },
    storageBytes: null,
    logNodes: null,
    logPositions: null,
    loadAverage: { start: os.loadavg() },
    errors: [],
  };
  const total = options.entries;
  progress(`━━ log: ${total.toLocaleString("en")} leaves through logAppender, a checkpoint every ${options.checkpointEvery.toLocaleString("en")}`);
  const dataDir = path.join(options.root, ".data", `bench-${process.pid}-log`);
  const db = await startEmbeddedDatabase({ dataDir, persistent: false, log: (line: string) => progress(line) });
  const { privateKey } = generateKeyPairSync("ed25519");
  configureLogSigner({ appUrl: "https://gopsuc.vn", privateKey });
  try {
    await mongoose.connect(withDatabaseName(db.uri, "gopsuc_bench"), { autoIndex: false, serverSelectionTimeoutMS: 10_000 });
    for (const model of Object.values(mongoose.models)) await model.createIndexes();
    // The log's collections exist once something is written: one write each, removed, so the `_id` index is there before the run.
    await LogNode.collection.insertOne({ _id: "bench:probe" } as never);
    await LogPosition.collection.insertOne({ _id: new mongoose.Types.ObjectId(), index: -1 } as never);
    await (db as { ensureIndexes?: () => Promise<unknown> }).ensureIndexes?.();
    await LogNode.collection.deleteOne({ _id: "bench:probe" } as never);
    await LogPosition.collection.deleteMany({ index: -1 });

    // ——— Growing the log ———
    const started = performance.now();
    let size = 0;
    while (size < total) {
      const to = Math.min(total, size + options.checkpointEvery);
      const segment = await timed(async () => {
        const appender = await logAppender();
        for (let k = size; k < to; k += 1) await appender.add(entryAt(k));
        return appender.finish();
      });
      result.appended += segment.result;
      result.segments.push({ from: size, to, ms: segment.ms });
      if (segment.result !== to - size) result.errors.push(`the appender added ${segment.result} leaves for ${to - size} entries (${size}…${to})`);
      size = to;
      const signed = await timed(() => publishCheckpoint());
      if (!signed.result) result.errors.push(`publishCheckpoint at ${size} signed nothing`);
      result.checkpoints.push({ size, ms: signed.ms });
      progress(`  ${size.toLocaleString("en")} leaves: segment ${seconds(segment.ms)} (${((to - result.segments.at(-1)!.from) / (segment.ms / 1000)).toFixed(0)} leaves/s), checkpoint ${ms(signed.ms)} ms`);
    }
    result.appendMs = performance.now() - started - result.checkpoints.reduce((sum, c) => sum + c.ms, 0);

    // ——— Proofs at the full size ———
    // BENCH_LOG_GATE=<file>: wait here while that file exists, so the proofs can be timed on a machine made
    // quiet first (another bench paused); the wait is said in the progress and not in any time.
    const gate = process.env.BENCH_LOG_GATE;
    if (gate && fs.existsSync(gate)) {
      progress(`  waiting at the gate (${gate}) before the proofs`);
      while (fs.existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 1_000));
      progress("  gate open");
    }
    result.loadAverage.proofs = os.loadavg();
    // As a server that has just started: its memory of the log's upper subtrees empty, then loaded (decision 0043).
    forgetUpperNodes();
    const preload = await timed(() => preloadUpperNodes());
    result.preload = { nodes: preload.result, ms: preload.ms };
    progress(`  preloadUpperNodes: ${preload.result} nodes in ${ms(preload.ms)} ms`);
    const identity = logIdentity()!;
    const publicKey = rawPublicKey(privateKey);
    const next = random(12);
    for (let i = 0; i < options.inclusion; i += 1) {
      const k = Math.floor(next() * total);
      const entry = entryAt(k);
      const { ms: elapsed, result: proof } = await timed(() => proveInclusion(entry._id as Types.ObjectId));
      result.inclusion.times.push(elapsed);
      if (!proof) {
        result.inclusion.failures.push(`entry ${k}: no proof`);
        continue;
      }
      result.inclusion.proofLength.push(proof.proof.length);
      const data = Buffer.from(proof.leafData, "base64");
      const signed = rootOfNote(proof.checkpoint, identity.origin, publicKey);
      const ok =
        signed !== null &&
        signed.size === total &&
        proof.treeSize === total &&
        proof.leafIndex === k &&
        data.equals(leafData(entry)) &&
        leafHash(data).toString("hex") === proof.leafHash &&
        verifyInclusion(leafHash(data), proof.leafIndex, proof.treeSize, proof.proof.map((h) => Buffer.from(h, "hex")), signed.root);
      if (!ok) result.inclusion.failures.push(`entry ${k}: does not verify`);
    }
    progress(`  proveInclusion ×${options.inclusion}: p50 ${ms(percentile(result.inclusion.times, 50))} ms, p95 ${ms(percentile(result.inclusion.times, 95))} ms, ${result.inclusion.failures.length} failures`);

    const sizes = result.checkpoints.map((c) => c.size);
    for (let i = 0; i < options.consistency && sizes.length >= 2; i += 1) {
      let a = Math.floor(next() * sizes.length);
      let b = Math.floor(next() * (sizes.length - 1));
      if (b >= a) b += 1;
      if (a > b) [a, b] = [b, a];
      const [from, to] = [sizes[a]!, sizes[b]!];
      result.consistency.pairs.push([from, to]);
      const { ms: elapsed, result: proof } = await timed(() => proveConsistency(from, to));
      result.consistency.times.push(elapsed);
      if (!proof) {
        result.consistency.failures.push(`${from} → ${to}: no proof`);
        continue;
      }
      result.consistency.proofLength.push(proof.proof.length);
      const first = rootOfNote(proof.fromCheckpoint, identity.origin, publicKey);
      const second = rootOfNote(proof.toCheckpoint, identity.origin, publicKey);
      const ok = first !== null && second !== null && first.size === from && second.size === to && verifyConsistency(from, to, first.root, second.root, proof.proof.map((h) => Buffer.from(h, "hex")));
      if (!ok) result.consistency.failures.push(`${from} → ${to}: does not verify`);
    }
    progress(`  proveConsistency ×${result.consistency.times.length}: p50 ${ms(percentile(result.consistency.times, 50))} ms, p95 ${ms(percentile(result.consistency.times, 95))} ms, ${result.consistency.failures.length} failures`);

    // ——— What it holds ———
    result.logNodes = await LogNode.estimatedDocumentCount();
    result.logPositions = await LogPosition.estimatedDocumentCount();
    result.storageBytes = directoryBytes(dataDir);
    progress(`  ${result.logNodes.toLocaleString("en")} LogNode documents, ${result.logPositions.toLocaleString("en")} LogPosition documents, ${(result.storageBytes / 2 ** 20).toFixed(0)} MiB in ${path.relative(options.root, dataDir)}`);
  } catch (error) {
    result.errors.push((error as Error).stack ?? String(error));
    progress(`log FAILED: ${(error as Error).message}`);
  } finally {
    configureLogSigner(null);
    await mongoose.disconnect().catch(() => {});
    await db.stop();
    result.loadAverage.end = os.loadavg();
  }
  return result;
}

const n = (value: number) => value.toLocaleString("en");
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

export function logSection(r: LogResult): string {
  const o = r.options;
  const load = (l?: number[]) => (l ? l.map((x) => x.toFixed(1)).join(" / ") : "—");
  const rate = r.appendMs > 0 ? r.appended / (r.appendMs / 1000) : 0;
  const full = r.checkpoints.at(-1);
  const inc = r.inclusion;
  const con = r.consistency;
  const lengths = (list: number[]) => (list.length ? `${Math.min(...list)}–${Math.max(...list)}` : "—");
  const lines: string[] = [
    "## log",
    "",
    `Machine during this scale: ${os.cpus().length} cores (nproc), load average ${load(r.loadAverage.start)} at its start, ${r.loadAverage.proofs ? `${load(r.loadAverage.proofs)} when the proofs began, ` : ""}${load(r.loadAverage.end)} at its end.`,
    "",
    `Target (issue 12): a donor's inclusion proof quickly — p95 ≤ ${LOG_PROOF_TARGET_MS} ms at the full size, as find-my-gift's key lookup. PASS/MISS never fails the run.`,
    "",
    `The transparency log on a fresh embedded database, grown to **${n(r.appended)} leaves** (asked: ${n(o.entries)}) through the real appender (\`logAppender().add/finish\`, batches of 100 leaves: nodes, positions, then the state), ` +
      `fed synthetic ledger entries — ${INSTITUTIONS} institutions' chains in turn, sequences increasing, deterministic ids, a SHA-256 hex hash each — in chain order, so the appender never reads the ledger for a gap (no ledger entry is written). ` +
      `A checkpoint signed (Ed25519, C2SP signed note) every ${n(o.checkpointEvery)} leaves and at the end. Every proof verified with merkle.ts's RFC 9162 functions (verifyInclusion §2.1.3.2, verifyConsistency §2.1.4.2) against the root of the signed checkpoint, its signature checked first with the public key; an inclusion proof's leaf data also compared with the entry fed.`,
    "",
    `Appending: **${n(r.appended)} leaves in ${seconds(r.appendMs)}, ${rate.toFixed(0)} leaves/s** (checkpoints not included). Per segment (leaves/s): ${r.segments.map((s) => `${n(s.from)}–${n(s.to)} ${((s.to - s.from) / (s.ms / 1000)).toFixed(0)}`).join(" · ")}.`,
    "",
    "| measure | size | n | p50 ms | p95 ms | max ms | proof hashes | failed verification | target | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  if (full) lines.push(`| publishCheckpoint (root from the stored subtrees, signed, stored) at the full size | ${n(full.size)} | 1 | ${ms(full.ms)} | — | — | — | — | — | — |`);
  if (r.preload) lines.push(`| preloadUpperNodes (a fresh server's memory of the subtrees of ≥ 1,024 leaves; ${n(r.preload.nodes)} nodes) | ${n(r.options.entries)} | 1 | ${ms(r.preload.ms)} | — | — | — | — | — | — |`);
  const earlier = r.checkpoints.slice(0, -1);
  if (earlier.length) lines.push(`| publishCheckpoint while growing (${earlier.map((c) => `${n(c.size)}: ${ms(c.ms)}`).join(", ")}) | — | ${earlier.length} | ${ms(percentile(earlier.map((c) => c.ms), 50))} | ${ms(percentile(earlier.map((c) => c.ms), 95))} | ${ms(Math.max(...earlier.map((c) => c.ms)))} | — | — | — | — |`);
  lines.push(
    `| proveInclusion (random entries, by entry id, against the latest checkpoint) | ${n(full?.size ?? 0)} | ${inc.times.length} | ${ms(percentile(inc.times, 50))} | ${ms(percentile(inc.times, 95))} | ${ms(Math.max(...inc.times))} | ${lengths(inc.proofLength)} | ${inc.failures.length} | p95 ≤ ${LOG_PROOF_TARGET_MS} | ${verdict(inc.times.length > 0 && inc.failures.length === 0 && percentile(inc.times, 95) <= LOG_PROOF_TARGET_MS)} |`,
    `| proveConsistency (random pairs of checkpoint sizes) | ≤ ${n(full?.size ?? 0)} | ${con.times.length} | ${ms(percentile(con.times, 50))} | ${ms(percentile(con.times, 95))} | ${ms(Math.max(...con.times))} | ${lengths(con.proofLength)} | ${con.failures.length} | — | — |`,
    "",
    `Consistency pairs: ${con.pairs.map(([a, b]) => `${n(a)}→${n(b)}`).join(", ")}.`,
    "",
    `Stored: ${r.logNodes === null ? "?" : n(r.logNodes)} LogNode documents (every complete subtree: leaves and inner nodes), ${r.logPositions === null ? "?" : n(r.logPositions)} LogPosition documents; ` +
      `the database's .data directory **${r.storageBytes === null ? "?" : `${(r.storageBytes / 2 ** 20).toFixed(0)} MiB (${n(r.storageBytes)} bytes)`}**${r.storageBytes !== null && r.appended ? `, ${(r.storageBytes / r.appended).toFixed(0)} bytes per leaf` : ""}.`,
  );
  const failures = [...inc.failures, ...con.failures];
  if (failures.length) lines.push("", `Failures: ${failures.slice(0, 10).join("; ")}.`);
  if (r.errors.length) lines.push("", "Errors:", "", ...r.errors.map((e) => `    ${e.split("\n").join("\n    ")}`));
  return lines.join("\n");
}
