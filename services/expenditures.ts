import mongoose, { type Types } from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { Expenditure, type ExpenditureDoc } from "#models/expenditure.server";
import { addToLookup, findLookup, removeFromLookup } from "#models/lookup.server";
import { objectIdFromName } from "#models/projection.server";
import { Programme } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution, canManageProgrammes, canReviewInstitution } from "./access";
import { forbidden, invalid, notFound, ServiceError } from "./errors";
import { appendLedgerEntry } from "./money/ledger";
import { receivedOfProgramme, spentOfProgramme } from "./money/projections";
import { getLimits } from "./settings";
import { discardUploads } from "./uploads";
import type { ExpenditureActionInput, ExpenditureInput } from "./validation/expenditure";

/**
 * Money out (issue 12, docs/decisions/0036-money-out.md). A manager records what a programme spent
 * against one of its budget lines — amount, day, payee, purpose, receipts — as a draft, private to the
 * institution. Publishing books it: one ledger entry of kind "expenditure" (negative, key
 * `expenditure:<id>`) in the institution's hash-chained ledger, so it is in the transparency log like
 * every gift, and the programme's spent total (projection `spent:<programme>`) moves. At or above the
 * platform's approval threshold publishing waits for a second person (maker/checker, as for
 * corrections). A published expenditure is final: it is taken back only by a reversing entry (kind
 * "expenditure_reversal", key `expenditure-reversal:<id>`), and both stay public. A programme never
 * spends more than it received: the check runs under the institution's ledger lock, with the entry.
 */

const oid = (id: string | Types.ObjectId) => new mongoose.Types.ObjectId(String(id));
export const expenditureKey = (id: Types.ObjectId | string) => `expenditure:${String(id)}`;
/** The `_id` an expenditure recorded from a form gets (its receipts are stored under it before it is written). */
export const expenditureIdFor = (clientToken: string) => objectIdFromName(`expenditure-form:${clientToken}`);
export const expenditureReversalKey = (id: Types.ObjectId | string) => `expenditure-reversal:${String(id)}`;

type ProgrammeForSpending = { _id: Types.ObjectId; institutionId: Types.ObjectId; provinceSlug: string; title: string; institutionName: string; slug: string; state: string; budgetLines: Array<{ code: string; label: string; amount: number }> };

async function programmeOf(programmeId: string): Promise<ProgrammeForSpending> {
  if (!mongoose.isValidObjectId(programmeId)) throw notFound();
  const programme = await Programme.findById(programmeId).select("institutionId provinceSlug title institutionName slug state budgetLines").lean<ProgrammeForSpending>();
  if (!programme) throw notFound();
  return programme;
}

/** Who may record, publish below the threshold, delete a draft and reverse: the institution's managers (and admins). */
async function managedProgramme(actor: SessionUser, programmeId: string) {
  const programme = await programmeOf(programmeId);
  if (!canManageProgrammes(actor, String(programme.institutionId))) throw forbidden();
  return programme;
}

/**
 * The money a programme has to spend: received (net of refunds and corrections) less spent. Both are
 * running totals read by `_id`.
 */
export async function balanceOf(programmeId: Types.ObjectId | string) {
  const [received, spent] = await Promise.all([receivedOfProgramme(programmeId), spentOfProgramme(programmeId)]);
  return { received: Math.max(0, received), spent, balance: Math.max(0, received) - spent };
}

export type BudgetLineSpending = { code: string; label: string; planned: number; spent: number };

/**
 * Spent against planned per budget line: the programme's published expenditures less those reversed.
 * Expenditures on a line since removed from the plan are listed too.
 */
