import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, test } from "vitest";
import { freePort, withDatabaseName } from "../../scripts/lib/database.mjs";
import { waitForHealthy, type AppProcess } from "./crash-server";

/**
 * The production build with production dependencies only (`npm ci --omit=dev`), as a deployment runs
 * it: the built app (build/, public/), its server (scripts/serve.mjs) and package.json with its lock file
 * in a directory of their own
 * — no devDependency installed, nothing of tests/ or app/ beside it — starts and answers /healthz and a
 * page. (The demo's Stripe once pulled msw, a devDependency, into build/index.js: the server did not load.)
 */
const root = path.resolve(import.meta.dirname, "../..");
let dir = "";
let app: AppProcess | null = null;

afterAll(() => {
  app?.child.kill("SIGKILL");
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the production build", () => {
  test("starts with production dependencies only and answers /healthz and the home page", { timeout: 600_000 }, async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gopsuc-production-"));
    fs.mkdirSync(path.join(dir, "scripts"));
    for (const item of ["package.json", "package-lock.json", "build", "public", "scripts/serve.mjs"]) fs.cpSync(path.join(root, item), path.join(dir, item), { recursive: true });
    // From the registry or npm's cache, with install scripts (argon2 builds its binding: its prebuilt one
    // crashes on these machines). Optional dependencies are the launcher's (better-sqlite3), not the server's.
    execFileSync("npm", ["ci", "--omit=dev", "--omit=optional", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, stdio: "pipe", timeout: 540_000 });
    for (const devOnly of ["msw", "vitest", "tsx", "@remix-run/dev", "@remix-run/serve", "playwright-core", "fast-check"]) expect(fs.existsSync(path.join(dir, "node_modules", devOnly)), devOnly).toBe(false);

    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    let output = "";
    const child = spawn(process.execPath, ["scripts/serve.mjs", "build/index.js"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        PORT: String(port),
        HOST: "127.0.0.1",
        APP_URL: baseUrl,
        MONGODB_URI: withDatabaseName(inject("e2eMongoUri"), `gopsuc_production_${Date.now()}`),
        SESSION_SECRET: `production-${crypto.randomUUID()}-${crypto.randomUUID()}`,
        SWEEPER_INTERVAL_MS: "0",
        // Production mails (decision 0019); nothing here sends any, so the server is never contacted.
        SMTP_URL: "smtp://127.0.0.1:2525",
        MAIL_FROM: "Góp Sức <no-reply@gopsuc.vn>",
        // The certificate signing key production requires (issue 11), made for this run.
        SIGNING_KEY: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
    child.stderr.on("data", (chunk) => (output = (output + chunk).slice(-8000)));
    app = { child, output: () => output };
    await waitForHealthy(baseUrl, app, 120_000);

    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const home = await fetch(`${baseUrl}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Góp Sức");
    expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
  });
});
