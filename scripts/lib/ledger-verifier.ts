/**
 * The standalone verifier of Góp Sức's transparency log (issue 12; `npm run verify-ledger`): checks a
 * checkpoint's signature, entries' inclusion and the consistency of two checkpoints using only public
 * data — what the site publishes, or files exported from it — and says what it checked. It trusts
 * nothing the server computes: every hash is recomputed here with RFC 9162's verification algorithms.
 */
import { createHash } from "node:crypto";
import { keyId, openNote, parseCheckpoint, type Checkpoint } from "../../services/transparency/checkpoint";
import { leafHash, verifyConsistency, verifyInclusion } from "../../services/transparency/merkle";

/** Where public data comes from: a site (paths fetched) or a folder of exported files. */
export type Source = { describe: string; get: (path: string) => Promise<{ status: number; text: string }> };

export type Key = { name: string | null; publicKey: Buffer; from: string };
export type Outcome = { ok: boolean; lines: string[] };

const hex = (b: Buffer) => b.toString("hex");

/** A verifier key as Go's note package writes it: `<name>+<key ID hex>+<base64(0x01 || public key)>`. */
export function parseVerifierKey(vkey: string): Key {
  const first = vkey.indexOf("+");
  const second = vkey.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new Error("a verifier key reads <name>+<key id>+<key>");
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  const bytes = Buffer.from(vkey.slice(second + 1), "base64");
  if (bytes.length !== 33 || bytes[0] !== 0x01) throw new Error("not an Ed25519 verifier key (type 0x01, 32 bytes)");
  const publicKey = bytes.subarray(1);
  if (hex(keyId(name, publicKey)) !== id.toLowerCase()) throw new Error("the verifier key's ID does not match its name and key");
  return { name, publicKey, from: "the verifier key given" };
}

/** Ed25519 keys of a JWKS (RFC 7517/8037), current first as the site lists them. */
export function keysOfJwks(text: string, from = "/.well-known/jwks.json"): Key[] {
  const jwks = JSON.parse(text) as { keys?: Array<{ kty?: string; crv?: string; x?: string; kid?: string }> };
  return (jwks.keys ?? []).filter((k) => k.kty === "OKP" && k.crv === "Ed25519" && k.x).map((k) => ({ name: null, publicKey: Buffer.from(k.x!, "base64url"), from: `${from} (${k.kid ?? "no kid"})` }));
}

/** Opens a signed checkpoint with the first of the keys it verifies under. */
function openCheckpoint(note: string, keys: Key[]): { checkpoint: Checkpoint; key: Key } | null {
  const origin = note.split("\n", 1)[0] ?? "";
  for (const key of keys) {
    const text = openNote(note, key.name ?? origin, key.publicKey);
    const checkpoint = text ? parseCheckpoint(text) : null;
    if (checkpoint) return { checkpoint, key };
  }
  return null;
}

async function getOk(source: Source, path: string): Promise<string> {
  const answer = await source.get(path);
  if (answer.status !== 200) throw new Error(`${path}: answered ${answer.status} ${answer.text.slice(0, 120)}`);
  return answer.text;
}

type InclusionJson = { entry: string; leafIndex: number; treeSize: number; leafData: string; leafHash: string; proof: string[]; checkpoint: string };
type ConsistencyJson = { from: number; to: number; proof: string[]; fromCheckpoint: string; toCheckpoint: string };

/** Checks one inclusion proof as the site serves it, against the checkpoint it names (which must open with a key). */
export function checkInclusion(proof: InclusionJson, keys: Key[], say: (line: string) => void): boolean {
  const opened = openCheckpoint(proof.checkpoint, keys);
  if (!opened) return say(`✗ entry ${proof.entry}: the checkpoint served with the proof is not signed by the log's key`), false;
  const data = Buffer.from(proof.leafData, "base64");
  const leaf = leafHash(data);
  const [format, entryId, institution, sequence, entryHash] = data.toString("utf8").split("\n");
  if (hex(leaf) !== proof.leafHash) return say(`✗ entry ${proof.entry}: the leaf hash is not SHA-256(0x00 || leaf data)`), false;
  if (entryId !== proof.entry) return say(`✗ entry ${proof.entry}: the leaf commits to another entry (${entryId})`), false;
  const ok = opened.checkpoint.size === proof.treeSize && verifyInclusion(leaf, proof.leafIndex, proof.treeSize, proof.proof.map((h) => Buffer.from(h, "hex")), opened.checkpoint.root);
  say(
    ok
      ? `✓ entry ${entryId} (${format}: institution ${institution}, its entry no. ${sequence}, entry hash ${entryHash}) is leaf ${proof.leafIndex} of the tree of ${proof.treeSize} (${proof.proof.length} hashes of proof)`
      : `✗ entry ${proof.entry}: the inclusion proof does not lead to the checkpoint's root`,
  );
  return ok;
}

