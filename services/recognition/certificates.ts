import { randomBytes } from "node:crypto";
import { oneAtATime } from "../one-at-a-time";
import { pledgesOfDonor, publicDonorName, type DonorRecord } from "../public-name";
import { recordAudit } from "#models/audit-event.server";
import { Certificate, CertificateBatch, CertificateHolder, CertificateSerial, StatusList, formatCertificateSerial, newVerificationCode, VERIFICATION_CODE_SHAPE, type CertificateDoc } from "#models/certificate.server";
import { Donor, donorName } from "#models/donor.server";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { dropCertificatePdf, findStoredCertificatePdf, storeCertificatePdf } from "#models/file.server";
import { Nomination } from "#models/nomination.server";
import { provinceName } from "#models/reference/provinces";
import { CERTIFICATE_TYPES, RecognitionRule, type RecognitionRuleDoc } from "#models/recognition-rule.server";
import type { SessionUser } from "#models/user.server";
import { hasRole } from "../access";
import { vietnamDateInput, vietnamMidnight } from "../calendar";
import { certificateAddresses } from "../certificates/addresses";
import { buildOpenBadgeCredential, signCredential, verifyCredentialJwt, type CredentialVerification } from "../certificates/credential";
import { buildJwks, type IssuerKeys } from "../certificates/keys";
import { renderCertificatePdf } from "../certificates/pdf";
import { buildStatusListCredential, encodeBitstring, emptyBitstring, randomStatusIndex, STATUS_LIST_MIN_BITS, withStatusBit } from "../certificates/status-list";
import { forbidden, invalid, notFound } from "../errors";
import { formatVnd } from "../format";
import { fillCitation } from "./citation";
import { issueSchema, revokeSchema, type IssueValues } from "../validation/recognition";

/**
 * Issuing, revoking and verifying recognition certificates (J3). A certificate is issued from an
 * approved nomination: its serial is claimed (gapless per type and year), its Open Badges credential
 * signed (services/certificates), and it is stored under its verification code. Its PDF is drawn on
 * the first download and kept.
 */

/** Where the platform is and the keys it signs with (app/utils/recognition.server.ts builds it from the configuration). */
export type RecognitionConfig = { origin: string; keys: IssuerKeys };

/** Issuing and revoking: ministry officers and admins. */
export function canIssue(actor: SessionUser) {
  return hasRole(actor, ["ministry_officer"]);
}

// ——— Serials ———


/** Where the search for the next free number starts: the last number this process (or the database) knows was taken. */
const lastTaken = new Map<string, number>();

/**
 * Claims the next serial of a type and year for `code`: inserts its register entry, whose `_id` is the
 * serial — the insert is the claim, so two issuers (in this process or others) never share a number,
 * and numbers are taken in order from the last one taken, so none is skipped.
 */
async function claimSerial(type: keyof typeof CERTIFICATE_TYPES, year: number, code: string): Promise<string> {
  const key = `${type}:${year}`;
  return oneAtATime(`serial:${key}`, async () => {
    let n = (lastTaken.get(key) ?? (await lastSerialNumber(type, year))) + 1;
    for (;;) {
      const serial = formatCertificateSerial(year, CERTIFICATE_TYPES[type].code, n);
      try {
        await CertificateSerial.create({ _id: serial, type, year, n, code });
        lastTaken.set(key, n);
        return serial;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        n += 1; // taken by another process: the next one
      }
    }
  });
}

/** The highest number taken of a type and year (a read of that year's register: once per process and type). */
async function lastSerialNumber(type: string, year: number): Promise<number> {
  const last = await CertificateSerial.find({ type, year }).sort({ n: -1 }).limit(1).select("n").lean();
  return last[0]?.n ?? 0;
}

/**
 * Serials claimed by an issue that stopped before its certificate was written (a crash, a lost
 * database connection): recorded as void, with the reason, so the register has no unexplained number.
 * Run before each batch and by the sweeper's daily pass; a claim younger than `graceMs` is left alone
 * (its issue may still be running).
 */
