import { describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { Institution } from "#models/institution.server";
import { Programme } from "#models/programme.server";
import { User } from "#models/user.server";
import { action as applyAction } from "~/routes/institutions.apply";
import { action as reviewAction, loader as reviewLoader } from "~/routes/review.institutions";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

const ctx = (request: Request) => ({ request, params: {}, context: {} });

const application = (overrides: Record<string, string> = {}) => ({
  intent: "apply",
  name: "Bảo tàng Văn hóa Các dân tộc",
  type: "museum",
  level: "provincial",
  provinceSlug: "thai-nguyen",
  address: "Số 1 Đường Đội Cấn, Thái Nguyên",
  contactEmail: "lienhe@baotang.vn",
  contactPhone: "0208385533",
  website: "",
  description: "Bảo tàng giới thiệu văn hóa 54 dân tộc.",
  bankBin: "970418",
  accountNumber: "39010000123456",
  accountName: "Bảo tàng Văn hóa các Dân tộc",
  ...overrides,
});

async function signedIn(role: "donor" | "manager" | "province_officer" | "ministry_officer", provinceSlug?: string) {
  const user = await createTestUser({ role, provinceSlug: provinceSlug ?? null });
  return { user, cookie: await sessionCookieFor(user.id) };
}

describe("applying for an institution", () => {
  test("a signed-in person applies: the institution is pending, the bank account name is normalised, the application is audited", async () => {
    const { user, cookie } = await signedIn("donor");
    const response = await responseOf(applyAction(ctx(await formRequest("/institutions/apply", application(), { cookie }))));
    expect(response.status).toBe(302);
    const institution = await Institution.findOne({ name: "Bảo tàng Văn hóa Các dân tộc" }).lean();
    expect(institution).toMatchObject({ status: "pending", provinceSlug: "thai-nguyen", slug: "bao-tang-van-hoa-cac-dan-toc" });
    expect(institution!.bankAccount).toMatchObject({ bankBin: "970418", accountName: "BAO TANG VAN HOA CAC DAN TOC" });
    expect(institution!.managerIds.map(String)).toEqual([user.id]);
    expect(await AuditEvent.countDocuments({ action: "institution.apply", subjectId: String(institution!._id) })).toBe(1);
    // Not a manager until approved.
    expect((await User.findById(user.id).lean())?.role).toBe("donor");
  });

  const bad: Array<[string, Record<string, string>, string, string]> = [
    ["an unknown province", { provinceSlug: "ha-tay" }, "provinceSlug", "validation.invalidChoice"],
    ["an unknown bank", { bankBin: "123456" }, "bankBin", "validation.invalidChoice"],
    ["letters in the account number", { accountNumber: "12ab5678" }, "accountNumber", "validation.accountNumber"],
    ["a control character in the name", { name: "Thư viện\u0007 Hà Nội" }, "name", "validation.invalid"],
    ["a former district without its district", { level: "former_district" }, "formerDistrictName", "validation.formerDistrictRequired"],
    ["a bad email", { contactEmail: "baotang@" }, "contactEmail", "validation.email"],
  ];
  test.each(bad)("%s is refused with its message and writes nothing", async (_label, override, field, message) => {
    const { cookie } = await signedIn("donor");
    const before = await Institution.countDocuments();
    const response = await responseOf(applyAction(ctx(await formRequest("/institutions/apply", application(override), { cookie }))));
    expect(response.status).toBe(400);
    expect((await response.json()).errors[field]).toContain(message);
    expect(await Institution.countDocuments()).toBe(before);
  });

  test("without signing in, one is sent to log in", async () => {
    const response = await responseOf(applyAction(ctx(await formRequest("/institutions/apply", application()))));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/login/);
  });
});

