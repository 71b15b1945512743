#!/usr/bin/env node
// `npm start`: install, build, start the database (embedded unless MONGODB_URI is set), seed demo
// data on the first run, and serve http://localhost:3000. Ctrl-C stops everything.
import { spawn } from "node:child_process";
import path from "node:path";
import { startEmbeddedDatabase, stopProcess, withDatabaseName } from "./lib/database.mjs";
import { ensureBuilt, ensureInstalled, localSessionSecret, root, run } from "./lib/setup.mjs";

const dev = process.argv.includes("--dev");
const port = process.env.PORT ?? "3000";
// Only this machine can reach the app unless told otherwise (HOST=0.0.0.0 for every interface).
const host = process.env.HOST ?? "127.0.0.1";

async function main() {
  ensureInstalled();
  if (!dev) ensureBuilt();

  let database = null;
  let mongoUri = process.env.MONGODB_URI;
  if (!mongoUri) {
    database = await startEmbeddedDatabase({ dataDir: path.join(root, ".data/db"), persistent: true });
    mongoUri = withDatabaseName(database.uri, "gopsuc");
  } else {
    console.log("• Using the database at MONGODB_URI");
  }

  const env = {
    ...process.env,
    MONGODB_URI: mongoUri,
    SESSION_SECRET: process.env.SESSION_SECRET ?? localSessionSecret(),
    APP_URL: process.env.APP_URL ?? `http://localhost:${port}`,
    PORT: port,
    HOST: host,
    NODE_ENV: dev ? "development" : (process.env.NODE_ENV ?? "production"),
    // Without Stripe keys the local app runs the labelled demo: card payments are simulated.
    DEMO_MODE: process.env.DEMO_MODE ?? (process.env.STRIPE_SECRET_KEY ? "false" : "true"),
  };

  let server = null;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log("\n• Stopping…");
    if (server) await stopProcess(server, 3000);
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
  server = spawn(process.execPath, cli, { cwd: root, env, stdio: "inherit", detached: true });
  server.once("exit", (code) => {
    if (!stopping) void stop(code ?? 1);
  });
  console.log(`\n  Góp Sức is starting on ${env.APP_URL}  (listening on ${host}:${port}${host === "127.0.0.1" ? `, this machine only${env.DEMO_MODE === "true" ? " (the demo never runs for the network)" : " — HOST=0.0.0.0 opens it to the network"}` : ""}; Ctrl-C to stop)\n`);
}

main().catch((error) => {
  console.error(`\n${error.message}\n`);
  process.exit(1);
});
