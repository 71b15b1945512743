import { randomUUID } from "node:crypto";
import os from "node:os";
import { ChainCheck, takeLease } from "#models/job.server";
import { Donation } from "#models/donation.server";
import { GENESIS_HASH, LedgerEntry, findLedgerEntryByKey } from "#models/ledger-entry.server";
import { LedgerHead, Meta } from "#models/projection.server";
import { asIdleWork } from "#models/one-writer";
import { deleteExpiredSessions } from "#models/session.server";
import { deleteExpiredRateLimits } from "#models/rate-limit.server";
import { deleteExpiredTokens } from "#models/token.server";
import { vietnamDateInput } from "../calendar";
import { mailConfig } from "../mail";
import { sendPledgeReminders, type ReminderReport } from "../reminders";
import { flushProgrammeTotals, markProgrammeTotalsChanged } from "../catalogue-index";
import { closeInterruptedBatches, voidInterruptedSerials } from "../recognition/certificates";
import { completeStatementLines } from "../reconciliation";
import { bookDonation } from "./donations";
import { markExpendituresFromLedger } from "../expenditures";
import { logAppender, publishCheckpoint } from "../transparency/log";
import { addGiftsToAmountKeys, flushGiftAmountKeys, type KeyedGift } from "../transparency/gift-amount-keys";
import { verifyLedgerChains } from "./ledger";
import { catchUpProjections, markOverduePledges, readLedgerHead, repairLedgerHead, withInstitutionLock } from "./projections";

/**
 * The sweeper (decision 0014): completes every money event a stopped process left half-done, and
 * once a day (Asia/Ho_Chi_Minh) marks overdue instalments, deletes expired sessions and walks every
 * institution's chain, keeping the result (ChainCheck) where J4 publishes it. It runs in the server
 * on an interval and as `npm run jobs -- --once`; a lease in the database lets one instance run it at
 * a time. Every step is idempotent — it goes through the same services as the money itself — so a
 * sweep stopped half-way is finished by the next.
 *
 * What it looks at is what was written since the last sweep began (less a margin for writes in
 * flight then): on MongoDB an index on `createdAt`, on the embedded database a read of the
 * collections (decision 0014 measures it). The first sweep of a database, and `--full`, look at all.
 */

/** One instance holds the sweeper for a term of this length, and renews it while it runs. */
export const SWEEPER_LEASE_MS = 60_000;
/** Writes in flight when the last sweep began are looked at again. */
const MARGIN_MS = 15 * 60_000;
const CHECKPOINT = "sweeper-checkpoint";
const DAILY = "sweeper-daily";

export type SweepReport = {
  ran: boolean;
  since: Date | null;
  headsRepaired: number;
  entriesProjected: number;
  giftsBooked: number;
  /** Gifts added to their "find my gift" key by amount and day (a write lost when a process stopped; decision 0040). */
  giftKeysAdded: number;
  statementLinesBooked: number;
  statementLinesMarked: number;
  expendituresMarked: number;
  /** Ledger entries added to the transparency log, and the size of the checkpoint signed (null: none). */
  leavesLogged: number;
  checkpoint: number | null;
  daily: null | { day: string; overduePledges: number; sessionsDeleted: number; tokensDeleted: number; chains: number; brokenChains: number; reminders: ReminderReport | null; serialsVoided: number };
};

/** Keeps the lease of the current term; false once another instance holds it (the sweep then stops at its next step). */
function leaseKeeper(holder: string) {
  const held = new Set<number>();
  return async (now = new Date()) => {
    const term = Math.floor(now.getTime() / SWEEPER_LEASE_MS);
    if (held.has(term)) return true;
    if (!(await takeLease("sweeper", SWEEPER_LEASE_MS, holder, now))) return false;
    held.add(term);
    return true;
  };
}

class LeaseLost extends Error {}

/**
 * One sweep. `settleMs`: what was written less than this long ago is left alone — a server's own request
 * may still be finishing it (the interval sweeps in a running server use a minute; a sweep run by hand
 * after a crash, none).
 */
