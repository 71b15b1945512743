import { createHash } from "node:crypto";
import { json, type HeadersFunction } from "@remix-run/node";
import { RateLimiterRes } from "rate-limiter-flexible";
import { claimSlot, RateLimit, RateLimiterMongoose, windowOf } from "#models/rate-limit.server";
import { messageWithParams } from "#services/validation/messages";
import { clientIp } from "./client-ip.server";
import { env } from "./env.server";
import { getLanguage, i18nInstance } from "./i18n.server";
import { translateMessage } from "./messages";
import type { LimitName } from "./limits-config.server";

export type { LimitName };

/**
 * Abuse limits (decision 0021): rate-limiter-flexible counters kept in the database
 * (models/rate-limit.server.ts), so every instance of the app counts the same requests. Counted
 * before the work is done; over a limit the answer is 429 with Retry-After and, in the reader's
 * language, when to try again.
 */

const limiters = new Map<string, RateLimiterMongoose>();

/** The limiter called `name`, with its configured points and window (RATE_LIMITS). */
export function limiter(name: LimitName): RateLimiterMongoose {
  let found = limiters.get(name);
  if (!found) {
    const { points, duration } = env().RATE_LIMITS[name];
    found = new RateLimiterMongoose({ keyPrefix: name, points, duration });
    limiters.set(name, found);
  }
  return found;
}

/**
 * Counts an attempt against a limit that gives successes back (the login's per-address and per-account
 * limits): over when the window's attempts, less its successes, pass the limit. Both are counted by
 * inserted slots (exact under concurrency); `succeeded` counts this attempt's success.
 */
export async function countAttempt(name: LimitName, key: string): Promise<{ over: boolean; secondsLeft: number; succeeded: () => Promise<void> }> {
  const { points, duration } = env().RATE_LIMITS[name];
  const ms = duration * 1000;
  const okKey = `${name}-ok:${limitKey(key)}`;
  const successes = (await RateLimit.findById(windowOf(okKey, ms).window).lean())?.points ?? 0;
  const slot = await claimSlot(`${name}:${limitKey(key)}`, ms, points + 1 + successes);
  return {
    over: slot.n - successes > points,
    secondsLeft: secondsToWait(slot.expire.getTime() - Date.now()),
    succeeded: async () => void (await claimSlot(okKey, ms, Number.MAX_SAFE_INTEGER)),
  };
}

/** Keys are stored hashed: the limits collection holds no email addresses or IP addresses in clear. */
export function limitKey(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\n")).digest("base64url").slice(0, 32);
}

/** The whole seconds a refused request should wait (at least one). */
export function secondsToWait(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

/** "Try again in N seconds / minutes" as a message key with its value (the page translates it). */
export function tryAgainMessage(seconds: number): string {
  return seconds < 120 ? messageWithParams("limits.tryAgainSeconds", { seconds }) : messageWithParams("limits.tryAgainMinutes", { minutes: Math.ceil(seconds / 60) });
}

export const retryAfter = (seconds: number) => ({ "Retry-After": String(seconds) });

/**
 * Counts one action against each of the limits; the seconds to wait when any is over (the longest),
 * or null. Every limit is counted, even past the first that is over.
 */
export async function consumeLimits(checks: Array<[LimitName, string]>): Promise<number | null> {
  const results = await Promise.all(
    checks.map(async ([name, key]) => {
      try {
        await limiter(name).consume(limitKey(key));
        return null;
      } catch (error) {
        if (error instanceof RateLimiterRes) return secondsToWait(error.msBeforeNext);
        throw error;
      }
    }),
  );
  const waits = results.filter((wait): wait is number => wait !== null);
  return waits.length ? Math.max(...waits) : null;
}

/** What a request is counted against: its address, and the signed-in account when there is one. */
export function limitsFor(request: Request, kind: "password" | "pledge" | "upload" | "export" | "pdf", accountId?: string | null): Array<[LimitName, string]> {
  const checks: Array<[LimitName, string]> = [[`${kind}-ip`, clientIp(request)]];
  if (accountId) checks.push([`${kind}-account`, accountId]);
  return checks;
}

/** The 429 page for a GET endpoint (the shared error boundary shows the message), thrown. */
export function tooManyRequests(seconds: number): Response {
  return new Response(tryAgainMessage(seconds), { status: 429, headers: { ...retryAfter(seconds), "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * A page's `headers`: a 429 keeps its Retry-After on the error page, and the page's own Cache-Control
 * (from its loader) is kept otherwise.
 */
export const keepRetryAfter: HeadersFunction = ({ loaderHeaders, errorHeaders }) => {
  const headers = new Headers();
  const wait = errorHeaders?.get("Retry-After");
  if (wait) headers.set("Retry-After", wait);
  const cache = loaderHeaders.get("Cache-Control");
  if (cache && !wait) headers.set("Cache-Control", cache);
  return headers;
};

/** Throws the 429 page when any of the limits is over (for page loaders: the error boundary translates it). */
export async function enforceLimits(checks: Array<[LimitName, string]>): Promise<void> {
  const wait = await consumeLimits(checks);
  if (wait !== null) throw tooManyRequests(wait);
}

/**
 * The same for file endpoints (CSV, PDF), which no page wraps: the 429's body is the sentence itself,
 * in the reader's language.
 */
export async function enforceFileLimits(request: Request, checks: Array<[LimitName, string]>): Promise<void> {
  const wait = await consumeLimits(checks);
  if (wait === null) return;
  const i18n = await i18nInstance(await getLanguage(request));
  throw new Response(translateMessage(i18n.t, i18n, tryAgainMessage(wait)), { status: 429, headers: { ...retryAfter(wait), "Content-Type": "text/plain; charset=utf-8" } });
}

/** The 429 answer of a form: the form shows when to try again; nothing was done. */
export function limitedForm(seconds: number, values: Record<string, string> = {}) {
  return json({ ok: false as const, errors: {} as Record<string, string[]>, formError: tryAgainMessage(seconds), values }, { status: 429, headers: retryAfter(seconds) });
}
