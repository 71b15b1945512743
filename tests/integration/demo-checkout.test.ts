import { http } from "msw";
import { describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Programme } from "#models/programme.server";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { action as payAction, loader as pledgePageLoader } from "~/routes/pledges.$reference";
import { action as demoPayAction, loader as demoCheckoutLoader } from "~/routes/demo.stripe-checkout.$id";
import { action as webhookAction } from "~/routes/webhooks.stripe";
import { createInstitution } from "#tests/fixtures/domain";
import { server } from "#tests/mocks/index";
import { checkoutSessionObject, createdCheckoutSessions, decodeDemoSession, demoPaymentIntentId, encodeDemoSession, stripeEvent } from "#tests/mocks/stripe";
import { signWebhookPayload } from "#services/stripe";
import { BASE, createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

// The labelled demo: no Stripe keys, DEMO_MODE on (the app reads its configuration once per process).
delete process.env.STRIPE_SECRET_KEY;
delete process.env.STRIPE_WEBHOOK_SECRET;
process.env.DEMO_MODE = "true";

/** The demo checkout page posts its signed event to our own webhook endpoint, over the network: deliver it there. */
function routeWebhookToTheApp() {
  server.use(http.post(`${BASE}/webhooks/stripe`, ({ request }) => webhookAction({ request, params: {}, context: {} }) as Promise<Response>));
}

async function instalmentPledge(taxCode: string) {
  const institution = await createInstitution();
  const slug = `doc-sach-${String(institution._id).slice(-6)}`;
  await Programme.create({ institutionId: institution._id, slug, title: "Đọc sách cùng con", startDate: new Date("2026-01-01"), endDate: new Date("2030-12-31"), goal: 200_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  const cookie = await sessionCookieFor((await createTestUser()).id);
  const fields = { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode, email: "csr@sachvina.vn", visibility: "name_and_amount", kind: "cash_instalments", amount: "9.000.000", instalmentCount: "3", frequency: "monthly" };
  const created = await responseOf(pledgeAction({ request: await formRequest(`/programmes/${slug}/pledge`, fields, { cookie }), params: { slug }, context: {} }));
  expect(created.status).toBe(302);
  return { reference: created.headers.get("Location")!.split("/").pop()!, cookie };
}

/** The same request, as sent to another address of the same server (what the user typed in the address bar). */
async function at(origin: string, request: Request) {
  const url = new URL(request.url);
  return new Request(`${origin}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body: request.method === "GET" ? undefined : await request.text() });
}

/** "Pay by card" on the pledge page, then "Pay" on the demo checkout page; returns where the donor lands. */
async function payByCardInDemo(reference: string, cookie: string, origin = BASE) {
  const toCheckout = await responseOf(payAction({ request: await at(origin, await formRequest(`/pledges/${reference}`, {}, { cookie })), params: { reference }, context: {} }));
  const checkoutUrl = new URL(toCheckout.headers.get("Location")!);
  const id = checkoutUrl.pathname.split("/").pop()!;
  const page = await (await responseOf(demoCheckoutLoader({ request: getRequest(checkoutUrl.pathname, cookie), params: { id }, context: {} }))).json();
  const paid = await responseOf(demoPayAction({ request: await formRequest(checkoutUrl.pathname, { outcome: "pay" }, { cookie }), params: { id }, context: {} }));
  return { checkoutUrl, amount: page.amount as number, landing: paid.headers.get("Location")! };
}

async function pledgePage(reference: string, cookie: string) {
  return (await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${reference}`, cookie), params: { reference }, context: {} }))).json();
}

describe("card payments in the labelled demo", () => {
  test("each instalment paid by card is its own payment: the second is booked, not lost", async () => {
    routeWebhookToTheApp();
    const { reference, cookie } = await instalmentPledge("1000000227");

    const first = await payByCardInDemo(reference, cookie);
    expect(first.amount).toBe(3_000_000);
    expect(first.landing).toBe(`${BASE}/pledges/${reference}?paid=1`);
    const second = await payByCardInDemo(reference, cookie);
    expect(second.amount).toBe(3_000_000);

    const page = await pledgePage(reference, cookie);
    expect(page.paid).toBe(6_000_000);
    expect(page.pledge.instalments.map((i: { status: string }) => i.status)).toEqual(["paid", "paid", "pending"]);
    expect(page.donations).toHaveLength(2);
    expect(page.due.amount).toBe(3_000_000);
    const payments = await Donation.find({ reference }).lean();
    expect(new Set(payments.map((d) => d.provider?.paymentIntentId)).size).toBe(2);
  });

  test("paying the same checkout page twice still counts once", async () => {
    routeWebhookToTheApp();
    const { reference, cookie } = await instalmentPledge("1000000298");
    const toCheckout = await responseOf(payAction({ request: await formRequest(`/pledges/${reference}`, {}, { cookie }), params: { reference }, context: {} }));
    const path = new URL(toCheckout.headers.get("Location")!).pathname;
    const id = path.split("/").pop()!;
    for (let i = 0; i < 2; i += 1) await responseOf(demoPayAction({ request: await formRequest(path, { outcome: "pay" }, { cookie }), params: { id }, context: {} }));
    expect((await pledgePage(reference, cookie)).paid).toBe(3_000_000);
  });

  test("the donor comes back to the address they opened (127.0.0.1), not to the configured localhost", async () => {
    routeWebhookToTheApp();
    const { reference, cookie } = await instalmentPledge("1000000019");
    const { checkoutUrl, landing } = await payByCardInDemo(reference, cookie, "http://127.0.0.1:3000");
    expect(checkoutUrl.origin).toBe("http://127.0.0.1:3000");
    expect(landing).toBe(`http://127.0.0.1:3000/pledges/${reference}?paid=1`);
    expect(createdCheckoutSessions.at(-1)!.body.get("cancel_url")).toBe(`http://127.0.0.1:3000/pledges/${reference}?cancelled=1`);
    expect((await pledgePage(reference, cookie)).paid).toBe(3_000_000);
  });

  test("an address outside the allow-list is never returned to: Checkout goes back to APP_URL", async () => {
    const { reference, cookie } = await instalmentPledge("1000000435");
    const toCheckout = await responseOf(payAction({ request: await at("http://gopsuc.evil.example", await formRequest(`/pledges/${reference}`, {}, { cookie })), params: { reference }, context: {} }));
    expect(new URL(toCheckout.headers.get("Location")!).origin).toBe(BASE);
    expect(createdCheckoutSessions.at(-1)!.body.get("success_url")).toBe(`${BASE}/pledges/${reference}?paid=1`);
  });

  test("a made-up demo session that would send the donor elsewhere is not a page", async () => {
    const { cookie } = await instalmentPledge("1000000509");
    const id = encodeDemoSession({ amount: 1_000_000, currency: "vnd", metadata: {}, successUrl: "https://evil.example/phish", cancelUrl: "https://evil.example/phish", reference: null });
    expect((await responseOf(demoCheckoutLoader({ request: getRequest(`/demo/stripe-checkout/${id}`, cookie), params: { id }, context: {} }))).status).toBe(404);
  });
});

