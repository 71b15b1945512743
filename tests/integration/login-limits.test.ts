import { solveChallenge } from "altcha-lib";
import argon2 from "argon2";
import mongoose from "mongoose";
import { describe, expect, test, vi } from "vitest";

// This file's own limits (the app reads its configuration once per process; other files keep the
// generous test defaults). Set before any module reads the environment.
vi.hoisted(() => {
  // Windows of a day (fixed windows: a test never straddles the end of one, except at midnight UTC).
  process.env.RATE_LIMITS = "login-ip=12/86400,login-pair=3/86400,login-account=10/86400,register-ip=3/86400,pledge-account=2/86400,search-ip=5/86400,pdf-account=3/86400,export-ip=3/86400,upload-account=2/86400,password-account=3/86400,verify-ip=3/86400";
  process.env.LOGIN_BACKOFF = "30/3600";
});

import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { RateLimit, RateLimiterMongoose, windowOf } from "#models/rate-limit.server";
import { User } from "#models/user.server";
import { explainFind } from "#services/database-indexes";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { action as passwordAction } from "~/routes/account_.password";
import { action as loginAction } from "~/routes/login";
import { loader as exportLoader } from "~/routes/manage.institutions.$id.export[.]csv";
import { action as reconcileAction } from "~/routes/manage.institutions.$id.reconcile";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { loader as catalogueLoader } from "~/routes/programmes._index";
import { loader as receiptPdfLoader } from "~/routes/receipts.$number_.pdf";
import { loader as verifyCodeLoader } from "~/routes/verify.$code";
import { loader as verifyCredentialLoader } from "~/routes/verify.$code.credential";
import { loader as verifyFormLoader } from "~/routes/verify._index";
import { newVerificationCode } from "#models/certificate.server";
import { action as registerAction } from "~/routes/register";
import { i18nInstance } from "~/utils/i18n.server";
import { translateMessage } from "~/utils/messages";
import { limitKey } from "~/utils/rate-limit.server";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, multipartRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const from = (ip: string) => ({ headers: { "X-Client-IP": ip } });

function login(email: string, password: string, ip: string, extra: Record<string, string> = {}) {
  return formRequest("/login", { email, password, ...extra }, from(ip)).then((request) => responseOf(loginAction(args(request))));
}

async function inBoth(message: string) {
  const [vi, en] = await Promise.all([i18nInstance("vi"), i18nInstance("en")]);
  return { vi: translateMessage(vi.t, vi, message), en: translateMessage(en.t, en, message) };
}

const json = (response: Response) => response.json() as Promise<{ formError: string }>;
const signedIn = (response: Response) => response.status === 302 && response.headers.getSetCookie().some((c) => c.startsWith("__session="));

/** The browser's part: solve the challenge the page was given and build the hidden field's value. */
async function solve(challenge: { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string }, wrong = false) {
  const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
  expect(solution).not.toBeNull();
  return Buffer.from(JSON.stringify({ algorithm: challenge.algorithm, challenge: challenge.challenge, number: solution!.number + (wrong ? 1 : 0), salt: challenge.salt, signature: challenge.signature })).toString("base64");
}