function byBudgetLine(programme: Pick<ProgrammeForSpending, "budgetLines">, published: Array<Pick<ExpenditureDoc, "budgetLineCode" | "amount" | "reversedAt">>): BudgetLineSpending[] {
  const lines = new Map<string, BudgetLineSpending>(programme.budgetLines.map((line) => [line.code, { code: line.code, label: line.label, planned: line.amount, spent: 0 }]));
  for (const e of published) {
    if (e.reversedAt) continue;
    const line = lines.get(e.budgetLineCode) ?? { code: e.budgetLineCode, label: e.budgetLineCode, planned: 0, spent: 0 };
    line.spent += e.amount;
    lines.set(e.budgetLineCode, line);
  }
  return [...lines.values()];
}

export type ExpenditureRow = {
  id: string;
  budgetLineCode: string;
  budgetLineLabel: string;
  amount: number;
  spentAt: Date;
  payee: string;
  description: string;
  state: ExpenditureDoc["state"];
  receiptFileIds: string[];
  publishedAt: Date | null;
  reversedAt: Date | null;
  reversalReason: string | null;
  rejectionReason: string | null;
  recordedBy: string | null;
  submittedBy: string | null;
};

function rowOf(e: ExpenditureDoc, labels: Map<string, string>): ExpenditureRow {
  return {
    id: String(e._id),
    budgetLineCode: e.budgetLineCode,
    budgetLineLabel: labels.get(e.budgetLineCode) ?? e.budgetLineCode,
    amount: e.amount,
    spentAt: e.spentAt,
    payee: e.payee ?? "",
    description: e.description,
    state: e.state,
    receiptFileIds: (e.receiptFileIds ?? []).map(String),
    publishedAt: e.publishedAt ?? null,
    reversedAt: e.reversedAt ?? null,
    reversalReason: e.reversalReason ?? null,
    rejectionReason: e.rejectionReason ?? null,
    recordedBy: e.recordedBy ? String(e.recordedBy) : null,
    submittedBy: e.submittedBy ? String(e.submittedBy) : null,
  };
}

/**
 * A programme's expenditures, every state: the ids from its key document (`programme-expenditures:<id>`,
 * written before each expenditure, so none is ever missing from it), then each by `_id` — never a
 * filtered read of the collection, which the embedded database would answer by reading all of it.
 */
async function expendituresOf(programmeId: Types.ObjectId): Promise<ExpenditureDoc[]> {
  const ids = await findLookup("programme-expenditures", programmeId);
  const found = await Promise.all(ids.map((id) => Expenditure.findById(id).lean<ExpenditureDoc>()));
  return found.filter((e): e is ExpenditureDoc => e !== null && String(e.programmeId) === String(programmeId)).sort(newestFirst);
}

const newestFirst = (a: ExpenditureDoc, b: ExpenditureDoc) => b.spentAt.getTime() - a.spentAt.getTime() || String(b._id).localeCompare(String(a._id));

/**
 * What the managers and the officers who oversee the institution see: every expenditure in every
 * state, spent against planned, the balance, and what this viewer may do with each.
 */
export async function programmeSpending(actor: SessionUser, programmeId: string) {
  const programme = await programmeOf(programmeId);
  if (!canAccessInstitution(actor, { id: String(programme.institutionId), provinceSlug: programme.provinceSlug })) throw forbidden();
  const all = await expendituresOf(programme._id);
  const labels = new Map(programme.budgetLines.map((l) => [l.code, l.label]));
  const { correctionApprovalThreshold } = await getLimits();
  const canManage = canManageProgrammes(actor, String(programme.institutionId));
  const canCheck = canManage || canReviewInstitution(actor, { provinceSlug: programme.provinceSlug });
  return {
    programme: { id: String(programme._id), title: programme.title, institutionName: programme.institutionName, slug: programme.slug, state: programme.state },
    budgetLines: byBudgetLine(programme, all.filter((e) => e.state === "published")),
    ...(await balanceOf(programme._id)),
    threshold: correctionApprovalThreshold,
    canManage,
    expenditures: all.map((e) => ({
      ...rowOf(e, labels),
      // A second person approves: never the one who recorded or submitted it.
      canApprove: e.state === "awaiting_approval" && canCheck && String(e.recordedBy) !== actor.id && String(e.submittedBy) !== actor.id,
    })),
  };
}

