/**
 * Messages are translation keys ("validation.required"). One that needs a value travels as
 * `key|{"maxVnd":100000000000}`: the page translates the key and formats the values for its reader
 * (app/utils/messages.ts). Plain strings, so they pass through zod issues and JSON unchanged.
 */
export function messageWithParams(key: string, params: Record<string, string | number>): string {
  return `${key}|${JSON.stringify(params)}`;
}

export function parseMessage(message: string): { key: string; params: Record<string, string | number> } {
  const bar = message.indexOf("|");
  if (bar < 0) return { key: message, params: {} };
  try {
    const params = JSON.parse(message.slice(bar + 1)) as unknown;
    if (!params || typeof params !== "object" || Array.isArray(params)) return { key: message.slice(0, bar), params: {} };
    const clean: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(params)) if (typeof value === "string" || typeof value === "number") clean[name] = value;
    return { key: message.slice(0, bar), params: clean };
  } catch {
    return { key: message.slice(0, bar), params: {} };
  }
}
