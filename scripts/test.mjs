#!/usr/bin/env node
// `npm test`: install, build, start one throwaway database, run the unit and integration tests and
// the browser tests (Playwright driving Debian's Chromium). Outside CI a missing Chromium skips only
// the browser tests, loudly; under CI=true it is a failure.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startEmbeddedDatabase } from "./lib/database.mjs";
import { ensureBuilt, ensureInstalled, findChromium, root } from "./lib/setup.mjs";

const ci = process.env.CI === "true" || process.env.CI === "1";
const extraArgs = process.argv.slice(2);

function banner(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  console.log(`\n${"!".repeat(width)}\n${lines.map((l) => `! ${l.padEnd(width - 4)} !`).join("\n")}\n${"!".repeat(width)}\n`);
}

async function main() {
  ensureInstalled();
  const chromium = findChromium();
  const projects = ["integration"];
  if (chromium) {
    ensureBuilt();
    projects.push("e2e");
  } else if (ci) {
    console.error("CI=true but no Chromium was found (/usr/bin/chromium). Install it: apt-get install -y chromium");
    process.exit(1);
  } else {
    banner(["NO CHROMIUM FOUND — THE BROWSER TESTS ARE SKIPPED.", "Install it with: sudo apt-get install -y chromium", "(or set CHROMIUM_PATH). Unit and integration tests still run."]);
  }

  let database = null;
  const env = { ...process.env, CHROMIUM_PATH: chromium ?? "" };
  if (!process.env.MONGODB_URI_TEST && !process.env.MONGODB_URI) {
    database = await startEmbeddedDatabase({ dataDir: path.join(root, ".data", `test-${process.pid}`), persistent: false });
    env.MONGODB_URI_TEST = database.uri;
    // Where its files are: the tests that take the launcher's indexes away and put them back need it.
    if (database.kind === "ferretdb") env.MONGODB_URI_TEST_DATA_DIR = database.dataDir;
  }
  const stop = async () => {
    if (database) await database.stop();
    database = null;
  };
  process.on("SIGINT", () => void stop().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stop().then(() => process.exit(143)));

  const report = path.join(root, ".data", `vitest-report-${process.pid}.json`);
  const args = ["vitest", "run", "--config", "tests/vitest.config.ts", ...projects.flatMap((p) => ["--project", p]), "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...extraArgs];
  // Not spawnSync: this process keeps adding the embedded database's indexes while the tests run.
  const status = await new Promise((resolve) => {
    const child = spawn("npx", args, { cwd: root, env, stdio: "inherit" });
    child.once("exit", (code) => resolve(code ?? 1));
    child.once("error", () => resolve(1));
  });
  await stop();

  if (fs.existsSync(report)) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(fs.readFileSync(report, "utf8"));
    fs.rmSync(report, { force: true });
    const skipped = numPendingTests + numTodoTests;
    console.log(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
    if (!chromium) console.log("(browser tests skipped: no Chromium)");
  }
  process.exit(status);
}

main().catch(async (error) => {
  console.error(`\n${error.message}\n`);
  process.exit(1);
});
