import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { z } from "zod";
import { parseRetiredKeys } from "#services/certificates/keys";
import { type LimitSettings, parseLimits } from "./limits-config.server";

/**
 * The app's configuration, validated once at start-up (entry.server imports this module).
 * Production refuses to start without its secrets; development gets its values from scripts/start.mjs.
 */
const schema = z
  .object({
    NODE_ENV: z.enum(["production", "development", "test"]).default("development"),
    MONGODB_URI: z
      .string({ required_error: "MONGODB_URI is required: a mongodb:// or mongodb+srv:// address (npm start sets it for the embedded database)" })
      .regex(/^mongodb(\+srv)?:\/\//, "MONGODB_URI must start with mongodb:// or mongodb+srv://"),
    SESSION_SECRET: z.string().optional(),
    APP_URL: z.string().url("APP_URL must be a full address such as https://gopsuc.vn").default("http://localhost:3000"),
    STRIPE_SECRET_KEY: z.string().startsWith("sk_", "STRIPE_SECRET_KEY must start with sk_").optional(),
    STRIPE_PUBLISHABLE_KEY: z.string().startsWith("pk_", "STRIPE_PUBLISHABLE_KEY must start with pk_").optional(),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "STRIPE_WEBHOOK_SECRET must start with whsec_").optional(),
    /** An explicit, labelled demo mode: card payments are simulated in this process (app/demo/stripe.server.ts). */
    DEMO_MODE: z.enum(["true", "false"]).default("false").transform((value) => value === "true"),
    /** The address the server listens on (remix-serve reads it): npm start sets 127.0.0.1 unless told otherwise. */
    HOST: z.string().optional(),
    /** Where the embedded database keeps its files (npm start sets it; unset on MongoDB): /healthz reads their schema (services/database-indexes.ts). */
    EMBEDDED_DATA_DIR: z.string().optional(),
    /** Demo mode only: the secret demo webhooks are signed with (random per process when unset; read by services/stripe.ts). */
    DEMO_WEBHOOK_SECRET: z.string().startsWith("whsec_", "DEMO_WEBHOOK_SECRET must start with whsec_").optional(),
    /** How often the sweeper runs in this server (services/money/sweeper.ts); 0 turns it off here. Off under tests, which run it themselves. */
    /** Mail (services/mail): an SMTP server, e.g. smtps://user:pass@smtp.example.net:465. Without it, outside production, mail stays in the demo outbox. */
    SMTP_URL: z
      .string()
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "smtp:" || url.protocol === "smtps:") && url.hostname !== "";
        } catch {
          return false;
        }
      }, "SMTP_URL must be an address such as smtps://user:password@smtp.example.net:465 (smtp:// or smtps://)")
      .optional(),
    /** The sender of every mail: an address, or a name and an address ("Góp Sức <no-reply@gopsuc.vn>"). */
    /**
     * The key recognition certificates are signed with (J3, issue 11): an Ed25519 private key, PKCS#8 PEM
     * ("\n" may stand for the line breaks). Required in production; the demo and development get one per
     * installation from npm start (.data/signing-key.pem), or a random one per process.
     */
    SIGNING_KEY: z
      .string()
      .transform((value) => value.replace(/\\n/g, "\n").trim())
      .refine((value) => isEd25519PrivateKey(value), "SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM, e.g. from: openssl genpkey -algorithm ed25519")
      .optional(),
    /**
     * Public keys certificates were signed with before the current SIGNING_KEY (a rotation): still
     * published (JWKS, did.json) so older certificates verify. A JWKS, a JSON array of JWKs, or PEM
     * public keys (services/certificates/keys.ts parseRetiredKeys).
     */
    SIGNING_KEYS_RETIRED: z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseRetiredKeys(value);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: `SIGNING_KEYS_RETIRED: ${(error as Error).message}` });
        }
      })
      .optional(),
    MAIL_FROM: z
      .string()
      .regex(/^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/, "MAIL_FROM must be an address, or a name and an address: Góp Sức <no-reply@gopsuc.vn>")
      .optional(),
    SWEEPER_INTERVAL_MS: z.coerce.number({ invalid_type_error: "SWEEPER_INTERVAL_MS must be a number of milliseconds" }).int().min(0).optional(),
    /** Abuse limits that differ from the defaults: "login-ip=50/900,search-ip=120/60" (app/utils/limits-config.server.ts). */
    RATE_LIMITS: z.string().optional(),
    /** After the free failed logins of one (account, address): the first wait and the longest, in seconds ("30/3600"). */
    LOGIN_BACKOFF: z.string().regex(/^\d{1,6}\/\d{1,6}$/, "LOGIN_BACKOFF must be first/longest wait in seconds, e.g. 30/3600").default("30/3600"),
    /** How hard the login challenge is: the largest number a browser may have to try (about 0.1 s per 100,000). */
    CHALLENGE_MAX_NUMBER: z.coerce.number({ invalid_type_error: "CHALLENGE_MAX_NUMBER must be a number" }).int().min(1000).max(10_000_000).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production") {
      if (!env.SESSION_SECRET || env.SESSION_SECRET.length < 32) {
        ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "SESSION_SECRET is required in production: at least 32 random characters" });
      }
      // The labelled demo (simulated Stripe) may run locally (npm start), never on a public address.
      if (env.DEMO_MODE && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(env.APP_URL)) {
        ctx.addIssue({ code: "custom", path: ["DEMO_MODE"], message: "DEMO_MODE cannot be on in production (only on http://localhost)" });
      }
      // …and only where nobody else can reach it: a server listening on every interface (no HOST) is public.
      if (env.DEMO_MODE && !["127.0.0.1", "localhost", "::1"].includes(env.HOST ?? "")) {
        ctx.addIssue({ code: "custom", path: ["HOST"], message: "DEMO_MODE runs only on this machine: set HOST=127.0.0.1 (npm start does), or give the Stripe keys" });
      }
      // Card payments are on once a Stripe key is given: then every key they need is required.
      if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET) {
        ctx.addIssue({ code: "custom", path: ["STRIPE_WEBHOOK_SECRET"], message: "STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY: without it no payment is ever booked" });
      }
      if (env.STRIPE_WEBHOOK_SECRET && !env.STRIPE_SECRET_KEY) {
        ctx.addIssue({ code: "custom", path: ["STRIPE_SECRET_KEY"], message: "STRIPE_SECRET_KEY is required with STRIPE_WEBHOOK_SECRET" });
      }
      // Password reset, email verification and reminders need mail; the demo outbox never runs in production
      // (except the labelled demo, which production allows only on this machine: see DEMO_MODE above).
      // Certificates must verify for years: their key is the institution's to keep, never made up at start.
      if (!env.DEMO_MODE && !env.SIGNING_KEY) {
        ctx.addIssue({ code: "custom", path: ["SIGNING_KEY"], message: "SIGNING_KEY is required in production: the Ed25519 private key recognition certificates are signed with (openssl genpkey -algorithm ed25519)" });
      }
      if (!env.DEMO_MODE && !env.SMTP_URL) {
        ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: "SMTP_URL is required in production: password reset, email verification and pledge reminders are mailed (smtps://user:password@smtp.example.net:465)" });
      }
    }
    if (env.SMTP_URL && !env.MAIL_FROM) {
      ctx.addIssue({ code: "custom", path: ["MAIL_FROM"], message: "MAIL_FROM is required with SMTP_URL: the sender of every mail, e.g. Góp Sức <no-reply@gopsuc.vn>" });
    } else if (env.SESSION_SECRET !== undefined && env.SESSION_SECRET.length < 16) {
      ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "SESSION_SECRET must be at least 16 characters" });
    }
  });

