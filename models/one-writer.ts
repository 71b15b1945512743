import { AsyncLocalStorage } from "node:async_hooks";
import { isEmbeddedDatabase } from "./projection.server";

/**
 * Sends one write, after every write this process sent through here before it has been answered — on
 * the embedded database only (decision 0032). SQLite has one writer at a time, and a write that finds
 * another one under way does not queue: SQLite's busy handler makes it sleep 1, 2, 5, 10, 15 … ms between
 * tries (FerretDB sets busy_timeout and leaves the rest to SQLite). Sent side by side, a gift's writes
 * took 6–12 ms each instead of 2. Queued here, each write finds the database free. On MongoDB writes go
 * at once. `send` is one driver call: it must not itself wait for another write sent through here.
 *
 * `background`: a write nobody is waiting for (the catalogue's copies of totals and its change records,
 * decision 0033) goes only when no other write is waiting, so a gift waits for at most the one
 * background write already under way, not for a whole flush of them.
 */
type Waiting = { send: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void; idle: boolean; queuedAt: number };
const waiting: { now: Waiting[]; background: Waiting[] } = { now: [], background: [] };
let sending = false;

/**
 * Idle work (decision 0033): background writes sent from inside asIdleWork — the catalogue's copies
 * that follow gifts 200 ms later — wait until no write anybody waits for has gone for quietMs (20 ms),
 * or at most maxHoldMs (1 s). A gift's writes are a few milliseconds apart (its reads between them), so
 * without this a copy of a large programme document slipped into such a gap and the gift's next write
 * waited behind it. While somebody waits for idle work to finish (hurryIdleWork: a page that shows the
 * copies, a test), it goes as any background write.
 */
const idleTiming = { quietMs: 20, maxHoldMs: 1000 };
const idleWork = new AsyncLocalStorage<true>();
let hurried = 0;
let lastAnsweredAt = 0;
let wakeTimer: ReturnType<typeof setTimeout> | undefined;

/** Changes how long idle work waits (a test that must not depend on timing makes both long); answers the previous values. */
export function configureIdleWork(timing: { quietMs: number; maxHoldMs: number }) {
  const previous = { ...idleTiming };
  Object.assign(idleTiming, timing);
  return previous;
}

/** Runs `work` as idle work: its background writes wait for a quiet moment (see above). */
export function asIdleWork<T>(work: () => Promise<T>): Promise<T> {
  return idleWork.run(true, work);
}

/** Waits for `wait` (which waits for idle work) with idle work going at once meanwhile. */
export async function hurryIdleWork<T>(wait: () => Promise<T>): Promise<T> {
  hurried += 1;
  void sendInTurn();
  try {
    return await wait();
  } finally {
    hurried -= 1;
  }
}

/** How much longer a background write must wait: 0 unless it is idle work and the writer was busy a moment ago. */
function holdFor(entry: Waiting, now: number): number {
  if (!entry.idle || hurried > 0) return 0;
  return Math.max(0, Math.min(lastAnsweredAt + idleTiming.quietMs - now, entry.queuedAt + idleTiming.maxHoldMs - now));
}

function nextToSend(): Waiting | "wait" | undefined {
  const first = waiting.now.shift();
  if (first) return first;
  if (waiting.background.length === 0) return undefined;
  const now = Date.now();
  const holds = waiting.background.map((entry) => holdFor(entry, now));
  const ready = holds.indexOf(0);
  if (ready >= 0) return waiting.background.splice(ready, 1)[0];
  clearTimeout(wakeTimer);
  wakeTimer = setTimeout(() => void sendInTurn(), Math.min(...holds));
  return "wait";
}

async function sendInTurn() {
  if (sending) return;
  sending = true;
  try {
    for (;;) {
      // Before a background write, one turn of the event loop: the caller of the write just answered
      // usually sends its next one at once, and goes first.
      if (waiting.now.length === 0 && waiting.background.length > 0) await new Promise((resolve) => setImmediate(resolve));
      const next = nextToSend();
      if (next === undefined || next === "wait") return;
      try {
        next.resolve(await next.send());
      } catch (error) {
        next.reject(error);
      } finally {
        if (!next.idle) lastAnsweredAt = Date.now();
      }
    }
  } finally {
    sending = false;
  }
}

export async function oneWriter<T>(send: () => Promise<T>, options: { background?: boolean } = {}): Promise<T> {
  if (!(await isEmbeddedDatabase())) return send();
  return new Promise<T>((resolve, reject) => {
    const background = Boolean(options.background);
    const entry: Waiting = { send, resolve: resolve as (value: unknown) => void, reject, idle: background && idleWork.getStore() === true, queuedAt: Date.now() };
    waiting[background ? "background" : "now"].push(entry);
    void sendInTurn();
  });
}

/**
 * Runs writes (each a function that sends through oneWriter, or a few reads and one such write): one
 * after another on the embedded database, where side by side they would only queue and crowd the
 * database's two cores; side by side on MongoDB, where they do not block each other.
 */
export async function allInTurn<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  if (!(await isEmbeddedDatabase())) return Promise.all(tasks.map((task) => task()));
  const results: T[] = [];
  for (const task of tasks) results.push(await task());
  return results;
}