export async function voidInterruptedSerials(graceMs = 10 * 60 * 1000): Promise<number> {
  const claims = await CertificateSerial.find({ voidReason: null, createdAt: { $lt: new Date(Date.now() - graceMs) } }).select("_id code").lean();
  let voided = 0;
  for (const claim of claims) {
    if (await Certificate.exists({ _id: claim.code })) continue;
    await CertificateSerial.updateOne({ _id: claim._id }, { $set: { voidReason: "Cấp giấy bị gián đoạn trước khi ghi giấy chứng nhận (issuing stopped before the certificate was written)", voidedAt: new Date() } });
    voided += 1;
  }
  return voided;
}

// ——— Issuing ———

/**
 * How the recipient is named publicly (the verification page, the signed credential): by the public
 * ledger's rule over the donor's pledges (services/public-name.ts) — an individual only with an active
 * consent, an organisation unless it chose anonymity.
 */
async function publicName(donor: DonorRecord): Promise<string | null> {
  return publicDonorName(donor, await pledgesOfDonor(donor));
}

// fillCitation lives in ./citation (no database code: the rules page previews citations in the browser).
export { fillCitation };

const DECISION_SHAPE = /^[0-9]+\/[A-ZĐ0-9-]+$/u;

export type IssueOutcome = { nominationId: string; result: "issued" | "already_issued" | "not_approved" | "not_found" | "needs_decision"; code?: string; serial?: string };

