import { describe, expect, test } from "vitest";
import { flushProgrammeTotals } from "#services/catalogue-index";
import { Donor } from "#models/donor.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { action as pledgeAction, loader as pledgeLoader } from "~/routes/programmes.$slug_.pledge";
import { action as payAction, loader as pledgePageLoader } from "~/routes/pledges.$reference";
import { loader as accountLoader } from "~/routes/account";
import { loader as receiptLoader } from "~/routes/receipts.$number_.pdf";
import { recordDonation } from "#services/money/donations";
import { cardAvailability } from "#services/stripe";
import { getToast } from "~/utils/session.server";
import { parseVietQrPayload } from "#services/vietqr";
import { createInstitution } from "#tests/fixtures/domain";
import { createdCheckoutSessions } from "#tests/mocks/stripe";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

async function openProgramme(state: "open" | "closed" | "draft" = "open") {
  const institution = await createInstitution({ name: "Thư viện Hải Phòng" });
  const slug = `thu-vien-so-${String(institution._id).slice(-6)}`;
  await Programme.create({ institutionId: institution._id, slug, title: "Thư viện số", startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 200_000_000, state, provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  return { institution, slug };
}

// Card payments configured for this file (the app reads its configuration once per process).
process.env.STRIPE_SECRET_KEY = "sk_test_pledge_tests";
process.env.STRIPE_WEBHOOK_SECRET = "whsec_pledge_tests_0000000000";

/** The flash message a redirect carries, as the next page would show it. */
async function toastOf(response: Response) {
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return (await getToast(new Request("http://localhost/", { headers: { Cookie: cookie } }))).toast;
}

const organisation = { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", email: "csr@sachvina.vn", visibility: "name_and_amount" };
const run = async (fn: typeof pledgeAction, request: Request, params: Record<string, string>) => responseOf(fn({ request, params, context: {} }));

describe("pledging", () => {
  test("colleagues pledge for one company: each pledge keeps what its person typed, the company's record is not renamed, each sees only their own", async () => {
    const { slug } = await openProgramme();
    const first = await createTestUser();
    const second = await createTestUser();
    const body = { ...organisation, taxCode: "1000000227", kind: "cash_once", amount: "1.000.000", address: "1 Tràng Tiền, Hà Nội" };
    const one = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, body, { cookie: await sessionCookieFor(first.id) }), { slug });
    expect(one.status).toBe(302);
    const two = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...body, legalName: "Công ty TNHH Kiểm Thử", address: "" }, { cookie: await sessionCookieFor(second.id) }), { slug });
    expect(two.status).toBe(302);
    const [p1, p2] = await Promise.all([one, two].map((r) => Pledge.findOne({ reference: r.headers.get("Location")!.split("/").pop() }).lean()));
    expect(String(p1!.donorId)).toBe(String(p2!.donorId));
    expect(p1!.donorSnapshot).toMatchObject({ kind: "organisation", name: organisation.legalName, taxCode: "1000000227", address: "1 Tràng Tiền, Hà Nội" });
    expect(p2!.donorSnapshot).toMatchObject({ name: "Công ty TNHH Kiểm Thử", address: null });
    expect(await Donor.findById(p1!.donorId).lean()).toMatchObject({ legalName: organisation.legalName, address: "1 Tràng Tiền, Hà Nội" });
    // Each person sees their own pledge, not their colleague's.
    const mine = await pledgePageLoader({ request: getRequest(`/pledges/${p2!.reference}`, await sessionCookieFor(second.id)), params: { reference: p2!.reference }, context: {} });
    expect(mine).toBeInstanceOf(Response);
    const theirs = await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${p1!.reference}`, await sessionCookieFor(second.id)), params: { reference: p1!.reference }, context: {} }));
    expect(theirs.status).toBe(403);
  });

  test("an organisation pledges in 3 monthly instalments that add up exactly", async () => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const cookie = await sessionCookieFor(donor.id);
    const response = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, kind: "cash_instalments", amount: "10.000.001", instalmentCount: "3", frequency: "monthly" }, { cookie }), { slug });
    expect(response.status).toBe(302);
    const reference = response.headers.get("Location")!.split("/").pop()!;
    expect(reference).toMatch(/^GS[0-9A-Z]{8}$/);
    const pledge = await Pledge.findOne({ reference }).lean();
    expect(pledge?.instalments.map((i) => i.amount)).toEqual([3_333_334, 3_333_334, 3_333_333]);
    expect((await Donor.findById(pledge!.donorId).lean())).toMatchObject({ kind: "organisation", taxCode: "0100109106", userId: expect.anything() });
    expect((await Programme.findOne({ slug }).lean())?.pledgedTotal).toBe(10_000_001);

    // The pledge page offers a VietQR code for the first instalment, carrying the reference.
    const page = await (await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${reference}`, cookie), params: { reference }, context: {} }))).json();
    const qr = parseVietQrPayload(page.transfer.payload);
    expect(qr).toMatchObject({ bankBin: "970415", accountNumber: "113000123456", amount: 3_333_334, description: reference });
  });

  const bad: Array<[string, Record<string, string>, string, string]> = [
    ["a tax code with a wrong check digit", { taxCode: "0100109107" }, "taxCode", "validation.taxCode"],
    ["an amount with decimals", { amount: "5000000,5" }, "amount", "validation.amountWholeDong"],
    ["one instalment", { kind: "cash_instalments", amount: "5000000", instalmentCount: "1", frequency: "monthly" }, "instalmentCount", "pledge.validation.instalmentCount"],
    ["an individual named in public without consent", { donorKind: "individual", fullName: "Nguyễn Văn A", visibility: "name_only" }, "consent", "pledge.validation.consentRequired"],
  ];
  test.each(bad)("%s is refused with its message and writes nothing", async (_label, override, field, message) => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const before = await Pledge.countDocuments();
    const response = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, kind: "cash_once", amount: "5.000.000", ...override }, { cookie: await sessionCookieFor(donor.id) }), { slug });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[field]).toContain(message);
    expect(await Pledge.countDocuments()).toBe(before);
  });

  test("goods in kind are pledged against the programme's needs, valued at quantity × declared value", async () => {
    const { slug } = await openProgramme();
    await Programme.updateOne({ slug }, { $set: { inKindNeeds: [{ item: "Máy tính bảng", unit: "chiếc", quantity: 20, unitValue: 6_000_000 }] } });
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const form = await (await responseOf(pledgeLoader({ request: getRequest(`/programmes/${slug}/pledge`, cookie), params: { slug }, context: {} }))).json();
    expect(form.programme.inKindNeeds).toEqual([{ item: "Máy tính bảng", unit: "chiếc", quantity: 20, unitValue: 6_000_000 }]);
    const response = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, taxCode: "1000000298", kind: "in_kind", item: "Máy tính bảng", quantity: "5", unitValue: "6.000.000" }, { cookie }), { slug });
    const reference = response.headers.get("Location")!.split("/").pop()!;
    expect(await Pledge.findOne({ reference }).lean()).toMatchObject({ kind: "in_kind", amount: 30_000_000, inKindItems: [{ item: "Máy tính bảng", quantity: 5, unitValue: 6_000_000 }] });
  });

  test("an individual who consents is named, and the consent is recorded with its wording and time", async () => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const response = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { donorKind: "individual", fullName: "Trần Thị Lan", email: "lan@example.vn", kind: "cash_once", amount: "500.000", visibility: "name_only", consent: "yes" }, { cookie: await sessionCookieFor(donor.id) }), { slug });
    const reference = response.headers.get("Location")!.split("/").pop()!;
    const pledge = await Pledge.findOne({ reference }).lean();
    expect(pledge?.visibility).toBe("name_only");
    expect(pledge?.consent?.text).toMatch(/đồng ý/);
    expect(pledge?.consent?.givenAt).toBeInstanceOf(Date);
  });

  test("a closed or draft programme takes no pledges; a visitor is asked to sign in", async () => {
    const closed = await openProgramme("closed");
    const donor = await createTestUser();
    const response = await run(pledgeAction, await formRequest(`/programmes/${closed.slug}/pledge`, { ...organisation, kind: "cash_once", amount: "5.000.000" }, { cookie: await sessionCookieFor(donor.id) }), { slug: closed.slug });
    expect(response.status).toBe(400);
    const draft = await openProgramme("draft");
    expect((await responseOf(pledgeLoader({ request: getRequest(`/programmes/${draft.slug}/pledge`), params: { slug: draft.slug }, context: {} }))).status).toBe(404);
    const anonymous = await run(pledgeAction, await formRequest(`/programmes/${closed.slug}/pledge`, { ...organisation, kind: "cash_once", amount: "5.000.000" }), { slug: closed.slug });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
  });
});

