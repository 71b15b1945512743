import { z } from "zod";
import type { Jwks } from "./keys";
import {
  type BitstringStatusListEntry,
  decodeEncodedList,
  isoSeconds,
  readStatusBit,
  statusListEntry,
  StatusListError,
  VC_V2_CONTEXT,
} from "./status-list";
import { type EnvelopeProblem, openVcJwt } from "./vc-jwt";

export { envelopeCredential, signCredential, unenvelopeCredential, VC_JWT_MEDIA_TYPE } from "./vc-jwt";

/**
 * A recognition certificate as an Open Badges 3.0 `OpenBadgeCredential` — a W3C Verifiable Credential
 * 2.0 — and its verification (issue 11, decision 0025).
 *
 *   const credential = buildOpenBadgeCredential({ … });          // plain JSON, nothing signed yet
 *   const jwt = await signCredential(credential, keys.current.privateKey, keys.current.kid);
 *   const check = await verifyCredentialJwt(jwt, buildJwks(keys), statusListJwt);
 *
 * The Open Badges context is bundled (`contexts/ob-v3p0-context-3.0.3.json`, byte for byte as
 * published) for anyone who processes the credential as JSON-LD; verifying the VC-JWT needs no context.
 */

/** The Open Badges 3.0 JSON-LD context, version 3.0.3 (the one for VC 2.0). */
export const OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/** Where the bundled copy of each context the credentials name lives (relative to this folder). */
export const BUNDLED_CONTEXTS: Record<string, string> = { [OB_V3_CONTEXT]: "contexts/ob-v3p0-context-3.0.3.json" };
/** The issuer's name, as on every certificate. */
export const ISSUER_NAME = "Bộ Văn hóa, Thể thao và Du lịch";

/** The issuer's Open Badges `Profile` (embedded in each credential; published alone with its `@context`). */
export interface IssuerProfile {
  id: string;
  type: ["Profile"];
  name: string;
  url: string;
  description: string;
  address: { type: ["Address"]; addressCountry: string; addressCountryCode: "VN"; addressLocality: string };
}

export interface AchievementSubject {
  /** Present for an anonymous recipient only: an opaque id that names nobody. */
  id?: string;
  type: ["AchievementSubject"];
  /** Present when the recipient agreed to be named: their name, in plain text. */
  identifier?: { type: "IdentityObject"; identityType: "name"; hashed: false; identityHash: string }[];
  achievement: {
    id: string;
    type: ["Achievement"];
    achievementType: AchievementType;
    name: string;
    description: string;
    criteria: { narrative: string };
    inLanguage: string;
  };
}

/** Open Badges' vocabulary: a Bằng khen or Thư cảm ơn is an `Award`, a Giấy chứng nhận a `Certificate`. */
export type AchievementType = "Award" | "Certificate" | `ext:${string}`;

export interface OpenBadgeCredential {
  "@context": [typeof VC_V2_CONTEXT, typeof OB_V3_CONTEXT];
  id: string;
  type: ["VerifiableCredential", "OpenBadgeCredential"];
  issuer: IssuerProfile;
  validFrom: string;
  name: string;
  description?: string;
  credentialSubject: AchievementSubject;
  evidence?: { type: ["Evidence"]; name: string; description?: string }[];
  credentialStatus: BitstringStatusListEntry;
}

/** Input that cannot make a credential: the field and what is wrong, for the developer (not a page). */
export class CredentialInputError extends Error {
  constructor(public readonly problems: string[]) {
    super(`cannot build the credential: ${problems.join("; ")}`);
    this.name = "CredentialInputError";
  }
}

const webUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), "must be an http(s) address");
const text = z.string().trim().min(1).max(2000);

