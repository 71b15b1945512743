/**
 * Answers of the public, machine-readable certificate addresses (issue 11 "Stable public addresses"):
 * readable from any origin (CORS `*`: they hold nothing private, and verifiers run in other sites'
 * pages), cached for as long as each may be.
 */
export const PUBLIC_CORS = { "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Content-Disposition" } as const;

/** Keys change only on a rotation (and old ones stay): an hour. */
export const KEYS_CACHE = "public, max-age=3600";
/** The revocation list must show a revocation soon: a minute. */
export const STATUS_LIST_CACHE = "public, max-age=60";
/** A credential never changes once issued; the issuer profile and kinds of certificate rarely. */
export const DOCUMENT_CACHE = "public, max-age=300";

export function publicJson(body: unknown, cacheControl: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body, null, 2), {
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": cacheControl, ...PUBLIC_CORS, ...headers },
  });
}

/** The 404 of a machine-readable address: plain text, readable cross-origin too. */
export function publicNotFound(): Response {
  return new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", ...PUBLIC_CORS } });
}