async function issueOne(actor: SessionUser, nominationId: string, values: IssueValues, config: RecognitionConfig, batchId: string | null): Promise<IssueOutcome> {
  const nomination = await Nomination.findById(nominationId).lean();
  if (!nomination) return { nominationId, result: "not_found" };
  if (nomination.status === "issued" && nomination.certificateCode) return { nominationId, result: "already_issued", code: nomination.certificateCode };
  if (nomination.status !== "approved") return { nominationId, result: "not_approved" };
  const [rule, donor] = await Promise.all([RecognitionRule.findById(nomination.ruleId).lean(), Donor.findById(nomination.donorId).select("kind legalName fullName address erasedAt userId").lean()]);
  if (!rule || !donor || donor.erasedAt) return { nominationId, result: "not_found" };
  const kind = CERTIFICATE_TYPES[rule.type];
  if (kind.decision && (!values.decisionNumber || !DECISION_SHAPE.test(values.decisionNumber) || !values.decisionDate)) return { nominationId, result: "needs_decision" };
  const issuedAt = new Date();
  const year = Number(vietnamDateInput(issuedAt).slice(0, 4));
  const printedName = donorName(donor) ?? nomination.donorName;
  const named = await publicName(donor);
  const province = rule.scope === "national" ? "" : provinceName(rule.scope) ?? "";
  // The citation is public (signed into the credential, shown on the verification page): it names the
  // recipient only as they consented. The printed certificate, which goes to the donor, names them.
  const fill = { name: named ?? "", total: nomination.contribution, programmes: "", year: rule.year, province };
  const citation = {
    vi: fillCitation(rule.citation?.vi ?? "", { ...fill, name: named ?? "Nhà hảo tâm" }, "vi"),
    en: fillCitation(rule.citation?.en ?? "", { ...fill, name: named ?? "an anonymous benefactor" }, "en"),
  };
  const printedCitation = fillCitation(rule.citation?.vi ?? "", { ...fill, name: printedName }, "vi");
  // A decision belongs to the state awards it records: a batch's decision is not printed on its plain certificates.
  const decisionNumber = kind.decision ? values.decisionNumber : "";
  const decisionDate = kind.decision && values.decisionDate ? vietnamMidnight(...(values.decisionDate.split("-").map(Number) as [number, number, number])) : null;
  const code = newVerificationCode();
  const serial = await claimSerial(rule.type, year, code);
  const addresses = certificateAddresses(config.origin);
  for (let attempt = 0; ; attempt += 1) {
    const statusIndex = randomStatusIndex(STATUS_LIST_MIN_BITS);
    const credential = await signCredential(
      buildOpenBadgeCredential({
        id: addresses.credential(code),
        issuer: { did: config.keys.did, profileUrl: addresses.issuerProfile },
        issuedAt,
        name: `${kind.title.vi} ${serial}`,
        description: citation.vi,
        recipient: named ? { kind: "named", name: named } : { kind: "anonymous" },
        achievement: { id: addresses.achievement(String(rule._id)), name: rule.name?.vi ?? kind.title.vi, description: `${kind.title.vi} — ${rule.ruleSet}`, criteria: criteriaOf(rule), achievementType: kind.decision ? "Award" : "Certificate" },
        ...(decisionNumber && decisionDate ? { evidence: [{ name: `Quyết định số ${decisionNumber}`, description: `ngày ${vietnamDateInput(decisionDate).split("-").reverse().join("/")}` }] } : {}),
        status: { listUrl: addresses.statusList(1), index: statusIndex },
      }),
      config.keys.current.privateKey,
      config.keys.current.kid,
    );
    try {
      await Certificate.create({
        _id: code,
        serial,
        type: rule.type,
        ruleId: rule._id,
        nominationId,
        donorId: nomination.donorId,
        recipientName: named,
        printedName,
        recipientAddress: donor.address ?? "",
        citation,
        printedCitation,
        year: rule.year,
        contribution: nomination.contribution,
        decisionNumber: decisionNumber || null,
        decisionDate,
        signerName: values.signerName,
        signerTitle: values.signerTitle,
        place: values.place,
        issuedAt,
        issuedBy: actor.id,
        batchId,
        statusList: 1,
        statusIndex,
        credential,
      });
      break;
    } catch (error) {
      // Another certificate drew the same status bit (1 in 131,072 per certificate issued): draw again.
      if (!isDuplicateKeyError(error) || attempt >= 5) throw error;
    }
  }
  await Nomination.updateOne({ _id: nominationId }, { $set: { status: "issued", certificateCode: code } });
  // On the donor's account page at once (a list not made yet is made from the donor records on the first visit).
  if (donor.userId) await CertificateHolder.updateOne({ _id: `user:${String(donor.userId)}` }, { $addToSet: { codes: code } });
  await recordAudit({ actor, action: "certificate.issue", subjectType: "nomination", subjectId: nominationId, details: { serial, code, batchId } });
  return { nominationId, result: "issued", code, serial };
}

/** What a rule asks, in words: an achievement's criteria (the credential's, and its public description). */
export function criteriaOf(rule: Pick<RecognitionRuleDoc, "countInKind" | "countVolunteerHours" | "scope" | "year" | "minTotal">): string {
  const counted = ["tiền", ...(rule.countInKind ? ["hiện vật quy đổi"] : []), ...(rule.countVolunteerHours ? ["giờ tình nguyện quy đổi"] : [])].join(", ");
  const where = rule.scope === "national" ? "trên cả nước" : `tại ${provinceName(rule.scope) ?? rule.scope}`;
  return `Tổng đóng góp đã xác nhận (${counted}, sau hoàn trả và điều chỉnh) trong năm ${rule.year} ${where} từ ${formatVnd(rule.minTotal, "vi")} trở lên.`;
}

function parsedIssue(input: unknown): IssueValues {
  const result = issueSchema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(Object.fromEntries(Object.entries(result.error.flatten().fieldErrors).map(([k, v]) => [k, v ?? []])));
}

/** Issues the certificate of one approved nomination, now. */
export async function issueCertificate(actor: SessionUser, input: unknown, config: RecognitionConfig): Promise<IssueOutcome> {
  if (!canIssue(actor)) throw forbidden();
  const values = parsedIssue(input);
  const [nominationId] = values.nominationIds;
  return issueOne(actor, nominationId!, values, config, null);
}

