/** Servers as child processes, and sequential timed HTTP requests against them. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { freePort, stopProcess } from "../lib/database.mjs";
import { progress, type Series } from "./stats";

export type RunningServer = { url: string; child: ChildProcess; output: () => string; stop: () => Promise<void> };

/** Starts `node <args>` with `env`, on a free port, and waits until `readyPath` answers (any status below 500). */
export async function startServer(name: string, args: string[], env: Record<string, string>, cwd: string, readyPath = "/healthz", timeoutMs = 180_000): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopProcess(child, 5000) as Promise<void>;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it answered:\n${output}`);
    try {
      const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(60_000) });
      await response.arrayBuffer();
      if (response.status < 500) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`${name} did not answer ${readyPath} within ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  progress(`${name} answering on ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { url, child, output: () => output, stop };
}

/** The resident memory of a process (Linux /proc), in MiB; null elsewhere. */
export function rssMiB(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** A browser's cookie jar, reduced to what these pages need: name=value pairs. */
export class CookieJar {
  private cookies = new Map<string, string>();
  take(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0]!;
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** Signs in by the login form, as a browser does: GET /login (CSRF cookie and token), then POST it. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const page = await fetch(`${baseUrl}/login`, { redirect: "manual" });
  jar.take(page);
  const html = await page.text();
  const token = /name="csrf"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? /value="([^"]+)"[^>]*name="csrf"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF token on /login (status ${page.status})`);
  const body = new URLSearchParams({ csrf: token, redirectTo: "", email, password });
  const response = await fetch(`${baseUrl}/login`, { method: "POST", body, redirect: "manual", headers: { Cookie: jar.header(), "Content-Type": "application/x-www-form-urlencoded" } });
  jar.take(response);
  await response.arrayBuffer();
  if (response.status !== 302 || !jar.header().includes("__session=")) throw new Error(`signing in as ${email} failed: status ${response.status}`);
  return jar;
}

export type Check = (response: Response, body: Uint8Array) => string | null;
export const expectHtml: Check = (response) => (response.status === 200 && (response.headers.get("content-type") ?? "").includes("text/html") ? null : `status ${response.status}`);
export const expectCsv: Check = (response, body) =>
  response.status === 200 && (response.headers.get("content-type") ?? "").startsWith("text/csv") && body.length > 3 ? null : `status ${response.status}, ${response.headers.get("content-type")}`;
export const expectPdf: Check = (response, body) =>
  response.status === 200 && (response.headers.get("content-type") ?? "").includes("application/pdf") && Buffer.from(body.subarray(0, 5)).toString() === "%PDF-" ? null : `status ${response.status}, ${response.headers.get("content-type")}`;

async function once(url: string, jar: CookieJar | null, check: Check): Promise<{ ms: number; error: string | null }> {
  const start = performance.now();
  try {
    const response = await fetch(url, { redirect: "manual", headers: jar ? { Cookie: jar.header() } : {}, signal: AbortSignal.timeout(600_000) });
    const body = new Uint8Array(await response.arrayBuffer());
    const ms = performance.now() - start;
    const problem = check(response, body);
    return { ms, error: problem ? `${problem}: ${Buffer.from(body.subarray(0, 300)).toString().replace(/\s+/g, " ")}` : null };
  } catch (error) {
    return { ms: performance.now() - start, error: String((error as Error).message ?? error) };
  }
}

export type MeasureOptions = { requests: number; budgetMs: number; jar?: CookieJar | null; check?: Check; warmUp?: boolean };

/**
 * One warm-up request, then `requests` sequential requests (each to `urls(i)`), stopping early — after
 * at least 3 — when `budgetMs` is spent (the report shows n). Failed requests are counted as errors,
 * not as times.
 */
export async function measure(label: string, urls: (i: number) => string, options: MeasureOptions): Promise<Series> {
  const check = options.check ?? expectHtml;
  const jar = options.jar ?? null;
  const series: Series = { label, times: [], errors: [] };
  if (options.warmUp !== false) {
    const warm = await once(urls(-1), jar, check);
    if (warm.error) series.errors.push(`warm-up: ${warm.error}`);
  }
  const start = performance.now();
  for (let i = 0; i < options.requests; i += 1) {
    const result = await once(urls(i), jar, check);
    if (result.error) series.errors.push(result.error);
    else series.times.push(result.ms);
    if (i >= 2 && performance.now() - start > options.budgetMs) {
      series.note = `stopped after ${i + 1} requests (time budget ${Math.round(options.budgetMs / 1000)} s)`;
      break;
    }
  }
  const sorted = [...series.times].sort((a, b) => a - b);
  progress(`  ${label}: n=${series.times.length} p50=${sorted[Math.ceil(sorted.length / 2) - 1]?.toFixed(0) ?? "—"} ms${series.errors.length ? `, ${series.errors.length} errors: ${series.errors[0]!.slice(0, 200)}` : ""}`);
  return series;
}
