/**
 * The abuse limits and their defaults (decision 0021). Each is "points per seconds": so many actions
 * by one address (…-ip) or one account (…-account) within the window. RATE_LIMITS overrides any of
 * them, e.g. `RATE_LIMITS="login-ip=100/900,search-ip=300/60"` (validated in env.server.ts).
 */
export const LIMIT_DEFAULTS = {
  /** Login attempts from one address, across accounts (a successful one is given back). */
  "login-ip": [50, 15 * 60],
  /** Login attempts by one address on one account (a success starts again) before each further one must wait a gap, doubling each time. */
  "login-pair": [3, 24 * 60 * 60],
  /** Login attempts on one account from all addresses (successes given back) before a login needs the proof-of-work challenge. */
  "login-account": [10, 60 * 60],
  /** Accounts registered from one address. */
  "register-ip": [10, 60 * 60],
  /** Password checks outside the login form (password change, reset) by one address and one account. */
  "password-ip": [20, 60 * 60],
  "password-account": [10, 60 * 60],
  /** Pledges created. */
  "pledge-ip": [30, 60 * 60],
  "pledge-account": [20, 60 * 60],
  /** Uploads: statement imports, covers, evidence. */
  "upload-ip": [60, 60 * 60],
  "upload-account": [40, 60 * 60],
  /** Public work: catalogue searches, CSV exports, receipt PDFs. */
  "search-ip": [120, 60],
  "export-ip": [30, 10 * 60],
  "export-account": [20, 10 * 60],
  "pdf-ip": [60, 10 * 60],
  "pdf-account": [40, 10 * 60],
  /** Certificate look-ups by verification code (/verify, its page, its credential): a person checks a few; guessing codes is stopped. */
  "verify-ip": [60, 60],
} as const satisfies Record<string, readonly [number, number]>;

export type LimitName = keyof typeof LIMIT_DEFAULTS;
export type LimitSetting = { points: number; duration: number };
export type LimitSettings = Record<LimitName, LimitSetting>;

/** Under NODE_ENV=test every limit is far out of reach unless a test sets its own (RATE_LIMITS). */
const TEST_POINTS = 100_000;

function isLimitName(name: string): name is LimitName {
  return Object.hasOwn(LIMIT_DEFAULTS, name);
}

/** Reads RATE_LIMITS ("name=points/seconds,…"); the problems found, if any, for the start-up message. */
export function parseLimits(value: string | undefined, nodeEnv: string): { limits: LimitSettings; problems: string[] } {
  const limits = Object.fromEntries(
    Object.entries(LIMIT_DEFAULTS).map(([name, [points, duration]]) => [name, { points: nodeEnv === "test" ? TEST_POINTS : points, duration }]),
  ) as LimitSettings;
  const problems: string[] = [];
  for (const entry of (value ?? "").split(",").map((part) => part.trim()).filter(Boolean)) {
    const match = /^([a-z-]+)=(\d{1,7})\/(\d{1,8})$/.exec(entry);
    if (!match) {
      problems.push(`"${entry}" is not name=points/seconds (e.g. login-ip=50/900)`);
      continue;
    }
    const [, name, points, seconds] = match;
    if (!isLimitName(name!)) problems.push(`"${name}" is not a limit; the limits are ${Object.keys(LIMIT_DEFAULTS).join(", ")}`);
    else if (Number(points) < 1 || Number(seconds) < 1) problems.push(`${name}: points and seconds must be at least 1`);
    else limits[name] = { points: Number(points), duration: Number(seconds) };
  }
  return { limits, problems };
}
