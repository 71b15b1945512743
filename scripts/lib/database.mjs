// Starts the embedded database when MONGODB_URI is not set.
// Plain Node (no dependencies) so it runs before `npm install`.
//
// Order of preference (docs/decisions/0002-embedded-database.md):
//   1. FerretDB v1.24 on SQLite, found on PATH or in Go's bin folder, or installed with `go install`
//   2. mongod downloaded by mongodb-memory-server (needs that package and its download host)
//   3. otherwise: stop with a message naming the three ways to get a database
import { spawn, spawnSync, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { watchSqliteIdIndexes } from "./sqlite-indexes.mjs";

export const FERRETDB_PACKAGE = "github.com/FerretDB/FerretDB/cmd/ferretdb";
export const FERRETDB_VERSION = "v1.24.2";
export const FERRETDB_MODULE = `${FERRETDB_PACKAGE}@${FERRETDB_VERSION}`;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function which(command) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

function findGo() {
  return which("go") ?? (fs.existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : null);
}

function works(binary) {
  return spawnSync(binary, ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * `go install ${FERRETDB_MODULE}` builds a binary that panics at start (FerretDB issue #2982:
 * build/version/version.txt is generated, not in the module). So we fetch the same module with
 * `go mod download` (checksums verified against Go's sum database), write version.txt into a copy,
 * and `go build` it into .data/bin. See docs/decisions/0002-embedded-database.md.
 */
function buildFerretdb(go, target, log) {
  log(`• Building FerretDB ${FERRETDB_VERSION} with Go (the first time takes a minute or two)…`);
  const modulePath = FERRETDB_PACKAGE.split("/cmd/")[0];
  const info = JSON.parse(execFileSync(go, ["mod", "download", "-json", `${modulePath}@${FERRETDB_VERSION}`], { encoding: "utf8" }));
  if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? "no module folder"}`);
  const work = fs.mkdtempSync(path.join(path.dirname(target), "ferretdb-src-"));
  try {
    fs.cpSync(info.Dir, work, { recursive: true });
    spawnSync("chmod", ["-R", "u+w", work]);
    fs.writeFileSync(path.join(work, "build/version/version.txt"), `${FERRETDB_VERSION}\n`);
    const result = spawnSync(go, ["build", "-buildvcs=false", "-o", target, "./cmd/ferretdb"], { cwd: work, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`go build of FerretDB failed (exit ${result.status})`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Finds a working ferretdb binary (PATH, then ours in .data/bin), building it with Go when missing. Null without Go. */
export function ensureFerretdb({ binDir = path.resolve(".data/bin"), log = console.log } = {}) {
  const onPath = which("ferretdb");
  if (onPath && works(onPath)) return onPath;
  const ours = path.join(binDir, "ferretdb");
  if (fs.existsSync(ours) && works(ours)) return ours;
  const go = findGo();
  if (!go) return null;
  fs.mkdirSync(binDir, { recursive: true });
  buildFerretdb(go, ours, log);
  if (!works(ours)) throw new Error("the FerretDB binary that was built does not start");
  return ours;
}

function waitForPort(port, child, timeoutMs = 30_000) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`the database exited with code ${child.exitCode} before it was ready`));
        return;
      }
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() - started > timeoutMs) reject(new Error(`the database did not listen on port ${port} in time`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A database left running by a run that was killed with SIGKILL is stopped before we start again. */
function stopStaleProcess(pidFile) {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      /* not Linux, or already gone */
    }
    if (cmdline.includes("ferretdb") || cmdline.includes("mongod")) process.kill(pid, "SIGTERM");
  }
  fs.rmSync(pidFile, { force: true });
}

const children = new Set();
let exitHookInstalled = false;
function trackChild(child) {
  children.add(child);
  child.once("exit", () => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence: whatever way this process ends, its database ends with it.
  process.once("exit", () => {
    for (const c of children) c.kill("SIGTERM");
  });
}

async function startFerretdb(binary, dataDir, log) {
  fs.mkdirSync(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, "ferretdb.pid");
  stopStaleProcess(pidFile);
  const [port, debugPort] = [await freePort(), await freePort()];
  const child = spawn(
    binary,
    [
      "--handler=sqlite",
      `--sqlite-url=file:${dataDir}/`,
      `--state-dir=${dataDir}`,
      "--telemetry=disable",
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      "--log-level=warn",
    ],
    // Its own process group: a Ctrl-C in the terminal reaches only our script, which stops the app
    // first and the database after it (no half-stopped database under a running app).
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  trackChild(child);
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  fs.writeFileSync(pidFile, String(child.pid));
  try {
    await waitForPort(port, child);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${error.message}\n${stderr}`);
  }
  log(`• FerretDB (SQLite, data in ${path.relative(process.cwd(), dataDir) || dataDir}) on 127.0.0.1:${port}`);
  // Where it listens, for other commands on the same data while it runs (`npm run jobs`).
  fs.writeFileSync(path.join(dataDir, "ferretdb.uri"), `mongodb://127.0.0.1:${port}/`);
  // The index FerretDB's own `_id` lookups can use, on every table now and on every table that appears
  // later (scripts/lib/sqlite-indexes.mjs, decision 0011).
  const indexes = await watchSqliteIdIndexes({ dataDir, log });
  return {
    kind: "ferretdb",
    uri: `mongodb://127.0.0.1:${port}/`,
    pid: child.pid,
    dataDir,
    /** Adds the missing `_id` indexes now (they are also added within a second of a collection appearing). */
    ensureIndexes: () => indexes?.sweep(),
    stop: () => {
      indexes?.stop();
      return stopChild(child, pidFile);
    },
  };
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. Resolves once it is gone. */
export function stopProcess(child, graceMs = 5000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function stopChild(child, pidFile) {
  await stopProcess(child);
  fs.rmSync(pidFile, { force: true });
}

async function startMongoMemoryServer(dataDir, persistent, log) {
  let MongoMemoryServer;
  try {
    ({ MongoMemoryServer } = await import("mongodb-memory-server-core"));
  } catch {
    return null;
  }
  log("• No FerretDB and no Go: trying mongod from mongodb-memory-server (downloads it the first time)…");
  fs.mkdirSync(dataDir, { recursive: true });
  const server = await MongoMemoryServer.create({
    instance: { ip: "127.0.0.1", port: await freePort(), ...(persistent ? { dbPath: dataDir, storageEngine: "wiredTiger" } : {}) },
  });
  log(`• mongod (mongodb-memory-server) on ${server.getUri()}`);
  return { kind: "mongod", uri: server.getUri(), pid: server.instanceInfo?.instance?.mongodProcess?.pid, stop: async () => {
      await server.stop({ doCleanup: !persistent });
    },
  };
}

export const NO_DATABASE_MESSAGE = `Góp Sức needs a MongoDB-compatible database, and none could be started. Any one of these works:
  1. Set MONGODB_URI to a MongoDB server (a replica set or Atlas in production), e.g.
       MONGODB_URI="mongodb://127.0.0.1:27017/gopsuc" npm start
  2. Install Go (https://go.dev/dl/) — the project then builds FerretDB ${FERRETDB_VERSION} itself
     (${FERRETDB_MODULE}), or put a working ferretdb binary on your PATH.
  3. Let mongodb-memory-server download mongod: run \`npm install\` with internet access to its download host.`;

/**
 * Starts the embedded database with its data in `dataDir`.
 * `persistent: false` (tests) wipes the folder first and removes it on stop.
 */
export async function startEmbeddedDatabase({ dataDir, persistent = true, log = console.log }) {
  if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
  let db = null;
  const failures = [];
  try {
    const binary = ensureFerretdb({ log });
    if (binary) db = await startFerretdb(binary, dataDir, log);
  } catch (error) {
    failures.push(`FerretDB: ${error.message}`);
  }
  if (!db) {
    try {
      db = await startMongoMemoryServer(path.join(dataDir, "mongod"), persistent, log);
    } catch (error) {
      failures.push(`mongodb-memory-server: ${error.message}`);
    }
  }
  if (!db) {
    const error = new Error(`${NO_DATABASE_MESSAGE}${failures.length ? `\n\nWhat was tried:\n  ${failures.join("\n  ")}` : ""}`);
    error.code = "NO_DATABASE";
    throw error;
  }
  if (!persistent) {
    const stop = db.stop;
    db.stop = async () => {
      await stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  }
  return db;
}

/** Adds a database name to a server URI: mongodb://host:port/ + gopsuc → mongodb://host:port/gopsuc */
export function withDatabaseName(uri, name) {
  const url = new URL(uri);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The address of the embedded database already running on `dataDir` (started by `npm start`), or null.
 * A second FerretDB must not be started on the same data while it runs.
 */
export function runningEmbeddedDatabase(dataDir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, "ferretdb.pid"), "utf8"));
    process.kill(pid, 0);
    return fs.readFileSync(path.join(dataDir, "ferretdb.uri"), "utf8").trim();
  } catch {
    return null;
  }
}
