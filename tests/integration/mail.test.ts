import { createHash, generateKeyPairSync } from "node:crypto";
import net from "node:net";
import argon2 from "argon2";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { Donor } from "#models/donor.server";
import { Mail, type MailDoc } from "#models/mail.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { Session } from "#models/session.server";
import { Token, TokenUse } from "#models/token.server";
import { User } from "#models/user.server";
import { completePasswordReset, requestPasswordReset, RESET_TTL_MS } from "#services/account-mail";
import { startOfVietnamDay, DAY_MS } from "#services/calendar";
import { configureMail, mailSettled, sendMail } from "#services/mail";
import { recordDonation } from "#services/money/donations";
import { runSweep } from "#services/money/sweeper";
import { sendPledgeReminders } from "#services/reminders";
import { action as accountMailAction } from "~/routes/account.mail";
import { loader as accountLoader } from "~/routes/account";
import { loader as outboxLoader } from "~/routes/dev.outbox";
import { action as forgotAction } from "~/routes/forgot-password";
import { action as registerAction } from "~/routes/register";
import { action as remindersOffAction, loader as remindersOffLoader } from "~/routes/reminders.off.$token";
import { action as resetAction, loader as resetLoader } from "~/routes/reset-password.$token";
import { loader as verifyLoader } from "~/routes/verify-email.$token";
import { getUser, verifyLogin } from "~/utils/auth.server";
import { parseEnv } from "~/utils/env.server";
import { ensureMailConfigured, mailConfigFromEnv } from "~/utils/mail.server";
import { createInstitution } from "#tests/fixtures/domain";
import { BASE, cookiePair, createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const mailsTo = (to: string) => Mail.find({ to }).sort({ createdAt: 1 }).lean<MailDoc[]>();
const linkIn = (text: string, path: string) => {
  const match = new RegExp(`${BASE}${path}/([A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in:\n${text}`);
  return match[1]!;
};
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

beforeAll(() => {
  ensureMailConfigured();
});

async function forgot(email: string) {
  const response = await responseOf(forgotAction(args(await formRequest("/forgot-password", { email }))));
  await mailSettled();
  return response;
}

async function resetTokenFor(email: string) {
  const mails = await mailsTo(email);
  const last = mails.filter((m) => m.kind === "reset-password").at(-1);
  if (!last) throw new Error(`no reset mail to ${email}`);
  return linkIn(last.text, "/reset-password");
}

const reset = async (token: string, password: string, confirmPassword = password) =>
  responseOf(resetAction(args(await formRequest(`/reset-password/${token}`, { password, confirmPassword }), { token })));

describe("password reset", () => {
  test("a mailed single-use link sets the new password, ends every session, and signs in afresh", async () => {
    const user = await createTestUser({ email: "quen.matkhau@example.vn", name: "Trần Thị Quên" });
    const sessions = [await sessionCookieFor(user.id), await sessionCookieFor(user.id)];

    const response = await forgot("Quen.MatKhau@example.vn");
    expect(response.status).toBe(200);
    const [mail] = await mailsTo(user.email);
    expect(mail).toMatchObject({ kind: "reset-password", locale: "vi", status: "outbox", subject: "Đặt lại mật khẩu tài khoản Góp Sức" });
    expect(mail!.text).toContain("Chào Trần Thị Quên,");
    expect(mail!.html).toContain("<a href=");
    const token = linkIn(mail!.text, "/reset-password");

    // Only the token's hash is stored, as the document's _id; the token itself is nowhere in the database.
    const stored = await Token.findById(sha256(token)).lean();
    expect(stored).toMatchObject({ purpose: "reset-password", email: user.email, usedAt: null });
    const lifetime = stored!.expiresAt.getTime() - stored!.createdAt.getTime(); // an hour (less the moment between the two clocks)
    expect(lifetime).toBeGreaterThan(RESET_TTL_MS - 5_000);
    expect(lifetime).toBeLessThanOrEqual(RESET_TTL_MS);
    expect(JSON.stringify(await Token.find({}).lean())).not.toContain(token);

    const page = await responseOf(resetLoader(args(getRequest(`/reset-password/${token}`), { token })));
    expect(page.status).toBe(200);
    expect(await page.json()).toEqual({ ok: true, email: user.email });

    const done = await reset(token, "mat-khau-moi-2026");
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("/account");
    const fresh = cookiePair(done.headers.getSetCookie().find((c) => c.startsWith("__session="))!);
    expect((await getUser(getRequest("/account", fresh)))?.id).toBe(user.id);
    for (const old of sessions) expect(await getUser(getRequest("/account", old))).toBeNull();
    expect(await Session.countDocuments({ userId: user.id })).toBe(1);

    const after = await User.findById(user.id).lean();
    expect(after!.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await argon2.verify(after!.passwordHash, "mat-khau-moi-2026")).toBe(true);
    expect((await verifyLogin(user.email, user.password)).ok).toBe(false);
    expect((await verifyLogin(user.email, "mat-khau-moi-2026")).ok).toBe(true);
  });

  test("an unknown address gets the very same answer, and no mail", async () => {
    await createTestUser({ email: "co.tai.khoan@example.vn" });
    const known = await forgot("co.tai.khoan@example.vn");
    const unknown = await forgot("khong.co.ai@example.vn");
    expect(unknown.status).toBe(known.status);
    const [knownBody, unknownBody] = [await known.json(), await unknown.json()];
    expect({ ...unknownBody, email: "x" }).toEqual({ ...knownBody, email: "x" });
    expect(await mailsTo("co.tai.khoan@example.vn")).toHaveLength(1);
    expect(await mailsTo("khong.co.ai@example.vn")).toHaveLength(0);
  });

  test("a bad address or a missing CSRF token is refused and mails nothing", async () => {
    const before = await Mail.countDocuments();
    const bad = await forgot("khong-phai-email");
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.email).toEqual(["validation.email"]);
    const noCsrf = await responseOf(forgotAction(args(await formRequest("/forgot-password", { email: "a@example.vn" }, { csrf: false }))));
    expect(noCsrf.status).toBe(403);
    await mailSettled();
    expect(await Mail.countDocuments()).toBe(before);
  });

  test("a link works once: used again (or twice at once) it changes nothing and says so", async () => {
    const user = await createTestUser({ email: "mot.lan@example.vn" });
    await forgot(user.email);
    const token = await resetTokenFor(user.email);

    const [a, b] = await Promise.all([reset(token, "mat-khau-thu-nhat"), reset(token, "mat-khau-thu-hai")]);
    expect([a.status, b.status].sort()).toEqual([302, 410]);
    const winner = a.status === 302 ? "mat-khau-thu-nhat" : "mat-khau-thu-hai";
    const loser = await (a.status === 302 ? b : a).json();
    expect(loser.formError).toBe("resetPassword.used");
    const hash = (await User.findById(user.id).lean())!.passwordHash;
    expect(await argon2.verify(hash, winner)).toBe(true);

    const again = await reset(token, "mat-khau-thu-ba-2026");
    expect(again.status).toBe(410);
    expect((await again.json()).formError).toBe("resetPassword.used");
    expect((await User.findById(user.id).lean())!.passwordHash).toBe(hash);
    const page = await responseOf(resetLoader(args(getRequest(`/reset-password/${token}`), { token })));
    expect(page.status).toBe(410);
    expect(await page.json()).toEqual({ ok: false, reason: "used" });
  });

  test("two uses of one link at the very same moment: exactly one sets its password (the use is an insert)", async () => {
    const user = await createTestUser({ email: "cung.luc@example.vn" });
    await forgot(user.email);
    const token = await resetTokenFor(user.email);
    // Connections ready, and hashes made beforehand (the hashing queue would otherwise space the uses apart).
    await Promise.all(Array.from({ length: 8 }, () => User.findById(user.id).lean()));
    const results = await Promise.all(["hash-a", "hash-b", "hash-c", "hash-d"].map((hash) => completePasswordReset(token, hash)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(["used", "used", "used"]);
    expect(await TokenUse.countDocuments({ _id: sha256(token) })).toBe(1);
  });

  test("an expired or unknown link changes nothing; a second request within minutes mails nothing new", async () => {
    const user = await createTestUser({ email: "het.han@example.vn" });
    const hash = (await User.findById(user.id).lean())!.passwordHash;
    // Asked for 61 minutes ago: the link has expired.
    expect(await requestPasswordReset(user.email, new Date(Date.now() - RESET_TTL_MS - 60_000))).toBe("sent");
    const token = await resetTokenFor(user.email);
    const page = await responseOf(resetLoader(args(getRequest(`/reset-password/${token}`), { token })));
    expect(page.status).toBe(410);
    expect(await page.json()).toEqual({ ok: false, reason: "expired" });
    const late = await reset(token, "mat-khau-qua-muon");
    expect(late.status).toBe(410);
    expect((await late.json()).formError).toBe("resetPassword.expired");

    const made = "A".repeat(43);
    const unknown = await reset(made, "mat-khau-bia-dat");
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).formError).toBe("resetPassword.unknown");
    expect((await User.findById(user.id).lean())!.passwordHash).toBe(hash);
    expect(await TokenUse.countDocuments({ _id: { $in: [sha256(token), sha256(made)] } })).toBe(0);

    await forgot(user.email);
    await forgot(user.email);
    expect((await mailsTo(user.email)).filter((m) => m.kind === "reset-password")).toHaveLength(2); // the expired one, and one now
  });

  test("passwords that differ, or break the registration rules, are refused and leave the link usable", async () => {
    const user = await createTestUser({ email: "khac.nhau@example.vn" });
    await forgot(user.email);
    const token = await resetTokenFor(user.email);
    const mismatch = await reset(token, "mat-khau-moi-2026", "mat-khau-khac-2026");
    expect(mismatch.status).toBe(400);
    expect((await mismatch.json()).errors.confirmPassword).toEqual(["resetPassword.mismatch"]);
    const short = await reset(token, "ngan");
    expect((await short.json()).errors.password).toEqual(["validation.passwordTooShort"]);
    expect((await reset(token, "mat-khau-moi-2026")).status).toBe(302);
  });
});

