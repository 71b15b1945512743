import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

/**
 * Checkpoints of the transparency log as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint):
 * the note text is the origin, the tree size, the base64 root hash, and one extension line with the
 * time it was made; the signature line is "— <key name> base64(key ID || Ed25519 signature)", with
 * key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4] — what Go's checksum database and
 * Sigstore's logs publish, so their tools check ours. Pure: no database, no clock.
 */

export type Checkpoint = { origin: string; size: number; root: Buffer; time: Date };

/** The Ed25519 signature type's byte (signed-note §Signature types). */
const ED25519 = 0x01;
const TIME_PREFIX = "time ";

/** The 32 bytes of an Ed25519 public key (RFC 8032), from a private or public key object. */
export function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new TypeError("not an Ed25519 key");
  return Buffer.from(jwk.x, "base64url");
}

function checkName(name: string) {
  if (!name || /[\s+]/u.test(name)) throw new TypeError(`a key name has no spaces and no "+": ${JSON.stringify(name)}`);
}

/** SHA-256(key name || 0x0A || 0x01 || public key)[:4] (signed-note §Ed25519 signatures). */
export function keyId(name: string, publicKey: Buffer): Buffer {
  return createHash("sha256").update(name, "utf8").update(Buffer.from([0x0a, ED25519])).update(publicKey).digest().subarray(0, 4);
}

/** The verifier key as Go's golang.org/x/mod/sumdb/note reads it: `<name>+<key ID hex>+<base64(0x01 || public key)>`. */
export function verifierKey(name: string, publicKey: Buffer): string {
  checkName(name);
  return `${name}+${keyId(name, publicKey).toString("hex")}+${Buffer.concat([Buffer.from([ED25519]), publicKey]).toString("base64")}`;
}

/** The note text of a checkpoint (ends in a newline, as a note's text must). */
export function checkpointText(checkpoint: Checkpoint): string {
  const { origin, size, root, time } = checkpoint;
  checkName(origin);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`a tree size is a whole number: ${size}`);
  if (root.length !== 32) throw new RangeError("a root hash is 32 bytes");
  return `${origin}\n${size}\n${root.toString("base64")}\n${TIME_PREFIX}${time.toISOString()}\n`;
}

/** Signs a note's text with the key of that name: the text, a blank line, the signature line. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  checkName(name);
  if (!text.endsWith("\n")) throw new TypeError("a note's text ends in a newline");
  const signature = sign(null, Buffer.from(text, "utf8"), privateKey);
  const id = keyId(name, rawPublicKey(privateKey));
  return `${text}\n— ${name} ${Buffer.concat([id, signature]).toString("base64")}\n`;
}

/** A signed checkpoint, as served at /transparency/checkpoint. */
export function signCheckpoint(checkpoint: Checkpoint, privateKey: KeyObject): string {
  return signNote(checkpointText(checkpoint), checkpoint.origin, privateKey);
}

/**
 * The text of a note if a signature by this key (name and key ID both match) verifies; otherwise
 * null — an unknown key's signatures are ignored, a known key's that fails rejects the note.
 */
export function openNote(note: string, name: string, publicKey: Buffer): string | null {
  // A control character other than the newline, anywhere, makes it no note.
  if ([...note].some((c) => c < " " && c !== "\n")) return null;
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) return null;
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split("\n");
  const id = keyId(name, publicKey);
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey.toString("base64url") }, format: "jwk" });
  let verified = false;
  for (const line of lines) {
    const match = /^— (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
    if (!match) return null;
    if (match[1] !== name) continue;
    const bytes = Buffer.from(match[2]!, "base64");
    if (bytes.length < 5 || !bytes.subarray(0, 4).equals(id)) continue;
    if (!verify(null, Buffer.from(text, "utf8"), key, bytes.subarray(4))) return null;
    verified = true;
  }
  return verified ? text : null;
}

/** A checkpoint's fields from its note text (null when the text is not one). */
export function parseCheckpoint(text: string): Checkpoint | null {
  const lines = text.split("\n");
  if (lines.at(-1) !== "") return null;
  const [origin, size, root, ...extensions] = lines.slice(0, -1);
  if (!origin || !size || !root || !/^(0|[1-9][0-9]*)$/u.test(size)) return null;
  const rootBytes = Buffer.from(root, "base64");
  if (rootBytes.length !== 32 || rootBytes.toString("base64") !== root) return null;
  const timeLine = extensions.find((line) => line.startsWith(TIME_PREFIX));
  const time = timeLine ? new Date(timeLine.slice(TIME_PREFIX.length)) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime()) || !Number.isSafeInteger(Number(size))) return null;
  return { origin, size: Number(size), root: rootBytes, time };
}