export type Env = Omit<z.infer<typeof schema>, "RATE_LIMITS" | "LOGIN_BACKOFF" | "CHALLENGE_MAX_NUMBER"> & {
  SESSION_SECRET: string;
  SIGNING_KEY: string;
  SWEEPER_INTERVAL_MS: number;
  RATE_LIMITS: LimitSettings;
  LOGIN_BACKOFF: { firstSeconds: number; longestSeconds: number };
  CHALLENGE_MAX_NUMBER: number;
};

function isEd25519PrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "ed25519";
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Góp Sức cannot start — fix its configuration:\n${problems.map((p) => `  • ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment (process.env by default); throws a ConfigError naming every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty variable (STRIPE_SECRET_KEY= in a .env file) means "not set".
  const result = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([, value]) => value !== "")));
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  // Outside production a missing secret gets a per-process random one (sessions end at restart).
  const SESSION_SECRET = result.data.SESSION_SECRET ?? crypto.randomUUID() + crypto.randomUUID();
  const SWEEPER_INTERVAL_MS = result.data.SWEEPER_INTERVAL_MS ?? (result.data.NODE_ENV === "test" ? 0 : 5 * 60_000);
  const limits = parseLimits(result.data.RATE_LIMITS, result.data.NODE_ENV);
  if (limits.problems.length) throw new ConfigError(limits.problems.map((problem) => `RATE_LIMITS: ${problem}`));
  const [firstSeconds, longestSeconds] = result.data.LOGIN_BACKOFF.split("/").map(Number) as [number, number];
  if (!(firstSeconds >= 1 && longestSeconds >= firstSeconds)) throw new ConfigError(["LOGIN_BACKOFF: the first wait must be at least 1 second and the longest at least the first"]);
  // Quick under tests (a test solves the challenge itself); in a browser 100,000 takes a fraction of a second.
  const CHALLENGE_MAX_NUMBER = result.data.CHALLENGE_MAX_NUMBER ?? (result.data.NODE_ENV === "test" ? 5_000 : 100_000);
  // Outside production (and in the labelled demo) a missing signing key is made for this process.
  const SIGNING_KEY = result.data.SIGNING_KEY ?? generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { ...result.data, SESSION_SECRET, SIGNING_KEY, SWEEPER_INTERVAL_MS, RATE_LIMITS: limits.limits, LOGIN_BACKOFF: { firstSeconds, longestSeconds }, CHALLENGE_MAX_NUMBER };
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}

/** What the browser may know. Nothing secret goes here. */
export function publicEnv() {
  const { NODE_ENV, DEMO_MODE } = env();
  return { NODE_ENV, DEMO_MODE };
}
