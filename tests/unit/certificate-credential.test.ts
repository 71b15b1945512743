import { execFile } from "node:child_process";
import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { certificateAddresses } from "#services/certificates/addresses";
import {
  buildIssuerProfileDocument,
  buildOpenBadgeCredential,
  CredentialInputError,
  envelopeCredential,
  type OpenBadgeCredentialInput,
  signCredential,
  unenvelopeCredential,
  verifyCredentialJwt,
} from "#services/certificates/credential";
import { buildDidDocument, buildJwks, didWebForOrigin, type IssuerKeys, loadIssuerKeys, parseRetiredKeys, SigningKeyError } from "#services/certificates/keys";
import {
  buildStatusListCredential,
  decodeEncodedList,
  emptyBitstring,
  encodeBitstring,
  isRevokedInEncodedList,
  randomStatusIndex,
  readStatusBit,
  revokeInEncodedList,
  STATUS_LIST_MIN_BITS,
  StatusListError,
  withStatusBit,
} from "#services/certificates/status-list";

const root = path.resolve(import.meta.dirname, "../..");
const origin = "http://localhost:3000";
const at = certificateAddresses(origin);
const issuedAt = new Date("2026-01-05T03:00:00Z");

function pem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}
function publicPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }).toString();
}

const oldPair = generateKeyPairSync("ed25519");
const currentPair = generateKeyPairSync("ed25519");
const strangerPair = generateKeyPairSync("ed25519");

function input(overrides: Partial<OpenBadgeCredentialInput> = {}): OpenBadgeCredentialInput {
  return {
    id: at.credential("K7Q2-9XPM-4RTA"),
    issuer: { did: at.did, profileUrl: at.issuerProfile },
    issuedAt,
    name: "Giấy chứng nhận — Công ty Cổ phần Sách Việt",
    description: "Đã có thành tích đóng góp 250.000.000 ₫ cho chương trình Tủ sách cộng đồng năm 2025.",
    recipient: { kind: "named", name: "Công ty Cổ phần Sách Việt" },
    achievement: {
      id: at.achievement("gcn-doanh-nghiep-2025"),
      name: "Giấy chứng nhận đóng góp cho học tập suốt đời",
      description: "Ghi nhận tổ chức, cá nhân đóng góp cho thư viện, bảo tàng, trung tâm văn hóa.",
      criteria: "Tổng đóng góp đã xác nhận trong năm 2025 từ 200.000.000 ₫ trở lên.",
      achievementType: "Certificate",
    },
    evidence: [{ name: "Quyết định số 12/QĐ-BVHTTDL", description: "ngày 05/01/2026" }],
    status: { listUrl: at.statusList(1), index: 94_567 },
    ...overrides,
  };
}

/** A status list's VC-JWT with the given bits set. */
async function statusListJwt(keys: IssuerKeys, revoked: number[], listUrl = at.statusList(1), signWith: { key: KeyObject; kid: string } = { key: keys.current.privateKey, kid: keys.current.kid }) {
  let bits = emptyBitstring();
  for (const index of revoked) bits = withStatusBit(bits, index);
  const list = buildStatusListCredential({ id: listUrl, issuer: keys.did, validFrom: issuedAt, encodedList: encodeBitstring(bits) });
  return signCredential(list, signWith.key, signWith.kid);
}

/** A JWT with one part replaced (as an attacker would: same signature, other content). */
function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}
function parts(jwt: string) {
  const [header, payload, signature] = jwt.split(".") as [string, string, string];
  return { header: JSON.parse(Buffer.from(header, "base64url").toString()), payload: JSON.parse(Buffer.from(payload, "base64url").toString()), raw: { header, payload, signature } };
}

let keys: IssuerKeys;
let jwks: ReturnType<typeof buildJwks>;
let credentialJwt: string;
let emptyListJwt: string;

