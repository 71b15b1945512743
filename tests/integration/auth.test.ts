import { describe, expect, test } from "vitest";
import { User } from "#models/user.server";
import { Session } from "#models/session.server";
import { action as loginAction } from "~/routes/login";
import { action as logoutAction } from "~/routes/logout";
import { action as registerAction } from "~/routes/register";
import { action as setLanguageAction } from "~/routes/set-language";
import { loader as accountLoader } from "~/routes/account";
import { getUser } from "~/utils/auth.server";
import { cookiePair, createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

const args = (request: Request) => ({ request, params: {}, context: {} });

describe("register", () => {
  test("creates a donor with an argon2id hash, signs them in and sends them to their account", async () => {
    const response = await responseOf(registerAction(args(await formRequest("/register", { name: "Lê Thị Hoa", email: "Hoa.Le@Example.vn", password: "mot-mat-khau-dai" }))));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/account");
    const user = await User.findOne({ email: "hoa.le@example.vn" }).lean();
    expect(user?.role).toBe("donor");
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user?.passwordHash).not.toContain("mot-mat-khau-dai");

    const sessionCookie = response.headers.getSetCookie().find((c) => c.startsWith("__session="))!;
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/SameSite=Lax/i);
    const signedIn = await getUser(getRequest("/account", cookiePair(sessionCookie)));
    expect(signedIn?.email).toBe("hoa.le@example.vn");
  });

  test("bad input gets field messages and writes nothing", async () => {
    const before = await User.countDocuments();
    const response = await responseOf(registerAction(args(await formRequest("/register", { name: "X", email: "not-an-email", password: "short" }))));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors).toMatchObject({ name: ["validation.nameTooShort"], email: ["validation.email"], password: ["validation.passwordTooShort"] });
    expect(body.values).not.toHaveProperty("password");
    expect(await User.countDocuments()).toBe(before);
  });

  test("an email that is already registered is refused", async () => {
    const existing = await createTestUser();
    const response = await responseOf(registerAction(args(await formRequest("/register", { name: "Ai Đó", email: existing.email.toUpperCase(), password: "mot-mat-khau-dai" }))));
    expect(response.status).toBe(400);
    expect((await response.json()).errors.email).toEqual(["auth.emailTaken"]);
  });

  test("a form without its CSRF token is refused and writes nothing", async () => {
    const before = await User.countDocuments();
    const response = await responseOf(registerAction(args(await formRequest("/register", { name: "Kẻ Giả Mạo", email: "csrf@example.vn", password: "mot-mat-khau-dai" }, { csrf: false }))));
    expect(response.status).toBe(403);
    expect(await User.countDocuments()).toBe(before);
  });
});

describe("log in and log out", () => {
  test("the right password signs in with a new session id each time (rotation); log out ends it", async () => {
    const user = await createTestUser({ email: "minh@example.vn" });
    const oldCookie = await sessionCookieFor(user.id);
    const response = await responseOf(loginAction(args(await formRequest("/login", { email: "minh@example.vn", password: user.password, redirectTo: "/account" }, { cookie: oldCookie }))));
    expect(response.status).toBe(302);
    const newCookie = cookiePair(response.headers.getSetCookie().find((c) => c.startsWith("__session="))!);
    expect(newCookie).not.toBe(oldCookie);
    // The session the visitor had before logging in no longer works.
    expect(await getUser(getRequest("/", oldCookie))).toBeNull();
    expect((await getUser(getRequest("/", newCookie)))?.id).toBe(user.id);

    const out = await responseOf(logoutAction(args(await formRequest("/logout", {}, { cookie: newCookie }))));
    expect(out.status).toBe(302);
    expect(await getUser(getRequest("/", newCookie))).toBeNull();
    expect(await Session.countDocuments({ userId: user.id })).toBe(0);
  });

  test("a wrong password is refused with one message that does not say whether the email exists", async () => {
    await createTestUser({ email: "lan@example.vn" });
    const wrong = await responseOf(loginAction(args(await formRequest("/login", { email: "lan@example.vn", password: "sai-mat-khau" }))));
    const unknown = await responseOf(loginAction(args(await formRequest("/login", { email: "nobody@example.vn", password: "sai-mat-khau" }))));
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).formError).toBe("auth.invalidCredentials");
    expect((await unknown.json()).formError).toBe("auth.invalidCredentials");
  });

  test("an open redirect after login is not followed", async () => {
    const user = await createTestUser({ email: "thu@example.vn" });
    const response = await responseOf(loginAction(args(await formRequest("/login", { email: "thu@example.vn", password: user.password, redirectTo: "//evil.example.com" }))));
    expect(response.headers.get("Location")).toBe("/account");
  });

  test("no address that a browser reads as another site is followed after login, registration or a language switch", async () => {
    const user = await createTestUser({ email: "redirect@example.vn" });
    // As the probe sent them: a tab (browsers drop it: //evil.example), a dot segment (/.//evil → //evil),
    // backslashes (read as /), a newline, a full address, a scheme-relative one.
    const elsewhere = ["/\t/evil.example/phish", "/.//evil.example", "/\\evil.example", "/\\/evil.example", "/\n/evil.example", "https://evil.example", "//evil.example", "/%0d%0aSet-Cookie:x=1/../..//evil.example"];
    for (const to of elsewhere) {
      const login = await responseOf(loginAction(args(await formRequest("/login", { email: "redirect@example.vn", password: user.password, redirectTo: to }))));
      expect([to, login.headers.get("Location")]).toEqual([to, "/account"]);
      const language = await responseOf(setLanguageAction(args(await formRequest("/set-language", { lng: "en", redirectTo: to }))));
      expect([to, language.headers.get("Location")]).toEqual([to, "/"]);
    }
    // Registration with control characters in the address: the account is made and the person lands on their account, not on a 500.
    const registered = await responseOf(registerAction(args(await formRequest("/register", { name: "Trần Văn Bình", email: "binh.redirect@example.vn", password: "mot-mat-khau-dai", redirectTo: "/account\r\nX-Evil: 1" }))));
    expect(registered.status).toBe(302);
    expect(registered.headers.get("Location")).toBe("/account");
    // A path on this site is kept, normalised as the browser reads it.
    const home = await responseOf(loginAction(args(await formRequest("/login", { email: "redirect@example.vn", password: user.password, redirectTo: "/programmes/đọc-sách?page=2#top" }))));
    expect(home.headers.get("Location")).toBe("/programmes/%C4%91%E1%BB%8Dc-s%C3%A1ch?page=2#top");
  });

  test("a private page sends a visitor to log in and brings them back", async () => {
    const response = await responseOf(accountLoader(args(getRequest("/account?tab=pledges"))));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/login?${new URLSearchParams({ redirectTo: "/account?tab=pledges" })}`);
  });
});
