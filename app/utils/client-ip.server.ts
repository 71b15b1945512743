/**
 * The address a request came from, as scripts/serve.mjs saw it (it overwrites `X-Client-IP` on every
 * request with express's `req.ip`, which honours TRUST_PROXY). Requests that did not pass through that
 * server (tests calling loaders directly) carry whatever the caller set, or "unknown".
 */
export function clientIp(request: Request): string {
  const value = request.headers.get("x-client-ip")?.trim();
  return value ? value.slice(0, 64) : "unknown";
}
