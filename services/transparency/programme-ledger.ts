import { stringify } from "csv-stringify/sync";
import mongoose, { type Types } from "mongoose";
import { findPublicProgrammeBySlug, ledgerDonationsByIds } from "#models/catalogue.server";
import { Expenditure } from "#models/expenditure.server";
import type { LedgerEntryKind } from "#models/ledger-entry.server";
import { LEDGER_PAGE_ROWS, Projection, decodeLedgerRows, projectionKey, type LedgerRow, type ProjectionDoc } from "#models/projection.server";
import { readById } from "#models/read-by-id";
import { publicLedgerEntry } from "../catalogue";
import { vietnamDateInput, vietnamWallClock } from "../calendar";

/**
 * A programme's whole public ledger (issue 12, decision 0039): every entry — money in, its refunds and
 * corrections, money out and its reversals — in the order the institution's chain booked them, with the
 * running balance after each. Read from the pages the books keep (services/money/projections.ts: the tail
 * on `received:<programme>`, the full pages at `ledger:<programme>:<n>`), each by `_id`, then each shown
 * entry's gift or expenditure by `_id`: a page costs the same at the 100th entry and the 100,000th.
 *
 * Donors are shown as the programme page shows them (publicLedgerEntry: consent, anonymity, erasure), with
 * one difference: every amount is shown, because a running balance would reveal a hidden one anyway. A
 * donor who chose "name, not amount" is therefore listed here as the anonymous benefactor: their name is
 * never put beside their amount.
 */

/** Rows on one page of the public view, newest first. */
export const LEDGER_VIEW_ROWS = 50;

export type ProgrammeLedgerLine = {
  /** The entry's place in the programme's ledger (1 = first). */
  place: number;
  entryId: string;
  kind: LedgerEntryKind;
  at: Date;
  /** Signed whole đồng: money out is negative. */
  amount: number;
  /** The balance after this entry: Σ of every entry up to and including it. */
  balance: number;
  /** A gift or something booked against one: its receipt, and who gave as the public may see it (null: anonymous). */
  gift: { receiptNumber: string | null; donorName: string | null; method: string | null } | null;
  /** An expenditure or its reversal: what it paid for. */
  expenditure: { budgetLineLabel: string; payee: string | null; description: string } | null;
};

type Tail = Pick<ProjectionDoc, "ledger" | "ledgerPages" | "ledgerOpening">;
type StoredPage = { opening: number; rows: LedgerRow[] };

const oid = (id: string | Types.ObjectId) => new mongoose.Types.ObjectId(String(id));

/** The programme's ledger as stored: how many full pages, and the tail after them (one read by `_id`). */
async function readTail(programmeId: Types.ObjectId): Promise<{ pages: number; tail: StoredPage; entries: number }> {
  const doc = await readById<Tail>(Projection, projectionKey("received", programmeId), "ledger ledgerPages ledgerOpening");
  const rows = decodeLedgerRows(doc?.ledger);
  const pages = doc?.ledgerPages ?? 0;
  return { pages, tail: { opening: doc?.ledgerOpening ?? 0, rows }, entries: pages * LEDGER_PAGE_ROWS + rows.length };
}

/** Full page `n` (0 = the first entries), by `_id`. */
async function readPage(programmeId: Types.ObjectId, n: number): Promise<StoredPage> {
  const doc = await readById<Tail>(Projection, projectionKey("ledger", `${String(programmeId)}:${n}`), "ledger ledgerOpening");
  if (!doc) throw new Error(`ledger page ${n} of programme ${String(programmeId)} is missing`);
  return { opening: doc.ledgerOpening ?? 0, rows: decodeLedgerRows(doc.ledger) };
}

/** The rows of stored pages with their place and running balance. */
function withBalances(n: number, page: StoredPage) {
  let balance = page.opening;
  return page.rows.map((row, i) => {
    balance += row.amount;
    return { row, place: n * LEDGER_PAGE_ROWS + i + 1, balance };
  });
}

/** What each row is about: gifts (with the donor as the public may see them) and expenditures, each read by `_id`. */
async function describe(rows: Array<{ row: LedgerRow; place: number; balance: number }>, budgetLines: Array<{ code: string; label: string }>): Promise<ProgrammeLedgerLine[]> {
  const giftIds = [...new Set(rows.filter((r) => r.row.sourceType === "donation" && r.row.sourceId).map((r) => String(r.row.sourceId)))];
  const spendIds = [...new Set(rows.filter((r) => r.row.sourceType === "expenditure" && r.row.sourceId).map((r) => String(r.row.sourceId)))];
  const [gifts, spends] = await Promise.all([
    ledgerDonationsByIds(giftIds.map(oid)),
    Promise.all(spendIds.map((id) => readById<{ _id: Types.ObjectId; budgetLineCode: string; payee?: string | null; description: string }>(Expenditure, id, "budgetLineCode payee description"))),
  ]);
  const giftById = new Map(gifts.map((g) => [g.id, g]));
  const spendById = new Map(spends.flatMap((e) => (e ? [[String(e._id), e] as const] : [])));
  const labels = new Map(budgetLines.map((l) => [l.code, l.label]));
  return rows.map(({ row, place, balance }) => {
    const gift = row.sourceType === "donation" && row.sourceId ? giftById.get(String(row.sourceId)) : undefined;
    const spend = row.sourceType === "expenditure" && row.sourceId ? spendById.get(String(row.sourceId)) : undefined;
    // The gift itself names its donor as consented; what is booked against it (a refund, a correction) names nobody.
    const shown = gift && row.entryId && (row.kind === "donation_received" || row.kind === "in_kind_received" || row.kind === "volunteer_hours") ? publicLedgerEntry(gift) : null;
    return {
      place,
      entryId: String(row.entryId),
      kind: row.kind,
      at: row.at,
      amount: row.amount,
      balance,
      gift: row.sourceType === "donation" ? { receiptNumber: gift?.receiptNumber ?? null, donorName: shown && shown.amount !== null ? shown.donorName : null, method: gift?.method ?? null } : null,
      expenditure: spend ? { budgetLineLabel: labels.get(spend.budgetLineCode) ?? spend.budgetLineCode, payee: spend.payee ?? null, description: spend.description } : null,
    };
  });
}

