import { Nomination } from "#models/nomination.server";
import { CERTIFICATE_TYPES, RecognitionRule, type CertificateType } from "#models/recognition-rule.server";
import type { SessionUser } from "#models/user.server";
import { forbidden } from "../errors";
import { batchProgress, canIssue } from "./certificates";
import { listNominations } from "./nominations";

/**
 * What the issuing pages show (J3): the approved nominations waiting for their certificate, with their
 * rule's type (and whether it needs a signed decision), and a batch's progress with its failures named.
 * Reads only; issuing and revoking are services/recognition/certificates.ts.
 */

export type ToIssue = {
  id: string;
  donorName: string;
  ruleName: { vi: string; en: string };
  type: CertificateType;
  /** A state award: issued only with the number and date of its signed decision. */
  needsDecision: boolean;
  year: number;
  contribution: number;
};

/** The approved nominations, oldest approval first, each with what its rule gives. Issuers only. */
export async function nominationsToIssue(actor: SessionUser): Promise<ToIssue[]> {
  if (!canIssue(actor)) throw forbidden();
  const approved = await listNominations(actor, { status: "approved" });
  const ruleIds = [...new Set(approved.map((n) => String(n.ruleId)))];
  const rules = new Map((await Promise.all(ruleIds.map((id) => RecognitionRule.findById(id).select("type name").lean()))).filter((r) => r !== null).map((r) => [String(r._id), r]));
  const rows: ToIssue[] = [];
  for (const nomination of approved) {
    const rule = rules.get(String(nomination.ruleId));
    if (!rule) continue;
    rows.push({
      id: nomination._id,
      donorName: nomination.donorName,
      ruleName: { vi: rule.name?.vi ?? "", en: rule.name?.en ?? "" },
      type: rule.type,
      needsDecision: CERTIFICATE_TYPES[rule.type].decision,
      year: nomination.year,
      contribution: nomination.contribution,
    });
  }
  return rows.reverse();
}

/** A batch's progress for its page, each failure with the nominee's name. Issuers only; 404 for no such batch. */
export async function batchView(actor: SessionUser, batchId: string) {
  const batch = await batchProgress(actor, batchId);
  const failed = batch.failures ?? [];
  // At most 200 failures are kept on a batch: each named by a read by `_id`.
  const names = new Map((await Promise.all(failed.map((f) => Nomination.findById(f.nominationId ?? "").select("donorName").lean()))).filter((n) => n !== null).map((n) => [n._id, n.donorName]));
  return {
    id: batch._id,
    total: batch.total,
    issued: batch.issued,
    failed: batch.failed,
    running: batch.state === "running",
    startedAt: (batch as { createdAt?: Date }).createdAt ?? null,
    finishedAt: batch.finishedAt ?? null,
    failures: failed.map((f) => ({ nominationId: f.nominationId ?? "", donorName: names.get(f.nominationId ?? "") ?? null, reason: f.reason ?? "error" })),
  };
}
