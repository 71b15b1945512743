import { createPrivateKey, type KeyObject } from "node:crypto";
import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, errors } from "jose";
import { type Jwks, SIGNATURE_ALGORITHM } from "./keys";

/**
 * Verifiable credentials secured with JOSE (W3C "Securing Verifiable Credentials using JOSE and COSE",
 * decision 0025): the compact JWS's payload IS the credential's JSON, unchanged; the protected header
 * says what it is (`typ: "vc+jwt"`, `cty: "vc"`), how it was signed (`alg: "EdDSA"`) and with which key
 * (`kid`, a key of the issuer's DID document and JWKS). Any JOSE library verifies it with the public key
 * alone: no JSON-LD processing, no document loader.
 */

/** The media type of a credential secured this way (the `/verify/<code>/credential` download). */
export const VC_JWT_MEDIA_TYPE = "application/vc+jwt";
export const VC_JWT_TYP = "vc+jwt";
export const VC_JWT_CTY = "vc";

/** Why a VC-JWT was not accepted: codes for the caller to put in the reader's language. */
export type EnvelopeProblem =
  /** Not a compact JWS, or its header or payload is not JSON. */
  | "malformed"
  /** Not a credential secured as `vc+jwt` with EdDSA. */
  | "wrong-type"
  /** Signed with a key that is not published (never was, or the JWKS given is not the issuer's). */
  | "unknown-key"
  /** The signature does not match what is signed: something was changed. */
  | "bad-signature";

export type EnvelopeResult =
  | { ok: true; payload: Record<string, unknown>; kid: string }
  | { ok: false; problem: EnvelopeProblem };

/**
 * Signs a credential (or any VC 2.0 JSON object) as a VC-JWT: compact JWS, EdDSA, the credential's
 * JSON as the payload. `kid` is the signing key's id (`did:web:<host>#<thumbprint>`, see keys.ts).
 */
export async function signCredential(credential: object, privateKey: string | KeyObject, kid: string): Promise<string> {
  const key = typeof privateKey === "string" ? createPrivateKey(privateKey.replace(/\\n/g, "\n").trim()) : privateKey;
  if (key.asymmetricKeyType !== "ed25519") throw new TypeError("certificates are signed with an Ed25519 key");
  if (!kid) throw new TypeError("a key id is required");
  const payload = new TextEncoder().encode(JSON.stringify(credential));
  return new CompactSign(payload).setProtectedHeader({ alg: SIGNATURE_ALGORITHM, typ: VC_JWT_TYP, cty: VC_JWT_CTY, kid }).sign(key);
}

/**
 * Checks a VC-JWT's envelope against a JWKS: the header's `typ` and `alg`, that `kid` names a key of the
 * set, and the signature. Returns the payload only when all hold (never unverified content).
 */
export async function openVcJwt(jwt: string, jwks: Jwks): Promise<EnvelopeResult> {
  if (typeof jwt !== "string" || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jwt.trim())) return { ok: false, problem: "malformed" };
  const token = jwt.trim();
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { ok: false, problem: "malformed" };
  }
  if (header.typ !== VC_JWT_TYP || header.alg !== SIGNATURE_ALGORITHM) return { ok: false, problem: "wrong-type" };
  if (typeof header.kid !== "string" || !jwks.keys.some((key) => key.kid === header.kid)) return { ok: false, problem: "unknown-key" };
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(token, createLocalJWKSet(jwks), { algorithms: [SIGNATURE_ALGORITHM] }));
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return { ok: false, problem: "unknown-key" };
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, problem: "bad-signature" };
    return { ok: false, problem: "malformed" };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payloadBytes));
  } catch {
    return { ok: false, problem: "malformed" };
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return { ok: false, problem: "malformed" };
  return { ok: true, payload: payload as Record<string, unknown>, kid: header.kid };
}

/**
 * The VC-JWT as a JSON document (VC Data Model 2.0, an `EnvelopedVerifiableCredential`): what the
 * donor downloads as `.json`. Its `id` is a `data:` URL carrying the JWT unchanged.
 */
export function envelopeCredential(jwt: string): { "@context": string; id: string; type: "EnvelopedVerifiableCredential" } {
  return { "@context": "https://www.w3.org/ns/credentials/v2", id: `data:${VC_JWT_MEDIA_TYPE},${jwt}`, type: "EnvelopedVerifiableCredential" };
}

/** The JWT inside an enveloped credential (or the text itself when it is a bare JWT); null when neither. */
export function unenvelopeCredential(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return trimmed || null;
  try {
    const json = JSON.parse(trimmed) as { type?: unknown; id?: unknown };
    const prefix = `data:${VC_JWT_MEDIA_TYPE},`;
    if (json.type === "EnvelopedVerifiableCredential" && typeof json.id === "string" && json.id.startsWith(prefix)) return json.id.slice(prefix.length);
  } catch {
    return null;
  }
  return null;
}
