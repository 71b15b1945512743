import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint } from "jose";

/**
 * The ministry's certificate keys, as the world sees them (issue 11, decision 0025).
 *
 * - The signing key is `SIGNING_KEY` (Ed25519, PKCS#8 PEM; decision 0023). Its public half is published.
 * - Every key ever used stays published: retired public keys (`SIGNING_KEYS_RETIRED`, parsed by
 *   {@link parseRetiredKeys}) are listed beside the current one, so a credential signed before a
 *   rotation still verifies after it.
 * - Each key's id is `did:web:<host>#<RFC 7638 thumbprint>`: the same string is the JWS `kid` of every
 *   credential it signed, the `kid` in the JWKS and the verification method's `id` in the DID document.
 *
 * Pure functions of their inputs: nothing here reads the environment, the database or the network.
 */

/** The JOSE algorithm name every certificate is signed with. */
export const SIGNATURE_ALGORITHM = "EdDSA";

/** An Ed25519 public key as a JWK (RFC 8037), with nothing else in it. */
export interface Ed25519PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

/** One published key. */
export interface PublishedKey {
  /** `did:web:<host>#<thumbprint>`: the `kid` of what it signed. */
  kid: string;
  /** The RFC 7638 SHA-256 thumbprint of the public key (base64url). */
  thumbprint: string;
  publicJwk: Ed25519PublicJwk;
  /** True for a key that signed in the past and signs no more. */
  retired: boolean;
}

/** The keys of one deployment: the DID of its host, the key it signs with now, and all it publishes. */
export interface IssuerKeys {
  /** `did:web:<host>` (a port is written `%3A`). */
  did: string;
  /** The key new credentials are signed with. */
  current: PublishedKey & { privateKey: KeyObject };
  /** Every published key, the current one first, then the retired ones in the order given. */
  published: PublishedKey[];
}

/** A JWK as it appears in the published JWKS. */
export interface JwksKey extends Ed25519PublicJwk {
  kid: string;
  alg: typeof SIGNATURE_ALGORITHM;
  use: "sig";
}

export interface Jwks {
  keys: JwksKey[];
}

/** Configuration that cannot be used; each problem is named (English, like the other start-up messages). */
export class SigningKeyError extends Error {
  constructor(public readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "SigningKeyError";
  }
}

/**
 * The did:web of the platform's host, from its public origin (`APP_URL`).
 * did:web writes a port's colon as `%3A` (`http://localhost:3000` → `did:web:localhost%3A3000`);
 * an internationalised host is in its ASCII (punycode) form, as `URL` gives it.
 */
export function didWebForOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new SigningKeyError([`not a web address: ${JSON.stringify(origin)}`]);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new SigningKeyError([`not a web address: ${JSON.stringify(origin)}`]);
  return `did:web:${url.host.toLowerCase().replace(/:/g, "%3A")}`;
}

/** The Ed25519 public JWK of a key object (private or public), members in RFC 7638 order. */
function publicJwkOf(key: KeyObject): Ed25519PublicJwk {
  const jwk = (key.type === "public" ? key : createPublicKey(key)).export({ format: "jwk" });
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") throw new SigningKeyError(["not an Ed25519 key"]);
  return { kty: "OKP", crv: "Ed25519", x: jwk.x };
}

async function publish(did: string, publicJwk: Ed25519PublicJwk, retired: boolean): Promise<PublishedKey> {
  const thumbprint = await calculateJwkThumbprint(publicJwk, "sha256");
  return { kid: `${did}#${thumbprint}`, thumbprint, publicJwk, retired };
}

/** The text of a PEM or JSON value from an environment file, where `\n` may stand for its line breaks. */
function unescapeNewlines(text: string): string {
  return text.replace(/\\n/g, "\n").trim();
}

/**
 * Reads the retired public keys from their configuration text (`SIGNING_KEYS_RETIRED`). Accepted forms:
 *
 * - a JWKS, as this platform published it (`{"keys":[…]}` — paste the old `/.well-known/jwks.json`);
 * - a JSON array of public JWKs, or a single public JWK (`{"kty":"OKP","crv":"Ed25519","x":"…"}`);
 * - one or more PEM public keys (`-----BEGIN PUBLIC KEY-----` blocks, e.g. from
 *   `openssl pkey -in old.pem -pubout`), one after the other; `\n` may stand for the line breaks.
 *
 * Only public keys: a private key here is refused (a retired key's private half is destroyed, never
 * configured). Every key must be Ed25519. Empty or absent text means no retired key.
 * Throws a {@link SigningKeyError} naming every problem.
 */
