import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, test } from "vitest";
import { ConfigError, parseEnv } from "~/utils/env.server";

const base = { MONGODB_URI: "mongodb://127.0.0.1:27017/gopsuc" };
const signingKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
/** Production mails (decision 0019) and signs certificates (issue 11): an SMTP server never contacted here, a key made for the test. */
const mail = { SMTP_URL: "smtp://127.0.0.1:2525", MAIL_FROM: "Góp Sức <no-reply@gopsuc.vn>", SIGNING_KEY: signingKey };

describe("configuration is checked at start-up", () => {
  test("development runs with only a database address", () => {
    const env = parseEnv({ ...base, NODE_ENV: "development" });
    expect(env.MONGODB_URI).toBe(base.MONGODB_URI);
    expect(env.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(env.DEMO_MODE).toBe(false);
  });

  test("a missing database address is named", () => {
    expect(() => parseEnv({ NODE_ENV: "development" })).toThrow(/MONGODB_URI is required/);
  });

  test("a database address that is not a MongoDB one is refused", () => {
    expect(() => parseEnv({ MONGODB_URI: "postgres://x" })).toThrow(/must start with mongodb:\/\//);
  });

  test("production refuses to start without its session secret, and names every problem at once", () => {
    try {
      parseEnv({ NODE_ENV: "production", STRIPE_SECRET_KEY: "pk_wrong" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/MONGODB_URI/);
      expect(message).toMatch(/STRIPE_SECRET_KEY must start with sk_/);
    }
    expect(() => parseEnv({ ...base, NODE_ENV: "production" })).toThrow(/SESSION_SECRET is required in production/);
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SESSION_SECRET: "short" })).toThrow(/SESSION_SECRET/);
  });

  test("production starts with its secrets; demo mode is never allowed there", () => {
    const secret = "a".repeat(40);
    expect(parseEnv({ ...base, ...mail, NODE_ENV: "production", SESSION_SECRET: secret }).SESSION_SECRET).toBe(secret);
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SESSION_SECRET: secret, DEMO_MODE: "true", APP_URL: "https://gopsuc.vn" })).toThrow(/DEMO_MODE/);
    // …but the local demo (npm start on http://localhost, listening on this machine only) may simulate Stripe.
    expect(parseEnv({ ...base, NODE_ENV: "production", SESSION_SECRET: secret, DEMO_MODE: "true", APP_URL: "http://localhost:3000", HOST: "127.0.0.1" }).DEMO_MODE).toBe(true);
    // Listening on every interface (no HOST, or 0.0.0.0), the demo would let anyone on the network pay with it.
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SESSION_SECRET: secret, DEMO_MODE: "true", APP_URL: "http://localhost:3000" })).toThrow(/HOST=127.0.0.1/);
    expect(() => parseEnv({ ...base, NODE_ENV: "production", SESSION_SECRET: secret, DEMO_MODE: "true", APP_URL: "http://localhost:3000", HOST: "0.0.0.0" })).toThrow(/HOST=127.0.0.1/);
  });

  test("production with card payments refuses to start without every Stripe key they need", () => {
    const production = { ...base, ...mail, NODE_ENV: "production", SESSION_SECRET: "a".repeat(40) };
    expect(() => parseEnv({ ...production, STRIPE_SECRET_KEY: "sk_test_not_a_real_key" })).toThrow(/STRIPE_WEBHOOK_SECRET is required/);
    expect(() => parseEnv({ ...production, STRIPE_WEBHOOK_SECRET: "whsec_not_a_real_secret" })).toThrow(/STRIPE_SECRET_KEY is required/);
    expect(parseEnv({ ...production, STRIPE_SECRET_KEY: "sk_test_not_a_real_key", STRIPE_WEBHOOK_SECRET: "whsec_not_a_real_secret" }).STRIPE_SECRET_KEY).toBe("sk_test_not_a_real_key");
    // Without any, card payment is simply not offered (bank transfer only).
    expect(parseEnv(production).STRIPE_SECRET_KEY).toBeUndefined();
  });
});

