import { AsyncLocalStorage } from "node:async_hooks";

/**
 * One call at a time per key in this process: an institution's appends to its chain, a running total
 * many institutions meet in, a certificate serial's type and year, a nomination's decision, the
 * catalogue's copies of totals. (One app process serves the embedded database; across instances on
 * MongoDB the database's own conditions and unique keys hold.) Re-entrant: called again for a key from
 * within its own call (recordDonation, then appendLedgerEntry), it runs at once. A hold ends with its
 * call: work the call left running (a timer) does not inherit it.
 */
const queues = new Map<string, Promise<unknown>>();
type Hold = { key: string; active: boolean; outer: Hold | undefined };
const held = new AsyncLocalStorage<Hold>();
const holds = (hold: Hold | undefined, key: string): boolean => Boolean(hold && ((hold.active && hold.key === key) || holds(hold.outer, key)));

/** Runs `fn` after every earlier call for the same key in this process has finished (whether it succeeded or not). */
export function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const holding = held.getStore();
  if (holds(holding, key)) return fn();
  const previous = queues.get(key) ?? Promise.resolve();
  const locked = async () => {
    const hold: Hold = { key, active: true, outer: holding };
    try {
      return await held.run(hold, fn);
    } finally {
      hold.active = false;
    }
  };
  const run = previous.then(locked, locked);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  // The queue of a key nobody waits on is forgotten (keys are many: one per institution, nomination …).
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}