beforeAll(async () => {
  keys = await loadIssuerKeys({ origin, signingKeyPem: pem(currentPair.privateKey), retired: parseRetiredKeys(publicPem(oldPair.publicKey)) });
  jwks = buildJwks(keys);
  credentialJwt = await signCredential(buildOpenBadgeCredential(input()), keys.current.privateKey, keys.current.kid);
  emptyListJwt = await statusListJwt(keys, []);
});

describe("the published keys", () => {
  test("the platform's did:web writes a port's colon as %3A", () => {
    expect(didWebForOrigin("http://localhost:3000")).toBe("did:web:localhost%3A3000");
    expect(didWebForOrigin("https://GopSuc.vn")).toBe("did:web:gopsuc.vn");
    expect(didWebForOrigin("https://gopsuc.vn/some/page")).toBe("did:web:gopsuc.vn");
    expect(() => didWebForOrigin("ftp://gopsuc.vn")).toThrow(SigningKeyError);
  });

  test("a key's id is the RFC 7638 thumbprint under the DID (RFC 8037's example key)", async () => {
    // RFC 8037 appendix A.2/A.3: this public key's SHA-256 JWK thumbprint.
    const rfc = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" } as const;
    const withRfcKey = await loadIssuerKeys({ origin, signingKeyPem: pem(currentPair.privateKey), retired: parseRetiredKeys(JSON.stringify([rfc])) });
    expect(withRfcKey.published[1]!.kid).toBe("did:web:localhost%3A3000#kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    // …and the current key's thumbprint is the same computation over its own members, done by hand.
    const x = keys.current.publicJwk.x;
    const byHand = createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");
    expect(keys.current.kid).toBe(`did:web:localhost%3A3000#${byHand}`);
  });

  test("the JWKS lists the current key first, then the retired one; no private member", () => {
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[0]).toEqual({ kty: "OKP", crv: "Ed25519", x: keys.current.publicJwk.x, kid: keys.current.kid, alg: "EdDSA", use: "sig" });
    expect(jwks.keys[1]!.kid).toBe(keys.published[1]!.kid);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
    expect(JSON.stringify(buildDidDocument(keys))).not.toMatch(/"d"/);
  });

  test("the did:web document lists every key as a JsonWebKey for issuing", () => {
    const doc = buildDidDocument(keys);
    expect(doc["@context"]).toEqual(["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"]);
    expect(doc.id).toBe("did:web:localhost%3A3000");
    expect(doc.verificationMethod.map((method) => method.id)).toEqual(jwks.keys.map((key) => key.kid));
    expect(doc.verificationMethod.every((method) => method.type === "JsonWebKey" && method.controller === doc.id)).toBe(true);
    expect(doc.verificationMethod[0]!.publicKeyJwk).toEqual(keys.current.publicJwk);
    expect(doc.assertionMethod).toEqual(doc.verificationMethod.map((method) => method.id));
  });

  test("retired keys are read from a JWKS, a list of JWKs or PEM blocks, and never twice", async () => {
    const oldJwk = parseRetiredKeys(publicPem(oldPair.publicKey))[0]!;
    const strangerJwk = parseRetiredKeys(publicPem(strangerPair.publicKey))[0]!;
    expect(parseRetiredKeys(JSON.stringify({ keys: [oldJwk] }))).toEqual([oldJwk]);
    expect(parseRetiredKeys(JSON.stringify([oldJwk, strangerJwk]))).toEqual([oldJwk, strangerJwk]);
    // Two PEM blocks on one line of an environment file.
    const oneLine = (publicPem(oldPair.publicKey) + publicPem(strangerPair.publicKey)).replace(/\n/g, "\\n");
    expect(parseRetiredKeys(oneLine)).toEqual([oldJwk, strangerJwk]);
    expect(parseRetiredKeys(undefined)).toEqual([]);
    expect(parseRetiredKeys("  ")).toEqual([]);
    // The current key listed again as retired, or a retired key twice, is published once.
    const currentJwk = keys.current.publicJwk;
    const again = await loadIssuerKeys({ origin, signingKeyPem: pem(currentPair.privateKey), retired: [currentJwk, oldJwk, oldJwk] });
    expect(again.published.map((key) => key.retired)).toEqual([false, true]);
  });

  test("a private key, another kind of key or nonsense is refused, named", async () => {
    const problems = (text: string) => {
      try {
        parseRetiredKeys(text);
      } catch (error) {
        expect(error).toBeInstanceOf(SigningKeyError);
        return (error as SigningKeyError).problems.join(" | ");
      }
      throw new Error("expected a SigningKeyError");
    };
    expect(problems(pem(oldPair.privateKey))).toMatch(/public keys only/);
    const privateJwk = oldPair.privateKey.export({ format: "jwk" });
    expect(problems(JSON.stringify([privateJwk]))).toMatch(/key 1: give the public key only/);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(problems(publicPem(ec.publicKey))).toMatch(/key 1: not an Ed25519 key/);
    expect(problems(JSON.stringify([ec.publicKey.export({ format: "jwk" })]))).toMatch(/key 1: not an Ed25519 public JWK/);
    expect(problems("[not json")).toMatch(/not valid JSON/);
    expect(problems("hello")).toMatch(/holds no key/);
    await expect(loadIssuerKeys({ origin, signingKeyPem: pem(ec.privateKey) })).rejects.toThrow(/Ed25519/);
  });
});