describe("email verification", () => {
  test("registration mails a link; following it confirms the address, once", async () => {
    const response = await responseOf(registerAction(args(await formRequest("/register", { name: "Phạm Văn Mới", email: "nguoi.moi@example.vn", password: "mot-mat-khau-dai" }))));
    expect(response.status).toBe(302);
    await mailSettled();
    const [mail] = await mailsTo("nguoi.moi@example.vn");
    expect(mail).toMatchObject({ kind: "verify-email", subject: "Xác nhận địa chỉ email của bạn trên Góp Sức" });
    const token = linkIn(mail!.text, "/verify-email");
    expect(await Token.findById(sha256(token)).lean()).toMatchObject({ purpose: "verify-email" });
    expect((await User.findOne({ email: "nguoi.moi@example.vn" }).lean())!.emailVerifiedAt).toBeNull();

    const cookie = cookiePair(response.headers.getSetCookie().find((c) => c.startsWith("__session="))!);
    const before = await (await responseOf(accountLoader(args(getRequest("/account", cookie))))).json();
    expect(before.mail).toEqual({ emailVerified: false, pledgeReminders: true });

    const page = await responseOf(verifyLoader(args(getRequest(`/verify-email/${token}`), { token })));
    expect(page.status).toBe(200);
    expect((await User.findOne({ email: "nguoi.moi@example.vn" }).lean())!.emailVerifiedAt).toBeInstanceOf(Date);
    const after = await (await responseOf(accountLoader(args(getRequest("/account", cookie))))).json();
    expect(after.mail.emailVerified).toBe(true);

    const again = await responseOf(verifyLoader(args(getRequest(`/verify-email/${token}`), { token })));
    expect(again.status).toBe(410);
    expect(await again.json()).toEqual({ ok: false, reason: "used" });
    // A reset token is not a verification token.
    const wrong = await responseOf(verifyLoader(args(getRequest("/verify-email/x"), { token: "B".repeat(43) })));
    expect(wrong.status).toBe(404);
  });

  test("a link for an address the account no longer has confirms nothing", async () => {
    const user = await createTestUser({ email: "doi.email@example.vn" });
    const cookie = await sessionCookieFor(user.id);
    await responseOf(accountMailAction(args(await formRequest("/account/mail", { intent: "send-verification" }, { cookie }))));
    const token = linkIn((await mailsTo(user.email))[0]!.text, "/verify-email");
    await User.updateOne({ _id: user.id }, { $set: { email: "dia.chi.moi@example.vn" } });
    const page = await responseOf(verifyLoader(args(getRequest(`/verify-email/${token}`), { token })));
    expect(page.status).toBe(410);
    expect(await page.json()).toEqual({ ok: false, reason: "changed" });
    expect((await User.findById(user.id).lean())!.emailVerifiedAt).toBeNull();
  });

  test("'send again' is the signed-in user's own, needs the CSRF token, and does not mail twice within minutes", async () => {
    const user = await createTestUser({ email: "gui.lai@example.vn" });
    const anonymous = await responseOf(accountMailAction(args(await formRequest("/account/mail", { intent: "send-verification" }))));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
    const cookie = await sessionCookieFor(user.id);
    const noCsrf = await responseOf(accountMailAction(args(await formRequest("/account/mail", { intent: "send-verification" }, { cookie, csrf: false }))));
    expect(noCsrf.status).toBe(403);
    expect(await mailsTo(user.email)).toHaveLength(0);
    const sent = await responseOf(accountMailAction(args(await formRequest("/account/mail", { intent: "send-verification" }, { cookie }))));
    expect(sent.status).toBe(302);
    await responseOf(accountMailAction(args(await formRequest("/account/mail", { intent: "send-verification" }, { cookie }))));
    expect(await mailsTo(user.email)).toHaveLength(1);
  });
});