const issuerInput = z.object({
  /** The ministry's did:web (keys.ts `didWebForOrigin`). */
  did: z.string().regex(/^did:web:[^#?/]+$/, "must be a did:web"),
  /** The stable address of the issuer's profile on the platform (its JSON and page). */
  profileUrl: webUrl,
});

const credentialInput = z.object({
  /** The credential's public address: its `id` (e.g. `https://<host>/verify/<code>/credential`). */
  id: webUrl,
  issuer: issuerInput,
  /** When it was issued: the credential's `validFrom`. */
  issuedAt: z.date().refine((date) => !Number.isNaN(date.getTime()), "must be a date"),
  /** Its name in wallets, e.g. "Giấy chứng nhận — Công ty Sách Việt". */
  name: text,
  /** The citation, as printed on the certificate. */
  description: text.optional(),
  /** The recipient as they consented to be named: their name, or nobody's. */
  recipient: z.discriminatedUnion("kind", [z.object({ kind: z.literal("named"), name: z.string().trim().min(1).max(300) }), z.object({ kind: z.literal("anonymous") })]),
  achievement: z.object({
    /** A stable address for this kind of certificate (one per rule tier), e.g. `https://<host>/certificates/types/<key>`. */
    id: webUrl,
    name: text,
    description: text,
    /** What one has to do to receive it, in words (the rule's threshold and period). */
    criteria: text,
    achievementType: z.union([z.literal("Award"), z.literal("Certificate"), z.string().regex(/^ext:[A-Za-z0-9._-]+$/)]),
    /** BCP 47 language of the texts; Vietnamese unless said. */
    inLanguage: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/).default("vi"),
  }),
  /** Things that back the award, e.g. the signed decision: `{ name: "Quyết định số 12/QĐ-BVHTTDL", description: "ngày 05/01/2026" }`. */
  evidence: z.array(z.object({ name: text, description: text.optional() })).max(10).optional(),
  /** Its bit in the revocation list. */
  status: z.object({ listUrl: webUrl, index: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
});

export type OpenBadgeCredentialInput = z.input<typeof credentialInput>;

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new CredentialInputError(result.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`));
  return result.data;
}

/** The issuer's profile, as embedded in each credential. */
export function buildIssuerProfile(input: { did: string; profileUrl: string }): IssuerProfile {
  const { did, profileUrl } = parse(issuerInput, input);
  return {
    id: did,
    type: ["Profile"],
    name: ISSUER_NAME,
    url: profileUrl,
    description: "Bộ Văn hóa, Thể thao và Du lịch ghi nhận những tổ chức, cá nhân đóng góp cho học tập suốt đời tại thư viện, bảo tàng, trung tâm văn hóa (Quyết định 1520/QĐ-TTg).",
    address: { type: ["Address"], addressCountry: "Việt Nam", addressCountryCode: "VN", addressLocality: "Hà Nội" },
  };
}

/** The issuer's profile as a document of its own: what the platform serves at `profileUrl`. */
export function buildIssuerProfileDocument(input: { did: string; profileUrl: string }): { "@context": [typeof VC_V2_CONTEXT, typeof OB_V3_CONTEXT] } & IssuerProfile {
  return { "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT], ...buildIssuerProfile(input) };
}

/**
 * An unsigned `OpenBadgeCredential` from plain inputs. Every field the Open Badges 3.0 schema requires
 * is there (`@context`, `id`, `type`, `issuer`, `validFrom`, `name`, `credentialSubject` with `type` and
 * `achievement` — itself with `id`, `type`, `name`, `description`, `criteria`). A named recipient is an
 * `identifier` of type `name`; an anonymous one only an opaque `id` derived from the credential's.
 * Throws a {@link CredentialInputError} on bad input.
 */
export function buildOpenBadgeCredential(input: OpenBadgeCredentialInput): OpenBadgeCredential {
  const data = parse(credentialInput, input);
  const subject: AchievementSubject = {
    ...(data.recipient.kind === "anonymous" ? { id: `${data.id}#recipient` } : {}),
    type: ["AchievementSubject"],
    ...(data.recipient.kind === "named" ? { identifier: [{ type: "IdentityObject" as const, identityType: "name" as const, hashed: false as const, identityHash: data.recipient.name }] } : {}),
    achievement: {
      id: data.achievement.id,
      type: ["Achievement"],
      achievementType: data.achievement.achievementType as AchievementType,
      name: data.achievement.name,
      description: data.achievement.description,
      criteria: { narrative: data.achievement.criteria },
      inLanguage: data.achievement.inLanguage,
    },
  };
  return {
    "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
    id: data.id,
    type: ["VerifiableCredential", "OpenBadgeCredential"],
    issuer: buildIssuerProfile(data.issuer),
    validFrom: isoSeconds(data.issuedAt),
    name: data.name,
    ...(data.description ? { description: data.description } : {}),
    credentialSubject: subject,
    ...(data.evidence?.length ? { evidence: data.evidence.map((item) => ({ type: ["Evidence"] as ["Evidence"], ...item })) } : {}),
    credentialStatus: statusListEntry(data.status.listUrl, data.status.index),
  };
}

/** Why a credential is not valid (beyond being revoked): codes for the caller to say in the reader's language. */
export type CredentialProblem =
  | EnvelopeProblem
  /** Signed by us, but not an Open Badges credential of VC 2.0 with a revocation entry. */
  | "not-a-credential"
  /** The key that signed it is not the issuer's (the `kid`'s DID is not the credential's `issuer.id`). */
  | "issuer-mismatch"
  | "not-yet-valid"
  | "expired"
  /** The status list given is not a genuine status list of this issuer. */
  | "status-list-invalid"
  /** The status list given is not the one this credential points to. */
  | "status-list-mismatch"
  /** The credential's index is outside its list. */
  | "status-index-out-of-range";

export interface CredentialVerification {
  /** Genuine (signature, key, issuer, dates) and — when a status list was given — not revoked. */
  valid: boolean;
  /** True/false when a status list was checked; null when none was given (or the check could not be made). */
  revoked: boolean | null;
  /** The credential, only when its signature is genuine. */
  credential: OpenBadgeCredential | null;
  /** The key that signed it, when genuine. */
  kid: string | null;
  problem?: CredentialProblem;
}

const fail = (problem: CredentialProblem, credential: OpenBadgeCredential | null = null, kid: string | null = null): CredentialVerification => ({
  valid: false,
  revoked: null,
  credential,
  kid,
  problem,
});

function issuerId(issuer: unknown): string | null {
  if (typeof issuer === "string") return issuer;
  if (issuer && typeof issuer === "object" && typeof (issuer as { id?: unknown }).id === "string") return (issuer as { id: string }).id;
  return null;
}

function hasTypes(value: unknown, ...types: string[]): boolean {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  return types.every((type) => list.includes(type));
}

function isEntry(value: unknown): value is BitstringStatusListEntry {
  const entry = value as Partial<BitstringStatusListEntry> | null;
  return (
    !!entry &&
    entry.type === "BitstringStatusListEntry" &&
    entry.statusPurpose === "revocation" &&
    typeof entry.statusListIndex === "string" &&
    /^(0|[1-9]\d{0,15})$/.test(entry.statusListIndex) &&
    typeof entry.statusListCredential === "string"
  );
}

/**
 * Verifies a VC-JWT certificate with the issuer's published keys and, when given, its status list
 * (the list's own VC-JWT, from the URL the credential names):
 *
 * 1. the envelope: `typ: "vc+jwt"`, `alg: "EdDSA"`, a `kid` in the JWKS, the signature;
 * 2. the content: a VC 2.0 `OpenBadgeCredential` whose `issuer.id` is the DID of the key that signed it,
 *    valid from its `validFrom` (and until its `validUntil`, if any) at `now`;
 * 3. the status: the list is genuine (same checks, same issuer), is the list the entry names, and the
 *    entry's bit is 0 (in force) or 1 (revoked).
 */
export async function verifyCredentialJwt(jwt: string, jwks: Jwks, statusListJwt?: string, options: { now?: Date } = {}): Promise<CredentialVerification> {
  const now = options.now ?? new Date();
  const opened = await openVcJwt(jwt, jwks);
  if (!opened.ok) return fail(opened.problem);
  const payload = opened.payload;
  const context = payload["@context"];
  if (
    !Array.isArray(context) ||
    context[0] !== VC_V2_CONTEXT ||
    !context.includes(OB_V3_CONTEXT) ||
    !hasTypes(payload.type, "VerifiableCredential", "OpenBadgeCredential") ||
    typeof payload.validFrom !== "string" ||
    !payload.credentialSubject ||
    !isEntry(payload.credentialStatus)
  ) {
    return fail("not-a-credential");
  }
  const credential = payload as unknown as OpenBadgeCredential;
  const signer = opened.kid.split("#")[0];
  if (issuerId(payload.issuer) !== signer) return fail("issuer-mismatch", credential, opened.kid);
  const validFrom = Date.parse(credential.validFrom);
  if (Number.isNaN(validFrom)) return fail("not-a-credential", credential, opened.kid);
  if (validFrom > now.getTime()) return fail("not-yet-valid", credential, opened.kid);
  if (typeof payload.validUntil === "string" && !(Date.parse(payload.validUntil) > now.getTime())) return fail("expired", credential, opened.kid);

  if (statusListJwt === undefined) return { valid: true, revoked: null, credential, kid: opened.kid };

  const entry = credential.credentialStatus;
  const list = await openVcJwt(statusListJwt, jwks);
  if (!list.ok) return fail("status-list-invalid", credential, opened.kid);
  const subject = list.payload.credentialSubject as { type?: unknown; statusPurpose?: unknown; encodedList?: unknown } | undefined;
  if (
    !hasTypes(list.payload.type, "VerifiableCredential", "BitstringStatusListCredential") ||
    !subject ||
    subject.type !== "BitstringStatusList" ||
    typeof subject.encodedList !== "string" ||
    issuerId(list.payload.issuer) !== list.kid.split("#")[0]
  ) {
    return fail("status-list-invalid", credential, opened.kid);
  }
  if (list.payload.id !== entry.statusListCredential || issuerId(list.payload.issuer) !== signer || subject.statusPurpose !== entry.statusPurpose) {
    return fail("status-list-mismatch", credential, opened.kid);
  }
  try {
    const revoked = readStatusBit(decodeEncodedList(subject.encodedList), Number(entry.statusListIndex));
    return { valid: !revoked, revoked, credential, kid: opened.kid };
  } catch (error) {
    if (error instanceof StatusListError && error.reason === "index-out-of-range") return fail("status-index-out-of-range", credential, opened.kid);
    return fail("status-list-invalid", credential, opened.kid);
  }
}