describe("login: per address across accounts", () => {
  test("the 13th attempt from one address is refused with 429 and Retry-After, in Vietnamese and English; another address still logs in", async () => {
    const owner = await createTestUser();
    for (let i = 0; i < 12; i += 1) {
      expect((await login(`nobody${i}@example.vn`, "sai-mat-khau-1", "10.1.0.1")).status).toBe(400);
    }
    const refused = await login(owner.email, owner.password, "10.1.0.1");
    expect(refused.status).toBe(429);
    // What is left of the window (fixed, the same on every instance).
    const wait = Number(refused.headers.get("Retry-After"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(86_400);
    const body = await refused.json();
    expect(body.formError).toMatch(/^limits\.tryAgain(Minutes|Seconds)\|/);
    expect(body.values).toEqual({ email: owner.email });
    const shown = await inBoth(body.formError);
    expect(shown.vi).toMatch(/^Bạn đã thử quá nhiều lần\. Vui lòng thử lại sau \d+ (phút|giây)\.$/);
    expect(shown.en).toMatch(/^Too many attempts\. Please try again in \d+ (minutes|seconds)\.$/);
    expect(signedIn(await login(owner.email, owner.password, "10.1.0.2"))).toBe(true);
  }, 90_000);
});

describe("login: per account and address, waits that double", () => {
  test("after 3 free failures this address must wait, longer with every attempt; the owner elsewhere is not affected", async () => {
    const owner = await createTestUser();
    for (let i = 0; i < 3; i += 1) expect((await login(owner.email, `sai-${i}`, "10.2.0.1")).status).toBe(400);
    // Even the right password waits: it is not checked.
    const waiting = await login(owner.email, owner.password, "10.2.0.1");
    expect(waiting.status).toBe(429);
    expect(waiting.headers.get("Retry-After")).toBe("60");
    expect((await waiting.json()).formError).toBe('limits.tryAgainSeconds|{"seconds":60}');
    expect(await inBoth('limits.tryAgainSeconds|{"seconds":60}')).toEqual({
      vi: "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau 60 giây.",
      en: "Too many attempts. Please try again in 60 seconds.",
    });
    // The owner, from their own address, logs in at once.
    expect(signedIn(await login(owner.email, owner.password, "10.2.0.2"))).toBe(true);

    // The minute passes (the last attempt's slot is moved back in time): one more is checked, and the
    // next must wait longer.
    const { window } = windowOf(`login-pair:${limitKey(owner.email, "10.2.0.1")}`, 86_400_000);
    await RateLimit.updateOne({ _id: `${window}#4` }, { $set: { at: new Date(Date.now() - 61_000) } });
    expect((await login(owner.email, "sai-5", "10.2.0.1")).status).toBe(400);
    const longer = await login(owner.email, "sai-6", "10.2.0.1");
    expect(longer.status).toBe(429);
    expect(longer.headers.get("Retry-After")).toBe("240");
    expect((await json(longer)).formError).toBe('limits.tryAgainMinutes|{"minutes":4}');
  }, 90_000);

  test("20 attempts at once from one address, 19 wrong then the right one: 3 are checked, one at a time, and none gets in; the owner elsewhere does", async () => {
    const owner = await createTestUser();
    let running = 0;
    let most = 0;
    let checked = 0;
    const verify = argon2.verify.bind(argon2);
    const spy = vi.spyOn(argon2, "verify").mockImplementation(async (...call: Parameters<typeof argon2.verify>) => {
      running += 1;
      checked += 1;
      most = Math.max(most, running);
      try {
        return await verify(...call);
      } finally {
        running -= 1;
      }
    });
    try {
      const wrong = await Promise.all(Array.from({ length: 19 }, (_, i) => formRequest("/login", { email: owner.email, password: `sai-${i}` }, from("10.3.0.1"))));
      const right = await formRequest("/login", { email: owner.email, password: owner.password }, from("10.3.0.1"));
      const wrongAnswers = wrong.map((request) => responseOf(loginAction(args(request))));
      // The right one arrives while the 19 are still being answered, once this address's free attempts
      // have been counted (their slots exist).
      const { window } = windowOf(`login-pair:${limitKey(owner.email, "10.3.0.1")}`, 86_400_000);
      await vi.waitFor(async () => expect(await RateLimit.findById(`${window}#3`).lean()).not.toBeNull(), { timeout: 15_000, interval: 5 });
      const rightAnswer = responseOf(loginAction(args(right)));
      const responses = await Promise.all([...wrongAnswers, rightAnswer]);
      expect(responses.some(signedIn)).toBe(false);
      expect(responses.at(-1)!.status).toBe(429);
      expect(responses.filter((r) => r.status === 400)).toHaveLength(3);
      expect(responses.filter((r) => r.status === 429)).toHaveLength(17);
      expect(checked).toBe(3);
      expect(most).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(signedIn(await login(owner.email, owner.password, "10.3.0.2"))).toBe(true);
  }, 90_000);
});

describe("login: per account from all addresses, a challenge instead of a refusal", () => {
  test("after 10 failures from 10 addresses the owner must solve the challenge, then gets in; a wrong or reused solution is refused", async () => {
    const owner = await createTestUser();
    for (let i = 0; i < 10; i += 1) expect((await login(owner.email, "sai-mat-khau", `10.4.0.${i + 1}`)).status).toBe(400);

    const asked = await login(owner.email, owner.password, "10.4.1.1");
    expect(asked.status).toBe(400);
    expect(signedIn(asked)).toBe(false);
    const { formError, challenge, waitMinutes } = await asked.json();
    expect(formError).toBe("limits.challenge");
    expect(waitMinutes).toBeGreaterThan(0);
    expect(waitMinutes).toBeLessThanOrEqual(1440);
    expect(challenge).toMatchObject({ algorithm: "SHA-256", maxnumber: 5000 });

    // A wrong solution: asked again, the password not checked.
    const wrong = await login(owner.email, owner.password, "10.4.1.1", { altcha: await solve(challenge, true) });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).formError).toBe("limits.challenge");

    const solution = await solve(challenge);
    const inside = await login(owner.email, owner.password, "10.4.1.1", { altcha: solution });
    expect(signedIn(inside)).toBe(true);
    // Spent: the same solution does not open a second login.
    const again = await login(owner.email, owner.password, "10.4.1.2", { altcha: solution });
    expect(signedIn(again)).toBe(false);
    expect((await again.json()).formError).toBe("limits.challenge");
  }, 90_000);
});

describe("login never tells whether an email has an account", () => {
  /** What a visitor sees of an answer: status, Retry-After, the message; a challenge's random fields left out. */
  async function visible(response: Response) {
    const body = await response.json();
    return { status: response.status, retryAfter: response.headers.get("Retry-After"), formError: body.formError, challenge: body.challenge ? Object.keys(body.challenge).sort() : null, waitMinutes: body.waitMinutes ?? null };
  }

  test("an unknown email and a known one with a wrong password get the same answers, the same work, through the limits and the challenge", async () => {
    const known = await createTestUser();
    const unknown = "khong-ai-ca@example.vn";
    const spy = vi.spyOn(argon2, "verify");
    try {
      const trail = async (email: string, octet: number) => {
        const answers = [];
        // Wrong passwords from one address: free, then the wait.
        for (let i = 0; i < 5; i += 1) answers.push(await visible(await login(email, `sai-${i}`, `10.5.${octet}.1`)));
        // More from other addresses until the challenge.
        for (let i = 0; i < 8; i += 1) answers.push(await visible(await login(email, "sai", `10.5.${octet}.${i + 2}`)));
        return answers;
      };
      spy.mockClear();
      const forKnown = await trail(known.email, 1);
      const knownChecks = spy.mock.calls.length;
      spy.mockClear();
      const forUnknown = await trail(unknown, 2);
      expect(spy.mock.calls.length).toBe(knownChecks);
      expect(forUnknown).toEqual(forKnown);
      expect(forKnown.map((a) => a.status)).toEqual([400, 400, 400, 429, 429, 400, 400, 400, 400, 400, 400, 400, 400]);
      expect(forKnown.at(-1)!.formError).toBe("limits.challenge");
      expect(forKnown[0]!.formError).toBe("auth.invalidCredentials");
    } finally {
      spy.mockRestore();
    }
  }, 90_000);
});

describe("limits are shared by every instance", () => {
  test("two servers' limiters count the same requests, exactly, even all at once", async () => {
    // Two limiters made from nothing but the configuration, as two servers would have.
    const [one, two] = [0, 1].map(() => new RateLimiterMongoose({ keyPrefix: "login-ip", points: 12, duration: 86_400 }));
    const key = limitKey("10.6.0.1");
    const counts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one! : two!).consume(key).then((res) => res.consumedPoints)));
    expect([...counts].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // This server's login sees them: two more attempts from that address, then it waits.
    expect((await login("ai-do@example.vn", "sai", "10.6.0.1")).status).toBe(400);
    expect((await login("ai-do@example.vn", "sai", "10.6.0.2")).status).toBe(400);
    expect((await login("ai-khac@example.vn", "sai", "10.6.0.1")).status).toBe(400);
    expect((await login("ai-nua@example.vn", "sai", "10.6.0.1")).status).toBe(429);
  });

  test("a count is read and written by _id alone, which the database serves from its index", async () => {
    const { window } = windowOf(`login-ip:${limitKey("10.6.1.1")}`, 86_400_000);
    const filters: string[] = [];
    mongoose.set("debug", (collection: string, method: string, query: Record<string, unknown>) => {
      if (collection === "rate_limits" && method !== "insertOne") filters.push(`${method} ${Object.keys(query).join(",")}`);
    });
    try {
      expect((await login("explain@example.vn", "sai", "10.6.1.1")).status).toBe(400);
    } finally {
      mongoose.set("debug", false);
    }
    expect(filters.length).toBeGreaterThan(3);
    expect(filters.filter((filter) => !filter.endsWith(" _id"))).toEqual([]);
    expect(await explainFind("rate_limits", { _id: `${window}#1` })).toMatchObject({ indexed: true });
    expect((await RateLimit.findById(window).lean())?.points).toBe(1);
  });

  test("the sweeper deletes expired counters and keeps live ones", async () => {
    await RateLimit.create([
      { _id: "login-ip:expired-one", points: 3, expire: new Date(Date.now() - 60_000) },
      { _id: "login-ip:live-one", points: 3, expire: new Date(Date.now() + 3_600_000) },
    ]);
    await runSweep({ now: () => new Date(Date.now() + 5 * SWEEPER_LEASE_MS) });
    expect(await RateLimit.findById("login-ip:expired-one").lean()).toBeNull();
    expect(await RateLimit.findById("login-ip:live-one").lean()).not.toBeNull();
  });
});