export function parseRetiredKeys(text: string | undefined): Ed25519PublicJwk[] {
  const source = unescapeNewlines(text ?? "");
  if (source === "") return [];
  const problems: string[] = [];
  const keys: Ed25519PublicJwk[] = [];
  const take = (label: string, read: () => KeyObject) => {
    try {
      const key = read();
      if (key.type !== "public") problems.push(`${label}: give the public key only`);
      else if (key.asymmetricKeyType !== "ed25519") problems.push(`${label}: not an Ed25519 key (${key.asymmetricKeyType})`);
      else keys.push(publicJwkOf(key));
    } catch (error) {
      problems.push(`${label}: ${error instanceof SigningKeyError ? error.message : "not a readable public key"}`);
    }
  };

  if (source.startsWith("{") || source.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      throw new SigningKeyError(["SIGNING_KEYS_RETIRED is not valid JSON (give a JWKS, a JSON array of public JWKs, or PEM public keys)"]);
    }
    const list: unknown[] = Array.isArray(parsed)
      ? parsed
      : parsed !== null && typeof parsed === "object" && Array.isArray((parsed as { keys?: unknown }).keys)
        ? (parsed as { keys: unknown[] }).keys
        : [parsed];
    list.forEach((item, i) => {
      const label = `SIGNING_KEYS_RETIRED key ${i + 1}`;
      if (item === null || typeof item !== "object") return void problems.push(`${label}: not a JWK`);
      const jwk = item as Record<string, unknown>;
      if ("d" in jwk) return void problems.push(`${label}: give the public key only (it contains a private key)`);
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") return void problems.push(`${label}: not an Ed25519 public JWK`);
      take(label, () => createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x as string }, format: "jwk" }));
    });
  } else {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(source)) {
      throw new SigningKeyError(["SIGNING_KEYS_RETIRED: give the public keys only (openssl pkey -in old.pem -pubout); a private key does not belong here"]);
    }
    const blocks = source.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) throw new SigningKeyError(["SIGNING_KEYS_RETIRED holds no key (give a JWKS, a JSON array of public JWKs, or PEM public keys)"]);
    blocks.forEach((pem, i) => take(`SIGNING_KEYS_RETIRED key ${i + 1}`, () => createPublicKey(pem)));
  }
  if (problems.length) throw new SigningKeyError(problems);
  return keys;
}

/**
 * The deployment's keys: the signing key (its PKCS#8 PEM, as `SIGNING_KEY` holds it) and the retired
 * public keys, under the did:web of `origin` (the platform's public address, `APP_URL`).
 * A retired key equal to the current one, or listed twice, is published once.
 */
export async function loadIssuerKeys(input: { origin: string; signingKeyPem: string; retired?: Ed25519PublicJwk[] }): Promise<IssuerKeys> {
  const did = didWebForOrigin(input.origin);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(unescapeNewlines(input.signingKeyPem));
  } catch {
    throw new SigningKeyError(["SIGNING_KEY is not a readable private key"]);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") throw new SigningKeyError(["SIGNING_KEY must be an Ed25519 private key"]);
  const current = await publish(did, publicJwkOf(privateKey), false);
  const published: PublishedKey[] = [current];
  for (const jwk of input.retired ?? []) {
    const key = await publish(did, { kty: "OKP", crv: "Ed25519", x: jwk.x }, true);
    if (!published.some((known) => known.thumbprint === key.thumbprint)) published.push(key);
  }
  return { did, current: { ...current, privateKey }, published };
}

/** The JWKS to publish at `/.well-known/jwks.json`: every key, current first. No private member ever. */
export function buildJwks(keys: Pick<IssuerKeys, "published">): Jwks {
  return {
    keys: keys.published.map((key) => ({ kty: "OKP", crv: "Ed25519", x: key.publicJwk.x, kid: key.kid, alg: SIGNATURE_ALGORITHM, use: "sig" })),
  };
}

/** A DID document (DID v1.0, verification methods as W3C Controlled Identifiers v1.0 `JsonWebKey`). */
export interface DidDocument {
  "@context": string[];
  id: string;
  verificationMethod: { id: string; type: "JsonWebKey"; controller: string; publicKeyJwk: Ed25519PublicJwk }[];
  assertionMethod: string[];
}

/**
 * The did:web document to publish at `/.well-known/did.json`: every key (current and retired) as a
 * `JsonWebKey` verification method whose `id` is the key's `kid`, all listed under `assertionMethod`
 * (the relationship for issuing credentials). Retired keys stay: an assertion made with a key that was
 * valid then is still checked against it.
 */
export function buildDidDocument(keys: Pick<IssuerKeys, "did" | "published">): DidDocument {
  return {
    "@context": ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"],
    id: keys.did,
    verificationMethod: keys.published.map((key) => ({ id: key.kid, type: "JsonWebKey", controller: keys.did, publicKeyJwk: { ...key.publicJwk } })),
    assertionMethod: keys.published.map((key) => key.kid),
  };
}
