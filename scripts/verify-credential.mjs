#!/usr/bin/env node
// Checks a Góp Sức recognition certificate without Góp Sức: only the `jose` package and Node's zlib.
//
//   node scripts/verify-credential.mjs <credential> <jwks.json> <status-list.jwt>
//
// <credential>       the downloaded credential: the VC-JWT itself (application/vc+jwt), or the .json
//                    file that envelopes it ({"type":"EnvelopedVerifiableCredential","id":"data:application/vc+jwt,…"})
// <jwks.json>        the issuer's public keys: https://<host>/.well-known/jwks.json
//                    (the same keys are in the did:web document, https://<host>/.well-known/did.json)
// <status-list.jwt>  the revocation list the credential names in credentialStatus.statusListCredential
//
// It checks what any standard verifier checks (W3C VC-JOSE-COSE, Bitstring Status List v1.0):
//   1. the credential is a compact JWS with typ "vc+jwt" and alg "EdDSA", signed by a key of the JWKS;
//   2. its payload is a VC 2.0 OpenBadgeCredential whose issuer is the DID of the key that signed it;
//   3. the status list is signed by the same issuer, is the list the credential names, and the
//      credential's bit (GZIP-compressed, base64url, multibase "u"; index 0 = left-most bit) is 0.
// Exit code: 0 valid, 1 revoked, 2 not genuine or not checkable, 64 wrong usage. It prints what it found.
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { TextDecoder } from "node:util";
import { gunzipSync } from "node:zlib";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";

const VC_V2 = "https://www.w3.org/ns/credentials/v2";

function stop(code, message) {
  console.log(message);
  process.exit(code);
}

function readCredentialJwt(text) {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return trimmed;
  const json = JSON.parse(trimmed);
  const prefix = "data:application/vc+jwt,";
  if (json.type === "EnvelopedVerifiableCredential" && typeof json.id === "string" && json.id.startsWith(prefix)) return json.id.slice(prefix.length);
  throw new Error("not a VC-JWT and not an EnvelopedVerifiableCredential");
}

/** Verifies a VC-JWT with the key set; returns { payload, kid } or throws with the reason. */
async function open(jwt, keySet, what) {
  const header = decodeProtectedHeader(jwt);
  if (header.typ !== "vc+jwt") throw new Error(`${what}: typ is ${JSON.stringify(header.typ)}, not "vc+jwt"`);
  if (header.alg !== "EdDSA") throw new Error(`${what}: alg is ${JSON.stringify(header.alg)}, not "EdDSA"`);
  let result;
  try {
    result = await compactVerify(jwt, keySet, { algorithms: ["EdDSA"] });
  } catch (error) {
    throw new Error(`${what}: signature not verified with the published keys (${error.code ?? error.name})`);
  }
  return { payload: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(result.payload)), kid: result.protectedHeader.kid };
}

const issuerOf = (vc) => (typeof vc.issuer === "string" ? vc.issuer : vc.issuer?.id);
const types = (value) => (Array.isArray(value) ? value : [value]);

async function main() {
  const [credentialFile, jwksFile, statusFile] = process.argv.slice(2);
  if (!credentialFile || !jwksFile || !statusFile) stop(64, "usage: node scripts/verify-credential.mjs <credential.jwt|.json> <jwks.json> <status-list.jwt>");

  let credentialJwt, keySet, statusJwt;
  try {
    credentialJwt = readCredentialJwt(readFileSync(credentialFile, "utf8"));
    keySet = createLocalJWKSet(JSON.parse(readFileSync(jwksFile, "utf8")));
    statusJwt = readFileSync(statusFile, "utf8").trim();
  } catch (error) {
    stop(2, `NOT CHECKED: cannot read the files (${error.message})`);
  }

  let credential, list;
  try {
    credential = await open(credentialJwt, keySet, "credential");
    list = await open(statusJwt, keySet, "status list");
  } catch (error) {
    stop(2, `NOT GENUINE: ${error.message}`);
  }

  const vc = credential.payload;
  const signerDid = String(credential.kid).split("#")[0];
  if (types(vc["@context"])[0] !== VC_V2 || !types(vc.type).includes("VerifiableCredential")) stop(2, "NOT GENUINE: not a VC 2.0 verifiable credential");
  if (issuerOf(vc) !== signerDid) stop(2, `NOT GENUINE: signed by ${signerDid}, but the issuer is ${issuerOf(vc)}`);
  if (Date.parse(vc.validFrom) > Date.now()) stop(2, `NOT VALID: valid only from ${vc.validFrom}`);
  if (vc.validUntil && !(Date.parse(vc.validUntil) > Date.now())) stop(2, `NOT VALID: expired on ${vc.validUntil}`);

  const entry = vc.credentialStatus;
  if (entry?.type !== "BitstringStatusListEntry" || !/^\d+$/.test(String(entry.statusListIndex))) stop(2, "NOT CHECKED: the credential has no BitstringStatusListEntry");
  const status = list.payload;
  if (!types(status.type).includes("BitstringStatusListCredential")) stop(2, "NOT CHECKED: the status list is not a BitstringStatusListCredential");
  if (status.id !== entry.statusListCredential) stop(2, `NOT CHECKED: the credential's status is in ${entry.statusListCredential}, the list given is ${status.id}`);
  if (issuerOf(status) !== signerDid || String(list.kid).split("#")[0] !== signerDid) stop(2, "NOT CHECKED: the status list is not the credential issuer's");
  if (status.credentialSubject?.statusPurpose !== entry.statusPurpose) stop(2, "NOT CHECKED: the status list is for another purpose");

  const encoded = String(status.credentialSubject.encodedList);
  if (!encoded.startsWith("u")) stop(2, "NOT CHECKED: encodedList is not multibase base64url");
  const bits = gunzipSync(Buffer.from(encoded.slice(1), "base64url"), { maxOutputLength: 16 * 1024 * 1024 });
  if (bits.length < 16 * 1024) stop(2, "NOT CHECKED: the status list is shorter than 16 KB");
  const index = Number(entry.statusListIndex);
  if (index >= bits.length * 8) stop(2, "NOT CHECKED: the credential's index is outside its status list");
  const revoked = ((bits[Math.floor(index / 8)] >> (7 - (index % 8))) & 1) === 1;

  const subject = vc.credentialSubject ?? {};
  const recipient = subject.identifier?.find((id) => id.identityType === "name" && !id.hashed)?.identityHash ?? "(anonymous)";
  console.log(`issuer:      ${issuerOf(vc)} (${vc.issuer?.name ?? ""})`);
  console.log(`recipient:   ${recipient}`);
  console.log(`achievement: ${subject.achievement?.name ?? ""}`);
  console.log(`issued:      ${vc.validFrom}`);
  console.log(`signed with: ${credential.kid}`);
  console.log(`status:      bit ${index} of ${status.id}`);
  stop(revoked ? 1 : 0, revoked ? "REVOKED: the signature is genuine, but the issuer has revoked this certificate" : "VALID: genuine, issued by the key above, and not revoked");
}

main().catch((error) => stop(2, `NOT CHECKED: ${error.message}`));
