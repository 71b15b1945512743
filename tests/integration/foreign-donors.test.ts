import { beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { action as pledgeAction, loader as pledgeLoader } from "~/routes/programmes.$slug_.pledge";
import { loader as receiptPdfLoader } from "~/routes/receipts.$number_.pdf";
import { action as internationalAction, loader as internationalLoader } from "~/routes/manage.institutions.$id.international";
import { loader as pledgePageLoader } from "~/routes/pledges.$reference";
import { AuditEvent } from "#models/audit-event.server";
import { Institution } from "#models/institution.server";
import { getFixedT, serializeLanguageCookie } from "~/utils/i18n.server";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { pdfText } from "#tests/utils/pdf";


async function openProgramme() {
  return (await openProgrammeOf()).slug;
}
async function openProgrammeOf() {
  const institution = await createInstitution({ name: "Bảo tàng Hà Nội" });
  const slug = `hoc-lieu-${String(institution._id).slice(-6)}`;
  await Programme.create({ institutionId: institution._id, slug, title: "Học liệu số", startDate: new Date("2026-01-01"), endDate: new Date("2030-12-31"), goal: 500_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "museum", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
  return { slug, institution };
}

let English = "";
async function pledge(slug: string, cookie: string, fields: Record<string, string>, language?: string) {
  const request = await formRequest(`/programmes/${slug}/pledge`, { kind: "cash_once", amount: "20.000.000", visibility: "name_and_amount", email: "grants@example.jp", ...fields }, { cookie: language ? `${cookie}; ${language}` : cookie });
  return responseOf(pledgeAction({ request, params: { slug }, context: {} }));
}
const referenceOf = (response: Response) => response.headers.get("Location")!.split("/").pop()!;
const foundation = { donorKind: "organisation", country: "JP", legalName: "Sakura Learning Foundation", registrationNumber: "5010405001703", address: "1-1 Marunouchi, Chiyoda-ku, Tokyo", phone: "+81312345678" };

describe("donors abroad", () => {
  beforeAll(async () => {
    English = (await serializeLanguageCookie("en")).split(";")[0]!;
  });

  test("a foundation from Japan pledges with its own registration number — no Vietnamese tax code, no check digit — and colleagues find the same record however they space it", async () => {
    const slug = await openProgramme();
    const [first, second] = [await createTestUser(), await createTestUser()];
    // The form without JavaScript sends every field: a tax code and province typed by mistake are ignored for Japan.
    const one = await pledge(slug, await sessionCookieFor(first.id), { ...foundation, taxCode: "", provinceSlug: "ha-noi" });
    expect(one.status).toBe(302);
    const two = await pledge(slug, await sessionCookieFor(second.id), { ...foundation, registrationNumber: "50-1040 5001703", taxCode: "123" });
    expect(two.status).toBe(302);
    const [p1, p2] = await Promise.all([one, two].map((r) => Pledge.findOne({ reference: referenceOf(r) }).lean()));
    expect(String(p1!.donorId)).toBe(String(p2!.donorId));
    const donor = await Donor.findById(p1!.donorId).lean();
    expect(donor).toMatchObject({ kind: "organisation", country: "JP", registrationNumber: "5010405001703", taxCode: null, provinceSlug: null, uniqueKey: "reg:JP:5010405001703", phone: "+81312345678" });
    expect(p1!.donorSnapshot).toMatchObject({ kind: "organisation", name: "Sakura Learning Foundation", country: "JP", registrationNumber: "5010405001703", taxCode: null });
    // A Vietnamese company with the same digits is another donor (another country, another register).
    const vn = await pledge(slug, await sessionCookieFor(first.id), { donorKind: "organisation", country: "VN", legalName: "Công ty Sách Vina", taxCode: "0100109106" });
    expect(vn.status).toBe(302);
    const vnPledge = await Pledge.findOne({ reference: referenceOf(vn) }).lean();
    expect(await Donor.findById(vnPledge!.donorId).lean()).toMatchObject({ country: "VN", taxCode: "0100109106", uniqueKey: "tax:0100109106" });
  });

  test("the form asks what fits the country, in the donor's language, and a refused form stores nothing", async () => {
    const slug = await openProgramme();
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    const before = { donors: await Donor.countDocuments(), pledges: await Pledge.countDocuments() };
    // The messages as the page shows them: the action's keys in the reader's language.
    const [en, vi] = [await getFixedT("en"), await getFixedT("vi")];
    const errorsOf = async (response: Response, t = en) =>
      Object.fromEntries(Object.entries(((await response.json()) as { errors: Record<string, string[]> }).errors).map(([field, keys]) => [field, keys.map((key) => t(key))]));

    // Japan without its registration number: that number is asked for, not a tax code.
    const missing = await pledge(slug, cookie, { ...foundation, registrationNumber: "" }, English);
    expect(missing.status).toBe(400);
    const missingErrors = await errorsOf(missing);
    expect(missingErrors.registrationNumber).toEqual(["Please fill this in."]);
    expect(missingErrors.taxCode).toBeUndefined();
    // A number with characters no register uses.
    const odd = await pledge(slug, cookie, { ...foundation, registrationNumber: "<script>" }, English);
    expect((await errorsOf(odd)).registrationNumber).toEqual(["A registration number has letters, digits, spaces and . / - only (2–40 characters)."]);
    // Việt Nam keeps the tax-code check, in Vietnamese.
    const badTax = await pledge(slug, cookie, { donorKind: "organisation", country: "VN", legalName: "Công ty Sách Vina", taxCode: "0100109107", registrationNumber: "5010405001703" });
    expect((await errorsOf(badTax, vi)).taxCode).toEqual(["Mã số thuế không hợp lệ (10 chữ số, hoặc 13 dạng 0100109106-001, với chữ số kiểm tra đúng)."]);
    // No such country.
    const nowhere = await pledge(slug, cookie, { ...foundation, country: "XX" }, English);
    expect((await errorsOf(nowhere)).country).toEqual(["Not a valid choice."]);
    expect({ donors: await Donor.countDocuments(), pledges: await Pledge.countDocuments() }).toEqual(before);

    // The form lists the countries in the reader's language, Việt Nam first.
    const page = await responseOf(pledgeLoader({ request: getRequest(`/programmes/${slug}/pledge`, `${cookie}; ${English}`), params: { slug }, context: {} }));
    const { countries } = (await page.json()) as { countries: Array<{ code: string; name: string }> };
    expect(countries[0]).toEqual({ code: "VN", name: "Vietnam" });
    expect(countries.find((c) => c.code === "JP")?.name).toBe("Japan");
    expect(countries.length).toBeGreaterThan(240);
  });

  test("an individual abroad pledges with an international phone number; the receipt in English names the country, in Vietnamese too", async () => {
    const slug = await openProgramme();
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    const response = await pledge(slug, cookie, { donorKind: "individual", country: "KR", fullName: "Kim Min-ji", phone: "+821012345678", consent: "yes", address: "Seoul" }, English);
    expect(response.status).toBe(302);
    const p = await Pledge.findOne({ reference: referenceOf(response) }).lean();
    expect(await Donor.findById(p!.donorId).lean()).toMatchObject({ kind: "individual", country: "KR", phone: "+821012345678" });

    const gift = await recordDonation({ idempotencyKey: `bank:foreign-donors:${p!.reference}`, pledgeId: String(p!._id), programmeId: String(p!.programmeId), institutionId: String(p!.institutionId), donorId: String(p!.donorId), method: "bank_transfer", amount: 20_000_000, receivedAt: new Date(), reference: p!.reference });
    const pdf = async (lang: "en" | "vi") => {
      const res = await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${gift.receiptNumber}/pdf?lang=${lang}`, cookie), params: { number: gift.receiptNumber }, context: {} }));
      expect(res.headers.get("Content-Type")).toBe("application/pdf");
      return pdfText(Buffer.from(await res.arrayBuffer()));
    };
    const english = await pdf("en");
    expect(english).toContain("Donor: Kim Min-ji");
    expect(english).toContain("Country: South Korea");
    expect(await pdf("vi")).toContain("Quốc gia: Hàn Quốc");
  });

  test("the foundation's receipt carries its registration number and country", async () => {
    const slug = await openProgramme();
    const user = await createTestUser();
    const cookie = await sessionCookieFor(user.id);
    const response = await pledge(slug, cookie, foundation, English);
    const p = await Pledge.findOne({ reference: referenceOf(response) }).lean();
    const gift = await recordDonation({ idempotencyKey: `bank:foreign-donors:${p!.reference}`, pledgeId: String(p!._id), programmeId: String(p!.programmeId), institutionId: String(p!.institutionId), donorId: String(p!.donorId), method: "bank_transfer", amount: 20_000_000, receivedAt: new Date(), reference: p!.reference });
    const res = await responseOf(receiptPdfLoader({ request: getRequest(`/receipts/${gift.receiptNumber}/pdf?lang=en`, cookie), params: { number: gift.receiptNumber }, context: {} }));
    const text = pdfText(Buffer.from(await res.arrayBuffer()));
    expect(text).toContain("Donor: Sakura Learning Foundation");
    expect(text).toContain("Registration no.: 5010405001703");
    expect(text).toContain("Country: Japan");
    expect(text).not.toContain("Tax code:");
  });

  test("a manager publishes the institution's SWIFT details; a donor abroad sees them with the reference to quote, a donor at home does not", async () => {
    const { slug, institution } = await openProgrammeOf();
    const id = String(institution._id);
    const manager = await createTestUser({ role: "manager", institutionIds: [id] });
    const managerCookie = await sessionCookieFor(manager.id);
    const save = async (text: string, cookie = managerCookie) =>
      responseOf(internationalAction({ request: await formRequest(`/manage/institutions/${id}/international`, { internationalTransfer: text }, { cookie }), params: { id }, context: {} }));

    // Before: the donor abroad is told to ask the institution.
    const donor = await createTestUser();
    const donorCookie = await sessionCookieFor(donor.id);
    const abroad = referenceOf(await pledge(slug, donorCookie, foundation, English));
    const page = async (reference: string) => {
      const response = await responseOf(pledgePageLoader({ request: getRequest(`/pledges/${reference}`, `${donorCookie}; ${English}`), params: { reference }, context: {} }));
      return ((await response.json()) as { international: { details: string | null; reference: string; amount: number } | null }).international;
    };
    expect(await page(abroad)).toMatchObject({ details: null, reference: abroad, amount: 20_000_000 });

    // Text without a SWIFT/BIC code is refused, and changes nothing.
    const refused = await save("Please write to us for our bank details.");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: Record<string, string[]> }).errors.internationalTransfer).toEqual(["institutions.validation.swiftMissing"]);
    expect((await Institution.findById(id).lean())!.internationalTransfer).toBeNull();
    // Another institution's manager may not.
    const other = await createTestUser({ role: "manager", institutionIds: [String((await createInstitution({ name: "Thư viện khác" }))._id)] });
    expect((await save("SWIFT BFTVVNVX", await sessionCookieFor(other.id))).status).toBe(403);
    expect((await responseOf(internationalLoader({ request: getRequest(`/manage/institutions/${id}/international`, await sessionCookieFor(other.id)), params: { id }, context: {} }))).status).toBe(403);

    const details = "Bank: Vietcombank\nSWIFT/BIC: BFTVVNVX\nAccount: 0011004455667\nBeneficiary: BAO TANG HA NOI";
    const saved = await save(details);
    expect(saved.status).toBe(302);
    expect(await AuditEvent.countDocuments({ action: "institution.international_transfer", subjectId: id })).toBe(1);
    expect(await page(abroad)).toEqual({ details, contact: expect.anything(), reference: abroad, amount: 20_000_000 });

    // A Vietnamese business pays by VietQR: no international transfer on its page.
    const home = referenceOf(await pledge(slug, donorCookie, { donorKind: "organisation", country: "VN", legalName: "Công ty Sách Vina", taxCode: "0100109106" }));
    expect(await page(home)).toBeNull();
    // Blank takes the details off again.
    expect((await save("")).status).toBe(302);
    expect((await Institution.findById(id).lean())!.internationalTransfer).toBeNull();
  });
});
