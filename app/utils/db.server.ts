import mongoose from "mongoose";
import { ensureModelIndexes } from "#services/database-indexes";
import { upgradeProjections } from "#services/money/projections";
import { startSweeper } from "#services/money/sweeper";
import { configureLogSigner, preloadUpperNodes } from "#services/transparency/log";
import { env } from "./env.server";
import { ensureMailConfigured } from "./mail.server";
import { recognitionConfig } from "./recognition.server";

declare global {
  var __gopsucDb: Promise<typeof mongoose> | undefined;
}

/** One connection per process, reused across dev rebuilds (indie-stack singleton). */
export function connectDb(): Promise<typeof mongoose> {
  globalThis.__gopsucDb ??= mongoose
    .connect(env().MONGODB_URI, { serverSelectionTimeoutMS: 5000, autoIndex: false })
    .then(async (connected) => {
      // Unique indexes make the money events idempotent: built here, and waited for, before anything is
      // served or written (not also in the background by mongoose's autoIndex).
      await ensureModelIndexes();
      await upgradeProjections();
      // Mail before the sweeper, which sends pledge reminders (decision 0019).
      ensureMailConfigured();
      // The transparency log's checkpoints are signed with the platform's key (decision 0034).
      configureLogSigner({ appUrl: env().APP_URL, privateKey: (await recognitionConfig()).keys.current.privateKey });
      // Completes money events a stopped process left half-done, and the daily upkeep (decision 0014).
      startSweeper(env().SWEEPER_INTERVAL_MS);
      // The log's upper subtrees in memory, a moment after start, so proofs read only their lowest levels (decision 0043).
      setTimeout(() => void preloadUpperNodes().catch((error: unknown) => console.log(`✗ Transparency log preload: ${(error as Error).message}`)), 15_000).unref();
      return connected;
    })
    .catch((error) => {
      globalThis.__gopsucDb = undefined;
      throw error;
    });
  return globalThis.__gopsucDb;
}

/** What `within` rejects with when the time is up. */
export class TimedOut extends Error {
  override name = "TimedOut";
}

/** Rejects with TimedOut once `ms` have passed (the work itself goes on; its result is dropped). */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`${what}: no answer within ${Math.max(0, Math.round(ms))} ms`)), Math.max(0, ms));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Round-trip to the database: resolves with the latency in ms, or throws when it cannot be reached or
 * does not answer within `timeoutMs` (a database that is down, restarting or hanging: the driver would
 * otherwise wait for its server selection timeout). `connection`: the app's own unless given.
 */
export async function pingDatabase({ timeoutMs = 500, connection }: { timeoutMs?: number; connection?: mongoose.Connection } = {}): Promise<number> {
  const started = Date.now();
  const conn = connection ?? (await within(connectDb(), timeoutMs, "connecting to the database")).connection;
  const db = conn.db;
  if (!db) throw new Error("the database connection is not open");
  await within(db.admin().ping(), timeoutMs - (Date.now() - started), "database ping");
  return Date.now() - started;
}

/** Whether each connection answered when last asked (to log changes only). */
const lastReachable = new WeakMap<mongoose.Connection, boolean>();

/**
 * The database's health for /healthz: { up: true, latencyMs } or { up: false } within `timeoutMs`. What
 * went wrong goes to the server log — once when it becomes unreachable and once when it is back, not on
 * every probe — never into the answer.
 */
export async function databaseReachable(options: { timeoutMs?: number; connection?: mongoose.Connection } = {}): Promise<{ up: true; latencyMs: number } | { up: false }> {
  const key = options.connection ?? mongoose.connection;
  try {
    const latencyMs = await pingDatabase(options);
    if (lastReachable.get(key) === false) console.warn("[db] the database answers again");
    lastReachable.set(key, true);
    return { up: true, latencyMs };
  } catch (error) {
    if (lastReachable.get(key) !== false) console.error(`[db] the database does not answer: ${error instanceof Error ? error.message : String(error)}`);
    lastReachable.set(key, false);
    return { up: false };
  }
}
