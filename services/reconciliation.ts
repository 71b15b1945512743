import { createHash } from "node:crypto";
import { sendThankYouLetters } from "./thank-you";
import { CsvError, parse } from "csv-parse/sync";
import mongoose, { type Types } from "mongoose";
import { recordAudit } from "#models/audit-event.server";
import { BankStatementLine, type BankLineStatus, type QueueReason } from "#models/bank-statement-line.server";
import { Donation, donationIdFor, findDonationByIdempotencyKey, findGiftsOfPledge } from "#models/donation.server";
import { Donor, donorName } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { findPledgeByReference, findPledgesByReferences, Pledge, PLEDGE_REFERENCE_SHAPE, type PledgeDoc } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { canManageProgrammes } from "./access";
import { vietnamDayNumber, vietnamTime } from "./calendar";
import { recordDonation } from "./money/donations";
import { forbidden, invalid, notFound, ServiceError } from "./errors";
import { toSearchText } from "./text";
import { paidOfPledge } from "./money/projections";
import { isDuplicateKeyError } from "#models/duplicate-key";
import { allocateToInstalments } from "./money/allocation";

/**
 * Bank statement reconciliation (PRODUCT.md J2). A manager uploads the bank's CSV export; its credit
 * lines are matched to this institution's pledges by the reference code donors put in the transfer
 * description (VietQR tag 62-08, domain.md §7) and by amount, previewed, then confirmed. Each line is
 * stored once under a content hash (lineKey) and its money recorded through recordDonation with the
 * idempotency key `bank:<lineKey>`, so importing the same statement again adds nothing. Lines without
 * a reference of this institution wait in a queue for a person to assign or ignore.
 */

export const MAX_STATEMENT_BYTES = 5 * 1024 * 1024;
/** Credit lines in one upload (a busy institution's month is a few hundred). */
export const MAX_STATEMENT_LINES = 5000;
/** Bank exports start with a few lines about the account before the table's header. */
const HEADER_SEARCH_ROWS = 30;
const MAX_PROBLEMS_SHOWN = 20;

export const STATEMENT_LAYOUTS = ["vietcombank", "custom"] as const;
export type StatementLayout = (typeof STATEMENT_LAYOUTS)[number];
export const COLUMN_ROLES = ["date", "credit", "debit", "description", "reference"] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];
const REQUIRED_ROLES = ["date", "credit", "description"] as const;

/** Columns by their 0-based position in the header row (header names may repeat or be blank). */
export type ColumnMapping =
  | { layout: "vietcombank" }
  | { layout: "custom"; date: number; credit: number; description: number; debit?: number | null; reference?: number | null };

/**
 * Vietcombank's account statement export (“Sao kê tài khoản”, VCB Digibank / iBanking): Ngày giao dịch ·
 * Số tham chiếu · Số tiền ghi nợ · Số tiền ghi có · Mô tả, in Vietnamese or in its English version. The
 * names are compared without diacritics, case or punctuation; the first alias found wins.
 */
const VIETCOMBANK_HEADERS: Record<ColumnRole, string[]> = {
  date: ["ngay giao dich", "ngay gd", "ngay", "transaction date", "date"],
  reference: ["so tham chieu", "so but toan", "so ct", "so chung tu", "ma giao dich", "reference no", "reference number", "ref no", "reference"],
  debit: ["so tien ghi no", "ghi no", "phat sinh no", "debit", "debit amount", "withdrawal"],
  credit: ["so tien ghi co", "ghi co", "phat sinh co", "credit", "credit amount", "deposit"],
  description: ["mo ta", "noi dung", "noi dung giao dich", "dien giai", "chi tiet giao dich", "description", "transaction details", "details"],
};
const KNOWN_HEADERS = new Set(Object.values(VIETCOMBANK_HEADERS).flat());

export type StatementProblem = { line: number; problem: "date" | "amount"; value: string };

/**
 * A statement that cannot be read as asked. Carries what the page needs to say exactly why: rows that
 * did not parse, and the file's header names when the file itself was readable (to choose columns again).
 */
export class StatementError extends ServiceError {
  readonly problems: StatementProblem[];
  readonly problemCount: number;
  readonly headers: string[] | null;
  readonly params: Record<string, string | number>;
  constructor(message: string, details: { problems?: StatementProblem[]; problemCount?: number; headers?: string[] | null; fieldErrors?: Record<string, string[]>; params?: Record<string, string | number> } = {}) {
    super("invalid", message, details.fieldErrors ?? {});
    this.name = "StatementError";
    this.problems = details.problems ?? [];
    this.problemCount = details.problemCount ?? this.problems.length;
    this.headers = details.headers ?? null;
    this.params = details.params ?? {};
  }
}

// ───────────────────────────── reading the file ─────────────────────────────

/** The file's bytes as text: UTF-8 (with or without BOM) or UTF-16 with a BOM (Excel's “Unicode text”). */
export function decodeStatementFile(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new StatementError("reconcile.errors.empty");
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new StatementError("reconcile.errors.encoding");
    }
  }
  if (text.includes("\u0000")) throw new StatementError("reconcile.errors.notCsv");
  return text;
}

type Row = { line: number; cells: string[] };

const normaliseHeader = (text: string) => toSearchText(text).replace(/[^a-z0-9]+/g, " ").trim();