/** The form's facts: the programme's budget lines and what it has to spend. */
export async function expenditureForm(actor: SessionUser, programmeId: string) {
  const programme = await managedProgramme(actor, programmeId);
  const { correctionApprovalThreshold } = await getLimits();
  return {
    programme: { id: String(programme._id), institutionId: String(programme.institutionId), title: programme.title, institutionName: programme.institutionName, state: programme.state },
    budgetLines: programme.budgetLines.map((l) => ({ code: l.code, label: l.label, amount: l.amount })),
    ...(await balanceOf(programme._id)),
    threshold: correctionApprovalThreshold,
  };
}

/**
 * Records a draft. The same form submitted twice (its client token) is one expenditure: the second
 * answer says so, and the receipts it carried are not kept.
 */
export async function recordExpenditure(actor: SessionUser, programmeId: string, input: ExpenditureInput, receiptFileIds: string[] = []) {
  const programme = await managedProgramme(actor, programmeId);
  if (programme.state === "draft") throw invalid({}, "expenditures.draftProgramme");
  if (!programme.budgetLines.some((l) => l.code === input.budgetLineCode)) throw invalid({ budgetLineCode: ["expenditures.validation.budgetLine"] }, "validation.fixErrors");
  const idempotencyKey = `expenditure-form:${input.clientToken}`;
  // Its `_id` follows from the form's token: the same form again is found by `_id`.
  const _id = expenditureIdFor(input.clientToken);
  await addToLookup("programme-expenditures", programme._id, _id);
  try {
    const created = await Expenditure.create({
      _id,
      programmeId: programme._id,
      institutionId: programme.institutionId,
      budgetLineCode: input.budgetLineCode,
      description: input.description,
      amount: input.amount,
      spentAt: input.spentAt,
      payee: input.payee,
      receiptFileIds: receiptFileIds.map(oid),
      state: "draft",
      idempotencyKey,
      recordedBy: oid(actor.id),
    });
    await recordAudit({ actor, action: "expenditure.record", subjectType: "Expenditure", subjectId: created._id, institutionId: programme.institutionId, provinceSlug: programme.provinceSlug, details: { amount: input.amount, budgetLineCode: input.budgetLineCode } });
    return { id: String(created._id), duplicate: false };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const already = await Expenditure.findById(_id).select("_id programmeId recordedBy").lean();
    if (!already || String(already.programmeId) !== String(programme._id) || String(already.recordedBy) !== actor.id) throw new ServiceError("conflict", "expenditures.tokenUsed");
    return { id: String(already._id), duplicate: true };
  }
}

/**
 * Books a published expenditure: its ledger entry, decided under the institution's lock — refused if the
 * programme would spend more than it received — then the expenditure marked published. Idempotent by the
 * entry's key: called again after a stop half-way, it only marks.
 */
async function book(expenditure: ExpenditureDoc, actor: SessionUser, approvedBy: string | null) {
  const entry = await appendLedgerEntry(
    {
      institutionId: expenditure.institutionId,
      programmeId: expenditure.programmeId,
      kind: "expenditure",
      amount: -expenditure.amount,
      occurredAt: expenditure.spentAt,
      idempotencyKey: expenditureKey(expenditure._id),
      sourceType: "expenditure",
      sourceId: expenditure._id,
      description: `${expenditure.budgetLineCode}: ${expenditure.description}`,
    },
    async () => {
      const { balance } = await balanceOf(expenditure.programmeId);
      if (expenditure.amount > balance) throw new ServiceError("conflict", "expenditures.overBalance");
      return -expenditure.amount;
    },
  );
  if (!entry) throw new Error(`expenditure ${String(expenditure._id)}: nothing booked`);
  await Expenditure.updateOne(
    { _id: expenditure._id, state: { $in: ["draft", "awaiting_approval"] } },
    { $set: { state: "published", publishedAt: new Date(), entryId: entry._id, ...(approvedBy ? { approvedBy: oid(approvedBy) } : {}) } },
  );
  return entry;
}

