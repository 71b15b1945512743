import { Types } from "mongoose";
import { Certificate, VERIFICATION_CODE_SHAPE } from "#models/certificate.server";
import { CERTIFICATE_TYPES, RecognitionRule } from "#models/recognition-rule.server";
import { certificateAddresses } from "../certificates/addresses";
import { OB_V3_CONTEXT, type CredentialProblem, type OpenBadgeCredential } from "../certificates/credential";
import { isoSeconds, VC_V2_CONTEXT } from "../certificates/status-list";
import { notFound } from "../errors";
import { checkCertificate, criteriaOf, type CertificateCheck, type RecognitionConfig } from "./certificates";

/**
 * What the public verification pages need beyond the core (J3, issue 11 "Verifying and revoking"):
 * reading a typed code, saying in one word what a check found, and describing a kind of certificate.
 */

/**
 * A verification code as a person types it: letters and digits, spaces and dashes ignored, any case.
 * Returns the code, or why it cannot be one (a translation key).
 */
export function readVerificationCode(input: string): { code: string } | { error: "verify.codeEmpty" | "verify.codeLength" | "verify.codeLetters" } {
  const code = input.replace(/[\s-]+/g, "").toUpperCase();
  if (!code) return { error: "verify.codeEmpty" };
  if (!/^[A-Z0-9]+$/.test(code) || /[IO01]/.test(code)) return { error: "verify.codeLetters" };
  if (code.length !== 32) return { error: "verify.codeLength" };
  return VERIFICATION_CODE_SHAPE.test(code) ? { code } : { error: "verify.codeLetters" };
}

/** What the page says first: in force, revoked, not genuine (signature, key or content), or the revocation list could not be checked. */
export type VerdictState = "genuine" | "revoked" | "not_genuine" | "unchecked";
export type VerdictProblem = CredentialProblem | "record-mismatch";

const LIST_PROBLEMS: readonly CredentialProblem[] = ["status-list-invalid", "status-list-mismatch", "status-index-out-of-range"];

/**
 * Does what the database shows match what was signed? The page shows the stored record; the signature
 * only covers the credential, so a record changed after issue must not be shown as genuine.
 */
function recordMatchesCredential(certificate: CertificateCheck["certificate"], credential: OpenBadgeCredential): boolean {
  const title = CERTIFICATE_TYPES[certificate.type]?.title.vi;
  const named = credential.credentialSubject.identifier?.[0]?.identityHash ?? null;
  return (
    credential.name === `${title} ${certificate.serial}` &&
    (credential.description ?? "") === (certificate.citation?.vi ?? "") &&
    named === (certificate.recipientName ?? null) &&
    credential.validFrom === isoSeconds(new Date(certificate.issuedAt))
  );
}

export type PublicVerdict = { state: VerdictState; problem: VerdictProblem | null; kid: string | null; statusListUrl: string; jwksUrl: string; didUrl: string };

/**
 * The verification page's verdict on a certificate: its signature checked against the published keys,
 * its bit read from the signed revocation list, and the stored record compared with what was signed.
 * Unknown or malformed codes: not found.
 */
export async function verifyForPage(code: string, config: RecognitionConfig): Promise<CertificateCheck & { verdict: PublicVerdict }> {
  const check = await checkCertificate(code, config);
  const { certificate, verification } = check;
  const addresses = certificateAddresses(config.origin);
  let state: VerdictState;
  let problem: VerdictProblem | null = verification.problem ?? null;
  if (problem && !LIST_PROBLEMS.includes(problem as CredentialProblem)) state = "not_genuine";
  else if (verification.credential && !recordMatchesCredential(certificate, verification.credential)) {
    state = "not_genuine";
    problem = "record-mismatch";
  } else if (verification.revoked === true || certificate.status === "revoked") state = "revoked";
  else if (problem) state = "unchecked";
  else state = verification.valid ? "genuine" : "not_genuine";
  const statusListUrl = verification.credential?.credentialStatus.statusListCredential ?? addresses.statusList(1);
  return { ...check, verdict: { state, problem, kid: verification.kid, statusListUrl, jwksUrl: addresses.jwks, didUrl: addresses.didDocument } };
}

/**
 * One kind of certificate (a rule's tier) as an Open Badges `Achievement`: what a credential's
 * `achievement.id` resolves to. Public; any rule ever made (older certificates name retired rules).
 */
export async function achievementDocument(ruleId: string, config: RecognitionConfig) {
  if (!Types.ObjectId.isValid(ruleId) || !/^[a-f0-9]{24}$/.test(ruleId)) throw notFound();
  const rule = await RecognitionRule.findById(ruleId).select("type name ruleSet year minTotal scope countInKind countVolunteerHours").lean();
  if (!rule) throw notFound();
  const kind = CERTIFICATE_TYPES[rule.type];
  return {
    "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
    id: certificateAddresses(config.origin).achievement(String(rule._id)),
    type: ["Achievement"],
    achievementType: kind.decision ? "Award" : "Certificate",
    name: rule.name?.vi ?? kind.title.vi,
    description: `${kind.title.vi} — ${rule.ruleSet}`,
    criteria: { narrative: criteriaOf(rule) },
    inLanguage: "vi",
    creator: { id: certificateAddresses(config.origin).did, type: ["Profile"] },
  };
}

/** The signed credential and the serial to name its download by (public, like {@link credentialOf}). */
export async function credentialDownload(code: string): Promise<{ jwt: string; serial: string }> {
  if (!VERIFICATION_CODE_SHAPE.test(code)) throw notFound();
  const certificate = await Certificate.findById(code).select("credential serial").lean();
  if (!certificate) throw notFound();
  return { jwt: certificate.credential, serial: certificate.serial };
}