/**
 * Starts issuing a batch (hundreds at once) in the background: returns at once with the batch's id,
 * whose document the page reads for progress; `finished` settles when the batch is done. Each
 * certificate is issued as one would be alone; the PDFs are not drawn here (on first download).
 */
export async function startBatch(actor: SessionUser, input: unknown, config: RecognitionConfig): Promise<{ batchId: string; finished: Promise<void> }> {
  if (!canIssue(actor)) throw forbidden();
  const values = parsedIssue(input);
  const ids = [...new Set(values.nominationIds)];
  const batchId = randomBytes(12).toString("hex");
  await CertificateBatch.create({ _id: batchId, total: ids.length, startedBy: actor.id });
  await recordAudit({ actor, action: "certificate.batch_start", subjectType: "CertificateBatch", subjectId: batchId, details: { total: ids.length } });
  const finished = (async () => {
    await voidInterruptedSerials();
    let issued = 0;
    let failed = 0;
    const failures: Array<{ nominationId: string; reason: string }> = [];
    for (const [i, nominationId] of ids.entries()) {
      try {
        const outcome = await issueOne(actor, nominationId, values, config, batchId);
        if (outcome.result === "issued" || outcome.result === "already_issued") issued += 1;
        else {
          failed += 1;
          failures.push({ nominationId, reason: outcome.result });
        }
      } catch (error) {
        failed += 1;
        failures.push({ nominationId, reason: "error" });
        console.error(`certificate batch ${batchId}: ${nominationId}: ${(error as Error).message}`);
      }
      // Progress for the page: every 10 certificates, and at the end.
      if ((i + 1) % 10 === 0 || i === ids.length - 1) await CertificateBatch.updateOne({ _id: batchId }, { $set: { issued, failed, failures: failures.slice(0, 200) } });
    }
    await CertificateBatch.updateOne({ _id: batchId }, { $set: { issued, failed, failures: failures.slice(0, 200), state: "done", finishedAt: new Date() } });
  })();
  finished.catch((error: unknown) => console.error(`certificate batch ${batchId} stopped: ${(error as Error).message}`));
  return { batchId, finished };
}

/**
 * Batches whose process stopped (no progress written for `staleMs`; progress is written every 10
 * certificates): closed, with the rest named as not issued — they stay approved and can be issued
 * again. Run by the sweeper.
 */
export async function closeInterruptedBatches(staleMs = 10 * 60 * 1000): Promise<number> {
  const stale = await CertificateBatch.find({ state: "running", updatedAt: { $lt: new Date(Date.now() - staleMs) } }).select("_id total issued failed").lean();
  for (const batch of stale) {
    await CertificateBatch.updateOne({ _id: batch._id }, { $set: { state: "done", finishedAt: new Date(), failed: batch.total - batch.issued }, $push: { failures: { nominationId: "", reason: "interrupted" } } });
  }
  return stale.length;
}

export async function batchProgress(actor: SessionUser, batchId: string) {
  if (!canIssue(actor)) throw forbidden();
  const batch = await CertificateBatch.findById(batchId).lean();
  if (!batch) throw notFound();
  return batch;
}

// ——— Revoking and the status list ———

/**
 * Revokes a certificate, with a reason. It stays listed (never deleted), marked revoked with when, why
 * and by whom; its bit in the status list is set. The list's version moves before and after the
 * change, so a list drawn in between is drawn again.
 */
