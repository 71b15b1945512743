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
import { fileURLToPath } from "node:url";
import { watchSqliteIdIndexes } from "./sqlite-indexes.mjs";

const WATCHDOG = fileURLToPath(new URL("./watchdog.mjs", import.meta.url));

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

/** Whether nothing listens on 127.0.0.1:port now. */
function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
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
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`the database exited (${child.exitCode ?? child.signalCode}) before it was ready`));
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

/** The command line of a process ("" when it is gone, or where /proc does not exist). */
function commandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function parentPid(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

/** Ends a database process by pid if it still runs (its watchdog was killed with it left behind). */
function killDatabaseProcess(pid) {
  if (!pid || !isAlive(pid)) return;
  const cmdline = commandLine(pid);
  if (cmdline && !cmdline.includes("ferretdb")) return; // the pid was reused by something else
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone meanwhile */
  }
}

/**
 * A database the pid file names that still runs: stopped when nothing owns it any more (an orphan of a
 * run that ended without stopping it); refused when a live watchdog or `npm start` owns it — another
 * process is using this data, and stopping its database would leave that process without one.
 */
function stopStaleProcess(pidFile, dataDir) {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const cmdline = commandLine(pid);
    if (cmdline.includes("ferretdb") || cmdline.includes("mongod")) {
      const parent = parentPid(pid);
      const owner = parent && parent !== 1 && isAlive(parent) ? commandLine(parent) : "";
      if (/watchdog\.mjs|start\.mjs|jobs\.ts/.test(owner)) {
        const error = new Error(`the database in ${dataDir} is in use by another process (database pid ${pid}, started by pid ${parent}): stop that one first`);
        error.code = "DATA_IN_USE";
        throw error;
      }
      process.kill(pid, "SIGTERM");
    }
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
  // Last line of defence: whatever way this process ends, its database ends with it (and if this process
  // is killed with SIGKILL, the watchdog notices its IPC channel close and stops the database).
  process.once("exit", () => {
    for (const c of children) c.kill("SIGTERM");
  });
}

/**
 * Delays between restarts of a process that keeps dying: 0.5 s, doubling up to 30 s; back to 0.5 s once
 * it had run for a minute. Call it with how long the process ran (0 when it did not start).
 */
export function restartBackoff({ initialMs = 500, maxMs = 30_000, stableMs = 60_000 } = {}) {
  let next = initialMs;
  return (ranForMs) => {
    if (ranForMs >= stableMs) next = initialMs;
    const delay = next;
    next = Math.min(maxMs, next * 2);
    return delay;
  };
}

/**
 * One FerretDB process on `port`, under a watchdog (scripts/lib/watchdog.mjs) that stops it when this
 * process is gone, however it ends. Resolves once it accepts connections.
 */
async function launchFerretdb(binary, dataDir, port, pidFile) {
  // On a restart the port is the old one: something else listening there now would look like our
  // database answering (waitForPort only connects).
  if (!(await portIsFree(port))) throw new Error(`port ${port} is in use by another program`);
  const debugPort = await freePort();
  const args = [
    "--handler=sqlite",
    `--sqlite-url=file:${dataDir}/`,
    `--state-dir=${dataDir}`,
    "--telemetry=disable",
    `--listen-addr=127.0.0.1:${port}`,
    `--debug-addr=127.0.0.1:${debugPort}`,
    "--log-level=warn",
  ];
  // Its own process group: a Ctrl-C in the terminal reaches only our script, which stops the app
  // first and the database after it (no half-stopped database under a running app).
  const child = spawn(process.execPath, [WATCHDOG, binary, ...args], { stdio: ["ignore", "ignore", "pipe", "ipc"], detached: true });
  trackChild(child);
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let pid = null;
  try {
    pid = await new Promise((resolve, reject) => {
      child.once("message", (message) => resolve(Number(message?.pid) || null));
      child.once("exit", (code, signal) => reject(new Error(`the database exited (${code ?? signal}) before it was ready`)));
    });
    fs.writeFileSync(pidFile, String(pid));
    await waitForPort(port, child);
  } catch (error) {
    child.kill("SIGKILL");
    killDatabaseProcess(pid);
    throw new Error(`${error.message}\n${stderr}`);
  }
  return { child, pid, readyAt: Date.now() };
}

/**
 * FerretDB on a free port with its data in `dataDir`. With `keepAlive`, a database that dies is started
 * again on the same port and data, after restartBackoff's delay, and each stop and start is logged.
 */
