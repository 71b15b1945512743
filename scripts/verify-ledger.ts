/**
 * `npm run verify-ledger -- <site address | folder> [--key <verifier key>] [--entry <receipt number or entry id>]… [--from <size>]…`
 *
 * Checks Góp Sức's transparency log with public data only (scripts/lib/ledger-verifier.ts): the latest
 * checkpoint's signature, each entry's inclusion in it, and that it extends each earlier checkpoint.
 * A folder holds files saved from the site: checkpoint.txt (/transparency/checkpoint), jwks.json
 * (/.well-known/jwks.json; not needed with --key) and any proofs saved as .json from
 * /transparency/proof/…, each of which is checked. Exit code 0 when everything checked holds.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { checkConsistency, checkInclusion, keysOfJwks, parseVerifierKey, verifyLedger, type Key, type Source } from "./lib/ledger-verifier";

function parseArgs(argv: string[]) {
  const out: { target?: string; key?: string; entries: string[]; from: number[] } = { entries: [], from: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[(i += 1)];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--key") out.key = value();
    else if (arg === "--entry") out.entries.push(value());
    else if (arg === "--from") out.from.push(Number(value()));
    else if (!out.target) out.target = arg;
    else throw new Error(`unexpected argument: ${arg}`);
  }
  if (!out.target) throw new Error("usage: npm run verify-ledger -- <site address | folder> [--key <verifier key>] [--entry <receipt number>]… [--from <size>]…");
  if (out.from.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new Error("--from takes a checkpoint size (a whole number)");
  return out;
}

function siteSource(base: string): Source {
  const root = base.replace(/\/+$/, "");
  return {
    describe: root,
    get: async (p) => {
      const response = await fetch(`${root}${p}`, { redirect: "follow" });
      return { status: response.status, text: await response.text() };
    },
  };
}

function folderSource(dir: string): Source {
  const files: Record<string, string> = { "/transparency/checkpoint": "checkpoint.txt", "/.well-known/jwks.json": "jwks.json" };
  return {
    describe: `files in ${dir}`,
    get: async (p) => {
      const file = files[p];
      try {
        return file ? { status: 200, text: readFileSync(path.join(dir, file), "utf8") } : { status: 404, text: "not among the exported files" };
      } catch {
        return { status: 404, text: `${file} is missing` };
      }
    },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const key: Key | undefined = args.key ? parseVerifierKey(args.key) : undefined;
  const isSite = /^https?:\/\//i.test(args.target!);
  const source = isSite ? siteSource(args.target!) : folderSource(args.target!);
  const outcome = await verifyLedger(source, { key, entries: args.entries, from: args.from });
  let ok = outcome.ok;
  for (const line of outcome.lines) console.log(line);
  if (!isSite && ok) {
    // Every proof saved in the folder, each against the checkpoints it carries.
    const keys = key ? [key] : keysOfJwks(readFileSync(path.join(args.target!, "jwks.json"), "utf8"), "jwks.json");
    for (const file of readdirSync(args.target!).filter((f) => f.endsWith(".json") && f !== "jwks.json").sort()) {
      const proof = JSON.parse(readFileSync(path.join(args.target!, file), "utf8")) as Record<string, unknown>;
      const say = (line: string) => console.log(`${file}: ${line}`);
      if ("leafIndex" in proof) ok = checkInclusion(proof as never, keys, say) && ok;
      else if ("fromCheckpoint" in proof) ok = checkConsistency(proof as never, keys, say) && ok;
    }
  }
  console.log(ok ? "Everything checked holds." : "✗ Something did not check out (see above).");
  process.exitCode = ok ? 0 : 1;
}

main().catch((error) => {
  console.error(`✗ ${(error as Error).message}`);
  process.exitCode = 2;
});