export async function runSweep(options: { now?: () => Date; full?: boolean; holder?: string; settleMs?: number; log?: (line: string) => void } = {}): Promise<SweepReport> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const keep = leaseKeeper(options.holder ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`);
  const report: SweepReport = { ran: false, since: null, headsRepaired: 0, entriesProjected: 0, giftsBooked: 0, giftKeysAdded: 0, statementLinesBooked: 0, statementLinesMarked: 0, expendituresMarked: 0, leavesLogged: 0, checkpoint: null, daily: null };
  if (!(await keep(now()))) return report;
  report.ran = true;
  const still = async () => {
    if (!(await keep(now()))) throw new LeaseLost("another instance holds the sweeper's lease");
  };
  const started = now();
  const checkpoint = await Meta.findById(CHECKPOINT).lean();
  const since = options.full || !checkpoint ? new Date(0) : new Date(new Date(checkpoint.value as string).getTime() - MARGIN_MS);
  const settled = new Date(started.getTime() - (options.settleMs ?? 0));
  const written = { $gte: since, $lt: settled };
  report.since = since;
  try {
    // 1. Heads behind their chains (an entry inserted, its head not moved) and entries not yet counted.
    // (Not a $group with $max: FerretDB v1.24 has no $max accumulator.)
    // The same read feeds the transparency log (issue 12): every entry written since the last sweep, of
    // any age (an entry, once inserted, is final), or the whole ledger while the log has no leaves yet.
    const lastWritten = new Map<string, number>();
    const programmesMoved = new Set<string>();
    const transparency = await logAppender({ beforeWrite: still });
    const readSince = transparency.since && transparency.since < since ? transparency.since : since;
    const moneyOut: Parameters<typeof markExpendituresFromLedger>[0] = [];
    for await (const entry of LedgerEntry.find({ createdAt: { $gte: readSince } }).select("institutionId programmeId sequence hash createdAt kind sourceType sourceId occurredAt description").lean().cursor()) {
      await transparency.add(entry);
      if (!(entry.createdAt >= since && entry.createdAt < settled)) continue;
      if (entry.sourceType === "expenditure") moneyOut.push(entry);
      const key = String(entry.institutionId);
      lastWritten.set(key, Math.max(lastWritten.get(key) ?? 0, entry.sequence));
      programmesMoved.add(String(entry.programmeId));
    }
    report.leavesLogged = await transparency.finish();
    // Expenditures booked but never marked published or reversed (a process stopped between the two).
    report.expendituresMarked = await markExpendituresFromLedger(moneyOut);
    const heads = await LedgerHead.find({}).select("_id sequence projectedThrough updatedAt").lean();
    const behind = heads.filter((h) => h.projectedThrough < h.sequence && !((h as { updatedAt?: Date }).updatedAt! >= settled));
    const toCheck = new Set([...lastWritten.keys(), ...behind.map((h) => String(h._id))]);
    for (const institutionId of toCheck) {
      await still();
      await withInstitutionLock(institutionId, async () => {
        let head = await readLedgerHead(institutionId);
        if ((lastWritten.get(institutionId) ?? 0) > head.sequence) {
          head = await repairLedgerHead(head._id);
          report.headsRepaired += 1;
        }
        if (head.projectedThrough < head.sequence) {
          report.entriesProjected += head.sequence - head.projectedThrough;
          await catchUpProjections(head);
        }
      });
    }
    // 2. Gifts inserted without their ledger entry.
    // The programmes' copies of their received totals follow a gift off its path: one its process stopped
    // before making is made here (copyReceivedTotal writes only where the copy is behind the books).
    await still();
    markProgrammeTotalsChanged([...programmesMoved]);
    await flushProgrammeTotals();
    // The same read re-adds gifts to their keys by amount and day (one read by `_id` per key, a write only where one is missing).
    const keyed: KeyedGift[] = [];
    const addKeys = async () => {
      if (keyed.length === 0) return;
      await still();
      report.giftKeysAdded += await addGiftsToAmountKeys(keyed.splice(0));
    };
    for await (const donation of Donation.find({ createdAt: written }).lean().cursor()) {
      keyed.push(donation);
      if (keyed.length >= 2000) await addKeys();
      if (await findLedgerEntryByKey(`donation:${donation.idempotencyKey}`)) continue;
      await still();
      await bookDonation(donation);
      report.giftsBooked += 1;
    }
    await addKeys();
    // Certificate batches whose process stopped: closed, the rest left approved to be issued again.
    await closeInterruptedBatches();
    // 3. Statement lines stored as matched whose gift was never booked (and, daily, queued lines already booked).
    const day = vietnamDateInput(started);
    const lastDaily = await Meta.findById(DAILY).lean();
    const dailyDue = options.full || lastDaily?.value !== day;
    await still();
    const lines = await completeStatementLines(since, { queue: dailyDue, before: settled });
    report.statementLinesBooked = lines.booked;
    report.statementLinesMarked = lines.marked;
    // Expired abuse-limit counters (no TTL indexes on the embedded database; decision 0021).
    await deleteExpiredRateLimits(started);
    // 4. Once a day.
    if (dailyDue) {
      const daily: NonNullable<SweepReport["daily"]> = { day, overduePledges: 0, sessionsDeleted: 0, tokensDeleted: 0, chains: 0, brokenChains: 0, reminders: null, serialsVoided: 0 };
      await still();
      daily.overduePledges = await markOverduePledges(started);
      daily.sessionsDeleted = await deleteExpiredSessions(started);
      daily.tokensDeleted = await deleteExpiredTokens(started);
      // Certificate serials whose issue stopped half-way: recorded as void (the register has no unexplained number).
      daily.serialsVoided = await voidInterruptedSerials();
      // Pledge reminders (decision 0019): each at most once, whichever sweep sends it.
      await still();
      if (mailConfig()) daily.reminders = await sendPledgeReminders(started);
      else log("• Pledge reminders not sent: mail is not configured in this process");
      // Every chain in one read of the ledger (one chain at a time is a read of the whole ledger each, on the embedded database).
      await still();
      const checks = await verifyLedgerChains();
      for (const head of heads) {
        await still();
        const check = checks.get(String(head._id)) ?? { ok: true as const, entries: 0, headHash: GENESIS_HASH }; // no entries: as verifyLedgerChain says
        daily.chains += 1;
        if (!check.ok) {
          daily.brokenChains += 1;
          log(`✗ The ledger chain of institution ${String(head._id)} is broken at entry ${check.sequence}: ${check.problem}`);
        }
        await ChainCheck.replaceOne(
          { _id: head._id },
          { _id: head._id, ok: check.ok, entries: check.entries, headHash: check.ok ? check.headHash : null, sequence: check.ok ? null : check.sequence, problem: check.ok ? null : check.problem, checkedAt: now() },
          { upsert: true },
        );
      }
      await Meta.replaceOne({ _id: DAILY }, { _id: DAILY, value: day }, { upsert: true });
      report.daily = daily;
    }
    // A signed checkpoint when the log grew, and at least daily (without a signing key, none).
    await still();
    report.checkpoint = (await publishCheckpoint(now()))?._id ?? null;
    await flushProgrammeTotals(); // the copies of what this sweep booked, before a one-off run exits
    await flushGiftAmountKeys(); // and the keys by amount and day of the gifts it recorded (statement lines)
    await Meta.replaceOne({ _id: CHECKPOINT }, { _id: CHECKPOINT, value: started.toISOString() }, { upsert: true });
  } catch (error) {
    if (error instanceof LeaseLost) {
      log(`• The sweep stopped: ${error.message}`);
      return report;
    }
    throw error;
  }
  return report;
}

/** A sweep a moment after the server starts, then every `intervalMs` (SWEEPER_INTERVAL_MS; 0 turns it off). */
export function startSweeper(intervalMs: number, log: (line: string) => void = console.log) {
  if (!(intervalMs > 0)) return () => undefined;
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      // As idle work: the log's appends wait for a quiet moment of the writer (decision 0033).
      const report = await asIdleWork(() => runSweep({ log, settleMs: 60_000 }));
      const done = report.headsRepaired + report.entriesProjected + report.giftsBooked + report.statementLinesBooked + report.statementLinesMarked + report.expendituresMarked;
      if (done > 0) log(`• Sweeper: completed ${done} half-done money step(s) ${JSON.stringify(report)}`);
      if (report.daily?.brokenChains) log(`✗ Sweeper: ${report.daily.brokenChains} broken ledger chain(s)`);
    } catch (error) {
      log(`✗ Sweeper failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const first = setTimeout(sweep, Math.min(10_000, intervalMs));
  const every = setInterval(sweep, intervalMs);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