export type ProgrammeLedgerPage = { lines: ProgrammeLedgerLine[]; entries: number; pages: number; page: number; balance: number };

/**
 * One page of a programme's ledger, newest first (`page` from 1; past the last: the last). `programme`:
 * as its page already read it (its id and budget lines, for the expenditures' labels).
 */
export async function programmeLedgerPage(programme: { id: string; budgetLines: Array<{ code: string; label: string }> }, page: number): Promise<ProgrammeLedgerPage> {
  const id = oid(programme.id);
  const { pages: full, tail, entries } = await readTail(id);
  const pages = Math.max(1, Math.ceil(entries / LEDGER_VIEW_ROWS));
  const shown = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const balance = tail.opening + tail.rows.reduce((sum, r) => sum + r.amount, 0);
  // Places [from, to) in chain order (0-based): the newest entries first, LEDGER_VIEW_ROWS to a page.
  const to = entries - (shown - 1) * LEDGER_VIEW_ROWS;
  const from = Math.max(0, to - LEDGER_VIEW_ROWS);
  if (to <= 0) return { lines: [], entries, pages, page: shown, balance };
  const stored = [];
  for (let n = Math.floor(from / LEDGER_PAGE_ROWS); n <= Math.floor((to - 1) / LEDGER_PAGE_ROWS); n += 1) stored.push(n);
  const read = await Promise.all(stored.map(async (n) => withBalances(n, n < full ? await readPage(id, n) : tail)));
  const rows = read.flat().filter((r) => r.place > from && r.place <= to);
  const lines = await describe(rows.reverse(), programme.budgetLines);
  return { lines, entries, pages, page: shown, balance };
}

export type LedgerCsvLabels = { header: string[]; kind: Partial<Record<LedgerEntryKind, string>>; anonymous: string };

/**
 * The whole ledger as CSV, oldest first, one stored page at a time (so a programme of 100,000 entries is
 * never held at once): place, Vietnam date and time, kind, who or what, receipt, amount, balance, entry id
 * (the transparency log's inclusion proof is asked for by it). Amounts as plain whole đồng. Without the
 * byte-order mark (the route adds it).
 */
export async function* programmeLedgerCsv(programme: { id: string; budgetLines: Array<{ code: string; label: string }> }, labels: LedgerCsvLabels): AsyncGenerator<string> {
  const id = oid(programme.id);
  const { pages: full, tail } = await readTail(id);
  yield stringify([labels.header], { record_delimiter: "windows" });
  for (let n = 0; n <= full; n += 1) {
    const page = n < full ? await readPage(id, n) : tail;
    const lines = await describe(withBalances(n, page), programme.budgetLines);
    yield stringify(
      lines.map((line) => [
        line.place,
        `${vietnamDateInput(line.at)} ${vietnamWallClock(line.at).toISOString().slice(11, 16)}`,
        labels.kind[line.kind] ?? line.kind,
        line.expenditure ? [line.expenditure.budgetLineLabel, line.expenditure.payee, line.expenditure.description].filter(Boolean).join(" — ") : line.gift ? (line.gift.donorName ?? labels.anonymous) : "",
        line.gift?.receiptNumber ?? "",
        line.amount,
        line.balance,
        line.entryId,
      ]),
      { record_delimiter: "windows" },
    );
  }
}

/** A public programme (unknown, draft, institution not approved: null) and one page of its ledger. */
export async function publicProgrammeLedger(slug: string, page: number) {
  const programme = await findPublicProgrammeBySlug(slug);
  if (!programme) return null;
  const ledger = await programmeLedgerPage(programme, page);
  return { programme: { slug: programme.slug, title: programme.title, institutionName: programme.institutionName, institutionSlug: programme.institutionSlug }, ...ledger };
}

/** A public programme's whole ledger as CSV chunks (null: not public). */
export async function publicProgrammeLedgerCsv(slug: string, labels: LedgerCsvLabels): Promise<AsyncGenerator<string> | null> {
  const programme = await findPublicProgrammeBySlug(slug);
  return programme ? programmeLedgerCsv(programme, labels) : null;
}