describe("the demo outbox", () => {
  afterEach(() => configureMail(mailConfigFromEnv()));

  test("only admins read it; anonymous visitors are sent to log in, others refused", async () => {
    const donor = await createTestUser();
    const admin = await createTestUser({ role: "admin" });
    const anonymous = await responseOf(outboxLoader(args(getRequest("/dev/outbox"))));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
    const refused = await responseOf(outboxLoader(args(getRequest("/dev/outbox", await sessionCookieFor(donor.id)))));
    expect(refused.status).toBe(403);
    await forgot(donor.email);
    const shown = await responseOf(outboxLoader(args(getRequest("/dev/outbox", await sessionCookieFor(admin.id)))));
    expect(shown.status).toBe(200);
    const body = await shown.json();
    expect(body.mails.find((m: { to: string }) => m.to === donor.email)).toMatchObject({ kind: "reset-password", status: "outbox" });
  });

  test("it does not exist where mail is really sent, not even for an admin", async () => {
    const admin = await createTestUser({ role: "admin" });
    configureMail({ transport: "smtp", smtpUrl: "smtp://127.0.0.1:1", from: "Góp Sức <no-reply@gopsuc.vn>", appUrl: BASE });
    const response = await responseOf(outboxLoader(args(getRequest("/dev/outbox", await sessionCookieFor(admin.id)))));
    expect(response.status).toBe(404);
  });

  test("production refuses to start without SMTP (the labelled demo on this machine keeps its outbox)", () => {
    const signingKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const base = { MONGODB_URI: "mongodb://127.0.0.1/x", NODE_ENV: "production", SESSION_SECRET: "s".repeat(40), APP_URL: "https://gopsuc.vn", SIGNING_KEY: signingKey };
    expect(() => parseEnv(base)).toThrow(/SMTP_URL is required in production/);
    expect(() => parseEnv({ ...base, SMTP_URL: "smtps://u:p@smtp.example.net:465" })).toThrow(/MAIL_FROM is required/);
    expect(() => parseEnv({ ...base, SMTP_URL: "https://smtp.example.net", MAIL_FROM: "no-reply@gopsuc.vn" })).toThrow(/SMTP_URL must be/);
    const smtp = parseEnv({ ...base, SMTP_URL: "smtps://u:p@smtp.example.net:465", MAIL_FROM: "Góp Sức <no-reply@gopsuc.vn>" });
    expect(mailConfigFromEnv(smtp)).toMatchObject({ transport: "smtp", from: "Góp Sức <no-reply@gopsuc.vn>" });
    const demo = parseEnv({ ...base, APP_URL: "http://localhost:3000", DEMO_MODE: "true", HOST: "127.0.0.1" });
    expect(mailConfigFromEnv(demo)).toEqual({ transport: "outbox", appUrl: "http://localhost:3000" });
  });
});