export async function revokeCertificate(actor: SessionUser, input: unknown) {
  if (!canIssue(actor)) throw forbidden();
  const result = revokeSchema.safeParse(input);
  if (!result.success) throw invalid(Object.fromEntries(Object.entries(result.error.flatten().fieldErrors).map(([k, v]) => [k, v ?? []])));
  const { code, reason } = result.data;
  const certificate = await Certificate.findById(code).select("status statusList serial nominationId").lean();
  if (!certificate) throw notFound();
  if (certificate.status === "revoked") return { revoked: false };
  await bumpStatusList(certificate.statusList);
  await Certificate.updateOne({ _id: code }, { $set: { status: "revoked", revokedAt: new Date(), revokedReason: reason, revokedBy: actor.id } });
  await bumpStatusList(certificate.statusList);
  await dropCertificatePdf(code);
  await recordAudit({ actor, action: "certificate.revoke", subjectType: "nomination", subjectId: certificate.nominationId, details: { serial: certificate.serial, code, reason } });
  return { revoked: true };
}

async function bumpStatusList(list: number) {
  await StatusList.updateOne({ _id: list }, { $inc: { version: 1 } }, { upsert: true });
}

const drawnLists = new Map<number, { version: number; jwt: string; at: number }>();
/** A drawn list is trusted for this long even if no version change was seen (another instance's revocation is then seen within it). */
const LIST_MAX_AGE_MS = 60_000;

/**
 * The revocation status list (a signed BitstringStatusListCredential): drawn from the revoked
 * certificates when its version moved (a revocation), else served as drawn — the version is one read by `_id`.
 */
export async function statusListJwt(list: number, config: RecognitionConfig): Promise<string> {
  const version = (await StatusList.findById(list).lean())?.version ?? 0;
  const drawn = drawnLists.get(list);
  if (drawn && drawn.version === version && Date.now() - drawn.at < LIST_MAX_AGE_MS) return drawn.jwt;
  return oneAtATime(`status-list:${list}`, async () => {
    const revoked = await Certificate.find({ statusList: list, status: "revoked" }).select("statusIndex").lean();
    let bits = emptyBitstring(STATUS_LIST_MIN_BITS);
    for (const { statusIndex } of revoked) bits = withStatusBit(bits, statusIndex);
    const addresses = certificateAddresses(config.origin);
    const credential = buildStatusListCredential({ id: addresses.statusList(list), issuer: config.keys.did, validFrom: new Date(), encodedList: encodeBitstring(bits) });
    const jwt = await signCredential(credential, config.keys.current.privateKey, config.keys.current.kid);
    drawnLists.set(list, { version, jwt, at: Date.now() });
    return jwt;
  });
}

// ——— Verifying ———

export type CertificateCheck = {
  certificate: Pick<CertificateDoc, "_id" | "serial" | "type" | "recipientName" | "citation" | "year" | "decisionNumber" | "decisionDate" | "signerName" | "signerTitle" | "place" | "issuedAt" | "status" | "revokedAt" | "revokedReason">;
  verification: CredentialVerification;
};

/**
 * What the public verification page says: the certificate as issued, and the result of checking its
 * signed credential against the published keys and the current status list (not just the stored row).
 */
export async function checkCertificate(code: string, config: RecognitionConfig): Promise<CertificateCheck> {
  if (!VERIFICATION_CODE_SHAPE.test(code)) throw notFound();
  const certificate = await Certificate.findById(code).lean();
  if (!certificate) throw notFound();
  const verification = await verifyCredentialJwt(certificate.credential, buildJwks(config.keys), await statusListJwt(certificate.statusList, config));
  const { _id, serial, type, recipientName, citation, year, decisionNumber, decisionDate, signerName, signerTitle, place, issuedAt, status, revokedAt, revokedReason } = certificate;
  return { certificate: { _id, serial, type, recipientName, citation, year, decisionNumber, decisionDate, signerName, signerTitle, place, issuedAt, status, revokedAt, revokedReason }, verification };
}

/** The signed credential (VC-JWT), public: what anyone verifies with the published key. */
export async function credentialOf(code: string): Promise<string> {
  if (!VERIFICATION_CODE_SHAPE.test(code)) throw notFound();
  const certificate = await Certificate.findById(code).select("credential").lean();
  if (!certificate) throw notFound();
  return certificate.credential;
}