/** Checks one consistency proof: both checkpoints signed by the log's key, and the later tree extends the earlier. */
export function checkConsistency(proof: ConsistencyJson, keys: Key[], say: (line: string) => void): boolean {
  const first = openCheckpoint(proof.fromCheckpoint, keys);
  const second = openCheckpoint(proof.toCheckpoint, keys);
  if (!first || !second) return say(`✗ ${proof.from} → ${proof.to}: a checkpoint of the proof is not signed by the log's key`), false;
  const ok =
    first.checkpoint.size === proof.from &&
    second.checkpoint.size === proof.to &&
    verifyConsistency(proof.from, proof.to, first.checkpoint.root, second.checkpoint.root, proof.proof.map((h) => Buffer.from(h, "hex")));
  say(
    ok
      ? `✓ the log of ${proof.to} entries extends the log of ${proof.from} (signed ${first.checkpoint.time.toISOString()}) without changing or removing any entry (${proof.proof.length} hashes of proof)`
      : `✗ ${proof.from} → ${proof.to}: the consistency proof does not join the two signed roots`,
  );
  return ok;
}

/**
 * Verifies what a source publishes: its latest checkpoint's signature (with `key`, else the keys of its
 * /.well-known/jwks.json), the inclusion of each entry asked for, and the consistency of each earlier
 * size asked for with that checkpoint.
 */
export async function verifyLedger(source: Source, options: { key?: Key; entries?: string[]; from?: number[] }): Promise<Outcome> {
  const lines: string[] = [];
  const say = (line: string) => void lines.push(line);
  let ok = true;
  try {
    say(`Source: ${source.describe}`);
    const keys = options.key ? [options.key] : keysOfJwks(await getOk(source, "/.well-known/jwks.json"));
    if (!options.key) say(`Keys: ${keys.length} from the site's /.well-known/jwks.json — give --key <verifier key> to check against a key you obtained elsewhere`);
    const note = await getOk(source, "/transparency/checkpoint");
    const opened = openCheckpoint(note, keys);
    if (!opened) return { ok: false, lines: [...lines, "✗ The checkpoint's signature does not verify with the log's key"] };
    const { checkpoint, key } = opened;
    say(`✓ Checkpoint signed by ${checkpoint.origin} (key from ${key.from}): ${checkpoint.size} entries, root ${hex(checkpoint.root)}, signed ${checkpoint.time.toISOString()}`);
    say(`  (sha256 of the note: ${createHash("sha256").update(note).digest("hex")})`);
    for (const entry of options.entries ?? []) {
      const answer = await source.get(`/transparency/proof/inclusion?entry=${encodeURIComponent(entry)}&size=${checkpoint.size}`);
      if (answer.status !== 200) {
        ok = false;
        say(`✗ entry ${entry}: not in the tree of ${checkpoint.size} (the site answered ${answer.status})`);
        continue;
      }
      const proof = JSON.parse(answer.text) as InclusionJson;
      if (proof.checkpoint !== note) say(`  (the proof names another checkpoint than the latest: checked against its own)`);
      ok = checkInclusion(proof, keys, say) && ok;
    }
    for (const from of options.from ?? []) {
      const answer = await source.get(`/transparency/proof/consistency?from=${from}&to=${checkpoint.size}`);
      if (answer.status !== 200) {
        ok = false;
        say(`✗ ${from} → ${checkpoint.size}: no consistency proof (the site answered ${answer.status}; a size must be one of a published checkpoint)`);
        continue;
      }
      ok = checkConsistency(JSON.parse(answer.text) as ConsistencyJson, keys, say) && ok;
    }
  } catch (error) {
    return { ok: false, lines: [...lines, `✗ ${(error as Error).message}`] };
  }
  return { ok, lines };
}
