#!/usr/bin/env node
// Builds FerretDB into .data/bin (when neither it nor a working ferretdb on PATH exists) and prints its version.
import { spawnSync } from "node:child_process";
import { ensureFerretdb } from "./lib/database.mjs";

const binary = ensureFerretdb();
if (!binary) {
  console.error("No Go found: cannot build FerretDB.");
  process.exit(1);
}
const { stdout } = spawnSync(binary, ["--version"], { encoding: "utf8" });
console.log(`• FerretDB ready: ${binary} (${stdout.split("\n")[0]})`);