describe("the Open Badges 3.0 credential", () => {
  test("is a VC 2.0 OpenBadgeCredential with every field the standard requires", () => {
    const credential = buildOpenBadgeCredential(input());
    expect(credential["@context"]).toEqual(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]);
    expect(credential.type).toEqual(["VerifiableCredential", "OpenBadgeCredential"]);
    expect(credential.id).toBe("http://localhost:3000/verify/K7Q2-9XPM-4RTA/credential");
    expect(credential.issuer).toMatchObject({ id: "did:web:localhost%3A3000", type: ["Profile"], name: "Bộ Văn hóa, Thể thao và Du lịch", url: at.issuerProfile });
    expect(credential.validFrom).toBe("2026-01-05T03:00:00Z");
    expect(credential.name).toBe("Giấy chứng nhận — Công ty Cổ phần Sách Việt");
    expect(credential.credentialSubject.type).toEqual(["AchievementSubject"]);
    expect(credential.credentialSubject.identifier).toEqual([{ type: "IdentityObject", identityType: "name", hashed: false, identityHash: "Công ty Cổ phần Sách Việt" }]);
    expect(credential.credentialSubject.achievement).toEqual({
      id: "http://localhost:3000/certificates/types/gcn-doanh-nghiep-2025",
      type: ["Achievement"],
      achievementType: "Certificate",
      name: "Giấy chứng nhận đóng góp cho học tập suốt đời",
      description: "Ghi nhận tổ chức, cá nhân đóng góp cho thư viện, bảo tàng, trung tâm văn hóa.",
      criteria: { narrative: "Tổng đóng góp đã xác nhận trong năm 2025 từ 200.000.000 ₫ trở lên." },
      inLanguage: "vi",
    });
    expect(credential.credentialStatus).toEqual({
      id: "http://localhost:3000/status/1#94567",
      type: "BitstringStatusListEntry",
      statusPurpose: "revocation",
      statusListIndex: "94567",
      statusListCredential: "http://localhost:3000/status/1",
    });
    expect(credential.evidence).toEqual([{ type: ["Evidence"], name: "Quyết định số 12/QĐ-BVHTTDL", description: "ngày 05/01/2026" }]);
  });

  test("an anonymous recipient is named nowhere in it", () => {
    const credential = buildOpenBadgeCredential(input({ recipient: { kind: "anonymous" }, name: "Giấy chứng nhận", description: "Đã có thành tích đóng góp cho chương trình Tủ sách cộng đồng năm 2025." }));
    expect(credential.credentialSubject.identifier).toBeUndefined();
    // OB 3.0: an AchievementSubject has an id or an identifier; this id says nothing about anyone.
    expect(credential.credentialSubject.id).toBe(`${credential.id}#recipient`);
    expect(JSON.stringify(credential)).not.toContain("Sách Việt");
  });

  test("the issuer's profile stands alone at its stable address with the same identity", () => {
    const profile = buildIssuerProfileDocument({ did: at.did, profileUrl: at.issuerProfile });
    expect(profile["@context"]).toEqual(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]);
    const { "@context": _context, ...embedded } = profile;
    expect(buildOpenBadgeCredential(input()).issuer).toEqual(embedded);
  });

  test("bad input is refused with the field named", () => {
    const problems = (overrides: Partial<OpenBadgeCredentialInput>) => {
      try {
        buildOpenBadgeCredential(input(overrides));
      } catch (error) {
        expect(error).toBeInstanceOf(CredentialInputError);
        return (error as CredentialInputError).problems.join(" | ");
      }
      throw new Error("expected a CredentialInputError");
    };
    expect(problems({ id: "not a url" })).toMatch(/^id:/);
    expect(problems({ issuer: { did: "did:key:z6Mk", profileUrl: at.issuerProfile } })).toMatch(/issuer\.did: must be a did:web/);
    expect(problems({ recipient: { kind: "named", name: "   " } })).toMatch(/recipient\.name/);
    expect(problems({ status: { listUrl: at.statusList(1), index: -1 } })).toMatch(/status\.index/);
    expect(problems({ issuedAt: new Date("nonsense") })).toMatch(/issuedAt/);
  });
});

