import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import mongoose from "mongoose";
import type { TestProject } from "vitest/node";
import { freePort, startEmbeddedDatabase, stopProcess, withDatabaseName } from "../../scripts/lib/database.mjs";
import { LIMIT_DEFAULTS } from "../../app/utils/limits-config.server";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    e2eMongoUri: string;
    /** The server's SIGNING_KEY (PKCS#8 PEM): a test that signs the transparency log's checkpoints in its own process signs as the server does. */
    signingKey: string;
  }
}

async function waitForHealthy(url: string, server: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the app exited (${server.exitCode}):\n${output()}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the app did not become healthy:\n${output()}`);
}

/**
 * The browser tests all come from 127.0.0.1: the abuse limits are out of their reach, except the
 * login's per-account ones, which tests/e2e/login-limits.e2e.ts meets at their production values.
 */
const E2E_LIMITS = Object.entries(LIMIT_DEFAULTS)
  .filter(([name]) => name !== "login-account" && name !== "login-pair")
  .map(([name, [, seconds]]) => `${name}=100000/${seconds}`)
  .join(",");

/** The built app (npm test builds it first) served on a free port, on its own database. */
export default async function setup(project: TestProject) {
  const root = path.resolve(import.meta.dirname, "../..");
  let database: { uri: string; stop: () => Promise<void> } | null = null;
  let serverUri = process.env.MONGODB_URI_TEST ?? process.env.MONGODB_URI;
  if (!serverUri) {
    database = await startEmbeddedDatabase({ dataDir: path.join(root, ".data", `test-e2e-${process.pid}`), persistent: false, log: () => {} });
    serverUri = database!.uri;
  }
  const mongoUri = withDatabaseName(serverUri, `gopsuc_e2e_${process.pid}`);
  const port = await freePort();
  const signingKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const baseUrl = `http://localhost:${port}`;
  let output = "";
  const server = spawn(process.execPath, [path.join(root, "scripts/serve.mjs"), "build/index.js"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), DEMO_MODE: "true", HOST: "127.0.0.1", STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: "", MONGODB_URI: mongoUri, RATE_LIMITS: process.env.RATE_LIMITS ?? E2E_LIMITS, APP_URL: baseUrl, SIGNING_KEY: signingKey, SESSION_SECRET: `e2e-${crypto.randomUUID()}-${crypto.randomUUID()}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout!.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
  server.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
  await waitForHealthy(baseUrl, server, () => output);
  project.provide("baseUrl", baseUrl);
  project.provide("e2eMongoUri", mongoUri);
  project.provide("signingKey", signingKey);

  return async () => {
    // remix-serve waits for keep-alive connections on SIGTERM; it gets 2 s, then SIGKILL.
    await stopProcess(server, 2000);
    const connection = await mongoose.createConnection(mongoUri).asPromise();
    await connection.dropDatabase().catch(() => {});
    await connection.close();
    if (database) await database.stop();
  };
}
