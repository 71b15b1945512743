// Set-up shared by `npm start` and `npm test`: install dependencies, build, find Chromium.
// Plain Node, no dependencies: it runs on a fresh clone before `npm install`.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  }
}

/** `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureInstalled(log = console.log) {
  const marker = path.join(root, "node_modules/.package-lock.json");
  const lock = path.join(root, "package-lock.json");
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log("• Installing dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** `remix build` when the build is missing or older than the code it is built from. */
export function ensureBuilt(log = console.log) {
  const built = path.join(root, "build/index.js");
  const sources = Math.max(
    ...["app", "models", "services"].map((dir) => newestMtime(path.join(root, dir))),
    ...["remix.config.js", "package-lock.json"].map((f) => fs.statSync(path.join(root, f)).mtimeMs),
  );
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return;
  log("• Building the app (remix build)…");
  // Quiet unless it fails: Remix's future-flag notices and the bundler's own chatter (and, on some
  // runs, a crash dump of esbuild's helper process after a finished build) are not for a first-time user.
  const result = spawnSync("npx", ["remix", "build"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
  if (result.status !== 0 || !fs.existsSync(built)) {
    process.stderr.write(`${result.stdout ?? ""}${result.stderr ?? ""}`);
    throw new Error(`remix build failed (exit ${result.status ?? result.signal})`);
  }
}

/** A session secret kept under .data/ for local runs, so sign-ins survive a restart. Never committed. */
export function localSessionSecret() {
  const file = path.join(root, ".data/session-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

/**
 * This installation's certificate signing key (J3): an Ed25519 private key made once under .data, so
 * certificates issued by the local app still verify after a restart. Production brings its own (SIGNING_KEY).
 */
export function localSigningKey() {
  const file = path.join(root, ".data/signing-key.pem");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { privateKey } = crypto.generateKeyPairSync("ed25519");
    fs.writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? null;
}