describe("signing and verifying (VC-JWT)", () => {
  test("a credential round-trips: genuine, in force, with its key id and the VC-JOSE-COSE header", async () => {
    const { header, payload } = parts(credentialJwt);
    expect(header).toEqual({ alg: "EdDSA", typ: "vc+jwt", cty: "vc", kid: keys.current.kid });
    // The payload IS the credential: no `vc` claim, nothing added.
    expect(payload).toEqual(buildOpenBadgeCredential(input()));
    const result = await verifyCredentialJwt(credentialJwt, jwks, emptyListJwt);
    expect(result).toMatchObject({ valid: true, revoked: false, kid: keys.current.kid });
    expect(result.problem).toBeUndefined();
    expect(result.credential?.type).toEqual(["VerifiableCredential", "OpenBadgeCredential"]);
    expect(result.credential?.["@context"]).toEqual(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]);
  });

  test("without a status list it is genuine, and says the status was not checked", async () => {
    expect(await verifyCredentialJwt(credentialJwt, jwks)).toMatchObject({ valid: true, revoked: null });
  });

  test("changing any signed field of the credential makes verification fail", async () => {
    const { payload, raw } = parts(credentialJwt);
    const edits: [string, (vc: ReturnType<typeof buildOpenBadgeCredential>) => void][] = [
      ["recipient's name", (vc) => (vc.credentialSubject.identifier![0]!.identityHash = "Công ty Khác")],
      ["achievement", (vc) => (vc.credentialSubject.achievement.name = "Bằng khen của Bộ trưởng")],
      ["achievement type", (vc) => (vc.credentialSubject.achievement.achievementType = "Award")],
      ["citation", (vc) => (vc.description = "Đã có thành tích đóng góp 2.500.000.000 ₫")],
      ["issuer's name", (vc) => (vc.issuer.name = "Bộ Tài chính")],
      ["issue date", (vc) => (vc.validFrom = "2025-01-05T03:00:00Z")],
      ["status index", (vc) => (vc.credentialStatus.statusListIndex = "7")],
      ["status list", (vc) => (vc.credentialStatus.statusListCredential = at.statusList(2))],
      ["credential id", (vc) => (vc.id = at.credential("OTHER-CODE"))],
      ["evidence", (vc) => (vc.evidence![0]!.name = "Quyết định số 99/QĐ-BVHTTDL")],
      ["an added field", (vc) => Object.assign(vc, { validUntil: "2099-01-01T00:00:00Z" })],
    ];
    for (const [what, edit] of edits) {
      const changed = structuredClone(payload);
      edit(changed);
      const forged = `${raw.header}.${b64json(changed)}.${raw.signature}`;
      const result = await verifyCredentialJwt(forged, jwks, emptyListJwt);
      expect({ what, valid: result.valid, problem: result.problem, credential: result.credential }).toEqual({ what, valid: false, problem: "bad-signature", credential: null });
    }
  });

  test("changing the protected header or the signature makes verification fail", async () => {
    const { header, raw } = parts(credentialJwt);
    const withHeader = (changed: object) => `${b64json(changed)}.${raw.payload}.${raw.signature}`;
    const cases: [string, string, string][] = [
      ["cty changed", withHeader({ ...header, cty: "json" }), "bad-signature"],
      ["a header field added", withHeader({ ...header, jku: "https://attacker.example/jwks.json" }), "bad-signature"],
      ["kid of the other published key", withHeader({ ...header, kid: keys.published[1]!.kid }), "bad-signature"],
      ["typ changed", withHeader({ ...header, typ: "JWT" }), "wrong-type"],
      ["alg none", `${b64json({ ...header, alg: "none" })}.${raw.payload}.`, "malformed"],
      ["alg none with a signature", withHeader({ ...header, alg: "none" }), "wrong-type"],
      ["signature changed", `${raw.header}.${raw.payload}.${raw.signature.startsWith("A") ? "B" : "A"}${raw.signature.slice(1)}`, "bad-signature"],
      ["signature removed", `${raw.header}.${raw.payload}.`, "malformed"],
      ["not a JWT", "hello", "malformed"],
    ];
    for (const [what, jwt, problem] of cases) {
      const result = await verifyCredentialJwt(jwt, jwks, emptyListJwt);
      expect({ what, valid: result.valid, problem: result.problem }).toEqual({ what, valid: false, problem });
    }
  });

  test("a key the issuer never published is refused, even claiming a published kid", async () => {
    const credential = buildOpenBadgeCredential(input());
    const unknown = await signCredential(credential, strangerPair.privateKey, `${at.did}#someone-elses-key`);
    expect(await verifyCredentialJwt(unknown, jwks, emptyListJwt)).toMatchObject({ valid: false, problem: "unknown-key", credential: null });
    const impostor = await signCredential(credential, strangerPair.privateKey, keys.current.kid);
    expect(await verifyCredentialJwt(impostor, jwks, emptyListJwt)).toMatchObject({ valid: false, problem: "bad-signature", credential: null });
  });

  test("a credential naming another issuer than the key's DID is refused", async () => {
    const credential = buildOpenBadgeCredential(input({ issuer: { did: "did:web:bo-khac.gov.vn", profileUrl: "https://bo-khac.gov.vn/issuer" } }));
    const jwt = await signCredential(credential, keys.current.privateKey, keys.current.kid);
    expect(await verifyCredentialJwt(jwt, jwks, emptyListJwt)).toMatchObject({ valid: false, problem: "issuer-mismatch" });
  });

  test("a credential valid only from a later date is not valid yet", async () => {
    const jwt = await signCredential(buildOpenBadgeCredential(input({ issuedAt: new Date("2030-01-01T00:00:00Z") })), keys.current.privateKey, keys.current.kid);
    expect(await verifyCredentialJwt(jwt, jwks, emptyListJwt, { now: new Date("2029-12-31T00:00:00Z") })).toMatchObject({ valid: false, problem: "not-yet-valid" });
    expect(await verifyCredentialJwt(jwt, jwks, emptyListJwt, { now: new Date("2030-01-02T00:00:00Z") })).toMatchObject({ valid: true });
  });

  test("the downloadable .json envelopes the same JWT", () => {
    const json = envelopeCredential(credentialJwt);
    expect(json).toEqual({ "@context": "https://www.w3.org/ns/credentials/v2", id: `data:application/vc+jwt,${credentialJwt}`, type: "EnvelopedVerifiableCredential" });
    expect(unenvelopeCredential(JSON.stringify(json))).toBe(credentialJwt);
    expect(unenvelopeCredential(credentialJwt)).toBe(credentialJwt);
    expect(unenvelopeCredential('{"type":"VerifiableCredential"}')).toBeNull();
  });
});

