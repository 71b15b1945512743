import { describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { Session } from "#models/session.server";
import { User } from "#models/user.server";
import { action as loginAction } from "~/routes/login";
import { action as giftAction } from "~/routes/manage.programmes.$id_.gifts.new";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { action as registerAction } from "~/routes/register";
import { action as setLanguageAction } from "~/routes/set-language";
import { createInstitution } from "#tests/fixtures/domain";
import { BASE, createTestUser, csrfPair, joinCookies, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * What the probe sent (issue 10, finding 4): a field both plain and with a dotted suffix, bodies that are
 * not forms, multipart without its boundary or cut short. Each is answered 4xx with a message key the
 * page translates, and nothing is written.
 */
const counts = async () => Promise.all([User.countDocuments({}), Session.countDocuments({}), Pledge.countDocuments({}), Donation.countDocuments({})]);

async function raw(path: string, body: string, contentType: string, cookie?: string) {
  return new Request(`${BASE}${path}`, { method: "POST", body, headers: { "Content-Type": contentType, ...(cookie ? { Cookie: cookie } : {}) } });
}

/** A url-encoded body with a valid CSRF token, the pairs exactly as given (repeated and dotted names kept). */
async function encoded(path: string, pairs: Array<[string, string]>, cookie?: string) {
  const { token, cookie: csrfCookie } = await csrfPair(cookie);
  const body = new URLSearchParams([["csrf", token], ...pairs]).toString();
  return raw(path, body, "application/x-www-form-urlencoded", joinCookies(cookie, csrfCookie));
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

async function openProgramme() {
  const institution = await createInstitution();
  const slug = `doc-sach-${String(institution._id).slice(-6)}`;
  const programme = await Programme.create({ institutionId: institution._id, slug, title: "Đọc sách cùng con", startDate: new Date("2026-01-01"), endDate: new Date("2030-12-31"), goal: 200_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  return { institution, programme, slug };
}

describe("malformed input is refused, not a server error", () => {
  test("a field sent both plainly and with a dotted suffix: the form is checked as usual, nothing written", async () => {
    const user = await createTestUser({ email: "dotted@example.vn" });
    const { slug } = await openProgramme();
    const donor = await sessionCookieFor((await createTestUser()).id);
    const before = await counts();

    // Login: the operator-shaped twin is ignored; a wrong password is a wrong password (400), the right one logs in.
    const wrong = await responseOf(loginAction(args(await encoded("/login", [["email", "dotted@example.vn"], ["email.$gt", ""], ["password", "sai"], ["password.$ne", "x"]]))));
    expect(wrong.status).toBe(400);
    const twinFirst = await responseOf(loginAction(args(await encoded("/login", [["email.$gt", ""], ["email", "dotted@example.vn"], ["password", "sai"]]))));
    expect(twinFirst.status).toBe(400);
    // Pledge: "amount=-5&amount.1=1" is an amount of -5, refused by the form's rules.
    const pledge = await responseOf(
      pledgeAction(args(await encoded(`/programmes/${slug}/pledge`, [["donorKind", "individual"], ["fullName", "Nguyễn Văn A"], ["email", "a@example.vn"], ["visibility", "anonymous"], ["kind", "cash_once"], ["amount", "-5"], ["amount.1", "1"]], donor), { slug })),
    );
    expect(pledge.status).toBe(400);
    // Rows are only rows: an index into a plain value, or past 100 rows, is not a field.
    const rows = await responseOf(pledgeAction(args(await encoded(`/programmes/${slug}/pledge`, [["kind", "in_kind"], ["kind.0", "x"], ["inKindItems.101.item", "x"], ["inKindItems.0", "y"]], donor), { slug })));
    expect(rows.status).toBe(400);
    expect(await counts()).toEqual(before);
    expect(user.id).toBeTruthy();
  });

  test("a body that is not a form (JSON, text, nothing) is a 400 with a message, on every kind of form", async () => {
    const before = await counts();
    for (const [body, type] of [
      ['{"email":{"$gt":""},"password":{"$ne":""}}', "application/json"],
      ["email=a@b.vn&password=x", "text/plain"],
      ["", ""],
    ] as const) {
      for (const [action, path] of [
        [loginAction, "/login"],
        [registerAction, "/register"],
        [setLanguageAction, "/set-language"],
      ] as const) {
        const response = await responseOf(action(args(await raw(path, body, type))));
        expect([path, type, response.status]).toEqual([path, type, 400]);
        expect(await response.text()).toBe("errors.badForm");
      }
    }
    expect(await counts()).toEqual(before);
  });

  test("a form with files without its boundary, or cut short, is a 400 with a message; nothing is recorded", async () => {
    const { institution, programme } = await openProgramme();
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const cookie = await sessionCookieFor(manager.id);
    const path = `/manage/programmes/${programme._id}/gifts/new`;
    const before = await counts();
    const boundary = "----gopsuc-fuzz";
    const truncated = `--${boundary}\r\nContent-Disposition: form-data; name="method"\r\n\r\ncash\r\n--${boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 cut`;
    for (const [body, type] of [
      ["x", "multipart/form-data"],
      [truncated, `multipart/form-data; boundary=${boundary}`],
      ["amount=1", "application/json"],
    ] as const) {
      const response = await responseOf(giftAction(args(await raw(path, body, type, cookie), { id: String(programme._id) })));
      expect([type, response.status]).toEqual([type, 400]);
    }
    expect(await counts()).toEqual(before);
  });

  test("a body past the limit is refused before it is read: by its declared length, or as it streams in", async () => {
    const before = await counts();
    const { token, cookie } = await csrfPair();
    const huge = `csrf=${token}&email=a%40b.vn&password=${"x".repeat(5 * 1024 * 1024)}`;
    const declared = await responseOf(loginAction(args(await raw("/login", huge, "application/x-www-form-urlencoded", cookie))));
    expect(declared.status).toBe(413);
    expect(await declared.text()).toBe("errors.tooLarge");

    // Sent in chunks with no length declared: reading stops past the limit, the rest is never pulled.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 3200) controller.close(); // 200 MB if read to the end
        else controller.enqueue(chunk);
      },
    });
    const chunked = new Request(`${BASE}/login`, { method: "POST", body: stream, duplex: "half", headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie } } as RequestInit);
    const streamed = await responseOf(loginAction(args(chunked)));
    expect(streamed.status).toBe(413);
    expect(pulled).toBeLessThan(20);
    expect(await counts()).toEqual(before);
  });
});
