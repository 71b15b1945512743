import mongoose from "mongoose";
import { ensureModelIndexes } from "#services/database-indexes";
import { upgradeProjections } from "#services/money/projections";
import { startSweeper } from "#services/money/sweeper";
import { env } from "./env.server";
import { ensureMailConfigured } from "./mail.server";

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
      // Completes money events a stopped process left half-done, and the daily upkeep (decision 0014).
      startSweeper(env().SWEEPER_INTERVAL_MS);
      return connected;
    })
    .catch((error) => {
      globalThis.__gopsucDb = undefined;
      throw error;
    });
  return globalThis.__gopsucDb;
}

/** Round-trip to the database: resolves with the latency in ms, or throws when it cannot be reached. */
export async function pingDatabase(): Promise<number> {
  const started = Date.now();
  const connection = await connectDb();
  await connection.connection.db!.admin().ping();
  return Date.now() - started;
}