describe("revocation (Bitstring Status List)", () => {
  test("a revoked index verifies as revoked; another credential on the same list stays valid", async () => {
    const list = await statusListJwt(keys, [94_567]);
    expect(await verifyCredentialJwt(credentialJwt, jwks, list)).toMatchObject({ valid: false, revoked: true, kid: keys.current.kid });
    const neighbour = await signCredential(buildOpenBadgeCredential(input({ status: { listUrl: at.statusList(1), index: 94_568 } })), keys.current.privateKey, keys.current.kid);
    expect(await verifyCredentialJwt(neighbour, jwks, list)).toMatchObject({ valid: true, revoked: false });
  });

  test("a forged list (bit cleared, not signed by the issuer) is not believed", async () => {
    const list = await statusListJwt(keys, [94_567]);
    const { header, payload, raw } = parts(list);
    payload.credentialSubject.encodedList = encodeBitstring(emptyBitstring());
    const forged = `${b64json(header)}.${b64json(payload)}.${raw.signature}`;
    expect(await verifyCredentialJwt(credentialJwt, jwks, forged)).toMatchObject({ valid: false, revoked: null, problem: "status-list-invalid" });
    const byStranger = await statusListJwt(keys, [], at.statusList(1), { key: strangerPair.privateKey, kid: `${at.did}#stranger` });
    expect(await verifyCredentialJwt(credentialJwt, jwks, byStranger)).toMatchObject({ valid: false, problem: "status-list-invalid" });
  });

  test("another list than the one the credential names is refused", async () => {
    const other = await statusListJwt(keys, [], at.statusList(2));
    expect(await verifyCredentialJwt(credentialJwt, jwks, other)).toMatchObject({ valid: false, revoked: null, problem: "status-list-mismatch" });
    // A genuine credential (not a list) given as the list.
    expect(await verifyCredentialJwt(credentialJwt, jwks, credentialJwt)).toMatchObject({ valid: false, problem: "status-list-invalid" });
  });

  test("an index beyond the list is named", async () => {
    const far = await signCredential(buildOpenBadgeCredential(input({ status: { listUrl: at.statusList(1), index: STATUS_LIST_MIN_BITS } })), keys.current.privateKey, keys.current.kid);
    expect(await verifyCredentialJwt(far, jwks, emptyListJwt)).toMatchObject({ valid: false, problem: "status-index-out-of-range" });
  });

  test("the encoded list is 16 KB of bits, GZIP then base64url with the multibase u; index 0 is the left-most bit", () => {
    const encoded = revokeInEncodedList(revokeInEncodedList(encodeBitstring(emptyBitstring()), 0), 9);
    expect(encoded.startsWith("u")).toBe(true);
    expect(encoded.slice(1)).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
    const raw = gunzipSync(Buffer.from(encoded.slice(1), "base64url"));
    expect(raw.length).toBe(16_384);
    expect([raw[0], raw[1], raw[2]]).toEqual([0x80, 0x40, 0]);
    expect(isRevokedInEncodedList(encoded, 0)).toBe(true);
    expect(isRevokedInEncodedList(encoded, 9)).toBe(true);
    expect(isRevokedInEncodedList(encoded, 1)).toBe(false);
    const bits = decodeEncodedList(encoded);
    expect(readStatusBit(withStatusBit(bits, 9, false), 9)).toBe(false);
    expect(readStatusBit(bits, 9)).toBe(true); // withStatusBit copies
  });

  test("an empty list encodes exactly as the standard's own example (Bitstring Status List v1.0, examples 3 and 5)", () => {
    const specExample = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";
    expect(encodeBitstring(emptyBitstring())).toBe(specExample);
    expect(decodeEncodedList(specExample)).toEqual(new Uint8Array(16_384));
    expect(isRevokedInEncodedList(specExample, 94_567)).toBe(false);
  });

  test("a list shorter than the standard's minimum, or not multibase, is refused", () => {
    expect(() => emptyBitstring(8 * 1024)).toThrow(StatusListError);
    const short = "u" + gzipSync(new Uint8Array(1024)).toString("base64url");
    expect(() => decodeEncodedList(short)).toThrow(/at least 131072 bits/);
    expect(() => decodeEncodedList("H4sIAAAA")).toThrow(/multibase/);
    expect(() => readStatusBit(emptyBitstring(), STATUS_LIST_MIN_BITS)).toThrow(StatusListError);
  });

  test("indexes are drawn at random across the whole list", () => {
    const draws = Array.from({ length: 64 }, () => randomStatusIndex());
    expect(draws.every((index) => Number.isInteger(index) && index >= 0 && index < STATUS_LIST_MIN_BITS)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(60);
  });

  test("the status list credential is a VC 2.0 BitstringStatusListCredential", async () => {
    const { header, payload } = parts(emptyListJwt);
    expect(header).toEqual({ alg: "EdDSA", typ: "vc+jwt", cty: "vc", kid: keys.current.kid });
    expect(payload).toEqual({
      "@context": ["https://www.w3.org/ns/credentials/v2"],
      id: "http://localhost:3000/status/1",
      type: ["VerifiableCredential", "BitstringStatusListCredential"],
      issuer: "did:web:localhost%3A3000",
      validFrom: "2026-01-05T03:00:00Z",
      credentialSubject: { id: "http://localhost:3000/status/1#list", type: "BitstringStatusList", statusPurpose: "revocation", encodedList: expect.stringMatching(/^u/) },
    });
  });
});

describe("key rotation", () => {
  test("a credential signed with the retired key still verifies with a JWKS listing both", async () => {
    const oldKeys = await loadIssuerKeys({ origin, signingKeyPem: pem(oldPair.privateKey) });
    const oldJwt = await signCredential(buildOpenBadgeCredential(input()), oldKeys.current.privateKey, oldKeys.current.kid);
    expect(oldKeys.current.kid).toBe(keys.published[1]!.kid);
    // The list is signed with today's key; the credential with yesterday's.
    expect(await verifyCredentialJwt(oldJwt, jwks, emptyListJwt)).toMatchObject({ valid: true, revoked: false, kid: oldKeys.current.kid });
    // A JWKS that forgot the retired key no longer knows it.
    const forgetful = { keys: jwks.keys.slice(0, 1) };
    expect(await verifyCredentialJwt(oldJwt, forgetful, emptyListJwt)).toMatchObject({ valid: false, problem: "unknown-key" });
  });
});

describe("anyone can verify without us", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "gopsuc-credential-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function runVerifier(credential: string, list: string, keySet: object = jwks) {
    await writeFile(path.join(dir, "credential"), credential);
    await writeFile(path.join(dir, "jwks.json"), JSON.stringify(keySet));
    await writeFile(path.join(dir, "status.jwt"), list);
    return new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, [path.join(root, "scripts/verify-credential.mjs"), path.join(dir, "credential"), path.join(dir, "jwks.json"), path.join(dir, "status.jwt")], { cwd: root }, (error, stdout) => {
        resolve({ code: error ? Number(error.code) : 0, out: stdout });
      });
    });
  }

  test("the standalone script uses only jose and Node, none of our modules", async () => {
    const source = await readFile(path.join(root, "scripts/verify-credential.mjs"), "utf8");
    const imports = [...source.matchAll(/^import .* from "([^"]+)";$/gm)].map((match) => match[1]);
    expect(imports.sort()).toEqual(["jose", "node:buffer", "node:fs", "node:util", "node:zlib"]);
  });

  test("with the credential, the JWKS and the status list only: valid, then revoked", async () => {
    const valid = await runVerifier(credentialJwt, emptyListJwt);
    expect(valid.code).toBe(0);
    expect(valid.out).toContain("VALID");
    expect(valid.out).toContain("recipient:   Công ty Cổ phần Sách Việt");
    expect(valid.out).toContain(`signed with: ${keys.current.kid}`);

    const revoked = await runVerifier(credentialJwt, await statusListJwt(keys, [94_567]));
    expect(revoked.code).toBe(1);
    expect(revoked.out).toContain("REVOKED");
  });

  test("it reads the enveloped .json download too, and a retired key's credential", async () => {
    const oldKeys = await loadIssuerKeys({ origin, signingKeyPem: pem(oldPair.privateKey) });
    const oldJwt = await signCredential(buildOpenBadgeCredential(input()), oldKeys.current.privateKey, oldKeys.current.kid);
    const result = await runVerifier(JSON.stringify(envelopeCredential(oldJwt)), emptyListJwt);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out).toContain(`signed with: ${oldKeys.current.kid}`);
  });

  test("it refuses a changed credential, an unknown key and a forged list", async () => {
    const { payload, raw } = parts(credentialJwt);
    payload.credentialSubject.identifier[0].identityHash = "Công ty Khác";
    const tampered = await runVerifier(`${raw.header}.${b64json(payload)}.${raw.signature}`, emptyListJwt);
    expect(tampered.code).toBe(2);
    expect(tampered.out).toContain("NOT GENUINE");

    const unknown = await runVerifier(credentialJwt, emptyListJwt, { keys: jwks.keys.slice(1) });
    expect(unknown.code).toBe(2);

    const list = parts(await statusListJwt(keys, [94_567]));
    list.payload.credentialSubject.encodedList = encodeBitstring(emptyBitstring());
    const forged = await runVerifier(credentialJwt, `${list.raw.header}.${b64json(list.payload)}.${list.raw.signature}`);
    expect(forged.code).toBe(2);
    expect(forged.out).toContain("status list");

    const otherList = await runVerifier(credentialJwt, await statusListJwt(keys, [], at.statusList(2)));
    expect(otherList.code).toBe(2);
    expect(otherList.out).toContain(`the list given is ${at.statusList(2)}`);

    const wrongIssuer = await signCredential(buildOpenBadgeCredential(input({ issuer: { did: "did:web:bo-khac.gov.vn", profileUrl: "https://bo-khac.gov.vn/issuer" } })), keys.current.privateKey, keys.current.kid);
    expect(await runVerifier(wrongIssuer, emptyListJwt)).toMatchObject({ code: 2 });
  });
});

describe("the Open Badges context is bundled byte for byte", () => {
  test("its sha256 equals the published file's", async () => {
    const sha = async (file: string) => createHash("sha256").update(await readFile(file)).digest("hex");
    const bundled = await sha(path.join(root, "services/certificates/contexts/ob-v3p0-context-3.0.3.json"));
    expect(bundled).toBe("ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761");
    // The copy kept beside the project (../shared/standards), when this checkout has it.
    const source = path.resolve(root, "../shared/standards/ob-v3p0-context-3.0.3.json");
    const present = await readFile(source).then(
      () => true,
      () => false,
    );
    if (present) expect(bundled).toBe(await sha(source));
  });
});