describe("paying and receipts", () => {
  test("a card payment above Stripe's limit is refused with a message steering to transfer; nothing is sent to Stripe", async () => {
    const { slug } = await openProgramme();
    const donor = await createTestUser();
    const cookie = await sessionCookieFor(donor.id);
    const created = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, taxCode: "1000000019", kind: "cash_once", amount: "150.000.000" }, { cookie }), { slug });
    const reference = created.headers.get("Location")!.split("/").pop()!;
    const calls = createdCheckoutSessions.length;
    const response = await responseOf(payAction({ request: await formRequest(`/pledges/${reference}`, {}, { cookie }), params: { reference }, context: {} }));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/pledges/${reference}`);
    expect((await toastOf(response))?.message).toMatch(/vượt mức tối đa cho thẻ \(99\.999\.999\s₫\)\. Vui lòng chuyển khoản qua VietQR/);
    expect(createdCheckoutSessions.length).toBe(calls);
    // The pledge page says the same before anyone presses a button, and offers the VietQR transfer instead.
    const page = await (await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${reference}`, cookie), params: { reference }, context: {} }))).json();
    expect(page.card).toEqual({ available: true, amountOk: false, reason: "above_maximum" });
    expect(page.transfer.amount).toBe(150_000_000);
  });

  test("a card payment within the limit goes to Stripe Checkout for the amount due, in VND", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const created = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, taxCode: "1000000435", kind: "cash_instalments", amount: "9.000.000", instalmentCount: "3", frequency: "quarterly" }, { cookie }), { slug });
    const reference = created.headers.get("Location")!.split("/").pop()!;
    const response = await responseOf(payAction({ request: await formRequest(`/pledges/${reference}`, {}, { cookie }), params: { reference }, context: {} }));
    expect(response.headers.get("Location")).toMatch(/\/demo\/stripe-checkout\/cs_test_/);
    const sent = createdCheckoutSessions.at(-1)!.body;
    expect(sent.get("line_items[0][price_data][currency]")).toBe("vnd");
    expect(sent.get("line_items[0][price_data][unit_amount]")).toBe("3000000");
    expect(sent.get("metadata[pledgeReference]")).toBe(reference);
    expect(sent.get("metadata[instalmentSeq]")).toBe("1");
  });

  test("another donor can neither see a pledge nor download its receipt", async () => {
    const { slug, institution } = await openProgramme();
    const owner = await createTestUser();
    const ownerCookie = await sessionCookieFor(owner.id);
    const created = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, taxCode: "1000000153", kind: "cash_once", amount: "2.000.000" }, { cookie: ownerCookie }), { slug });
    const reference = created.headers.get("Location")!.split("/").pop()!;
    const pledge = await Pledge.findOne({ reference }).lean();
    const { receiptNumber } = await recordDonation({ idempotencyKey: `bank:test:${reference}`, pledgeId: pledge!._id, programmeId: pledge!.programmeId, institutionId: institution._id, donorId: pledge!.donorId, method: "bank_transfer", amount: 2_000_000, receivedAt: new Date(), reference });

    const stranger = await sessionCookieFor((await createTestUser()).id);
    expect((await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${reference}`, stranger), params: { reference }, context: {} }))).status).toBe(403);
    expect((await responseOf(receiptLoader({ request: getRequest(`/receipts/${receiptNumber}/pdf`, stranger), params: { number: receiptNumber }, context: {} }))).status).toBe(403);
    const receipt = await responseOf(receiptLoader({ request: getRequest(`/receipts/${receiptNumber}/pdf`, ownerCookie), params: { number: receiptNumber }, context: {} }));
    expect(receipt.headers.get("Content-Type")).toBe("application/pdf");
    expect(Buffer.from(await receipt.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
  });
});

describe("the account page", () => {
  test("shows what was paid on each pledge, and a manager's institutions by name", async () => {
    const { slug, institution } = await openProgramme();
    const donor = await createTestUser();
    const cookie = await sessionCookieFor(donor.id);
    const created = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, taxCode: "1000000467", kind: "cash_once", amount: "3.000.000" }, { cookie }), { slug });
    const reference = created.headers.get("Location")!.split("/").pop()!;
    const pledge = await Pledge.findOne({ reference }).lean();
    await recordDonation({ idempotencyKey: `bank:account:${reference}`, pledgeId: pledge!._id, programmeId: pledge!.programmeId, institutionId: institution._id, donorId: pledge!.donorId, method: "bank_transfer", amount: 1_200_000, receivedAt: new Date(), reference });
    // A pledge made before pledges recorded who made them belongs to whoever owns its donor record.
    const older = await Pledge.create({ programmeId: pledge!.programmeId, institutionId: institution._id, donorId: pledge!.donorId, kind: "cash_once", amount: 700_000, createdAt: new Date("2026-01-01") });
    const mine = await (await responseOf(accountLoader({ request: getRequest("/account", cookie), params: {}, context: {} }))).json();
    expect(mine.pledges).toEqual([expect.objectContaining({ reference, amount: 3_000_000, paid: 1_200_000 }), expect.objectContaining({ reference: older.reference, paid: 0 })]);

    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const managed = await (await responseOf(accountLoader({ request: getRequest("/account", await sessionCookieFor(manager.id)), params: {}, context: {} }))).json();
    expect(managed.institutions).toEqual([expect.objectContaining({ name: "Thư viện Hải Phòng", slug: institution.slug })]);
  });
});

describe("cancelling", () => {
  test("the donor cancels before paying; a manager cancels with a reason; totals follow", async () => {
    const { slug, institution } = await openProgramme();
    const owner = await createTestUser();
    const cookie = await sessionCookieFor(owner.id);
    const create = async (taxCode: string) => {
      const r = await run(pledgeAction, await formRequest(`/programmes/${slug}/pledge`, { ...organisation, taxCode, kind: "cash_once", amount: "4.000.000" }, { cookie }), { slug });
      return r.headers.get("Location")!.split("/").pop()!;
    };
    const first = await create("1000000361");
    expect((await Programme.findOne({ slug }).lean())?.pledgedTotal).toBe(4_000_000);
    await responseOf(payAction({ request: await formRequest(`/pledges/${first}`, { intent: "cancel" }, { cookie }), params: { reference: first }, context: {} }));
    expect((await Pledge.findOne({ reference: first }).lean())?.state).toBe("cancelled");
    expect((await Programme.findOne({ slug }).lean())?.pledgedTotal).toBe(0);

    // Once something is paid, only the institution can cancel, and it must say why.
    const second = await create("1000000361");
    const pledge = await Pledge.findOne({ reference: second }).lean();
    await recordDonation({ idempotencyKey: `bank:cancel:${second}`, pledgeId: pledge!._id, programmeId: pledge!.programmeId, institutionId: institution._id, donorId: pledge!.donorId, method: "bank_transfer", amount: 1_000_000, receivedAt: new Date(), reference: second });
    await responseOf(payAction({ request: await formRequest(`/pledges/${second}`, { intent: "cancel" }, { cookie }), params: { reference: second }, context: {} }));
    expect((await Pledge.findOne({ reference: second }).lean())?.state).toBe("active");
    const manager = await sessionCookieFor((await createTestUser({ role: "manager", institutionIds: [String(institution._id)] })).id);
    await responseOf(payAction({ request: await formRequest(`/pledges/${second}`, { intent: "cancel", reason: "" }, { cookie: manager }), params: { reference: second }, context: {} }));
    expect((await Pledge.findOne({ reference: second }).lean())?.state).toBe("active");
    await responseOf(payAction({ request: await formRequest(`/pledges/${second}`, { intent: "cancel", reason: "Doanh nghiệp đổi kế hoạch tài trợ" }, { cookie: manager }), params: { reference: second }, context: {} }));
    expect(await Pledge.findOne({ reference: second }).lean()).toMatchObject({ state: "cancelled", cancelledReason: "Doanh nghiệp đổi kế hoạch tài trợ" });
    // What was received stays received.
    await flushProgrammeTotals(); // the copy follows the books off the gift's path
    expect((await Programme.findOne({ slug }).lean())?.receivedTotal).toBe(1_000_000);
  });
});

test("without Stripe keys and outside demo mode, card payment is unavailable with its reason", () => {
  expect(cardAvailability({ demo: false, appUrl: "https://gopsuc.vn" })).toEqual({ available: false, reason: "not_configured" });
  expect(cardAvailability({ demo: true, appUrl: "http://localhost:3000" })).toEqual({ available: true });
});