export type ExpenditureActionResult = { state: ExpenditureDoc["state"] | "deleted"; needsApproval: boolean };

/**
 * One step of an expenditure's life: publish (a manager; at or above the threshold it waits for a second
 * person), approve or reject (the second person: another manager of the institution, its province's
 * officer, a ministry officer or an admin — never who recorded or submitted it), delete a draft, reverse
 * a published one (a manager, with a reason). Each is audited.
 */
export async function actOnExpenditure(actor: SessionUser, programmeId: string, expenditureId: string, input: ExpenditureActionInput): Promise<ExpenditureActionResult> {
  const programme = await programmeOf(programmeId);
  if (!mongoose.isValidObjectId(expenditureId)) throw notFound();
  const expenditure = await Expenditure.findById(expenditureId).lean<ExpenditureDoc>();
  if (!expenditure || String(expenditure.programmeId) !== String(programme._id)) throw notFound();
  const institutionId = String(programme.institutionId);
  const isManager = canManageProgrammes(actor, institutionId);
  const audit = (action: string, details: Record<string, unknown> = {}) =>
    recordAudit({ actor, action: `expenditure.${action}`, subjectType: "Expenditure", subjectId: expenditure._id, institutionId: programme.institutionId, provinceSlug: programme.provinceSlug, details: { amount: expenditure.amount, ...details } });
  const { state } = expenditure;

  if (input.intent === "publish") {
    if (!isManager) throw forbidden();
    if (state === "published") return { state, needsApproval: false };
    if (state === "awaiting_approval") return { state, needsApproval: true };
    const { correctionApprovalThreshold } = await getLimits();
    if (expenditure.amount >= correctionApprovalThreshold) {
      await Expenditure.updateOne({ _id: expenditure._id, state: "draft" }, { $set: { state: "awaiting_approval", submittedBy: oid(actor.id), submittedAt: new Date(), rejectionReason: null } });
      await audit("submit", { threshold: correctionApprovalThreshold });
      return { state: "awaiting_approval", needsApproval: true };
    }
    await book(expenditure, actor, null);
    await audit("publish", { approval: "below_threshold" });
    return { state: "published", needsApproval: false };
  }

  if (input.intent === "approve" || input.intent === "reject") {
    const canCheck = isManager || canReviewInstitution(actor, { provinceSlug: programme.provinceSlug });
    if (!canCheck) throw forbidden();
    if (state === "published" && input.intent === "approve") return { state, needsApproval: false };
    if (state !== "awaiting_approval") throw new ServiceError("conflict", "expenditures.notAwaiting");
    if (String(expenditure.recordedBy) === actor.id || String(expenditure.submittedBy) === actor.id) throw new ServiceError("conflict", "expenditures.secondPerson");
    if (input.intent === "reject") {
      await Expenditure.updateOne({ _id: expenditure._id, state: "awaiting_approval" }, { $set: { state: "draft", submittedBy: null, submittedAt: null, rejectionReason: input.reason } });
      await audit("reject", { reason: input.reason });
      return { state: "draft", needsApproval: false };
    }
    await book(expenditure, actor, actor.id);
    await audit("approve");
    return { state: "published", needsApproval: false };
  }

  if (input.intent === "delete") {
    if (!isManager) throw forbidden();
    if (state === "published") throw new ServiceError("conflict", "expenditures.publishedIsFinal");
    const { deletedCount } = await Expenditure.deleteOne({ _id: expenditure._id, state: { $ne: "published" } });
    if (deletedCount) {
      await removeFromLookup("programme-expenditures", programme._id, expenditure._id);
      await discardUploads(expenditure.receiptFileIds.map(String));
    }
    await audit("delete");
    return { state: "deleted", needsApproval: false };
  }

  // reverse
  if (!isManager) throw forbidden();
  if (state !== "published" || !expenditure.entryId) throw new ServiceError("conflict", "expenditures.notPublished");
  const reversal = await appendLedgerEntry({
    institutionId: expenditure.institutionId,
    programmeId: expenditure.programmeId,
    kind: "expenditure_reversal",
    amount: expenditure.amount,
    occurredAt: new Date(),
    idempotencyKey: expenditureReversalKey(expenditure._id),
    sourceType: "expenditure",
    sourceId: expenditure._id,
    reversesEntryId: expenditure.entryId,
    description: input.reason,
  });
  const { modifiedCount } = await Expenditure.updateOne(
    { _id: expenditure._id, reversedAt: null },
    { $set: { reversedAt: reversal.occurredAt, reversedBy: oid(actor.id), reversalReason: reversal.description, reversalEntryId: reversal._id } },
  );
  if (modifiedCount) await audit("reverse", { reason: input.reason });
  return { state: "published", needsApproval: false };
}