describe("other limits", () => {
  test("registration: the 4th account from one address is refused with 429, nothing created", async () => {
    for (let i = 0; i < 3; i += 1) {
      const made = await responseOf(registerAction(args(await formRequest("/register", { name: "Người Thử", email: `dk${i}@example.vn`, password: "mot-mat-khau-dai" }, from("10.7.0.1")))));
      expect(made.status).toBe(302);
    }
    const before = await User.countDocuments();
    const refused = await responseOf(registerAction(args(await formRequest("/register", { name: "Người Thử", email: "dk3@example.vn", password: "mot-mat-khau-dai" }, from("10.7.0.1")))));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await refused.json()).formError).toMatch(/^limits\.tryAgain(Minutes|Seconds)\|/);
    expect(await User.countDocuments()).toBe(before);
    // Another address registers.
    expect((await responseOf(registerAction(args(await formRequest("/register", { name: "Người Thử", email: "dk4@example.vn", password: "mot-mat-khau-dai" }, from("10.7.0.2")))))).status).toBe(302);
  });

  test("password change: after 3 checks of the current password in the window, the 4th is refused with 429 — even the right one — from any address, and nothing changes", async () => {
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    const change = async (current: string, ip: string) =>
      responseOf(passwordAction(args(await formRequest("/account/password", { currentPassword: current, newPassword: "mat-khau-moi-dai-du-1", confirmPassword: "mat-khau-moi-dai-du-1" }, { cookie, ...from(ip) }))));
    for (let i = 0; i < 3; i += 1) expect((await change(`sai-${i}`, `10.9.0.${i + 1}`)).status).toBe(400);
    const hashBefore = (await User.findById(user.id).lean())!.passwordHash;
    const refused = await change(user.password, "10.9.0.9");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await refused.json()).formError).toMatch(/^limits\.tryAgain(Minutes|Seconds)\|/);
    expect((await User.findById(user.id).lean())!.passwordHash).toBe(hashBefore);
  });

  test("pledges: the 3rd pledge by one account in its window is refused with 429, none made", async () => {
    const institution = await createInstitution({ name: "Thư viện Giới Hạn" });
    const slug = `gioi-han-${String(institution._id).slice(-6)}`;
    const programme = await Programme.create({ institutionId: institution._id, slug, title: "Sách mới", startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 100_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
    const donor = await createTestUser();
    const cookie = await sessionCookieFor(donor.id);
    const body = { donorKind: "organisation", legalName: "Công ty Thử", taxCode: "0100109106", email: "csr@thu.vn", visibility: "anonymous", kind: "cash_once", amount: "500.000" };
    for (let i = 0; i < 2; i += 1) {
      expect((await responseOf(pledgeAction(args(await formRequest(`/programmes/${slug}/pledge`, body, { cookie, headers: { "X-Client-IP": `10.8.0.${i}` } }), { slug })))).status).toBe(302);
    }
    const refused = await responseOf(pledgeAction(args(await formRequest(`/programmes/${slug}/pledge`, body, { cookie, headers: { "X-Client-IP": "10.8.0.9" } }), { slug })));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    const failure = await refused.json();
    expect(failure.formError).toMatch(/^limits\.tryAgain/);
    expect(failure.values).toMatchObject({ legalName: "Công ty Thử", amount: "500.000" });
    expect(await Pledge.countDocuments({ programmeId: programme._id })).toBe(2);
  });

  test("uploads: a manager's 3rd bank statement in the window is refused with 429 before it is read", async () => {
    const institution = await createInstitution({ name: "Thư viện Tải Lên" });
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const cookie = await sessionCookieFor(manager.id);
    const path = `/manage/institutions/${institution._id}/reconcile`;
    const upload = async () =>
      responseOf(reconcileAction(args(await multipartRequest(path, { intent: "preview", layout: "vietcombank", statement: new Blob(["Ngày,Số tiền,Nội dung\n"], { type: "text/csv" }) }, { cookie, filename: "saoke.csv" }), { id: String(institution._id) })));
    for (let i = 0; i < 2; i += 1) expect((await upload()).status).not.toBe(429);
    const refused = await upload();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect((await refused.json()).formError).toMatch(/^limits\.tryAgain(Minutes|Seconds)\|/);
  });

  test("catalogue search: the 6th search in its window from one address gets the 429 page (Retry-After, a message in both languages)", async () => {
    const search = (ip: string) => responseOf(catalogueLoader(args(new Request("http://localhost:3000/programmes?q=sach", { headers: { "X-Client-IP": ip } }))));
    for (let i = 0; i < 5; i += 1) expect((await search("10.9.0.1")).status).toBe(200);
    const refused = await search("10.9.0.1");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    const message = await refused.text();
    expect(message).toMatch(/^limits\.tryAgain(Minutes|Seconds)\|/);
    const shown = await inBoth(message);
    expect(shown.vi).toMatch(/^Bạn đã thử quá nhiều lần\. Vui lòng thử lại sau \d+ (phút|giây)\.$/);
    expect(shown.en).toMatch(/^Too many attempts\. Please try again in \d+ (minutes|seconds)\.$/);
    expect((await search("10.9.0.2")).status).toBe(200);
  });

  test("certificate look-ups by code (/verify, its page, its credential) from one address: the 4th in the window is refused with 429; another address still checks", async () => {
    const code = newVerificationCode(); // well formed, issued to nobody: still counted
    const lookUp = (ip: string, which: "page" | "form" | "credential") => {
      const headers = { "X-Client-IP": ip };
      if (which === "form") return responseOf(verifyFormLoader(args(new Request(`http://localhost:3000/verify?code=${code}`, { headers }))));
      if (which === "credential") return responseOf(verifyCredentialLoader(args(new Request(`http://localhost:3000/verify/${code}/credential`, { headers }), { code })));
      return responseOf(verifyCodeLoader(args(new Request(`http://localhost:3000/verify/${code}`, { headers }), { code })));
    };
    // The form sends a well-formed code on to its page (302); the page and the credential do not know it (404).
    expect((await lookUp("10.11.0.1", "form")).status).toBe(302);
    expect((await lookUp("10.11.0.1", "page")).status).toBe(404);
    expect((await lookUp("10.11.0.1", "credential")).status).toBe(404);
    const page = await lookUp("10.11.0.1", "page");
    expect(page.status).toBe(429);
    expect(Number(page.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await inBoth(await page.text())).en).toMatch(/^Too many attempts\. Please try again in \d+ (minutes|seconds)\.$/);
    const credential = await lookUp("10.11.0.1", "credential");
    expect(credential.status).toBe(429);
    expect(await credential.text()).toMatch(/^Bạn đã thử quá nhiều lần\. Vui lòng thử lại sau \d+ (phút|giây)\.$/);
    expect((await lookUp("10.11.0.1", "form")).status).toBe(429);
    // Opening the empty form is not a look-up; another address is not held back.
    expect((await responseOf(verifyFormLoader(args(new Request("http://localhost:3000/verify", { headers: { "X-Client-IP": "10.11.0.1" } }))))).status).toBe(200);
    expect((await lookUp("10.11.0.2", "page")).status).toBe(404);
  });

  test("receipt PDFs (per account) and CSV exports (per address): 429 with the sentence in the reader's language", async () => {
    const donor = await createTestUser();
    const cookie = await sessionCookieFor(donor.id);
    const pdf = (lng = "") => responseOf(receiptPdfLoader(args(getRequest(`/receipts/R-0000000000000001/pdf${lng}`, cookie), { number: "R-0000000000000001" })));
    for (let i = 0; i < 3; i += 1) expect((await pdf()).status).toBe(404); // someone else's or none: still counted
    const vi = await pdf();
    expect(vi.status).toBe(429);
    expect(vi.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await vi.text()).toMatch(/^Bạn đã thử quá nhiều lần\. Vui lòng thử lại sau \d+ (phút|giây)\.$/);
    const en = await pdf("?lng=en");
    expect(en.status).toBe(429);
    expect(await en.text()).toMatch(/^Too many attempts\. Please try again in \d+ (minutes|seconds)\.$/);

    const csv = (ip: string) => responseOf(exportLoader(args(new Request("http://localhost:3000/manage/institutions/000000000000000000000000/export.csv", { headers: { Cookie: cookie, "X-Client-IP": ip } }), { id: "000000000000000000000000" })));
    for (let i = 0; i < 3; i += 1) expect((await csv("10.10.0.1")).status).not.toBe(429);
    const refused = await csv("10.10.0.1");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
    expect(await refused.text()).toMatch(/^Bạn đã thử quá nhiều lần/);
  });
});