describe("reviewing institutions", () => {
  async function pendingApplication(provinceSlug = "da-nang") {
    const applicant = await createTestUser({ role: "donor" });
    const institution = await createInstitution({ status: "pending", provinceSlug, managerIds: [applicant.id] });
    return { applicant, institution };
  }

  test("the province's officer approves: the applicant becomes its manager and its programmes become public", async () => {
    const { applicant, institution } = await pendingApplication("da-nang");
    await Programme.create({ institutionId: institution._id, slug: `p-${institution._id}`, title: "Chương trình chờ", startDate: new Date(), endDate: new Date(Date.now() + 1e10), goal: 1_000_000, state: "open", provinceSlug: "da-nang", institutionType: "library", institutionApproved: false });
    const officer = await signedIn("province_officer", "da-nang");
    const page = await (await responseOf(reviewLoader(ctx(getRequest("/review/institutions", officer.cookie))))).json();
    expect(page.pending.map((i: { id: string }) => i.id)).toContain(String(institution._id));

    const response = await responseOf(reviewAction(ctx(await formRequest("/review/institutions", { institutionId: String(institution._id), decision: "approve" }, { cookie: officer.cookie }))));
    expect(response.status).toBe(302);
    expect((await Institution.findById(institution._id).lean())).toMatchObject({ status: "approved" });
    const manager = await User.findById(applicant.id).lean();
    expect(manager?.role).toBe("manager");
    expect(manager?.institutionIds.map(String)).toContain(String(institution._id));
    expect((await Programme.findOne({ institutionId: institution._id }).lean())?.institutionApproved).toBe(true);
    const audit = await AuditEvent.findOne({ action: "institution.approve", subjectId: String(institution._id) }).lean();
    expect(audit).toMatchObject({ actorId: expect.anything(), actorRole: "province_officer", provinceSlug: "da-nang" });
  });

  test("an officer of another province can neither see nor decide the application", async () => {
    const { institution } = await pendingApplication("da-nang");
    const other = await signedIn("province_officer", "ha-noi");
    const page = await (await responseOf(reviewLoader(ctx(getRequest("/review/institutions", other.cookie))))).json();
    expect(page.pending.map((i: { id: string }) => i.id)).not.toContain(String(institution._id));
    const response = await responseOf(reviewAction(ctx(await formRequest("/review/institutions", { institutionId: String(institution._id), decision: "approve" }, { cookie: other.cookie }))));
    expect(response.status).toBe(403);
    expect((await Institution.findById(institution._id).lean())?.status).toBe("pending");
  });

  test("managers and donors cannot review", async () => {
    const { institution } = await pendingApplication();
    for (const role of ["manager", "donor"] as const) {
      const { cookie } = await signedIn(role);
      expect((await responseOf(reviewLoader(ctx(getRequest("/review/institutions", cookie))))).status).toBe(403);
      expect((await responseOf(reviewAction(ctx(await formRequest("/review/institutions", { institutionId: String(institution._id), decision: "approve" }, { cookie }))))).status).toBe(403);
    }
    expect((await Institution.findById(institution._id).lean())?.status).toBe("pending");
  });

  test("a rejection needs a reason, which is kept and audited", async () => {
    const { applicant, institution } = await pendingApplication();
    const ministry = await signedIn("ministry_officer");
    const noReason = await responseOf(reviewAction(ctx(await formRequest("/review/institutions", { institutionId: String(institution._id), decision: "reject", reason: "" }, { cookie: ministry.cookie }))));
    expect(noReason.status).toBe(400);
    expect((await Institution.findById(institution._id).lean())?.status).toBe("pending");
    await responseOf(reviewAction(ctx(await formRequest("/review/institutions", { institutionId: String(institution._id), decision: "reject", reason: "Số tài khoản không khớp tên thiết chế." }, { cookie: ministry.cookie }))));
    expect(await Institution.findById(institution._id).lean()).toMatchObject({ status: "rejected", statusReason: "Số tài khoản không khớp tên thiết chế." });
    expect((await User.findById(applicant.id).lean())?.role).toBe("donor");
    expect(await AuditEvent.countDocuments({ action: "institution.reject", subjectId: String(institution._id) })).toBe(1);
  });
});

describe("joining an existing institution", () => {
  test("a person asks to join; the province officer accepts; they become a manager of it", async () => {
    const institution = await createInstitution({ provinceSlug: "hue" });
    const { user, cookie } = await signedIn("donor");
    await responseOf(applyAction(ctx(await formRequest("/institutions/apply", { intent: "join", institutionId: String(institution._id), message: "Tôi là thủ thư ở đây." }, { cookie }))));
    expect((await Institution.findById(institution._id).lean())?.joinRequests.map((r) => String(r.userId))).toEqual([user.id]);
    // Asking twice does not add a second request.
    const again = await responseOf(applyAction(ctx(await formRequest("/institutions/apply", { intent: "join", institutionId: String(institution._id) }, { cookie }))));
    expect(again.status).toBe(400);

    const officer = await signedIn("province_officer", "hue");
    await responseOf(reviewAction(ctx(await formRequest("/review/institutions", { intent: "join", institutionId: String(institution._id), userId: user.id, decision: "approve" }, { cookie: officer.cookie }))));
    const updated = await Institution.findById(institution._id).lean();
    expect(updated?.joinRequests).toHaveLength(0);
    expect(updated?.managerIds.map(String)).toContain(user.id);
    expect((await User.findById(user.id).lean())).toMatchObject({ role: "manager" });
  });
});
