import { describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { CardRates } from "#models/exchange-rate.server";
import { Programme } from "#models/programme.server";
import { action as ratesAction, loader as ratesLoader } from "~/routes/admin.rates";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { action as payAction, loader as pledgePageLoader } from "~/routes/pledges.$reference";
import { getToast } from "~/utils/session.server";
import { createInstitution } from "#tests/fixtures/domain";
import { createdCheckoutSessions } from "#tests/mocks/stripe";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * Issue 13: an admin keeps indicative rates; a donor pays a pledge in đồng by card in their own
 * currency — the charge quoted at that rate, rounded up, within Stripe's limits in that currency, and a
 * gift too large for a card steered to an international transfer quoting the reference.
 */
process.env.STRIPE_SECRET_KEY = "sk_test_card_currency_tests";
process.env.STRIPE_WEBHOOK_SECRET = "whsec_card_currency_tests_000000";

async function toastOf(response: Response) {
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return (await getToast(new Request("http://localhost/", { headers: { Cookie: cookie } }))).toast;
}

let taxCodes = ["1000000019", "1000000435", "1000000153", "0100109106"];
async function pledgeOf(amount: string) {
  const institution = await createInstitution({ name: "Thư viện Hải Phòng" });
  const slug = `quoc-te-${String(institution._id).slice(-6)}`;
  await Programme.create({ institutionId: institution._id, slug, title: "Thư viện số", startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 50_000_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  const cookie = await sessionCookieFor((await createTestUser()).id);
  const [taxCode, ...rest] = taxCodes;
  taxCodes = [...rest, taxCode!];
  const fields = { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: taxCode!, email: "csr@sachvina.vn", visibility: "name_and_amount", kind: "cash_once", amount };
  const created = await responseOf(pledgeAction({ request: await formRequest(`/programmes/${slug}/pledge`, fields, { cookie }), params: { slug }, context: {} }));
  const reference = created.headers.get("Location")!.split("/").pop()!;
  return { reference, cookie };
}

const pay = async (reference: string, cookie: string, currency: string) => responseOf(payAction({ request: await formRequest(`/pledges/${reference}`, { currency }, { cookie }), params: { reference }, context: {} }));

describe("card gifts in the donor's currency", () => {
  test("an admin saves rates typed the Vietnamese way; a bad one is refused with a message and changes nothing; each save is audited", async () => {
    const admin = await sessionCookieFor((await createTestUser({ role: "admin" })).id);
    const bad = await responseOf(ratesAction({ request: await formRequest("/admin/rates", { usd: "abc", jpy: "168,6", asOf: "2026-12-01", source: "Vietcombank" }, { cookie: admin }), params: {}, context: {} }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.usd).toEqual(["admin.rates.invalid"]);
    expect(await CardRates.countDocuments()).toBe(0);

    const saved = await responseOf(ratesAction({ request: await formRequest("/admin/rates", { usd: "25.403", eur: "", jpy: "168,6", krw: "", aud: "", sgd: "19.650,5", asOf: "2026-12-01", source: "Vietcombank, giá bán chuyển khoản" }, { cookie: admin }), params: {}, context: {} }));
    expect(saved.headers.get("Location")).toBe("/admin/rates");
    const page = await (await responseOf(ratesLoader({ request: getRequest("/admin/rates", admin), params: {}, context: {} }))).json();
    expect(page.rates).toMatchObject({ rates: { usd: 25_403, jpy: 168.6, sgd: 19_650.5 }, source: "Vietcombank, giá bán chuyển khoản" });
    expect(page.rates.rates.eur).toBeUndefined();
    expect(await AuditEvent.countDocuments({ action: "settings.card_rates" })).toBe(1);
  });

  test("a pledge of 1.000.000 ₫ can be paid in đồng, US dollars or yen, each quoted at the rate and rounded up; yen goes to Stripe in yen", async () => {
    const { reference, cookie } = await pledgeOf("1.000.000");
    const page = await (await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${reference}`, cookie), params: { reference }, context: {} }))).json();
    // 1.000.000 / 25.403 = US$39.365… → 3937 cents; / 168,6 = ¥5931.2… → ¥5932; / 19.650,5 = S$50.889… → 5089 cents.
    expect(page.cardOptions).toEqual([
      { currency: "vnd", charge: 1_000_000, fits: "ok" },
      { currency: "usd", charge: 3937, fits: "ok" },
      { currency: "jpy", charge: 5932, fits: "ok" },
      { currency: "sgd", charge: 5089, fits: "ok" },
    ]);
    expect(page.rates.source).toBe("Vietcombank, giá bán chuyển khoản");

    const response = await pay(reference, cookie, "jpy");
    expect(response.headers.get("Location")).toMatch(/\/demo\/stripe-checkout\/cs_test_/);
    const sent = createdCheckoutSessions.at(-1)!.body;
    expect(sent.get("line_items[0][price_data][currency]")).toBe("jpy");
    expect(sent.get("line_items[0][price_data][unit_amount]")).toBe("5932");
    expect(sent.get("metadata[quotedVnd]")).toBe("1000000");
    expect(sent.get("metadata[quotedRate]")).toBe("168.6");
  });

  test("above the card limit in đồng but not in dollars: the card is offered in dollars; above it in every currency, the donor is steered to an international transfer quoting the reference", async () => {
    const large = await pledgeOf("150.000.000");
    const page = await (await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${large.reference}`, large.cookie), params: { reference: large.reference }, context: {} }))).json();
    expect(page.card).toEqual({ available: true, amountOk: true, reason: null });
    expect(page.cardOptions.find((o: { currency: string }) => o.currency === "vnd").fits).toBe("above_maximum");
    expect(page.cardOptions.find((o: { currency: string }) => o.currency === "usd")).toEqual({ currency: "usd", charge: 590_482, fits: "ok" });
    expect((await pay(large.reference, large.cookie, "usd")).headers.get("Location")).toMatch(/\/demo\/stripe-checkout\//);

    // 30 tỷ đồng: US$1,180,962.88 and ¥177,935,944 — more than eight digits of minor units.
    const huge = await pledgeOf("30.000.000.000");
    const calls = createdCheckoutSessions.length;
    const refused = await pay(huge.reference, huge.cookie, "usd");
    expect(refused.headers.get("Location")).toBe(`/pledges/${huge.reference}`);
    expect((await toastOf(refused))?.message).toMatch(new RegExp(`^Số tiền vượt hạn mức thẻ bằng USD \\(999\\.999,99\\sUS\\$\\)\\. Vui lòng chuyển khoản quốc tế, ghi mã tham chiếu ${huge.reference}\\.$`));
    expect(createdCheckoutSessions.length).toBe(calls);
  });

  test("a currency without a rate, or not taken by card at all, is refused in the donor's language and nothing goes to Stripe", async () => {
    const { reference, cookie } = await pledgeOf("2.000.000");
    const calls = createdCheckoutSessions.length;
    for (const currency of ["krw", "gbp"]) {
      const refused = await pay(reference, cookie, currency);
      expect((await toastOf(refused))?.message).toBe("Không nhận thanh toán thẻ bằng loại tiền này. Vui lòng chọn loại tiền khác.");
    }
    expect(createdCheckoutSessions.length).toBe(calls);
  });
});