function parseRows(text: string, delimiter: string, toLine?: number): Row[] {
  const records = parse(text, {
    delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    trim: true,
    max_record_size: 100_000,
    ...(toLine ? { to_line: toLine } : {}),
  }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  return records.map(({ record, info }) => ({ line: info.lines, cells: record }));
}

/**
 * Comma, semicolon (Excel in a Vietnamese locale) or tab: the one under which most rows of the first
 * lines have the same number (≥ 2) of cells.
 */
function detectDelimiter(text: string): string {
  // A delimiter under which no row has two cells is no delimiter: then "," and its real parse error.
  let best = { delimiter: ",", score: 0 };
  for (const delimiter of [",", ";", "\t"]) {
    let rows: Row[];
    try {
      rows = parseRows(text, delimiter, 60);
    } catch {
      continue;
    }
    const counts = new Map<number, number>();
    for (const row of rows) if (row.cells.length >= 2) counts.set(row.cells.length, (counts.get(row.cells.length) ?? 0) + 1);
    let score = 0;
    for (const [width, frequency] of counts) score = Math.max(score, frequency * 1000 + width);
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

function readTable(csvText: string): Row[] {
  const text = csvText.replace(/^\uFEFF/, "");
  if (!text.trim()) throw new StatementError("reconcile.errors.empty");
  if (text.includes("\u0000")) throw new StatementError("reconcile.errors.notCsv");
  try {
    return parseRows(text, detectDelimiter(text));
  } catch (error) {
    if (error instanceof CsvError) throw new StatementError("reconcile.errors.csvUnreadable", { params: { line: Number(error.lines ?? 0) || "?" } });
    throw error;
  }
}

const nonEmpty = (row: Row) => row.cells.filter((cell) => cell.trim() !== "").length;

/**
 * The header row: the first of the opening rows naming at least two known bank columns; failing that,
 * the first row with the most filled cells (the account details above a table fill one or two).
 */
function findHeaderRow(rows: Row[]): number {
  const head = rows.slice(0, HEADER_SEARCH_ROWS);
  const known = head.findIndex((row) => row.cells.filter((cell) => KNOWN_HEADERS.has(normaliseHeader(cell))).length >= 2);
  if (known >= 0) return known;
  const widest = Math.max(0, ...head.map(nonEmpty));
  if (widest < 2) throw new StatementError("reconcile.errors.noTable");
  return head.findIndex((row) => nonEmpty(row) === widest);
}

function presetColumns(headers: string[], preset: Record<ColumnRole, string[]>): Partial<Record<ColumnRole, number>> {
  const names = headers.map(normaliseHeader);
  const found: Partial<Record<ColumnRole, number>> = {};
  for (const role of COLUMN_ROLES) {
    for (const alias of preset[role]) {
      const index = names.indexOf(alias);
      if (index >= 0 && !Object.values(found).includes(index)) {
        found[role] = index;
        break;
      }
    }
  }
  return found;
}

/** The header names of a statement (for choosing columns) and a guess at which is which. */
export function statementHeaders(csvText: string): { headers: string[]; suggested: Partial<Record<ColumnRole, number>> } {
  const rows = readTable(csvText);
  const header = rows[findHeaderRow(rows)]!;
  const headers = header.cells.map((cell) => cell.trim());
  return { headers, suggested: presetColumns(headers, VIETCOMBANK_HEADERS) };
}

/**
 * A bank's amount as whole đồng: "1.000.000", "1,000,000", "1000000", "+1.000.000", "1.000.000 VND",
 * "1,000,000.00". Empty → null. A non-zero fraction (VND has no minor unit) or anything else → NaN.
 */
export function parseBankAmount(text: string): number | null {
  let s = text.replace(/[\s\u00a0]/g, "").replace(/(VND|VNĐ|đ|₫)$/iu, "");
  if (s === "" || s === "-") return null;
  let sign = 1;
  if (/^\(.*\)$/.test(s)) {
    sign = -1;
    s = s.slice(1, -1);
  }
  if (s.startsWith("+")) s = s.slice(1);
  else if (s.startsWith("-")) {
    sign = -sign;
    s = s.slice(1);
  }
  let digits: string | null = null;
  if (/^\d+$/.test(s)) digits = s;
  else if (/^\d{1,3}(\.\d{3})+$/.test(s)) digits = s.replace(/\./g, "");
  else if (/^\d{1,3}(,\d{3})+$/.test(s)) digits = s.replace(/,/g, "");
  else if (/^(\d+|\d{1,3}(,\d{3})+)\.0{1,2}$/.test(s)) digits = s.replace(/,/g, "").replace(/\.0+$/, "");
  else if (/^(\d+|\d{1,3}(\.\d{3})+),0{1,2}$/.test(s)) digits = s.replace(/\./g, "").replace(/,0+$/, "");
  if (digits === null) return Number.NaN;
  const value = sign * Number(digits);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/**
 * A bank's booking date, "dd/mm/yyyy" with an optional "HH:mm[:ss]" (also with "-" or "." between the
 * parts, or ISO "yyyy-mm-dd"), read as Vietnam's time. Anything else, or a day that does not exist → null.
 */
export function parseBankDate(text: string): Date | null {
  const s = text.trim();
  let parts: number[] | null = null;
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (m) parts = [Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  else if ((m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s))) {
    parts = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  }
  if (!parts) return null;
  const [year, month, day, hour, minute, second] = parts as [number, number, number, number, number, number];
  if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null; // 31/02
  return vietnamTime(year, month, day, hour, minute, second);
}

/**
 * A line booked after `now`'s calendar day in Asia/Ho_Chi_Minh is dated in the future: a bank does not
 * book tomorrow's transfers, so the date (or the file) is wrong, and the money is not recorded by itself —
 * as the offline gift form refuses a date after today.
 */
export function isDatedInFuture(bookedAt: Date, now: Date = new Date()): boolean {
  return vietnamDayNumber(bookedAt) > vietnamDayNumber(now);
}

export type StatementLine = { fileLine: number; bookedAt: Date; amount: number; description: string; bankRef: string | null };
export type ParsedStatement = {
  headers: string[];
  columns: { date: number; credit: number; description: number; debit: number | null; reference: number | null };
  lines: StatementLine[];
  skipped: { debit: number; other: number };
};

function resolveColumns(headers: string[], mapping: ColumnMapping): ParsedStatement["columns"] {
  if (mapping.layout === "vietcombank") {
    const found = presetColumns(headers, VIETCOMBANK_HEADERS);
    if (REQUIRED_ROLES.some((role) => found[role] === undefined)) throw new StatementError("reconcile.errors.presetNotFound", { headers });
    return { date: found.date!, credit: found.credit!, description: found.description!, debit: found.debit ?? null, reference: found.reference ?? null };
  }
  const fieldErrors: Record<string, string[]> = {};
  const chosen = { date: mapping.date, credit: mapping.credit, description: mapping.description, debit: mapping.debit ?? null, reference: mapping.reference ?? null };
  const seen = new Map<number, ColumnRole>();
  for (const role of COLUMN_ROLES) {
    const index = chosen[role];
    if (index === null) {
      if ((REQUIRED_ROLES as readonly string[]).includes(role)) fieldErrors[`${role}Column`] = ["reconcile.validation.chooseColumn"];
      continue;
    }
    if (!Number.isInteger(index) || index < 0 || index >= headers.length) fieldErrors[`${role}Column`] = ["validation.invalidChoice"];
    else if (seen.has(index)) fieldErrors[`${role}Column`] = ["reconcile.validation.sameColumn"];
    else seen.set(index, role);
  }
  if (Object.keys(fieldErrors).length > 0) throw new StatementError("reconcile.errors.mapping", { headers, fieldErrors });
  return chosen;
}

const normaliseDescription = (text: string) => text.normalize("NFC").replace(/\s+/g, " ").trim().slice(0, 1000);

/** Reads a statement's credit lines with a layout or a column mapping. Throws StatementError; never writes. */
export function parseStatement(csvText: string, mapping: ColumnMapping): ParsedStatement {
  const rows = readTable(csvText);
  const headerIndex = findHeaderRow(rows);
  const headers = rows[headerIndex]!.cells.map((cell) => cell.trim());
  const columns = resolveColumns(headers, mapping);
  const lines: StatementLine[] = [];
  const problems: StatementProblem[] = [];
  const skipped = { debit: 0, other: 0 };
  const cell = (row: Row, index: number | null) => (index === null ? "" : (row.cells[index] ?? "").trim());
  for (const row of rows.slice(headerIndex + 1)) {
    const dateText = cell(row, columns.date);
    // Totals, opening and closing balances, notes: rows without a date are not transactions.
    if (!/\d/.test(dateText)) {
      skipped.other += 1;
      continue;
    }
    const bookedAt = parseBankDate(dateText);
    if (!bookedAt) {
      problems.push({ line: row.line, problem: "date", value: dateText.slice(0, 40) });
      continue;
    }
    const creditText = cell(row, columns.credit);
    const debitText = cell(row, columns.debit);
    const credit = parseBankAmount(creditText);
    const debit = parseBankAmount(debitText);
    if (Number.isNaN(credit)) problems.push({ line: row.line, problem: "amount", value: creditText.slice(0, 40) });
    else if (Number.isNaN(debit)) problems.push({ line: row.line, problem: "amount", value: debitText.slice(0, 40) });
    if (Number.isNaN(credit) || Number.isNaN(debit)) continue;
    if (credit === null || credit <= 0) {
      if ((debit ?? 0) !== 0 || (credit ?? 0) < 0) skipped.debit += 1; // money out: not reconciled here
      else skipped.other += 1;
      continue;
    }
    const bankRef = cell(row, columns.reference).slice(0, 100) || null;
    lines.push({ fileLine: row.line, bookedAt, amount: credit, description: normaliseDescription(cell(row, columns.description)), bankRef });
  }
  if (problems.length > 0) {
    throw new StatementError("reconcile.errors.rowsUnreadable", { headers, problems: problems.slice(0, MAX_PROBLEMS_SHOWN), problemCount: problems.length, params: { count: problems.length } });
  }
  if (lines.length === 0) throw new StatementError("reconcile.errors.noCreditLines", { headers });
  if (lines.length > MAX_STATEMENT_LINES) throw new StatementError("reconcile.errors.tooManyLines", { params: { max: MAX_STATEMENT_LINES } });
  return { headers, columns, lines, skipped };
}

/**
 * The line's identity: institution, booking time, amount, description and the bank's reference, plus
 * its occurrence among identical lines of the same file (two equal gifts on one day with one wording
 * are two lines; the same file, or an overlapping one, gives them the same two keys again).
 */
export function lineKeysFor(institutionId: string, lines: StatementLine[]): string[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const base = JSON.stringify([institutionId, line.bookedAt.toISOString(), line.amount, line.description.toUpperCase(), (line.bankRef ?? "").toUpperCase()]);
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    return createHash("sha256").update(`${base}#${occurrence}`).digest("hex");
  });
}

// ───────────────────────────── matching ─────────────────────────────

const CANDIDATE_REFERENCE = /(?=(GS[0-9A-Z]{8}))/g;

/** Crockford base32 as people type it: O → 0, I and L → 1 (newPledgeReference never uses O, I, L, U). */
function normaliseReference(text: string): string {
  const compact = text.toUpperCase().replace(/[^0-9A-Z]/g, "");
  return compact.startsWith("GS") ? `GS${compact.slice(2).replace(/O/g, "0").replace(/[IL]/g, "1")}` : compact;
}

/**
 * Pledge references that may be in a transfer description, case-insensitively: as written, and with
 * spaces and punctuation removed (bank apps strip spaces, add prefixes such as "MBVCB.123.GS…").
 * Candidates only: they count once they are found among the institution's pledges.
 */
export function referencesIn(description: string): string[] {
  const upper = toSearchText(description).toUpperCase();
  const found = new Set<string>();
  for (const text of [upper, upper.replace(/[^0-9A-Z]/g, "")]) {
    for (const match of text.matchAll(CANDIDATE_REFERENCE)) found.add(normaliseReference(match[1]!));
  }
  return [...found];
}

type PledgeForMatch = Pick<PledgeDoc, "_id" | "reference" | "programmeId" | "donorId" | "institutionId" | "kind" | "amount" | "instalments" | "state">;

/**
 * What the pledge expects next, given what the ledger says was paid: the unpaid part of the next
 * instalment (allocated in order: services/money/allocation.ts), or what is
 * still outstanding for a one-off pledge. 0 when nothing is due.
 */
export function nextDueAmount(pledge: { kind: string; amount: number; instalments: ReadonlyArray<{ amount: number }> }, paid: number): number {
  if (pledge.kind === "cash_instalments" && pledge.instalments.length > 0) {
    const open = allocateToInstalments(pledge.instalments, paid).find((share) => share.paid < share.instalment.amount);
    return open ? open.instalment.amount - open.paid : 0;
  }
  return Math.max(0, pledge.amount - Math.max(0, paid));
}

export type MatchStatus = "matched" | "amount_differs" | "unmatched";
/**
 * already_recorded: the line is a transfer a manager already recorded by hand (same pledge, same amount,
 * within TRANSFER_MATCH_DAYS): importing it links the two, and books nothing again.
 */
export type PreviewStatus = MatchStatus | "already_imported" | "already_recorded";

/** How far apart a hand-recorded transfer's date and its statement line's booking date may be (weekends, holidays, Tết). */
export const TRANSFER_MATCH_DAYS = 7;

export type PreviewLine = {
  fileLine: number;
  lineKey: string;
  bookedAt: Date;
  amount: number;
  description: string;
  bankRef: string | null;
  /** What the page shows: the match, or "already_imported" (never recorded again). */
  status: PreviewStatus;
  match: MatchStatus;
  /** For an already imported line: what became of it. */
  importedStatus: BankLineStatus | null;
  /** More than one of this institution's references in one description: a person decides. */
  ambiguous: boolean;
  /** Why a line naming a pledge waits for a person anyway (a future date); null otherwise. */
  queueReason: QueueReason | null;
  /**
   * How much more than the pledge still owes this line would pay (0 when it fits): recorded only when
   * the manager confirms the over-payment. `outstanding` is what the pledge still owed before the line.
   */
  overpayment: number;
  pledge: { id: string; reference: string; expected: number; outstanding: number; donorName: string | null; programmeTitle: string } | null;
  /** For an already_recorded line: the hand-recorded gift it is (its receipt number and date). */
  recordedGift: { id: string; receiptNumber: string; receivedAt: Date } | null;
};

export type StatementPreview = {
  layout: StatementLayout;
  headers: string[];
  lines: PreviewLine[];
  skipped: ParsedStatement["skipped"];
  summary: {
    total: number;
    matched: number;
    amountDiffers: number;
    unmatched: number;
    alreadyImported: number;
    /** New lines that are transfers already recorded by hand (linked on import, not booked again). */
    alreadyRecorded: number;
    newAmount: number;
    recordableAmount: number;
    /** New lines that would pay more than their pledge owes, and by how much in all. */
    overpayments: number;
    overpaymentAmount: number;
    /** New lines dated after today, which wait in the queue. */
    future: number;
  };
};

async function managedInstitution(actor: SessionUser, institutionId: string) {
  if (!mongoose.isValidObjectId(institutionId)) throw notFound();
  const institution = await Institution.findById(institutionId).select("name provinceSlug").lean();
  if (!institution) throw notFound();
  if (!canManageProgrammes(actor, String(institution._id))) throw forbidden();
  return institution;
}

/** The institution whose statements the actor may reconcile (its managers, admins), or ServiceError. */
export async function reconciliationAccess(actor: SessionUser, institutionId: string) {
  const institution = await managedInstitution(actor, institutionId);
  return { id: String(institution._id), name: institution.name };
}

/** What the books say was paid on each pledge: its running total, read by `_id` (services/money/projections.ts). */
async function paidByPledge(pledgeIds: Types.ObjectId[]): Promise<Map<string, number>> {
  const paid = await Promise.all(pledgeIds.map((id) => paidOfPledge(id)));
  return new Map(pledgeIds.map((id, i) => [String(id), paid[i]!]));
}

/**
 * What became of the statement's lines already imported: one read per import of the institution's
 * stored lines (their keys and statuses), whatever the statement's length. A line key covers its
 * institution, so another institution's lines never share one. MongoDB serves it from the index
 * institutionId_1_status_1_bookedAt_-1; the embedded database reads the collection once.
 */
async function importedStatuses(institutionId: Types.ObjectId, keys: string[]): Promise<{ statuses: Map<string, BankLineStatus>; linkedGifts: Set<string> }> {
  const wanted = new Set(keys);
  const statuses = new Map<string, BankLineStatus>();
  // The gifts stored lines already stand for: a hand-recorded transfer is linked to one line only.
  const linkedGifts = new Set<string>();
  const rows = await BankStatementLine.find({ institutionId }).select("lineKey status donationId").lean();
  for (const row of rows) {
    if (wanted.has(row.lineKey)) statuses.set(row.lineKey, row.status);
    if (row.donationId) linkedGifts.add(String(row.donationId));
  }
  return { statuses, linkedGifts };
}

type HandRecordedTransfer = { id: string; receiptNumber: string; amount: number; receivedAt: Date };

/**
 * The transfers managers recorded by hand on these pledges (the gift form's "bank transfer"), not yet
 * linked to a statement line: the gifts, by `_id`, of the pledges on which something was paid (a pledge
 * with nothing paid has no gift to look at — most of a statement's pledges).
 */
async function handRecordedTransfers(pledgeIds: Types.ObjectId[], paid: Map<string, number>, linked: Set<string>): Promise<Map<string, HandRecordedTransfer[]>> {
  const byPledge = new Map<string, HandRecordedTransfer[]>();
  const withGifts = pledgeIds.filter((id) => (paid.get(String(id)) ?? 0) !== 0);
  const giftsOf = new Map<string, Awaited<ReturnType<typeof findGiftsOfPledge>>>();
  for (let i = 0; i < withGifts.length; i += 32) {
    const batch = withGifts.slice(i, i + 32);
    (await Promise.all(batch.map((id) => findGiftsOfPledge(id)))).forEach((gifts, j) => giftsOf.set(String(batch[j]), gifts));
  }
  for (const [pledgeId, gifts] of giftsOf) {
    const transfers = gifts
      .filter((gift) => gift.method === "bank_transfer" && !gift.idempotencyKey.startsWith("bank:") && !linked.has(String(gift._id)))
      .map((gift) => ({ id: String(gift._id), receiptNumber: gift.receiptNumber, amount: gift.amount, receivedAt: gift.receivedAt }));
    if (transfers.length) byPledge.set(pledgeId, transfers);
  }
  return byPledge;
}

/** Documents by `_id`, each read by key (a few per statement; `$in` reads the whole collection on the embedded database). */
async function byIds<T extends { _id: unknown }>(ids: Types.ObjectId[], read: (id: string) => Promise<T | null>): Promise<T[]> {
  const unique = [...new Set(ids.map(String))];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += 32) {
    for (const doc of await Promise.all(unique.slice(i, i + 32).map(read))) if (doc) out.push(doc);
  }
  return out;
}

/** Parses, keys and classifies a statement against the institution's pledges. Reads only. */
async function analyse(institutionId: Types.ObjectId, csvText: string, mapping: ColumnMapping, now: Date) {
  const parsed = parseStatement(csvText, mapping);
  const keys = lineKeysFor(String(institutionId), parsed.lines);
  const candidates = parsed.lines.map((line) => referencesIn(line.description));
  const allCandidates = [...new Set(candidates.flat())];
  // Each candidate through its reference key; at most one query on reference per import for those without one.
  const pledges: PledgeForMatch[] = [...(await findPledgesByReferences(allCandidates)).values()].filter(
    (pledge) => String(pledge.institutionId) === String(institutionId) && pledge.state !== "cancelled",
  );
  const byReference = new Map(pledges.map((pledge) => [pledge.reference, pledge]));
  const [{ statuses: imported, linkedGifts }, paid, donors, programmes] = await Promise.all([
    importedStatuses(institutionId, keys),
    paidByPledge(pledges.map((pledge) => pledge._id)),
    byIds(pledges.map((p) => p.donorId), (id) => Donor.findById(id).select("kind legalName fullName").lean()),
    byIds(pledges.map((p) => p.programmeId), (id) => Programme.findById(id).select("title").lean()),
  ]);
  const handRecorded = await handRecordedTransfers(pledges.map((pledge) => pledge._id), paid, linkedGifts);
  const donorNames = new Map(donors.map((donor) => [String(donor._id), donorName(donor)]));
  const programmeTitles = new Map(programmes.map((programme) => [String(programme._id), programme.title]));

  const lines: PreviewLine[] = parsed.lines.map((line, i) => ({
    ...line,
    lineKey: keys[i]!,
    status: "unmatched",
    match: "unmatched",
    importedStatus: imported.get(keys[i]!) ?? null,
    ambiguous: false,
    queueReason: null,
    overpayment: 0,
    pledge: null,
    recordedGift: null,
  }));
  // Lines in booking order, so two instalments paid in one statement each meet the amount then due.
  const order = lines.map((_, i) => i).sort((a, b) => lines[a]!.bookedAt.getTime() - lines[b]!.bookedAt.getTime() || a - b);
  const paidSoFar = new Map(paid);
  for (const i of order) {
    const line = lines[i]!;
    const found = new Map<string, PledgeForMatch>();
    for (const reference of candidates[i]!) {
      const pledge = byReference.get(reference);
      if (pledge) found.set(String(pledge._id), pledge);
    }
    if (found.size > 1) line.ambiguous = true;
    const pledge = found.size === 1 ? [...found.values()][0]! : null;
    if (isDatedInFuture(line.bookedAt, now)) line.queueReason = "future_date";
    if (pledge) {
      const id = String(pledge._id);
      const expected = nextDueAmount(pledge, paidSoFar.get(id) ?? 0);
      const outstanding = Math.max(0, pledge.amount - Math.max(0, paidSoFar.get(id) ?? 0));
      line.pledge = { id, reference: pledge.reference, expected, outstanding, donorName: donorNames.get(String(pledge.donorId)) ?? null, programmeTitle: programmeTitles.get(String(pledge.programmeId)) ?? "" };
      // A transfer a manager already recorded by hand (same pledge and amount, a few days apart): this line
      // is that transfer arriving — it is linked to the gift, not booked again. Each gift, to one line.
      const window = TRANSFER_MATCH_DAYS * 24 * 3600 * 1000;
      const same = line.importedStatus ? undefined : (handRecorded.get(id) ?? []).find((gift) => gift.amount === line.amount && Math.abs(gift.receivedAt.getTime() - line.bookedAt.getTime()) <= window);
      if (same) {
        handRecorded.set(id, handRecorded.get(id)!.filter((gift) => gift !== same));
        line.recordedGift = { id: same.id, receiptNumber: same.receiptNumber, receivedAt: same.receivedAt };
        line.status = "already_recorded";
        continue;
      }
      // A line dated in the future keeps its pledge as a suggestion only: a person decides once its day has come.
      if (!line.queueReason) {
        line.match = expected > 0 && line.amount === expected ? "matched" : "amount_differs";
        // An already imported line's money is in the ledger already (paid above): it over-pays nothing now.
        line.overpayment = line.importedStatus ? 0 : Math.max(0, line.amount - outstanding);
        if (line.match === "matched" && !line.importedStatus) paidSoFar.set(id, (paidSoFar.get(id) ?? 0) + line.amount);
      }
    }
    line.status = line.importedStatus ? "already_imported" : line.match;
  }
  return { parsed, lines, order, paid, pledges: new Map(pledges.map((pledge) => [String(pledge._id), pledge])) };
}

function summarise(lines: PreviewLine[]): StatementPreview["summary"] {
  const count = (status: PreviewStatus) => lines.filter((line) => line.status === status).length;
  const fresh = lines.filter((line) => !line.importedStatus);
  return {
    total: lines.length,
    matched: count("matched"),
    amountDiffers: count("amount_differs"),
    unmatched: count("unmatched"),
    alreadyImported: count("already_imported"),
    alreadyRecorded: count("already_recorded"),
    newAmount: fresh.filter((line) => !line.recordedGift).reduce((sum, line) => sum + line.amount, 0),
    recordableAmount: fresh.filter((line) => !line.recordedGift && line.match === "matched" && line.overpayment === 0).reduce((sum, line) => sum + line.amount, 0),
    overpayments: fresh.filter((line) => line.overpayment > 0).length,
    overpaymentAmount: fresh.reduce((sum, line) => sum + line.overpayment, 0),
    future: fresh.filter((line) => line.queueReason === "future_date").length,
  };
}

// ───────────────────────────── the service ─────────────────────────────

/** What the statement would do, line by line. Writes nothing. */
export async function previewStatement(actor: SessionUser, institutionId: string, csvText: string, mapping: ColumnMapping, now: Date = new Date()): Promise<StatementPreview> {
  const institution = await managedInstitution(actor, institutionId);
  const { parsed, lines } = await analyse(institution._id, csvText, mapping, now);
  return { layout: mapping.layout, headers: parsed.headers, lines, skipped: parsed.skipped, summary: summarise(lines) };
}

export type ConfirmResult = {
  importId: string;
  total: number;
  recorded: number;
  recordedAmount: number;
  queued: number;
  alreadyImported: number;
  /** Lines linked to transfers already recorded by hand (nothing booked for them). */
  linked: number;
  /** Of the recorded lines, those that paid more than their pledge owed (confirmed by the manager). */
  overpaid: number;
  /** Of the queued lines, those dated in the future. */
  future: number;
};


/**
 * Imports the statement: every new credit line is stored once; matched lines (and lines whose amount
 * differs, when the manager accepts them as partial payments) are recorded as bank-transfer donations;
 * the rest wait in the queue. A line dated in the future always waits; a line that would pay more than
 * its pledge still owes is recorded only when the manager confirmed over-payments (the preview showed
 * each one), else it waits with that reason. Already imported lines are skipped. The donation is
 * recorded after its line is stored (the sweeper books a matched line whose gift is missing), and both are idempotent, so a retry after a crash completes the import.
 */
export async function confirmStatement(
  actor: SessionUser,
  institutionId: string,
  csvText: string,
  mapping: ColumnMapping,
  /** acceptAmountDiffers: the keys of the lines whose amount differs that the manager accepted as part payments (chosen line by line). */
  options: { acceptAmountDiffers: readonly string[]; confirmOverpayments?: boolean; fileName?: string | null; now?: Date },
): Promise<ConfirmResult> {
  const institution = await managedInstitution(actor, institutionId);
  const { lines, order, paid, pledges } = await analyse(institution._id, csvText, mapping, options.now ?? new Date());
  const importId = new mongoose.Types.ObjectId();
  const result: ConfirmResult = { importId: String(importId), total: lines.length, recorded: 0, recordedAmount: 0, queued: 0, alreadyImported: 0, linked: 0, overpaid: 0, future: 0 };
  /** The gifts this import booked: their thank-you letters go out after it, one after the other. */
  const thanked: string[] = [];
  const accepted = new Set(options.acceptAmountDiffers);
  // What each pledge has been paid so far, the ledger's figure plus the lines recorded here in booking order.
  const paidNow = new Map(paid);
  for (const i of order) {
    const line = lines[i]!;
    if (line.importedStatus) {
      result.alreadyImported += 1;
      continue;
    }
    const pledge = line.pledge ? pledges.get(line.pledge.id) : undefined;
    if (pledge && line.recordedGift) {
      // The transfer is on the books already (recorded by hand): the line is stored as standing for that gift.
      try {
        await BankStatementLine.create({ institutionId: institution._id, lineKey: line.lineKey, importId, fileLine: line.fileLine, bookedAt: line.bookedAt, amount: line.amount, description: line.description, bankRef: line.bankRef, foundReference: line.pledge!.reference, importedBy: actor.id, status: "matched", pledgeId: pledge._id, donationId: line.recordedGift.id });
        result.linked += 1;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        result.alreadyImported += 1;
      }
      continue;
    }
    let queueReason: QueueReason | null = line.queueReason;
    let record = false;
    let over = 0;
    if (pledge && !queueReason && line.match !== "unmatched") {
      const owed = Math.max(0, pledge.amount - Math.max(0, paidNow.get(String(pledge._id)) ?? 0));
      over = Math.max(0, line.amount - owed);
      if (over > 0) {
        record = options.confirmOverpayments === true;
        if (!record) queueReason = "overpayment";
      } else {
        record = line.match === "matched" || accepted.has(line.lineKey);
      }
    }
    const stored = {
      institutionId: institution._id,
      lineKey: line.lineKey,
      importId,
      fileLine: line.fileLine,
      bookedAt: line.bookedAt,
      amount: line.amount,
      description: line.description,
      bankRef: line.bankRef,
      foundReference: line.pledge?.reference ?? null,
      importedBy: actor.id,
    };
    if (pledge && record) {
      // The line first, saying where its money goes (the gift's `_id` follows from its key), then the gift:
      // a process stopped between the two leaves a matched line without its gift, which the sweeper books
      // from the line (services/money/sweeper.ts) — never a gift without its line.
      const donation = bankDonation(line.lineKey, pledge, line, actor);
      const donationId = donationIdFor(donation.idempotencyKey);
      let storedNow = true;
      try {
        await BankStatementLine.create({ ...stored, status: "matched", pledgeId: pledge._id, donationId });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // A concurrent import stored the line first: it must still say where its money went.
        await BankStatementLine.updateOne({ lineKey: line.lineKey, status: "unmatched" }, { $set: { status: "matched", pledgeId: pledge._id, donationId } });
        storedNow = false;
      }
      const booked = await recordDonation(donation);
      if (!booked.duplicate) thanked.push(booked.donationId);
      paidNow.set(String(pledge._id), (paidNow.get(String(pledge._id)) ?? 0) + line.amount);
      if (storedNow) {
        result.recorded += 1;
        result.recordedAmount += line.amount;
        if (over > 0) result.overpaid += 1;
      } else result.alreadyImported += 1;
    } else {
      try {
        await BankStatementLine.create({ ...stored, status: "unmatched", queueReason });
        result.queued += 1;
        if (queueReason === "future_date") result.future += 1;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        result.alreadyImported += 1;
      }
    }
  }
  await recordAudit({
    actor,
    action: "reconciliation.import",
    subjectType: "BankStatementImport",
    subjectId: importId,
    institutionId: institution._id,
    provinceSlug: institution.provinceSlug,
    details: { layout: mapping.layout, fileName: options.fileName ?? null, acceptedAmountDiffers: options.acceptAmountDiffers.length, confirmOverpayments: options.confirmOverpayments === true, ...result },
  });
  sendThankYouLetters(thanked);
  return result;
}

function bankDonation(lineKey: string, pledge: PledgeForMatch, line: { amount: number; bookedAt: Date }, actor: { id: string | null }) {
  return {
    idempotencyKey: `bank:${lineKey}`,
    method: "bank_transfer" as const,
    pledgeId: pledge._id,
    donorId: pledge.donorId,
    programmeId: pledge.programmeId,
    institutionId: pledge.institutionId,
    amount: line.amount,
    receivedAt: line.bookedAt,
    reference: pledge.reference,
    recordedBy: actor.id,
  };
}

/**
 * Why a queued line waits, as the page says it: still dated in the future; was dated in the future when
 * imported (its day has come since); or it would have paid more than its pledge owed.
 */
export type QueueLineReason = QueueReason | "future_date_passed";
export type QueueLine = { id: string; bookedAt: Date; amount: number; description: string; bankRef: string | null; foundReference: string | null; fileLine: number | null; reason: QueueLineReason | null };

function queueLineReason(row: { bookedAt: Date; queueReason?: QueueReason | null }, now: Date): QueueLineReason | null {
  if (isDatedInFuture(row.bookedAt, now)) return "future_date";
  if (row.queueReason === "future_date") return "future_date_passed";
  return row.queueReason ?? null;
}

/** The lines waiting for a person, newest first. */
export async function unmatchedQueue(actor: SessionUser, institutionId: string, limit = 200, now: Date = new Date()) {
  const institution = await managedInstitution(actor, institutionId);
  const filter = { institutionId: institution._id, status: "unmatched" as const };
  const [rows, total] = await Promise.all([
    BankStatementLine.find(filter).sort({ bookedAt: -1, _id: -1 }).limit(limit).select("bookedAt amount description bankRef foundReference fileLine queueReason").lean(),
    BankStatementLine.countDocuments(filter),
  ]);
  const lines: QueueLine[] = rows.map((row) => ({
    id: String(row._id),
    bookedAt: row.bookedAt,
    amount: row.amount,
    description: row.description,
    bankRef: row.bankRef ?? null,
    foundReference: row.foundReference ?? null,
    fileLine: row.fileLine ?? null,
    reason: queueLineReason(row, now),
  }));
  return { institution: { id: String(institution._id), name: institution.name }, lines, total };
}

async function lineForManager(actor: SessionUser, lineId: string) {
  if (!mongoose.isValidObjectId(lineId)) throw notFound();
  const line = await BankStatementLine.findById(lineId).lean();
  if (!line) throw notFound();
  const institution = await managedInstitution(actor, String(line.institutionId));
  return { line, institution };
}

/** What the manager is asked before a line pays more than its pledge still owes. */
export type OverpaymentQuestion = { reference: string; pledged: number; paid: number; amount: number; overpayment: number };
export type AssignResult =
  | { status: "recorded"; donationId: string; duplicate: boolean; overpayment: number }
  | { status: "confirm_overpayment"; question: OverpaymentQuestion };

/**
 * A person says which pledge a queued line pays: the donation is recorded exactly as an import would
 * have (same idempotency key), so assigning twice — or after a crash — records it once. A line that
 * would pay more than the pledge still owes (a pledge already paid, or too large an amount) is not
 * recorded until the manager confirms the over-payment: the first answer is the question. A line dated
 * in the future cannot be recorded before its day.
 */
export async function assignLine(
  actor: SessionUser,
  lineId: string,
  pledgeReference: string,
  options: { confirmOverpayment?: boolean; now?: Date } = {},
): Promise<AssignResult> {
  const { line, institution } = await lineForManager(actor, lineId);
  const reference = normaliseReference(pledgeReference);
  if (!PLEDGE_REFERENCE_SHAPE.test(reference)) throw invalid({ reference: ["reconcile.errors.referenceShape"] }, "reconcile.errors.referenceShape");
  const found: PledgeForMatch | null = await findPledgeByReference(reference);
  const pledge = found && String(found.institutionId) === String(line.institutionId) ? found : null;
  if (!pledge) throw invalid({ reference: ["reconcile.errors.referenceNotFound"] }, "reconcile.errors.referenceNotFound");
  if (pledge.state === "cancelled") throw invalid({ reference: ["reconcile.errors.pledgeCancelled"] }, "reconcile.errors.pledgeCancelled");
  if (line.status === "matched" || line.status === "assigned") {
    if (String(line.pledgeId) === String(pledge._id) && line.donationId) return { status: "recorded", donationId: String(line.donationId), duplicate: true, overpayment: 0 };
    throw new ServiceError("conflict", "reconcile.errors.alreadyRecorded", { reference: ["reconcile.errors.alreadyRecorded"] });
  }
  if (isDatedInFuture(line.bookedAt, options.now ?? new Date())) throw invalid({ reference: ["reconcile.errors.futureDate"] }, "reconcile.errors.futureDate");
  const paid = Math.max(0, (await paidByPledge([pledge._id])).get(String(pledge._id)) ?? 0);
  // A retry after a crash finds its own donation in the ledger already: that money is not an over-payment.
  const alreadyBooked = await findDonationByIdempotencyKey(`bank:${line.lineKey}`);
  const overpayment = alreadyBooked ? 0 : Math.max(0, line.amount - Math.max(0, pledge.amount - paid));
  if (overpayment > 0 && !options.confirmOverpayment) {
    return { status: "confirm_overpayment", question: { reference, pledged: pledge.amount, paid, amount: line.amount, overpayment } };
  }
  const { donationId, duplicate } = await recordDonation(bankDonation(line.lineKey, pledge, line, actor));
  // The key may already carry a donation to another pledge (a concurrent assignment): the line follows the money.
  const donation = await Donation.findById(donationId).select("pledgeId").lean();
  const pledgeId = donation?.pledgeId ?? pledge._id;
  const updated = await BankStatementLine.updateOne(
    { _id: line._id, status: { $in: ["unmatched", "ignored"] } },
    { $set: { status: "assigned", pledgeId, donationId, foundReference: reference, resolvedBy: actor.id, resolvedAt: new Date(), ignoredReason: null } },
  );
  if (String(pledgeId) !== String(pledge._id)) {
    throw new ServiceError("conflict", "reconcile.errors.alreadyRecorded", { reference: ["reconcile.errors.alreadyRecorded"] });
  }
  if (!duplicate) sendThankYouLetters([donationId]);
  if (updated.modifiedCount > 0) {
    await recordAudit({
      actor,
      action: "reconciliation.assign",
      subjectType: "BankStatementLine",
      subjectId: line._id,
      institutionId: institution._id,
      provinceSlug: institution.provinceSlug,
      details: { reference, donationId, amount: line.amount, overpayment },
    });
  }
  return { status: "recorded", donationId, duplicate: duplicate || updated.modifiedCount === 0, overpayment };
}

/** Takes a line out of the queue: not a gift (bank interest, a refund, a transfer between own accounts). */
export async function ignoreLine(actor: SessionUser, lineId: string, reason: string): Promise<{ ignored: boolean }> {
  const { line, institution } = await lineForManager(actor, lineId);
  const text = reason.replace(/\s+/g, " ").trim();
  if (text.length < 3) throw invalid({ reason: ["validation.reasonRequired"] });
  if (text.length > 500) throw invalid({ reason: ["validation.tooLong"] });
  if (line.status === "ignored") return { ignored: false };
  if (line.status !== "unmatched") throw new ServiceError("conflict", "reconcile.errors.alreadyRecorded", { reason: ["reconcile.errors.alreadyRecorded"] });
  const updated = await BankStatementLine.updateOne(
    { _id: line._id, status: "unmatched" },
    { $set: { status: "ignored", ignoredReason: text, resolvedBy: actor.id, resolvedAt: new Date() } },
  );
  if (updated.modifiedCount > 0) {
    await recordAudit({
      actor,
      action: "reconciliation.ignore",
      subjectType: "BankStatementLine",
      subjectId: line._id,
      institutionId: institution._id,
      provinceSlug: institution.provinceSlug,
      details: { reason: text, amount: line.amount },
    });
  }
  return { ignored: updated.modifiedCount > 0 };
}

/**
 * Statement lines a stopped process left half-done (the sweeper, services/money/sweeper.ts). An import
 * stores a line as matched before it books the line's gift: a matched line written since `since` whose
 * gift does not exist is booked now, as the import would have. With `queue`, every line still queued is
 * also checked for a gift already booked from it (an assignment that stopped before it marked the line:
 * a read of the whole queue, so the daily pass does it). Idempotent: the gift's key is the line's.
 */
export async function completeStatementLines(since: Date, options: { queue?: boolean; before?: Date } = {}) {
  let booked = 0;
  let marked = 0;
  const statuses = options.queue ? ["matched", "unmatched"] : ["matched"];
  for await (const line of BankStatementLine.find({ status: { $in: statuses }, ...(options.queue ? {} : { createdAt: { $gte: since } }) }).lean().cursor()) {
    const key = `bank:${line.lineKey}`;
    if (line.status === "matched") {
      if (!line.pledgeId || (line.createdAt && line.createdAt < since) || (options.before && line.createdAt && line.createdAt >= options.before)) continue;
      if (await Donation.exists({ _id: donationIdFor(key) })) continue;
      const pledge = await Pledge.findById(line.pledgeId).lean();
      if (!pledge) continue;
      await recordDonation(bankDonation(line.lineKey, pledge, line, { id: line.importedBy ? String(line.importedBy) : null }));
      booked += 1;
    } else {
      const gift = await findDonationByIdempotencyKey(key);
      if (!gift) continue;
      const { modifiedCount } = await BankStatementLine.updateOne(
        { _id: line._id, status: "unmatched" },
        { $set: { status: "assigned", pledgeId: gift.pledgeId, donationId: gift._id, resolvedBy: gift.recordedBy, resolvedAt: gift.createdAt ?? new Date() } },
      );
      marked += modifiedCount;
    }
  }
  return { booked, marked };
}