/** A demo checkout the owner opened (the real session id, as Stripe's stand-in created it). */
async function openedCheckout(taxCode: string) {
  const { reference, cookie } = await instalmentPledge(taxCode);
  const toCheckout = await responseOf(payAction({ request: await formRequest(`/pledges/${reference}`, {}, { cookie }), params: { reference }, context: {} }));
  const path = new URL(toCheckout.headers.get("Location")!).pathname;
  return { reference, cookie, path, id: path.split("/").pop()! };
}

const booked = async (reference: string) => (await Donation.find({ reference }).lean()).length;

describe("the demo checkout cannot be used to book payments for someone else", () => {
  test("anonymous, with no cookie and no CSRF token: sent to sign in, nothing booked", async () => {
    routeWebhookToTheApp();
    const { reference, path, id } = await openedCheckout("1000000516");
    const response = await responseOf(demoPayAction({ request: await formRequest(path, { outcome: "pay" }, { csrf: false }), params: { id }, context: {} }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    expect(await booked(reference)).toBe(0);
  });

  test("another signed-in person: no such page, nothing booked", async () => {
    routeWebhookToTheApp();
    const { reference, path, id } = await openedCheckout("1000000523");
    const stranger = await sessionCookieFor((await createTestUser()).id);
    expect((await responseOf(demoCheckoutLoader({ request: getRequest(path, stranger), params: { id }, context: {} }))).status).toBe(404);
    expect((await responseOf(demoPayAction({ request: await formRequest(path, { outcome: "pay" }, { cookie: stranger }), params: { id }, context: {} }))).status).toBe(404);
    expect(await booked(reference)).toBe(0);
  });

  test("the owner without the CSRF token: refused, nothing booked", async () => {
    routeWebhookToTheApp();
    const { reference, cookie, path, id } = await openedCheckout("1000000530");
    expect((await responseOf(demoPayAction({ request: await formRequest(path, { outcome: "pay" }, { cookie, csrf: false }), params: { id }, context: {} }))).status).toBe(403);
    expect(await booked(reference)).toBe(0);
  });

  test("a session id with another amount or return address written into it is not a page", async () => {
    routeWebhookToTheApp();
    const { reference, cookie, id } = await openedCheckout("1000000548");
    const [body, seal] = id.slice("cs_test_".length).split(".");
    const fields = JSON.parse(Buffer.from(body!, "base64url").toString("utf8"));
    fields[0] = 99_000_000;
    fields[2] = "https://evil.example/phish";
    const forged = `cs_test_${Buffer.from(JSON.stringify(fields)).toString("base64url")}.${seal}`;
    const unsealed = `cs_test_${body}`;
    for (const made of [forged, unsealed]) {
      const path = `/demo/stripe-checkout/${made}`;
      expect((await responseOf(demoCheckoutLoader({ request: getRequest(path, cookie), params: { id: made }, context: {} }))).status).toBe(404);
      expect((await responseOf(demoPayAction({ request: await formRequest(path, { outcome: "pay" }, { cookie }), params: { id: made }, context: {} }))).status).toBe(404);
    }
    expect(await booked(reference)).toBe(0);
  });

  test("a webhook signed with the secret the demo once shipped in its source is refused", async () => {
    const { reference, id } = await openedCheckout("1000000555");
    const session = decodeDemoSession(id)!;
    const payload = JSON.stringify(stripeEvent("checkout.session.completed", checkoutSessionObject(session, { id, paymentIntent: demoPaymentIntentId(id) })));
    const request = new Request(`${BASE}/webhooks/stripe`, { method: "POST", body: payload, headers: { "Content-Type": "application/json", "Stripe-Signature": signWebhookPayload("whsec_gopsuc_demo_mode_not_a_secret", payload) } });
    expect((await responseOf(webhookAction({ request, params: {}, context: {} }))).status).toBe(400);
    expect(await booked(reference)).toBe(0);
  });
});