/** The least of an SMTP server, on loopback: enough for nodemailer to hand a message over (no TLS, no auth). */
function startSmtpServer() {
  const received: string[] = [];
  const server = net.createServer((socket) => {
    let data = false;
    let message = "";
    socket.write("220 localhost ESMTP test\r\n");
    socket.on("data", (chunk) => {
      const text = chunk.toString("utf8");
      if (data) {
        message += text;
        if (message.endsWith("\r\n.\r\n")) {
          data = false;
          received.push(message);
          socket.write("250 2.0.0 queued\r\n");
        }
        return;
      }
      for (const line of text.split("\r\n").filter(Boolean)) {
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 localhost\r\n");
        else if (verb === "DATA") {
          data = true;
          socket.write("354 go ahead\r\n");
        } else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 OK\r\n");
      }
    });
  });
  return new Promise<{ port: number; received: string[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as net.AddressInfo).port, received, close: () => new Promise((done) => server.close(() => done())) })),
  );
}

describe("mail over SMTP", () => {
  afterEach(() => configureMail(mailConfigFromEnv()));

  test("a mail is handed to the SMTP server and recorded as sent; one the server never gets is recorded as failed", async () => {
    const smtp = await startSmtpServer();
    try {
      configureMail({ transport: "smtp", smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: "Góp Sức <no-reply@gopsuc.vn>", appUrl: BASE });
      const mail = { kind: "test", to: "nguoi.nhan@example.vn", locale: "vi" as const, subject: "Thử gửi thư", text: "Nội dung thử", html: "<p>Nội dung thử</p>" };
      expect(await sendMail({ ...mail, id: "test:smtp:1" })).toBe("sent");
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]).toContain("nguoi.nhan@example.vn");
      expect(await Mail.findById("test:smtp:1").lean()).toMatchObject({ status: "sent", error: null });
      expect((await Mail.findById("test:smtp:1").lean())!.sentAt).toBeInstanceOf(Date);
      // The same id again: recorded already, not sent twice.
      expect(await sendMail({ ...mail, id: "test:smtp:1" })).toBe("duplicate");
      expect(smtp.received).toHaveLength(1);

      configureMail({ transport: "smtp", smtpUrl: "smtp://127.0.0.1:1", from: "no-reply@gopsuc.vn", appUrl: BASE });
      const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
      expect(await sendMail({ ...mail, id: "test:smtp:2" })).toBe("failed");
      expect(logged).toHaveBeenCalledWith(expect.stringContaining("could not be sent"));
      logged.mockRestore();
      const failed = await Mail.findById("test:smtp:2").lean();
      expect(failed).toMatchObject({ status: "failed", sentAt: null });
      expect(failed!.error).toBeTruthy();
    } finally {
      await smtp.close();
    }
  });

  test("the recorded copy of a reset mail sent over SMTP holds no usable link: only the token's hash is stored", async () => {
    const smtp = await startSmtpServer();
    try {
      configureMail({ transport: "smtp", smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: "no-reply@gopsuc.vn", appUrl: BASE });
      const user = await createTestUser({ email: "qua.smtp@example.vn" });
      expect(await requestPasswordReset(user.email)).toBe("sent");
      // What the person receives (quoted-printable may fold the line: unfold it first).
      const delivered = smtp.received[0]!.replace(/=\r\n/g, "").replace(/=3D/g, "=");
      const token = linkIn(delivered, "/reset-password");
      const [recorded] = await mailsTo(user.email);
      expect(recorded).toMatchObject({ status: "sent", kind: "reset-password" });
      expect(recorded!.text).not.toContain(token);
      expect(recorded!.html).not.toContain(token);
      expect(recorded!.text).toContain(`${BASE}/reset-password/[…]`);
      expect(await Token.findById(sha256(token)).lean()).toMatchObject({ purpose: "reset-password" });
    } finally {
      await smtp.close();
    }
  });
});