describe("the certificate signing key (issue 11 signs with it)", () => {
  const production = { ...base, ...mail, NODE_ENV: "production", SESSION_SECRET: "a".repeat(40) };

  test("production refuses to start without it, or with a key that is not an Ed25519 private key", () => {
    expect(() => parseEnv({ ...production, SIGNING_KEY: undefined })).toThrow(/SIGNING_KEY is required in production/);
    expect(() => parseEnv({ ...production, SIGNING_KEY: "not a key" })).toThrow(/SIGNING_KEY must be an Ed25519 private key/);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => parseEnv({ ...production, SIGNING_KEY: rsa })).toThrow(/SIGNING_KEY must be an Ed25519 private key/);
    // Only the public half, by mistake: refused too.
    const publicHalf = createPublicKey(signingKey).export({ type: "spki", format: "pem" }).toString();
    expect(() => parseEnv({ ...production, SIGNING_KEY: publicHalf })).toThrow(/SIGNING_KEY must be an Ed25519 private key/);
  });

  test("the key given is the key used, also written on one line with \\n for its line breaks", () => {
    const oneLine = signingKey.trim().replaceAll("\n", "\\n");
    const used = parseEnv({ ...production, SIGNING_KEY: oneLine }).SIGNING_KEY;
    const signature = sign(null, Buffer.from("2026/GCN/000123"), createPrivateKey(used));
    expect(verify(null, Buffer.from("2026/GCN/000123"), createPublicKey(signingKey), signature)).toBe(true);
  });

  test("development and the local demo get a key made for the process when none is given", () => {
    const made = parseEnv({ ...base, NODE_ENV: "development" }).SIGNING_KEY;
    expect(createPrivateKey(made).asymmetricKeyType).toBe("ed25519");
    const demo = parseEnv({ ...base, NODE_ENV: "production", SESSION_SECRET: "a".repeat(40), DEMO_MODE: "true", APP_URL: "http://localhost:3000", HOST: "127.0.0.1" }).SIGNING_KEY;
    expect(createPrivateKey(demo).asymmetricKeyType).toBe("ed25519");
  });
});

describe("abuse limits (decision 0021)", () => {
  test("production has the defaults; RATE_LIMITS changes some; tests are out of reach unless they set their own", () => {
    const production = parseEnv({ ...base, NODE_ENV: "development" });
    expect(production.RATE_LIMITS["login-ip"]).toEqual({ points: 50, duration: 900 });
    expect(production.LOGIN_BACKOFF).toEqual({ firstSeconds: 30, longestSeconds: 3600 });
    const tuned = parseEnv({ ...base, RATE_LIMITS: "login-ip=100/600, search-ip=300/60", LOGIN_BACKOFF: "10/600" });
    expect(tuned.RATE_LIMITS["login-ip"]).toEqual({ points: 100, duration: 600 });
    expect(tuned.RATE_LIMITS["search-ip"]).toEqual({ points: 300, duration: 60 });
    expect(tuned.RATE_LIMITS["register-ip"]).toEqual({ points: 10, duration: 3600 });
    expect(tuned.LOGIN_BACKOFF).toEqual({ firstSeconds: 10, longestSeconds: 600 });
    expect(parseEnv({ ...base, NODE_ENV: "test" }).RATE_LIMITS["login-ip"].points).toBe(100_000);
  });

  test("a malformed limit or an unknown name stops the start, named", () => {
    expect(() => parseEnv({ ...base, RATE_LIMITS: "login-ip=lots" })).toThrow(/RATE_LIMITS: "login-ip=lots" is not name=points\/seconds/);
    expect(() => parseEnv({ ...base, RATE_LIMITS: "logins=5/60" })).toThrow(/RATE_LIMITS: "logins" is not a limit; the limits are login-ip/);
    expect(() => parseEnv({ ...base, RATE_LIMITS: "login-ip=0/60" })).toThrow(/at least 1/);
    expect(() => parseEnv({ ...base, LOGIN_BACKOFF: "60/30" })).toThrow(/LOGIN_BACKOFF/);
  });
});
