/**
 * `npm run jobs -- --once`: one sweep (services/money/sweeper.ts) — money events left half-done are
 * completed, and the daily upkeep runs when it has not run today — then exit. `--full` looks at every
 * record, not only what was written since the last sweep. Without `--once`: sweeps on the interval
 * until stopped (a jobs process beside app servers that run with SWEEPER_INTERVAL_MS=0).
 *
 * The database: MONGODB_URI, else the embedded one `npm start` is running, else the embedded one
 * started here for the run.
 */
import { createPrivateKey } from "node:crypto";
import path from "node:path";
import mongoose from "mongoose";
import { runningEmbeddedDatabase, startEmbeddedDatabase, withDatabaseName } from "./lib/database.mjs";
import { ensureModelIndexes } from "#services/database-indexes";
import { configureMail } from "#services/mail";
import { upgradeProjections } from "#services/money/projections";
import { SWEEPER_LEASE_MS, runSweep, startSweeper } from "#services/money/sweeper";
import { configureLogSigner } from "#services/transparency/log";

const args = new Set(process.argv.slice(2));
const once = args.has("--once");
const full = args.has("--full");

/** Mail for the pledge reminders, as the server configures it (decision 0019): SMTP, or the demo outbox outside production. */
function configureMailFromEnv() {
  const { SMTP_URL, MAIL_FROM, NODE_ENV, DEMO_MODE } = process.env;
  const appUrl = process.env.APP_URL || "http://localhost:3000";
  if (SMTP_URL && MAIL_FROM) return configureMail({ transport: "smtp", smtpUrl: SMTP_URL, from: MAIL_FROM, appUrl });
  if (NODE_ENV === "production" && DEMO_MODE !== "true") throw new Error("SMTP_URL and MAIL_FROM are required in production (pledge reminders are mailed)");
  configureMail({ transport: "outbox", appUrl });
}

async function main() {
  configureMailFromEnv();
  // The transparency log's checkpoints are signed with the platform's key, as the server signs them (decision 0034); without it none is signed.
  if (process.env.SIGNING_KEY) configureLogSigner({ appUrl: process.env.APP_URL || "http://localhost:3000", privateKey: createPrivateKey(process.env.SIGNING_KEY) });
  let database: { stop: () => Promise<void> } | null = null;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    const dataDir = path.resolve(import.meta.dirname, "..", ".data/db");
    const running = runningEmbeddedDatabase(dataDir);
    if (running) uri = withDatabaseName(running, "gopsuc");
    else {
      database = await startEmbeddedDatabase({ dataDir, persistent: true });
      uri = withDatabaseName((database as unknown as { uri: string }).uri, "gopsuc");
    }
  }
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 5000, autoIndex: false });
  await ensureModelIndexes();
  await upgradeProjections();
  try {
    if (!once) {
      console.log(`• Sweeping every ${Number(process.env.SWEEPER_INTERVAL_MS) || 300_000} ms; Ctrl-C stops.`);
      startSweeper(Number(process.env.SWEEPER_INTERVAL_MS) || 300_000);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()).once("SIGTERM", () => resolve()));
      return;
    }
    // Another instance may hold this term's lease (a server's own sweep): the next term is tried, twice.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const report = await runSweep({ full, log: console.log });
      if (report.ran) {
        console.log(JSON.stringify(report));
        if (report.daily?.brokenChains) process.exitCode = 2;
        return;
      }
      const wait = SWEEPER_LEASE_MS - (Date.now() % SWEEPER_LEASE_MS) + 200;
      console.log(`• Another instance is sweeping; trying again in ${Math.round(wait / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    console.error("✗ Another instance kept the sweeper's lease: nothing was done");
    process.exitCode = 1;
  } finally {
    await mongoose.disconnect();
    if (database) await database.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