describe("pledge reminders", () => {
  // Noon in Vietnam today: the sweeps below run then, one minute apart (each its own lease term).
  const noon = new Date(startOfVietnamDay(new Date()).getTime() + 12 * 3_600_000);
  const inDays = (days: number) => new Date(startOfVietnamDay(noon).getTime() + days * DAY_MS + 9 * 3_600_000);
  let n = 0;

  async function world(options: { locale?: "vi" | "en"; verified?: boolean } = {}) {
    n += 1;
    const user = await createTestUser({ email: `nhac.han${n}@example.vn`, name: `Nhà tài trợ ${n}` });
    await User.updateOne({ _id: user.id }, { $set: { locale: options.locale ?? "vi", emailVerifiedAt: options.verified === false ? null : new Date() } });
    const institution = await createInstitution({ name: `Thư viện Nhắc Hạn ${n}` });
    const donor = await Donor.create({ kind: "individual", fullName: user.name, userId: user.id });
    const programme = await Programme.create({
      institutionId: institution._id,
      slug: `nhac-han-${n}`,
      title: `Tủ sách thiếu nhi ${n}`,
      startDate: new Date("2026-01-01"),
      endDate: new Date("2028-12-31"),
      goal: 100_000_000,
      state: "open",
      provinceSlug: "ha-noi",
      institutionType: "library",
      institutionApproved: true,
    });
    const pledge = await Pledge.create({
      programmeId: programme._id,
      institutionId: institution._id,
      donorId: donor._id,
      pledgedBy: user.id,
      kind: "cash_instalments",
      amount: 30_000_000,
      instalments: [
        { seq: 1, dueDate: inDays(-3), amount: 10_000_000 }, // overdue since 2 days
        { seq: 2, dueDate: inDays(2), amount: 10_000_000 }, // due in 2 days
        { seq: 3, dueDate: inDays(40), amount: 10_000_000 }, // not yet
      ],
    });
    return { user, institution, programme, donor, pledge };
  }

  test("a sweep mails one reminder per instalment and kind, and a second sweep mails nothing more", async () => {
    const { user, pledge } = await world();
    const first = await runSweep({ full: true, now: () => noon });
    expect(first.daily?.reminders).toEqual({ due: 1, overdue: 1, skipped: 0 });
    const second = await runSweep({ full: true, now: () => new Date(noon.getTime() + 61_000) });
    expect(second.ran).toBe(true);
    expect(second.daily?.reminders).toMatchObject({ due: 0, overdue: 0 });
    const mails = await mailsTo(user.email);
    expect(mails.map((m) => m._id).sort()).toEqual([`reminder:${String(pledge._id)}:1:overdue`, `reminder:${String(pledge._id)}:2:due`]);
  });

  test("two sweepers at once still mail each reminder once", async () => {
    const { user } = await world();
    const before = await Mail.countDocuments({ _id: /^reminder:/ });
    const reports = await Promise.all([sendPledgeReminders(noon), sendPledgeReminders(noon), sendPledgeReminders(noon)]);
    const sent = reports.reduce((sum, r) => sum + r.due + r.overdue, 0);
    expect(await mailsTo(user.email)).toHaveLength(2);
    // Each recorded reminder was counted as sent by exactly one of the three.
    expect(sent).toBe(2);
    expect(await Mail.countDocuments({ _id: /^reminder:/ })).toBe(before + 2);
  });

  test("in the donor's language, with the VietQR transfer details and the pledge's link", async () => {
    const vi = await world({ locale: "vi" });
    const en = await world({ locale: "en" });
    await sendPledgeReminders(noon);
    const due = (await mailsTo(vi.user.email)).find((m) => m.kind === "reminder-due")!;
    expect(due.subject).toBe(`Nhắc hạn: đợt 2 của cam kết ${vi.pledge.reference} đến hạn ngày ${formatVi(inDays(2))}`);
    expect(due.text).toContain("Số tài khoản: 113000123456");
    expect(due.text).toContain("Chủ tài khoản: THU VIEN KIEM THU");
    expect(due.text).toContain("Số tiền: 10.000.000");
    expect(due.text).toContain(`Nội dung chuyển khoản: ${vi.pledge.reference}`);
    expect(due.text).toContain(`${BASE}/pledges/${vi.pledge.reference}`);
    const overdue = (await mailsTo(en.user.email)).find((m) => m.kind === "reminder-overdue")!;
    expect(overdue.locale).toBe("en");
    expect(overdue.subject).toBe(`Instalment 1 of pledge ${en.pledge.reference} is overdue`);
    expect(overdue.text).toContain("Account number: 113000123456");
    expect(overdue.text).toContain("Amount: ₫10,000,000");
  });

  test("turned off (on /account or by the one-click link in a reminder), none are sent; unverified addresses get none", async () => {
    const off = await world();
    const cookie = await sessionCookieFor(off.user.id);
    expect((await responseOf(accountMailAction(args(await formRequest("/account/mail", { intent: "reminders-off" }, { cookie }))))).status).toBe(302);
    const unverified = await world({ verified: false });
    const report = await sendPledgeReminders(noon);
    expect(report.skipped).toBeGreaterThanOrEqual(4);
    expect(await mailsTo(off.user.email)).toHaveLength(0);
    expect(await mailsTo(unverified.user.email)).toHaveLength(0);

    // The one-click link: a reminder carries it (and the List-Unsubscribe headers); a POST without cookies turns reminders off.
    const clicked = await world();
    await sendPledgeReminders(noon);
    const [first] = await mailsTo(clicked.user.email);
    const offToken = linkIn(first!.text, "/reminders/off");
    expect(String((first!.headers as Record<string, string>)["List-Unsubscribe"])).toContain(`/reminders/off/${offToken}`);
    const page = await responseOf(remindersOffLoader(args(getRequest(`/reminders/off/${offToken}`), { token: offToken })));
    expect(page.status).toBe(200);
    expect((await User.findById(clicked.user.id).lean())!.pledgeReminders).toBe(true); // opening the link changes nothing
    const click = new Request(`${BASE}/reminders/off/${offToken}`, { method: "POST", body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect((await responseOf(remindersOffAction(args(click, { token: offToken })))).status).toBe(200);
    expect((await User.findById(clicked.user.id).lean())!.pledgeReminders).toBe(false);
    await Mail.deleteMany({ to: clicked.user.email });
    await sendPledgeReminders(noon);
    expect(await mailsTo(clicked.user.email)).toHaveLength(0);
    const forged = await responseOf(remindersOffAction(args(new Request(`${BASE}/reminders/off/x`, { method: "POST", body: new URLSearchParams(), headers: { "Content-Type": "application/x-www-form-urlencoded" } }), { token: "C".repeat(43) })));
    expect(forged.status).toBe(404);
  });

  test("nothing for a paid, a fully paid or a cancelled pledge", async () => {
    const paid = await world();
    await recordDonation({ idempotencyKey: `bank:paid:${n}`, programmeId: paid.programme._id, institutionId: paid.institution._id, pledgeId: paid.pledge._id, donorId: paid.donor._id, method: "bank_transfer", amount: 30_000_000, receivedAt: new Date(), reference: paid.pledge.reference });
    expect((await Pledge.findById(paid.pledge._id).lean())!.state).toBe("fulfilled");
    const cancelled = await world();
    await Pledge.updateOne({ _id: cancelled.pledge._id }, { $set: { state: "cancelled" } });
    // Two instalments paid: only the third (not due yet) is open, so nothing either.
    const partly = await world();
    await recordDonation({ idempotencyKey: `bank:partly:${n}`, programmeId: partly.programme._id, institutionId: partly.institution._id, pledgeId: partly.pledge._id, donorId: partly.donor._id, method: "bank_transfer", amount: 20_000_000, receivedAt: new Date(), reference: partly.pledge.reference });
    await sendPledgeReminders(noon);
    for (const w of [paid, cancelled, partly]) expect(await mailsTo(w.user.email)).toHaveLength(0);
  });
});

function formatVi(date: Date) {
  const local = new Date(date.getTime() + 7 * 3_600_000);
  return `${String(local.getUTCDate()).padStart(2, "0")}/${String(local.getUTCMonth() + 1).padStart(2, "0")}/${local.getUTCFullYear()}`;
}

