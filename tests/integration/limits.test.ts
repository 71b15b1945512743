import { describe, expect, test } from "vitest";
import { Institution } from "#models/institution.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recomputeProgrammeTotals } from "#services/money/projections";
import { Setting } from "#models/setting.server";
import { User } from "#models/user.server";
import { refreshPledgeFulfilment } from "#services/money/projections";
import { recordOfflineGift } from "#services/offline-gifts";
import { updateLimits } from "#services/settings";
import { offlineGiftSchema } from "#services/validation/offline-gift";
import { loader as homeLoader } from "~/routes/_index";
import { loader as institutionLoader } from "~/routes/institutions.$slug";
import { loader as manageLoader } from "~/routes/manage._index";
import { loader as financeLoader } from "~/routes/manage.programmes.$id_.finance";
import { loader as pledgePageLoader } from "~/routes/pledges.$reference";
import { loader as programmeLoader } from "~/routes/programmes.$slug";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { loader as catalogueLoader } from "~/routes/programmes._index";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

async function openProgramme() {
  const institution = await createInstitution({ name: "Thư viện Quảng Ninh" });
  const slug = `thu-vien-so-${String(institution._id).slice(-6)}`;
  const programme = await Programme.create({ institutionId: institution._id, slug, title: "Sách cho vùng biển", startDate: new Date("2026-01-01"), endDate: new Date("2028-12-31"), goal: 180_000_000, state: "open", provinceSlug: "quang-ninh", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true, publishedAt: new Date() });
  return { institution, slug, programme };
}