export type PublicExpenditure = { id: string; budgetLineLabel: string; amount: number; spentAt: Date; payee: string; description: string; receiptFileIds: string[]; reversedAt: Date | null; reversalReason: string | null };

/**
 * What everyone sees of a programme's money out: spent (the running total), spent against planned per
 * budget line, and every published expenditure with its receipts — a reversed one stays listed, marked.
 * `programme`: as the programme's page already read it (its id and budget lines).
 */
export async function publicSpending(programme: { id: string; budgetLines: Array<{ code: string; label: string; amount: number }> }) {
  const id = oid(programme.id);
  // Three reads by `_id`, side by side: the spent total, the list of expenditures, then each of them.
  const [spent, all] = await Promise.all([spentOfProgramme(id), expendituresOf(id)]);
  const published = all.filter((e) => e.state === "published");
  const labels = new Map(programme.budgetLines.map((l) => [l.code, l.label]));
  return {
    spent,
    budgetLines: byBudgetLine(programme, published),
    expenditures: published.map((e): PublicExpenditure => {
      const row = rowOf(e, labels);
      return { id: row.id, budgetLineLabel: row.budgetLineLabel, amount: row.amount, spentAt: row.spentAt, payee: row.payee, description: row.description, receiptFileIds: row.receiptFileIds, reversedAt: row.reversedAt, reversalReason: row.reversalReason };
    }),
  };
}

/** Whether a stored receipt belongs to a published expenditure (then it is public, as the expenditure is). */
export async function isPublishedReceipt(expenditureId: string | null | undefined, fileId: string): Promise<boolean> {
  if (!expenditureId || !mongoose.isValidObjectId(expenditureId)) return false;
  const expenditure = await Expenditure.findById(expenditureId).select("state receiptFileIds").lean();
  return Boolean(expenditure && expenditure.state === "published" && expenditure.receiptFileIds.some((id) => String(id) === fileId));
}

/**
 * The sweeper's part (decision 0036): an expenditure whose entry is in the ledger but which a stopped
 * process never marked published (or reversed) is marked from the entry. Idempotent: conditional writes.
 */
export async function markExpendituresFromLedger(entries: Array<{ _id: Types.ObjectId; kind: string; sourceType: string; sourceId?: Types.ObjectId | null; occurredAt: Date; description?: string | null }>): Promise<number> {
  let marked = 0;
  for (const entry of entries) {
    if (entry.sourceType !== "expenditure" || !entry.sourceId) continue;
    const { modifiedCount } =
      entry.kind === "expenditure"
        ? await Expenditure.updateOne({ _id: entry.sourceId, state: { $ne: "published" } }, { $set: { state: "published", publishedAt: entry.occurredAt, entryId: entry._id } })
        : await Expenditure.updateOne({ _id: entry.sourceId, reversedAt: null }, { $set: { reversedAt: entry.occurredAt, reversalReason: entry.description ?? "", reversalEntryId: entry._id } });
    marked += modifiedCount;
  }
  return marked;
}
