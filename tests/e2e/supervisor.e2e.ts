import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort, INSTANCE_FILE } from "../../scripts/lib/database.mjs";
import { killHard, waitForHealthy, type AppProcess } from "./crash-server";

/**
 * `npm start` (scripts/start.mjs) as a developer runs it — install check, build check, the embedded
 * FerretDB, the demo seed, the server — on a data folder and a port of its own (GOPSUC_DATA_DIR, PORT),
 * never the developer's .data/db. Issue 10, item 5; decision 0018. Every wait is for a state (an answer
 * of /healthz, a process gone), bounded generously; nothing sleeps and then counts.
 */
const root = path.resolve(import.meta.dirname, "../..");
const dataDir = path.join(root, ".data", `test-supervisor-${process.pid}`);
let port = 0;
let baseUrl = "";
const started: AppProcess[] = [];
let first: AppProcess | null = null;

function npmStart(): AppProcess {
  let output = "";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    GOPSUC_DATA_DIR: dataDir,
    SESSION_SECRET: `supervisor-${crypto.randomUUID()}-${crypto.randomUUID()}`,
    STRIPE_SECRET_KEY: "",
    NODE_ENV: "production",
  };
  delete env.MONGODB_URI;
  delete env.DEMO_MODE;
  const child = spawn(process.execPath, ["scripts/start.mjs"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  const app = { child, output: () => output };
  started.push(app);
  return app;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls until `condition` holds; throws with `what` (and the supervisor's output) after `timeoutMs`. */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000, app: AppProcess | null = first) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting: ${what}\n${app?.output() ?? ""}`);
}

function exited(app: AppProcess): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return Promise.resolve(app.child.exitCode);
  return new Promise((resolve) => app.child.once("exit", (code) => resolve(code)));
}

const databasePid = () => Number(fs.readFileSync(path.join(dataDir, "ferretdb.pid"), "utf8"));
const instanceFile = () => JSON.parse(fs.readFileSync(path.join(dataDir, INSTANCE_FILE), "utf8")) as { pid: number; serverPid: number; url: string };

/** /healthz's answer and how long it took, or null when nothing answered within 10 s. */
async function health() {
  const begun = Date.now();
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, ms: Date.now() - begun };
  } catch {
    return null;
  }
}

beforeAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  port = await freePort();
  baseUrl = `http://localhost:${port}`;
  first = npmStart();
  // The first run seeds the demo data: a few seconds here, more on a busy machine.
  await waitForHealthy(baseUrl, first, 240_000);
}, 300_000);

afterAll(async () => {
  for (const app of started) await killHard(app);
  // Whatever a failed test left running on this folder (the watchdogs end their databases themselves).
  try {
    const { serverPid } = instanceFile();
    if (alive(serverPid)) process.kill(serverPid, "SIGKILL");
  } catch {
    /* no instance file */
  }
  await until("the test's database to stop", () => {
    try {
      return !alive(databasePid());
    } catch {
      return true;
    }
  }, 30_000).catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("npm start supervises the app and its embedded database", () => {
  test("a second npm start on the same data refuses, naming the running one, and the first keeps serving with the same database", async () => {
    const databaseBefore = databasePid();
    const second = npmStart();
    const code = await exited(second);
    expect(code).not.toBe(0);
    expect(second.output()).toContain(`npm start pid ${first!.child.pid}`);
    expect(second.output()).toContain(baseUrl);
    // Nothing of the first was touched: its database is the same process, its /healthz still 200.
    expect(alive(databaseBefore)).toBe(true);
    expect(databasePid()).toBe(databaseBefore);
    expect((await health())?.status).toBe(200);
    expect(instanceFile().pid).toBe(first!.child.pid);
  });

  test("FerretDB killed with kill -9 is started again with backoff; meanwhile /healthz answers 503 within a second with fixed words; then pages work again", async () => {
    const killed = databasePid();
    const { port: databasePort } = new URL(fs.readFileSync(path.join(dataDir, "ferretdb.uri"), "utf8").trim());
    process.kill(killed, "SIGKILL");
    // Hold its port with a socket that accepts and never answers (a hung database), so the supervisor's
    // restarts fail until we let go: the outage lasts as long as the test needs, not as long as a race.
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => void sockets.add(socket));
    await until("the database's port to be free for the test to hold", () =>
      new Promise<boolean>((resolve) => {
        hung.once("error", () => resolve(false));
        hung.listen(Number(databasePort), "127.0.0.1", () => resolve(true));
      }),
    );
    try {
      await until("the database to be gone", () => !alive(killed));
      // /healthz while the database is down or hanging: 503 with fixed words, never the driver's message.
      let answer = await health();
      await until("/healthz to say the database is unavailable", async () => {
        answer = await health();
        return answer?.status === 503;
      });
      expect(answer).toMatchObject({ status: 503, body: { status: "unavailable", database: "unreachable" } });
      for (let probe = 0; probe < 3; probe += 1) {
        const again = await health();
        expect(again?.status).toBe(503);
        expect(again!.body).toEqual({ status: "unavailable", database: "unreachable" });
        // Bounded by the server (0.5 s ping, 0.9 s in all); the margin is for a busy machine's HTTP round trip.
        expect(again!.ms).toBeLessThan(1500);
      }
      // The supervisor keeps trying, each time waiting twice as long: 0.5 s, 1 s, 2 s…
      await until("two failed restarts", () => (first!.output().match(/did not start again/g) ?? []).length >= 2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
    await until("the database to be running again", () => /The database is running again/.test(first!.output()), 90_000);
    const delays = [...first!.output().matchAll(/again in ([\d.]+) s/g)].map((m) => Number(m[1]));
    expect(delays.slice(0, 3)).toEqual([0.5, 1, 2]);
    expect(first!.output()).toContain("The database stopped (signal SIGKILL)");
    expect(databasePid()).not.toBe(killed);
    expect(alive(databasePid())).toBe(true);

    // The server did not restart: its driver reconnected. /healthz and the pages answer again.
    await until("/healthz to be 200 again", async () => (await health())?.status === 200);
    const programmes = await fetch(`${baseUrl}/programmes`);
    expect(programmes.status).toBe(200);
    expect(await programmes.text()).toContain("Thư viện số cho người cao tuổi");
    expect(alive(instanceFile().serverPid)).toBe(true);
  });

  test("npm start killed with kill -9: its server and database stop by themselves, and the next npm start starts cleanly and stops on SIGTERM", async () => {
    const { serverPid } = instanceFile();
    const database = databasePid();
    await killHard(first!);
    await until("the server to stop after its supervisor died", () => !alive(serverPid), 60_000);
    await until("the database to stop after its supervisor died", () => !alive(database), 60_000);
    // The instance file of the dead one is still there: it must not block the next start.
    expect(instanceFile().pid).toBe(first!.child.pid);

    const next = npmStart();
    await waitForHealthy(baseUrl, next, 240_000);
    expect(instanceFile().pid).toBe(next.child.pid);
    const programmes = await fetch(`${baseUrl}/programmes`);
    expect(programmes.status).toBe(200);

    // SIGTERM stops everything: the supervisor, its server, its database; the instance file is removed.
    const nextServer = instanceFile().serverPid;
    const nextDatabase = databasePid();
    next.child.kill("SIGTERM");
    expect(await exited(next)).toBe(0);
    expect({ server: alive(nextServer), database: alive(nextDatabase), instanceFile: fs.existsSync(path.join(dataDir, INSTANCE_FILE)) }).toEqual({ server: false, database: false, instanceFile: false });
  });
});
