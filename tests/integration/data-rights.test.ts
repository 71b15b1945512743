import { beforeAll, describe, expect, test } from "vitest";
import { DataRequest } from "#models/data-request.server";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Pledge } from "#models/pledge.server";
import { User } from "#models/user.server";
import { recordDonation } from "#services/money/donations";
import { verifyLedgerChain } from "#services/money/ledger";
import { moneyIn, paidOfPledge, receivedOfProgramme } from "#services/money/projections";
import { action as dataAction, loader as dataLoader } from "~/routes/account_.data";
import { loader as dataJson } from "~/routes/account_.data[.]json";
import { loader as programmeLoader } from "~/routes/programmes.$slug";
import { loader as receiptLoader } from "~/routes/receipts.$number";
import { createInstitution, createOpenProgramme } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * A donor's rights over their data (issue 12, Law 91/2025/QH15): everything held about them, readable and
 * as JSON; consent to be named withdrawn, after which every public page shows them anonymous; erasure,
 * which removes personal fields and keeps the money. Each request is recorded with its time.
 */
describe("a donor's own data", () => {
  let slug: string;
  let donorUser: Awaited<ReturnType<typeof createTestUser>>;
  let cookie: string;
  let receiptNumber: string;
  let institutionId: string;
  let donorId: string;
  let pledgeId: string;

  const page = async () => (await responseOf(dataLoader({ request: getRequest("/account/data", cookie), params: {}, context: {} }))).json();
  const post = async (fields: Record<string, string>, who = cookie) => responseOf(dataAction({ request: await formRequest("/account/data", fields, { cookie: who }), params: {}, context: {} }));
  const publicLedger = async () => (await (await responseOf(programmeLoader({ request: getRequest(`/programmes/${slug}`), params: { slug }, context: {} }))).json()).ledger.entries as Array<{ donorName: string; anonymous: boolean }>;

  beforeAll(async () => {
    const institution = await createInstitution({ provinceSlug: "can-tho" });
    institutionId = String(institution._id);
    const programme = await createOpenProgramme(institution, { title: "Thư viện lưu động Cần Thơ" });
    slug = programme.slug;
    donorUser = await createTestUser({ name: "Nguyễn Thị Mai" });
    cookie = await sessionCookieFor(donorUser.id);
    const donor = await Donor.create({ kind: "individual", fullName: "Nguyễn Thị Mai", email: donorUser.email, phone: "0912 345 678", address: "12 Hòa Bình, Ninh Kiều", userId: donorUser.id });
    donorId = String(donor._id);
    const pledge = await Pledge.create({
      programmeId: programme._id,
      institutionId: institution._id,
      donorId: donor._id,
      kind: "cash_once",
      amount: 2_000_000,
      visibility: "name_and_amount",
      consent: { text: "Tôi đồng ý công khai tên và số tiền.", givenAt: new Date() },
      pledgedBy: donorUser.id,
      donorSnapshot: { kind: "individual", name: "Nguyễn Thị Mai", address: "12 Hòa Bình, Ninh Kiều" },
    });
    pledgeId = String(pledge._id);
    ({ receiptNumber } = await recordDonation({ idempotencyKey: `bank:rights:${Date.now()}`, programmeId: programme._id, institutionId: institution._id, pledgeId: pledge._id, donorId: donor._id, method: "bank_transfer", amount: 2_000_000, receivedAt: new Date(), reference: pledge.reference }));
  });

  test("sees everything held about them, and downloads it as JSON (the download is recorded)", async () => {
    const { data, requests } = await page();
    expect(data.account).toMatchObject({ email: donorUser.email, name: "Nguyễn Thị Mai" });
    expect(data.donors).toMatchObject([{ fullName: "Nguyễn Thị Mai", phone: "0912 345 678", address: "12 Hòa Bình, Ninh Kiều" }]);
    expect(data.pledges).toMatchObject([{ amount: 2_000_000, visibility: "name_and_amount", programme: { slug } }]);
    expect(data.gifts).toMatchObject([{ receiptNumber, amount: 2_000_000 }]);
    expect(requests).toEqual([]); // looking is not a request

    const download = await responseOf(dataJson({ request: getRequest("/account/data.json", cookie), params: {}, context: {} }));
    expect(download.headers.get("Content-Disposition")).toMatch(/^attachment; filename="gopsuc-du-lieu-ca-nhan-\d{4}-\d{2}-\d{2}\.json"$/);
    const json = await download.json();
    expect(json.gifts[0].receiptNumber).toBe(receiptNumber);
    expect(json.donors[0].email).toBe(donorUser.email);
    expect((await page()).requests).toMatchObject([{ kind: "export" }]);
    // Without signing in: the login page, nothing else.
    const anonymous = await responseOf(dataJson({ request: getRequest("/account/data.json"), params: {}, context: {} }));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login/);
  });

  test("withdrawing consent to be named: asked to confirm first; then every public page shows them anonymous", async () => {
    expect((await publicLedger()).map((e) => e.donorName)).toContain("Nguyễn Thị Mai");
    const unconfirmed = await post({ intent: "withdraw" });
    expect(unconfirmed.status).toBe(400);
    expect((await Pledge.findById(pledgeId).lean())!.visibility).toBe("name_and_amount");

    expect((await post({ intent: "withdraw", confirm: "yes" })).status).toBe(302);
    const pledge = await Pledge.findById(pledgeId).lean();
    expect(pledge!.visibility).toBe("anonymous");
    expect(pledge!.consent!.withdrawnAt).toBeInstanceOf(Date);
    const entries = await publicLedger();
    expect(entries.map((e) => e.donorName)).not.toContain("Nguyễn Thị Mai");
    expect(entries.some((e) => e.anonymous)).toBe(true);
    const receipt = await (await responseOf(receiptLoader({ request: getRequest(`/receipts/${receiptNumber}`), params: { number: receiptNumber }, context: {} }))).json();
    expect(JSON.stringify(receipt)).not.toContain("Nguyễn Thị Mai");
    expect((await page()).requests.map((r: { kind: string }) => r.kind)).toEqual(["withdraw_consent", "export"]);
  });

  test("a staff account's erasure is refused (an administrator removes it)", async () => {
    const manager = await createTestUser({ role: "manager", institutionIds: [institutionId] });
    const refused = await post({ intent: "erase", confirmWord: "XÓA" }, await sessionCookieFor(manager.id));
    expect(refused.status).toBe(400);
    expect((await refused.json()).formError).toBe("dataRights.staffErasure");
    expect(await User.findById(manager.id).lean()).toMatchObject({ email: manager.email });
  });

  test("erasure: the word asked for first; then personal fields go, the money stays, the account is closed", async () => {
    const giftBefore = await Donation.findOne({ receiptNumber }).lean();
    const entriesBefore = await LedgerEntry.find({ institutionId }).select("amount hash").lean();
    const totals = async () => ({ programme: await receivedOfProgramme(giftBefore!.programmeId), institution: await moneyIn.institution(institutionId), province: await moneyIn.province("can-tho"), donor: await moneyIn.donor(donorId), pledge: await paidOfPledge(pledgeId) });
    const totalsBefore = await totals();
    expect(totalsBefore.programme).toBe(2_000_000);
    const wrong = await post({ intent: "erase", confirmWord: "vâng" });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).formError).toBe("dataRights.confirmWord");
    expect((await Donor.findById(donorId).lean())!.fullName).toBe("Nguyễn Thị Mai");

    const erased = await post({ intent: "erase", confirmWord: "xóa" });
    expect(erased.status).toBe(302);
    expect(erased.headers.get("Location")).toBe("/");
    const donor = await Donor.findById(donorId).lean();
    expect(donor).toMatchObject({ fullName: null, email: null, phone: null, address: null });
    expect(donor!.erasedAt).toBeInstanceOf(Date);
    const gift = await Donation.findOne({ receiptNumber }).lean();
    expect(gift!.donorSnapshot?.name ?? null).toBeNull();
    expect(gift!.amount).toBe(giftBefore!.amount);
    expect((await Pledge.findById(pledgeId).lean())!.donorSnapshot?.name ?? null).toBeNull();
    // The books are untouched: the same entries, the chain whole.
    expect(await LedgerEntry.find({ institutionId }).select("amount hash").lean()).toEqual(entriesBefore);
    expect((await verifyLedgerChain(institutionId)).ok).toBe(true);
    // Every total is unchanged.
    expect(await totals()).toEqual(totalsBefore);
    // The account: another e-mail, no session — the old cookie is sent to sign in.
    expect((await User.findById(donorUser.id).lean())!.email).not.toBe(donorUser.email);
    const after = await responseOf(dataLoader({ request: getRequest("/account/data", cookie), params: {}, context: {} }));
    expect(after.status).toBe(302);
    // The request is on record, by the account's id only.
    expect(await DataRequest.find({ userId: donorUser.id }).select("kind -_id").lean()).toEqual(expect.arrayContaining([{ kind: "erasure" }, { kind: "withdraw_consent" }, { kind: "export" }]));
  });
});
