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
type Waiting = { send: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };
const waiting: { now: Waiting[]; background: Waiting[] } = { now: [], background: [] };
let sending = false;

async function sendInTurn() {
  if (sending) return;
  sending = true;
  try {
    for (;;) {
      // Before a background write, one turn of the event loop: the caller of the write just answered
      // usually sends its next one at once, and goes first.
      if (waiting.now.length === 0 && waiting.background.length > 0) await new Promise((resolve) => setImmediate(resolve));
      const next = waiting.now.shift() ?? waiting.background.shift();
      if (!next) return;
      try {
        next.resolve(await next.send());
      } catch (error) {
        next.reject(error);
      }
    }
  } finally {
    sending = false;
  }
}

export async function oneWriter<T>(send: () => Promise<T>, options: { background?: boolean } = {}): Promise<T> {
  if (!(await isEmbeddedDatabase())) return send();
  return new Promise<T>((resolve, reject) => {
    waiting[options.background ? "background" : "now"].push({ send, resolve: resolve as (value: unknown) => void, reject });
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
