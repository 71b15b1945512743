import { randomInt } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

/**
 * Revocation as a W3C Bitstring Status List v1.0 (decision 0025).
 *
 * Each certificate's credential names one bit of a published list (`credentialStatus`, a
 * `BitstringStatusListEntry`): 0 = in force, 1 = revoked. The list itself is a
 * `BitstringStatusListCredential` signed by the same key, whose `encodedList` is the bitstring,
 * GZIP-compressed, base64url without padding, with the multibase prefix `u`. Index 0 is the left-most
 * (most significant) bit of the first byte. A list holds at least 131,072 bits (16 KB uncompressed), so
 * one bit does not point at one of few certificates; indexes are chosen at random for the same reason.
 *
 * Pure functions: bytes in, bytes or strings out. The caller stores the encoded list and re-signs it
 * (see credential.ts `signCredential`) after each change.
 */

/** The smallest list the standard allows: 16 KB = 131,072 bits. */
export const STATUS_LIST_MIN_BITS = 131_072;
/** The multibase prefix of base64url without padding. */
const MULTIBASE_BASE64URL = "u";
/** A published list is read back at most this big (a GZIP bomb stops here). */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export const VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2";

export class StatusListError extends Error {
  constructor(
    public readonly reason: "malformed" | "too-short" | "index-out-of-range",
    message: string,
  ) {
    super(message);
    this.name = "StatusListError";
  }
}

/** A credential's pointer to its bit (the `credentialStatus` of an OpenBadgeCredential). */
export interface BitstringStatusListEntry {
  id: string;
  type: "BitstringStatusListEntry";
  statusPurpose: "revocation";
  /** A base-10 integer as a string, as the standard says. */
  statusListIndex: string;
  /** The URL of the list's credential. */
  statusListCredential: string;
}

/** The list, as a VC 2.0 credential (unsigned; sign it with `signCredential`). */
export interface BitstringStatusListCredential {
  "@context": [typeof VC_V2_CONTEXT];
  id: string;
  type: ["VerifiableCredential", "BitstringStatusListCredential"];
  issuer: string;
  validFrom: string;
  credentialSubject: {
    id: string;
    type: "BitstringStatusList";
    statusPurpose: "revocation";
    encodedList: string;
  };
}

/** A list of `bits` zeros (every certificate in force). `bits` is a multiple of 8, at least 131,072. */
export function emptyBitstring(bits: number = STATUS_LIST_MIN_BITS): Uint8Array {
  if (!Number.isSafeInteger(bits) || bits < STATUS_LIST_MIN_BITS || bits % 8 !== 0) {
    throw new StatusListError("too-short", `a status list holds a multiple of 8 bits, at least ${STATUS_LIST_MIN_BITS}`);
  }
  return new Uint8Array(bits / 8);
}

function checkIndex(bytes: Uint8Array, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= bytes.length * 8) {
    throw new StatusListError("index-out-of-range", `status index ${index} is outside a list of ${bytes.length * 8} bits`);
  }
}

/** Whether bit `index` is set (the certificate is revoked). */
export function readStatusBit(bytes: Uint8Array, index: number): boolean {
  checkIndex(bytes, index);
  return ((bytes[index >> 3]! >> (7 - (index & 7))) & 1) === 1;
}

/** A copy of the list with bit `index` set (revoked, the default) or cleared. The input is not changed. */
export function withStatusBit(bytes: Uint8Array, index: number, set = true): Uint8Array {
  checkIndex(bytes, index);
  const copy = new Uint8Array(bytes);
  const mask = 0x80 >> (index & 7);
  copy[index >> 3] = set ? copy[index >> 3]! | mask : copy[index >> 3]! & ~mask;
  return copy;
}

/** The `encodedList` of a bitstring: GZIP, then base64url without padding, then the multibase `u`. */
export function encodeBitstring(bytes: Uint8Array): string {
  if (bytes.length * 8 < STATUS_LIST_MIN_BITS) throw new StatusListError("too-short", `a status list holds at least ${STATUS_LIST_MIN_BITS} bits`);
  return MULTIBASE_BASE64URL + gzipSync(bytes).toString("base64url");
}

/** The bitstring of an `encodedList`; refuses anything malformed or shorter than the standard's minimum. */
export function decodeEncodedList(encodedList: string): Uint8Array {
  if (typeof encodedList !== "string" || !encodedList.startsWith(MULTIBASE_BASE64URL) || !/^[A-Za-z0-9_-]+$/.test(encodedList.slice(1))) {
    throw new StatusListError("malformed", "an encodedList is multibase base64url (it starts with u)");
  }
  let bytes: Buffer;
  try {
    bytes = gunzipSync(Buffer.from(encodedList.slice(1), "base64url"), { maxOutputLength: MAX_LIST_BYTES });
  } catch {
    throw new StatusListError("malformed", "an encodedList is a GZIP-compressed bitstring");
  }
  if (bytes.length * 8 < STATUS_LIST_MIN_BITS) throw new StatusListError("too-short", `a status list holds at least ${STATUS_LIST_MIN_BITS} bits`);
  return new Uint8Array(bytes);
}

/** An encoded list with one more certificate revoked: decode, set the bit, encode. */
export function revokeInEncodedList(encodedList: string, index: number): string {
  return encodeBitstring(withStatusBit(decodeEncodedList(encodedList), index, true));
}

/** Whether the certificate at `index` is revoked in an encoded list. */
export function isRevokedInEncodedList(encodedList: string, index: number): boolean {
  return readStatusBit(decodeEncodedList(encodedList), index);
}

/**
 * A random index in a list of `bits` bits. Random, not sequential, so that a bit's position says
 * nothing about when a certificate was issued (the standard's privacy advice). The caller makes
 * sure no other certificate holds it (a unique index on list and index) and draws again if one does.
 */
export function randomStatusIndex(bits: number = STATUS_LIST_MIN_BITS): number {
  return randomInt(0, bits);
}

/** The `credentialStatus` a credential carries for bit `index` of the list at `statusListCredential`. */
export function statusListEntry(statusListCredential: string, index: number): BitstringStatusListEntry {
  if (!Number.isSafeInteger(index) || index < 0) throw new StatusListError("index-out-of-range", `status index ${index} is not a whole number from 0`);
  return {
    id: `${statusListCredential}#${index}`,
    type: "BitstringStatusListEntry",
    statusPurpose: "revocation",
    statusListIndex: String(index),
    statusListCredential,
  };
}

/**
 * The list's credential, unsigned: `id` is the URL it is published at (the `statusListCredential` of
 * every entry in it), `issuer` the ministry's did:web, `validFrom` when this version was made.
 */
export function buildStatusListCredential(input: { id: string; issuer: string; validFrom: Date; encodedList: string }): BitstringStatusListCredential {
  decodeEncodedList(input.encodedList);
  return {
    "@context": [VC_V2_CONTEXT],
    id: input.id,
    type: ["VerifiableCredential", "BitstringStatusListCredential"],
    issuer: input.issuer,
    validFrom: isoSeconds(input.validFrom),
    credentialSubject: { id: `${input.id}#list`, type: "BitstringStatusList", statusPurpose: "revocation", encodedList: input.encodedList },
  };
}

/** An XML Schema dateTimeStamp in UTC to the second (`2026-01-05T03:00:00Z`). */
export function isoSeconds(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError("not a date");
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
