import argon2 from "argon2";
import { describe, expect, test } from "vitest";
import { Session } from "#models/session.server";
import { User } from "#models/user.server";
import { runSweep } from "#services/money/sweeper";
import { loader as rootLoader } from "~/root";
import { action as passwordAction, loader as passwordLoader } from "~/routes/account_.password";
import { action as sessionsAction, loader as sessionsLoader } from "~/routes/account_.sessions";
import { action as loginAction } from "~/routes/login";
import { action as logoutAction } from "~/routes/logout";
import { getUser, startSession, verifyLogin } from "~/utils/auth.server";
import { BASE, cookiePair, createTestUser, csrfPair, formRequest, getRequest, joinCookies, responseOf } from "#tests/utils/requests";

const args = (request: Request) => ({ request, params: {}, context: {} });
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/** Signs the user in as a browser would: its user agent and address are what the session list shows. */
async function signIn(userId: string, client: { userAgent?: string; ip?: string } = {}) {
  const request = new Request(`${BASE}/login`, { headers: { "User-Agent": client.userAgent ?? FIREFOX, "X-Client-IP": client.ip ?? "203.0.113.7" } });
  return cookiePair(await startSession(request, userId));
}
const sessionIdOf = async (userId: string) => (await Session.find({ userId }).select("_id").lean()).map((s) => String(s._id)).sort();

/** The token the page rendered for this cookie would carry (the root loader's). */
async function pageToken(cookie?: string) {
  const response = await responseOf(rootLoader(args(getRequest("/account", cookie))));
  const body = (await response.json()) as { csrfToken: string };
  return { token: body.csrfToken, setCookie: response.headers.getSetCookie() };
}
function post(path: string, fields: Record<string, string>, { cookie, token }: { cookie: string; token: string }) {
  return new Request(`${BASE}${path}`, { method: "POST", body: new URLSearchParams({ csrf: token, ...fields }), headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie } });
}

