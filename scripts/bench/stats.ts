/** Small helpers shared by the benchmark's parts: timing, percentiles, progress lines. */

/** Nearest-rank percentile of a list of milliseconds (p50 of 20 values = the 10th smallest). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** `targetMs`: a p95 target of its own (find my gift: 50 ms), instead of the scale's page target. */
export type Series = { label: string; times: number[]; errors: string[]; note?: string; targetMs?: number };

export function summary(series: Series) {
  return { n: series.times.length, p50: percentile(series.times, 50), p95: percentile(series.times, 95) };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

const started = Date.now();
/** A progress line with the time since the benchmark started. */
export function progress(message: string) {
  const s = Math.floor((Date.now() - started) / 1000);
  const stamp = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  console.log(`[bench ${stamp}] ${message}`);
}

export const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value.toFixed(1)) : "—");
export const seconds = (valueMs: number) => `${(valueMs / 1000).toFixed(1)} s`;