/** May this person download the PDF: the donor it was given to (their account), or an officer who issues. */
async function mayDownload(actor: SessionUser, certificate: Pick<CertificateDoc, "donorId">) {
  if (canIssue(actor)) return true;
  const donor = await Donor.findById(certificate.donorId).select("userId").lean();
  return Boolean(donor?.userId && String(donor.userId) === actor.id);
}

/** The certificate's PDF, drawn once and kept (drawn again after a revocation or a change of address). */
export async function certificatePdf(actor: SessionUser, code: string, config: RecognitionConfig): Promise<{ pdf: Buffer; serial: string }> {
  if (!VERIFICATION_CODE_SHAPE.test(code)) throw notFound();
  const certificate = await Certificate.findById(code).lean();
  if (!certificate) throw notFound();
  if (!(await mayDownload(actor, certificate))) throw forbidden();
  const verifyUrl = certificateAddresses(config.origin).verifyPage(code);
  const stored = await findStoredCertificatePdf(code, verifyUrl);
  if (stored) return { pdf: stored, serial: certificate.serial };
  const kind = CERTIFICATE_TYPES[certificate.type];
  const pdf = await renderCertificatePdf({
    title: kind.decision ? "BẰNG KHEN" : kind.title.vi,
    issuer: certificate.type === "pm_merit" ? "THỦ TƯỚNG CHÍNH PHỦ" : "BỘ TRƯỞNG BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
    recipientName: certificate.printedName,
    recipientAddress: certificate.recipientAddress || null,
    citation: certificate.printedCitation || certificate.citation?.vi || "",
    decisionNumber: certificate.decisionNumber,
    decisionDate: certificate.decisionDate,
    serial: certificate.serial,
    place: certificate.place,
    issuedAt: certificate.issuedAt,
    signer: { title: certificate.signerTitle, name: certificate.signerName },
    verifyUrl,
  });
  await storeCertificatePdf(code, certificate.serial, verifyUrl, pdf);
  return { pdf, serial: certificate.serial };
}

/** A donor's own certificates (their dashboard), newest first. */
export async function certificatesOfUser(actor: SessionUser) {
  const fields = "_id serial type year status issuedAt revokedAt revokedReason citation";
  // The account page is read on every visit: the user's certificates are listed in one document read
  // by `_id`, each certificate then by `_id`. The first visit (no list yet) finds them by the user's
  // donor records and writes the list; issuing adds to an existing list.
  const holder = await CertificateHolder.findById(`user:${actor.id}`).lean();
  let codes = holder?.codes;
  if (!codes) {
    const mine = await Donor.find({ userId: actor.id }).select("_id").lean();
    codes = mine.length ? (await Certificate.find({ donorId: { $in: mine.map((d) => d._id) } }).select("_id").lean()).map((c) => c._id) : [];
    await CertificateHolder.updateOne({ _id: `user:${actor.id}` }, { $addToSet: { codes: { $each: codes } } }, { upsert: true }).catch((error: unknown) => {
      if (!isDuplicateKeyError(error)) throw error; // two first visits at once: the other wrote it
    });
  }
  const certificates = await Promise.all(codes.map((code) => Certificate.findById(code).select(fields).lean()));
  return certificates.filter((c) => c !== null).sort((a, b) => b!.issuedAt.getTime() - a!.issuedAt.getTime()) as NonNullable<(typeof certificates)[number]>[];
}

/** Every certificate, for officers (newest first, bounded). */
export async function listCertificates(actor: SessionUser, limit = 500) {
  if (!canIssue(actor)) throw forbidden();
  return Certificate.find({}).select("_id serial type year status printedName issuedAt revokedAt revokedReason batchId").sort({ issuedAt: -1 }).limit(limit).lean();
}
