#!/usr/bin/env node
// `npm start`: install, build, start the database (embedded unless MONGODB_URI is set), seed demo
// data on the first run, and serve http://localhost:3000. Ctrl-C stops everything.
//
// It also supervises (decision 0018): one instance per data folder (a second one refuses and touches
// nothing), the embedded database started again if it dies, and a server and database that stop by
// themselves if this process is killed.
//   PORT (default 3000), HOST (default 127.0.0.1), GOPSUC_DATA_DIR (default .data/db), MONGODB_URI.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { claimInstance, startEmbeddedDatabase, stopProcess, withDatabaseName } from "./lib/database.mjs";
import { ensureBuilt, ensureInstalled, localSessionSecret, localSigningKey, root, run } from "./lib/setup.mjs";

const dev = process.argv.includes("--dev");
const port = process.env.PORT ?? "3000";
// Only this machine can reach the app unless told otherwise (HOST=0.0.0.0 for every interface).
const host = process.env.HOST ?? "127.0.0.1";
const dataDir = path.resolve(root, process.env.GOPSUC_DATA_DIR || ".data/db");
const appUrl = process.env.APP_URL ?? `http://localhost:${port}`;
const shownDataDir = path.relative(root, dataDir).startsWith("..") ? dataDir : path.relative(root, dataDir);

/** Whether the server could listen on host:port now (nothing else listens there). */
function portIsFree() {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(Number(port), host, () => probe.close(() => resolve(true)));
  });
}

function refuse(message) {
  console.error(`\n✗ ${message}\n`);
  process.exit(1);
}

async function main() {
  // Before anything is installed, built or started: a second instance must leave the first alone (the
  // build it serves, its database, its port).
  let instance = null;
  if (!process.env.MONGODB_URI) {
    instance = claimInstance(dataDir, { url: appUrl, host, port: Number(port), dataDir });
    if (!instance.claimed) {
      const other = instance.running;
      refuse(
        `Góp Sức is already running on this data (${shownDataDir}): npm start pid ${other.pid}, ${other.url} (listening on ${other.host}:${other.port}).\n` +
          `  Nothing was changed. Use that one, or stop it first (Ctrl-C in its terminal, or kill ${other.pid}).`,
      );
    }
    process.once("exit", () => instance.release());
  }
  if (!(await portIsFree())) {
    refuse(`Port ${port} on ${host} is already in use (another Góp Sức, or another program). Stop it, or choose another port: PORT=3001 npm start`);
  }

  ensureInstalled();
  if (!dev) ensureBuilt();

  let database = null;
  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    // keepAlive: a database that dies is started again on the same port and data, with backoff.
    database = await startEmbeddedDatabase({ dataDir, persistent: true, keepAlive: true });
    mongoUri = withDatabaseName(database.uri, "gopsuc");
  } else {
    console.log("• Using the database at MONGODB_URI");
  }

  const env = {
    ...process.env,
    MONGODB_URI: mongoUri,
    SESSION_SECRET: process.env.SESSION_SECRET ?? localSessionSecret(),
    SIGNING_KEY: process.env.SIGNING_KEY ?? localSigningKey(),
    APP_URL: appUrl,
    PORT: port,
    HOST: host,
    NODE_ENV: dev ? "development" : (process.env.NODE_ENV ?? "production"),
    // Without Stripe keys the local app runs the labelled demo: card payments are simulated.
    DEMO_MODE: process.env.DEMO_MODE ?? (process.env.STRIPE_SECRET_KEY ? "false" : "true"),
    // Where the embedded database keeps its files: /healthz reads their schema (decision 0011).
    EMBEDDED_DATA_DIR: database?.kind === "ferretdb" ? database.dataDir : "",
  };

  let server = null;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log("\n• Stopping…");
    if (server) await stopProcess(server, 12_000);
    if (database) await database.stop();
    console.log("• Stopped. Bye!");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    run("npx", ["tsx", "scripts/seed.ts"], { env });
  } catch (error) {
    console.error(`Seeding failed: ${error.message}`);
    await stop(1);
  }

  // Spawned directly with node (not through npx), so stopping it reaches the server itself.
  const cli = dev ? ["node_modules/@remix-run/dev/dist/cli.js", "dev"] : ["scripts/serve.mjs", "./build/index.js"];
  // Its own process group (detached): Ctrl-C reaches only this script, which then stops the server once
  // (a second signal from the terminal made remix-serve print ERR_SERVER_NOT_RUNNING) and the database.
  // The IPC channel is how the server knows this script is alive: it closes when this process ends in
  // any way, kill -9 included, and scripts/serve.mjs then stops (decision 0018). Not for `remix dev`,
  // which does not listen to it.
  server = spawn(process.execPath, cli, { cwd: root, env, stdio: ["inherit", "inherit", "inherit", ...(dev ? [] : ["ipc"])], detached: true });
  instance?.update({ serverPid: server.pid });
  server.once("exit", (code) => {
    if (!stopping) void stop(code ?? 1);
  });
  console.log(`\n  Góp Sức is starting on ${env.APP_URL}  (listening on ${host}:${port}${host === "127.0.0.1" ? `, this machine only${env.DEMO_MODE === "true" ? " (the demo never runs for the network)" : " — HOST=0.0.0.0 opens it to the network"}` : ""}; Ctrl-C to stop)\n`);
}

main().catch((error) => {
  console.error(`\n${error.message}\n`);
  process.exit(1);
});
