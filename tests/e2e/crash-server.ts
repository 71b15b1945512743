import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { DEMO_STRIPE } from "#services/stripe";

/**
 * The built app (build/index.js under remix-serve), started as tests/setup/global-e2e.ts starts it —
 * production, labelled demo mode — on a port and a database of the caller's, with the in-server
 * sweeper off (the crash test runs the sweeper itself). Killed with SIGKILL and started again at will.
 */
const root = path.resolve(import.meta.dirname, "../..");

export type AppProcess = { child: ChildProcess; output: () => string };

/** Servers still running when this process ends (a test run stopped half-way) end with it. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export function startApp(input: { port: number; mongoUri: string; sessionSecret: string }): AppProcess {
  const baseUrl = `http://localhost:${input.port}`;
  let output = "";
  const child = spawn(process.execPath, [path.join(root, "scripts/serve.mjs"), "build/index.js"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(input.port),
      DEMO_MODE: "true",
      HOST: "127.0.0.1",
      STRIPE_SECRET_KEY: "",
      STRIPE_WEBHOOK_SECRET: "",
      // The demo's webhook secret is random per process: the test signs its events with its own, so the server takes that one.
      DEMO_WEBHOOK_SECRET: DEMO_STRIPE.webhookSecret,
      MONGODB_URI: input.mongoUri,
      APP_URL: baseUrl,
      SESSION_SECRET: input.sessionSecret,
      SWEEPER_INTERVAL_MS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  child.stdout!.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
  child.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
  return { child, output: () => output };
}

/** Resolves once /healthz answers 200; throws if the process exits or a minute passes. */
export async function waitForHealthy(baseUrl: string, app: AppProcess, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) throw new Error(`the app exited (${app.child.exitCode ?? app.child.signalCode}):\n${app.output()}`);
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the app did not become healthy:\n${app.output()}`);
}

/** SIGKILL — no shutdown hook runs, as when a machine loses power — and waits for the process to be gone. */
export function killHard(app: AppProcess): Promise<void> {
  return new Promise((resolve) => {
    if (app.child.exitCode !== null || app.child.signalCode !== null) return resolve();
    app.child.once("exit", () => resolve());
    app.child.kill("SIGKILL");
  });
}

/** `npm run jobs -- --once` on the given database: one sweep; its JSON report (the last line it prints). */
export function runSweeperOnce(mongoUri: string): Promise<{ code: number | null; report: Record<string, unknown>; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/jobs.ts", "--once"], {
      cwd: root,
      env: { ...process.env, MONGODB_URI: mongoUri },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => {
      const output = `${stdout}\n${stderr}`;
      // 2: it ran, and found a broken chain (the caller asserts on the report); anything else is a failure to run.
      if (code !== 0 && code !== 2) return reject(new Error(`the sweeper exited with ${code}:\n${output}`));
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve({ code, report: JSON.parse(last) as Record<string, unknown>, output });
      } catch {
        reject(new Error(`the sweeper printed no report:\n${output}`));
      }
    });
  });
}