const business = { donorKind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", email: "csr@sachvina.vn", visibility: "name_and_amount", kind: "cash_once" };
const pledge = async (slug: string, cookie: string, fields: Record<string, string>) =>
  responseOf(pledgeAction({ request: await formRequest(`/programmes/${slug}/pledge`, { ...business, ...fields }, { cookie }), params: { slug }, context: {} }));

describe("limits on one pledge or gift", () => {
  test("a pledge above 100 tỷ đồng is refused with a message naming the limit, and nothing is written", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const before = await Pledge.countDocuments();
    for (const amount of ["100.000.000.001", "1.000.000.000.000.000", "9.007.199.254.740.991"]) {
      const response = await pledge(slug, cookie, { amount });
      expect(response.status, amount).toBe(400);
      expect((await response.json()).errors.amount[0]).toMatch(/^validation\.amount(AboveLimit|TooLarge)\|/);
    }
    // Goods count at their declared value: 20.000 × 6.000.000 = 120 tỷ.
    const goods = await pledge(slug, cookie, { kind: "in_kind", item: "Máy tính bảng", quantity: "20000", unitValue: "6.000.000" });
    expect(goods.status).toBe(400);
    expect((await goods.json()).errors.unitValue[0]).toBe('validation.amountAboveLimit|{"maxVnd":100000000000}');
    expect(await Pledge.countDocuments()).toBe(before);
    // Exactly at the limit is fine.
    expect((await pledge(slug, cookie, { amount: "100.000.000.000" })).status).toBe(302);
  });

  test("an admin lowers the limit; pledges and offline gifts above it are refused", async () => {
    const { slug, programme, institution } = await openProgramme();
    const admin = await createTestUser({ role: "admin" });
    await updateLimits({ ...admin, id: admin.id, role: "admin", institutionIds: [], provinceSlug: null } as never, { maxAmount: 500_000_000, correctionApprovalThreshold: 50_000_000 });
    try {
      const cookie = await sessionCookieFor((await createTestUser()).id);
      const response = await pledge(slug, cookie, { amount: "600.000.000" });
      expect((await response.json()).errors.amount).toEqual(['validation.amountAboveLimit|{"maxVnd":500000000}']);
      const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
      const input = offlineGiftSchema.parse({ clientToken: "limit-token-0000000000", method: "cash", amount: "600.000.000", receivedAt: "2026-11-20", donorType: "anonymous" });
      const actor = { id: manager.id, role: "manager" as const, institutionIds: [String(institution._id)], provinceSlug: null, name: manager.name, email: manager.email };
      await expect(recordOfflineGift(actor as never, String(programme._id), input)).rejects.toMatchObject({ code: "invalid", fieldErrors: { amount: ['validation.amountAboveLimit|{"maxVnd":500000000}'] } });
    } finally {
      await Setting.deleteMany({});
    }
  });

  test("a programme holding a pledge stored before the limits (past Number.MAX_SAFE_INTEGER in sum) still answers on every page", async () => {
    const { slug, programme, institution } = await openProgramme();
    const donor = await createTestUser();
    const cookie = await sessionCookieFor(donor.id);
    const created = await pledge(slug, cookie, { amount: "5.000.000" });
    const reference = created.headers.get("Location")!.split("/").pop()!;
    // Two enormous pledges written as an older version of the app allowed (bypassing today's checks).
    const ordinary = await Pledge.findOne({ reference }).lean();
    for (const suffix of ["HUGE1", "HUGE2"]) {
      await Pledge.collection.insertOne({ ...ordinary!, _id: undefined as never, reference: `GS${suffix}XXX`, amount: 9_007_199_254_740_991, createdAt: new Date(), updatedAt: new Date() });
    }
    await recomputeProgrammeTotals(programme._id);
    expect((await Programme.findById(programme._id).lean())!.pledgedTotal).toBeGreaterThan(Number.MAX_SAFE_INTEGER);

    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const managerCookie = await sessionCookieFor(manager.id);
    await User.updateOne({ _id: manager.id }, { $set: { institutionIds: [institution._id] } });
    await Institution.updateOne({ _id: institution._id }, { $push: { managerIds: manager.id } });
    const ok = async (name: string, promise: Promise<unknown>) => {
      const response = await responseOf(promise);
      expect(response.status, name).toBe(200);
    };
    await ok("home", homeLoader({ request: getRequest("/"), params: {}, context: {} }));
    await ok("catalogue", catalogueLoader({ request: getRequest("/programmes"), params: {}, context: {} }));
    await ok("programme", programmeLoader({ request: getRequest(`/programmes/${slug}`), params: { slug }, context: {} }));
    await ok("institution", institutionLoader({ request: getRequest(`/institutions/${institution.slug}`), params: { slug: institution.slug }, context: {} }));
    await ok("manage", manageLoader({ request: getRequest("/manage", managerCookie), params: {}, context: {} }));
    await ok("finance", financeLoader({ request: getRequest(`/manage/programmes/${programme._id}/finance`, managerCookie), params: { id: String(programme._id) }, context: {} }));
    // The enormous pledge's own page answers too (its donor can still cancel it); no VietQR code can carry such an amount.
    const huge = await responseOf(pledgePageLoader({ request: getRequest("/pledges/GSHUGE1XXX", cookie), params: { reference: "GSHUGE1XXX" }, context: {} }));
    expect(huge.status).toBe(200);
    expect((await huge.json()).transfer).toBeNull();
  });
});

describe("due days are calendar days in Vietnam", () => {
  test("a new instalment pledge's first instalment is due today and not overdue until today has passed there", async () => {
    const { slug } = await openProgramme();
    const cookie = await sessionCookieFor((await createTestUser()).id);
    const created = await pledge(slug, cookie, { kind: "cash_instalments", amount: "6.000.000", instalmentCount: "3", frequency: "monthly" });
    const reference = created.headers.get("Location")!.split("/").pop()!;
    const stored = await Pledge.findOne({ reference }).lean();
    const due = stored!.instalments[0]!.dueDate;
    // Due at the start of today in Vietnam: not in the past of the day it was made.
    expect(new Date(due.getTime() + 7 * 3600_000).toISOString().slice(0, 10)).toBe(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10));
    expect((await refreshPledgeFulfilment(stored!._id, new Date()))?.state).toBe("active");
    expect((await refreshPledgeFulfilment(stored!._id, new Date(due.getTime() + 23 * 3600_000 + 59 * 60_000)))?.instalments[0]!.status).toBe("pending");
    const nextDay = await refreshPledgeFulfilment(stored!._id, new Date(due.getTime() + 24 * 3600_000));
    expect(nextDay?.instalments[0]!.status).toBe("overdue");
    expect(nextDay?.state).toBe("overdue");
  });
});