describe("expired sessions", () => {
  test("the sweeper's daily pass deletes expired sessions and keeps live ones; an expired one signs no one in", async () => {
    const user = await createTestUser();
    const live = await signIn(user.id);
    const old = await signIn(user.id);
    const [oldId] = (await Session.find({ userId: user.id }).sort({ createdAt: -1 }).limit(1).lean()).map((s) => String(s._id));
    await Session.updateOne({ _id: oldId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await getUser(getRequest("/", old))).toBeNull();

    const report = await runSweep({ full: true });
    expect(report.daily?.sessionsDeleted).toBe(1);
    expect(await Session.exists({ _id: oldId })).toBeNull();
    expect((await getUser(getRequest("/", live)))?.id).toBe(user.id);
  });
});

describe("the list of one's sessions", () => {
  test("shows the user's live sessions only — device, address, this device marked — and not another user's", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const here = await signIn(user.id, { userAgent: FIREFOX, ip: "203.0.113.7" });
    await signIn(user.id, { userAgent: IPHONE, ip: "198.51.100.23" });
    await signIn(other.id, { userAgent: "Someone else's browser", ip: "192.0.2.1" });

    const response = await responseOf(sessionsLoader(args(getRequest("/account/sessions", here))));
    const { sessions } = (await response.json()) as { sessions: Array<{ current: boolean; device: string; ip: string; userAgent: string }> };
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ current: true, userAgent: FIREFOX, ip: "203.0.113.7" });
    expect(sessions[1]).toMatchObject({ current: false, ip: "198.51.100.23" });
    expect(sessions[1]!.device.length).toBeLessThanOrEqual(90); // the long iPhone string is cut for the table
    expect(sessions.some((s) => s.userAgent === "Someone else's browser")).toBe(false);
  });

  test("a visitor who is not signed in is sent to log in", async () => {
    const response = await responseOf(sessionsLoader(args(getRequest("/account/sessions"))));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/login?${new URLSearchParams({ redirectTo: "/account/sessions" })}`);
  });

  test("'last used' moves when it is older than a few minutes, not on every request", async () => {
    const user = await createTestUser();
    const cookie = await signIn(user.id);
    const [id] = await sessionIdOf(user.id);
    const oneMinuteAgo = new Date(Date.now() - 60_000);
    await Session.updateOne({ _id: id }, { $set: { lastUsedAt: oneMinuteAgo } });
    await getUser(getRequest("/", cookie));
    expect((await Session.findById(id).lean())?.lastUsedAt?.getTime()).toBe(oneMinuteAgo.getTime());

    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    await Session.updateOne({ _id: id }, { $set: { lastUsedAt: tenMinutesAgo, ip: "198.51.100.1" } });
    const request = new Request(`${BASE}/`, { headers: { Cookie: cookie, "X-Client-IP": "203.0.113.99" } });
    await getUser(request);
    const touched = await Session.findById(id).lean();
    expect(touched!.lastUsedAt!.getTime()).toBeGreaterThan(tenMinutesAgo.getTime() + 5 * 60_000);
    expect(touched!.ip).toBe("203.0.113.99");
  });
});

describe("ending sessions", () => {
  test("ending another of one's sessions signs that device out; this one stays", async () => {
    const user = await createTestUser();
    const here = await signIn(user.id);
    const there = await signIn(user.id, { userAgent: IPHONE });
    const [hereRow] = await Session.find({ userId: user.id, userAgent: FIREFOX }).lean();
    const [thereRow] = await Session.find({ userId: user.id, userAgent: IPHONE }).lean();

    const response = await responseOf(sessionsAction(args(await formRequest("/account/sessions", { intent: "end", sessionId: String(thereRow!._id) }, { cookie: here }))));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/account/sessions");
    expect(await getUser(getRequest("/", there))).toBeNull();
    expect((await getUser(getRequest("/", here)))?.id).toBe(user.id);
    expect(await sessionIdOf(user.id)).toEqual([String(hereRow!._id)]);
  });

  test("another user's session id in the form changes nothing", async () => {
    const user = await createTestUser();
    const victim = await createTestUser();
    const here = await signIn(user.id);
    const victimCookie = await signIn(victim.id);
    const [victimSession] = await sessionIdOf(victim.id);
    const before = await Session.countDocuments({});

    const response = await responseOf(sessionsAction(args(await formRequest("/account/sessions", { intent: "end", sessionId: victimSession! }, { cookie: here }))));
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie().join(";")).toContain("__toast="); // "not one of your sessions"
    expect(await Session.countDocuments({})).toBe(before);
    expect((await getUser(getRequest("/", victimCookie)))?.id).toBe(victim.id);
  });

  test("'end all others' keeps this session and ends the user's others, nobody else's", async () => {
    const user = await createTestUser();
    const bystander = await createTestUser();
    const here = await signIn(user.id);
    const phone = await signIn(user.id, { userAgent: IPHONE });
    const tablet = await signIn(user.id, { userAgent: "Tablet" });
    const bystanderCookie = await signIn(bystander.id);

    const response = await responseOf(sessionsAction(args(await formRequest("/account/sessions", { intent: "endOthers" }, { cookie: here }))));
    expect(response.status).toBe(302);
    expect(await getUser(getRequest("/", phone))).toBeNull();
    expect(await getUser(getRequest("/", tablet))).toBeNull();
    expect((await getUser(getRequest("/", here)))?.id).toBe(user.id);
    expect((await getUser(getRequest("/", bystanderCookie)))?.id).toBe(bystander.id);
    expect(await Session.countDocuments({ userId: user.id })).toBe(1);
  });

  test("without its CSRF token the form ends nothing", async () => {
    const user = await createTestUser();
    const here = await signIn(user.id);
    await signIn(user.id, { userAgent: IPHONE });
    const response = await responseOf(sessionsAction(args(await formRequest("/account/sessions", { intent: "endOthers" }, { cookie: here, csrf: false }))));
    expect(response.status).toBe(403);
    expect(await Session.countDocuments({ userId: user.id })).toBe(2);
  });
});

describe("changing the password", () => {
  const NEW = "mat-khau-moi-rat-dai-2026";

  test("with the right current password: the new one works, every other session is ended, this one kept", async () => {
    const user = await createTestUser();
    const bystander = await createTestUser();
    const here = await signIn(user.id);
    const phone = await signIn(user.id, { userAgent: IPHONE });
    const bystanderCookie = await signIn(bystander.id);
    expect((await responseOf(passwordLoader(args(getRequest("/account/password", here))))).status).toBe(200);

    const response = await responseOf(passwordAction(args(await formRequest("/account/password", { currentPassword: user.password, newPassword: NEW, confirmPassword: NEW }, { cookie: here }))));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/account");
    expect(await getUser(getRequest("/", phone))).toBeNull();
    expect((await getUser(getRequest("/", here)))?.id).toBe(user.id);
    expect((await getUser(getRequest("/", bystanderCookie)))?.id).toBe(bystander.id);
    const stored = await User.findById(user.id).lean();
    expect(await argon2.verify(stored!.passwordHash, NEW)).toBe(true);
    expect(stored!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyLogin(user.email, user.password)).toMatchObject({ ok: false });
    expect(await verifyLogin(user.email, NEW)).toMatchObject({ ok: true });
  });

  test("a wrong current password is refused with a clear message and changes nothing", async () => {
    const user = await createTestUser();
    const here = await signIn(user.id);
    const phone = await signIn(user.id, { userAgent: IPHONE });
    const hashBefore = (await User.findById(user.id).lean())!.passwordHash;

    const response = await responseOf(passwordAction(args(await formRequest("/account/password", { currentPassword: "khong-phai-mat-khau", newPassword: NEW, confirmPassword: NEW }, { cookie: here }))));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors).toEqual({ currentPassword: ["passwordChange.wrongCurrent"] });
    expect(JSON.stringify(body)).not.toContain(NEW);
    const after = await User.findById(user.id).lean();
    expect(after!.passwordHash).toBe(hashBefore);
    expect((await getUser(getRequest("/", phone)))?.id).toBe(user.id);
  });

  test("the registration rules apply to the new password, and it must be typed the same twice", async () => {
    const user = await createTestUser();
    const here = await signIn(user.id);
    const hashBefore = (await User.findById(user.id).lean())!.passwordHash;
    const short = await responseOf(passwordAction(args(await formRequest("/account/password", { currentPassword: user.password, newPassword: "ngan", confirmPassword: "ngan" }, { cookie: here }))));
    expect(short.status).toBe(400);
    expect((await short.json()).errors.newPassword).toEqual(["validation.passwordTooShort"]);
    const differ = await responseOf(passwordAction(args(await formRequest("/account/password", { currentPassword: user.password, newPassword: NEW, confirmPassword: `${NEW}x` }, { cookie: here }))));
    expect(differ.status).toBe(400);
    expect((await differ.json()).errors.confirmPassword).toEqual(["passwordChange.mismatch"]);
    expect((await User.findById(user.id).lean())!.passwordHash).toBe(hashBefore);
  });
});

describe("the CSRF token is tied to the session", () => {
  test("an attacker's own valid cookie + token pair, sent with the victim's session cookie, is refused and writes nothing", async () => {
    const victim = await createTestUser();
    const victimCookie = await signIn(victim.id);
    await signIn(victim.id, { userAgent: IPHONE });
    const attackerPair = await csrfPair(); // a pair the attacker got from the site, planted in the victim's browser
    const request = post("/account/sessions", { intent: "endOthers" }, { cookie: joinCookies(victimCookie, attackerPair.cookie), token: attackerPair.token });
    expect((await responseOf(sessionsAction(args(request)))).status).toBe(403);
    expect(await Session.countDocuments({ userId: victim.id })).toBe(2);

    const hashBefore = (await User.findById(victim.id).lean())!.passwordHash;
    const change = post("/account/password", { currentPassword: victim.password, newPassword: "mat-khau-cua-ke-tan-cong", confirmPassword: "mat-khau-cua-ke-tan-cong" }, { cookie: joinCookies(victimCookie, attackerPair.cookie), token: attackerPair.token });
    expect((await responseOf(passwordAction(args(change)))).status).toBe(403);
    expect((await User.findById(victim.id).lean())!.passwordHash).toBe(hashBefore);
  });

  test("the token of the attacker's own session is refused with the victim's session cookie", async () => {
    const victim = await createTestUser();
    const attacker = await createTestUser();
    const victimCookie = await signIn(victim.id);
    const attackerToken = (await pageToken(await signIn(attacker.id))).token;
    const response = await responseOf(logoutAction(args(post("/logout", {}, { cookie: victimCookie, token: attackerToken }))));
    expect(response.status).toBe(403);
    expect((await getUser(getRequest("/", victimCookie)))?.id).toBe(victim.id);
  });

  test("the victim's own page token works, and the page sets no CSRF cookie for a signed-in user", async () => {
    const user = await createTestUser();
    const here = await signIn(user.id);
    await signIn(user.id, { userAgent: IPHONE });
    const page = await pageToken(here);
    expect(page.setCookie.some((c) => c.startsWith("csrf="))).toBe(false);
    const response = await responseOf(sessionsAction(args(post("/account/sessions", { intent: "endOthers" }, { cookie: here, token: page.token }))));
    expect(response.status).toBe(302);
    expect(await Session.countDocuments({ userId: user.id })).toBe(1);
  });

  test("login rotates the session: tokens of the page before it (anonymous, or the old session) are refused after", async () => {
    const user = await createTestUser();
    // Anonymous: the login page's token travels with its cookie.
    const anonymous = await pageToken();
    const csrfCookie = cookiePair(anonymous.setCookie.find((c) => c.startsWith("csrf="))!);
    const login = await responseOf(loginAction(args(post("/login", { email: user.email, password: user.password }, { cookie: csrfCookie, token: anonymous.token }))));
    expect(login.status).toBe(302);
    const first = cookiePair(login.headers.getSetCookie().find((c) => c.startsWith("__session="))!);
    const firstToken = (await pageToken(first)).token;

    // Signed in: the anonymous pair no longer counts.
    await signIn(user.id, { userAgent: IPHONE });
    const withOldPair = post("/account/sessions", { intent: "endOthers" }, { cookie: joinCookies(first, csrfCookie), token: anonymous.token });
    expect((await responseOf(sessionsAction(args(withOldPair)))).status).toBe(403);

    // Logging in again (same browser) makes a new session; the first session's token is refused with it.
    const again = await responseOf(loginAction(args(post("/login", { email: user.email, password: user.password }, { cookie: joinCookies(first, csrfCookie), token: firstToken }))));
    expect(again.status).toBe(302);
    const second = cookiePair(again.headers.getSetCookie().find((c) => c.startsWith("__session="))!);
    expect(second).not.toBe(first);
    const count = await Session.countDocuments({ userId: user.id });
    expect((await responseOf(sessionsAction(args(post("/account/sessions", { intent: "endOthers" }, { cookie: second, token: firstToken }))))).status).toBe(403);
    expect(await Session.countDocuments({ userId: user.id })).toBe(count);
    const secondToken = (await pageToken(second)).token;
    expect(secondToken).not.toBe(firstToken);
    expect((await responseOf(sessionsAction(args(post("/account/sessions", { intent: "endOthers" }, { cookie: second, token: secondToken }))))).status).toBe(302);
  });
});