async function startFerretdb(binary, dataDir, log, { keepAlive = false } = {}) {
  fs.mkdirSync(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, "ferretdb.pid");
  stopStaleProcess(pidFile, dataDir);
  const port = await freePort();
  let current = await launchFerretdb(binary, dataDir, port, pidFile);
  log(`• FerretDB (SQLite, data in ${path.relative(process.cwd(), dataDir) || dataDir}) on 127.0.0.1:${port}`);
  // Where it listens, for other commands on the same data while it runs (`npm run jobs`).
  fs.writeFileSync(path.join(dataDir, "ferretdb.uri"), `mongodb://127.0.0.1:${port}/`);
  // The index FerretDB's own `_id` lookups can use, on every table now and on every table that appears
  // later (scripts/lib/sqlite-indexes.mjs, decision 0011).
  const indexes = await watchSqliteIdIndexes({ dataDir, log });

  let stopped = false;
  let timer = null;
  const backoff = restartBackoff();
  const again = (delay) => {
    timer = setTimeout(restart, delay);
  };
  const watch = (instance) => {
    instance.child.once("exit", (code, signal) => {
      if (stopped) return;
      current = null;
      fs.rmSync(pidFile, { force: true });
      killDatabaseProcess(instance.pid);
      const delay = backoff(Date.now() - instance.readyAt);
      log(`• The database stopped (${signal ? `signal ${signal}` : `exit code ${code}`}); starting it again in ${delay / 1000} s`);
      again(delay);
    });
  };
  async function restart() {
    timer = null;
    if (stopped) return;
    try {
      const instance = await launchFerretdb(binary, dataDir, port, pidFile);
      if (stopped) return void (await stopProcess(instance.child));
      current = instance;
      log(`• The database is running again on 127.0.0.1:${port}`);
      watch(instance);
    } catch (error) {
      if (stopped) return;
      const delay = backoff(0);
      log(`• The database did not start again (${error.message.split("\n")[0]}); trying again in ${delay / 1000} s`);
      again(delay);
    }
  }
  if (keepAlive) watch(current);

  return {
    kind: "ferretdb",
    uri: `mongodb://127.0.0.1:${port}/`,
    get pid() {
      return current?.pid;
    },
    dataDir,
    /** Adds the missing `_id` indexes now (they are also added within a second of a collection appearing). */
    ensureIndexes: () => indexes?.sweep(),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      indexes?.stop();
      if (current) await stopProcess(current.child);
      fs.rmSync(pidFile, { force: true });
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
 * `persistent: false` (tests) wipes the folder first and removes it on stop. `keepAlive` (npm start):
 * a FerretDB that dies is started again (see startFerretdb).
 */
export async function startEmbeddedDatabase({ dataDir, persistent = true, keepAlive = false, log = console.log }) {
  if (!persistent) fs.rmSync(dataDir, { recursive: true, force: true });
  let db = null;
  const failures = [];
  try {
    const binary = ensureFerretdb({ log });
    if (binary) db = await startFerretdb(binary, dataDir, log, { keepAlive });
  } catch (error) {
    // Another process runs a database on this data: not a reason to try another kind of database.
    if (error.code === "DATA_IN_USE") throw error;
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

/** The file that says an `npm start` (scripts/start.mjs) runs on a data folder: its pid, address and server pid. */
export const INSTANCE_FILE = "npm-start.json";

/**
 * The `npm start` running on `dataDir` ({ pid, url, host, port, serverPid, … }), or null. A file left by
 * an instance that died (kill -9, power loss) names a pid that is gone — or, on Linux, a pid now used by
 * another program — and counts as no instance.
 */
export function runningInstance(dataDir) {
  let info;
  try {
    info = JSON.parse(fs.readFileSync(path.join(dataDir, INSTANCE_FILE), "utf8"));
  } catch {
    return null;
  }
  if (!Number.isInteger(info?.pid) || info.pid <= 0 || !isAlive(info.pid)) return null;
  const cmdline = commandLine(info.pid);
  if (cmdline && !cmdline.includes("start.mjs")) return null;
  return info;
}

/**
 * Claims `dataDir` for this `npm start`: { claimed: true, update, release } — or { claimed: false, running }
 * when another live instance holds it. The file is created whole and atomically (a hard link fails when
 * it exists); one left by a dead instance is replaced.
 */
export function claimInstance(dataDir, info) {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, INSTANCE_FILE);
  const write = (target, content) => {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(content));
    try {
      if (target === "link") fs.linkSync(tmp, file);
      else fs.renameSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  };
  let content = { ...info, pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      write("link", content);
      const ours = () => {
        try {
          return JSON.parse(fs.readFileSync(file, "utf8")).pid === process.pid;
        } catch {
          return false;
        }
      };
      return {
        claimed: true,
        update(more) {
          content = { ...content, ...more };
          if (ours()) write("rename", content);
        },
        release() {
          if (ours()) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const running = runningInstance(dataDir);
      if (running) return { claimed: false, running };
      fs.rmSync(file, { force: true }); // left by an instance that is gone
    }
  }
  throw new Error(`could not claim ${file}: another npm start is starting on the same data at this moment`);
}

/**
 * The address of the embedded database already running on `dataDir` (started by `npm start`), or null.
 * A second FerretDB must not be started on the same data while it runs — nor while `npm start` is
 * starting its database again after a crash.
 */
export function runningEmbeddedDatabase(dataDir) {
  try {
    const uri = fs.readFileSync(path.join(dataDir, "ferretdb.uri"), "utf8").trim();
    if (runningInstance(dataDir)) return uri;
    const pid = Number(fs.readFileSync(path.join(dataDir, "ferretdb.pid"), "utf8"));
    process.kill(pid, 0);
    return uri;
  } catch {
    return null;
  }
}
