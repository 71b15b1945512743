import { isEmbeddedDatabase } from "./projection.server";

/**
 * Sends one write, after every write this process sent through here before it has been answered — on
 * the embedded database only (decision 0032). SQLite has one writer at a time, and a write that finds
 * another one under way does not queue: SQLite's busy handler makes it sleep 1, 2, 5, 10, 15 … ms between
 * tries (FerretDB sets busy_timeout and leaves the rest to SQLite). Sent side by side, a gift's writes
 * took 6–12 ms each instead of 2. Queued here, each write finds the database free. On MongoDB writes go
 * at once. `send` is one driver call: it must not itself wait for another write sent through here.
 */
let last: Promise<unknown> = Promise.resolve();

export async function oneWriter<T>(send: () => Promise<T>): Promise<T> {
  if (!(await isEmbeddedDatabase())) return send();
  const sent = last.then(send, send);
  last = sent.catch(() => undefined);
  return sent;
}
