import { describe, expect, test } from "vitest";
import type { Role } from "#models/user.server";
import { requireInstitutionAccess, requireProvinceAccess, requireRole } from "~/utils/auth.server";
import { createTestUser, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { loader as adminUsersLoader, action as adminUsersAction } from "~/routes/admin.users";
import { formRequest } from "#tests/utils/requests";
import { User } from "#models/user.server";

const INSTITUTION_A = { id: "650000000000000000000aaa", provinceSlug: "ha-noi" };
const INSTITUTION_B = { id: "650000000000000000000bbb", provinceSlug: "da-nang" };

async function signedIn(role: Role, extra: { institutionIds?: string[]; provinceSlug?: string } = {}) {
  const user = await createTestUser({ role, ...extra });
  return { user, request: getRequest("/x", await sessionCookieFor(user.id)) };
}

async function outcome(promise: Promise<unknown>) {
  try {
    await promise;
    return "allowed";
  } catch (error) {
    if (error instanceof Response) return error.status;
    throw error;
  }
}

describe("requireRole", () => {
  const cases: Array<[Role, Role[], "allowed" | number]> = [
    ["donor", ["donor"], "allowed"],
    ["donor", ["manager"], 403],
    ["manager", ["manager"], "allowed"],
    ["manager", ["ministry_officer"], 403],
    ["province_officer", ["province_officer", "ministry_officer"], "allowed"],
    ["province_officer", ["ministry_officer"], 403],
    ["ministry_officer", ["ministry_officer"], "allowed"],
    ["ministry_officer", ["admin"], 403],
    ["admin", ["ministry_officer"], "allowed"],
  ];
  test.each(cases)("%s asking for %j → %s", async (role, roles, expected) => {
    const { request } = await signedIn(role);
    expect(await outcome(requireRole(request, roles))).toBe(expected);
  });

  test("nobody signed in → sent to log in", async () => {
    expect(await outcome(requireRole(getRequest("/admin/users"), ["admin"]))).toBe(302);
  });
});

describe("requireInstitutionAccess", () => {
  test("a manager reaches their own institution, not another one", async () => {
    const { request } = await signedIn("manager", { institutionIds: [INSTITUTION_A.id] });
    expect(await outcome(requireInstitutionAccess(request, INSTITUTION_A))).toBe("allowed");
    expect(await outcome(requireInstitutionAccess(request, INSTITUTION_B))).toBe(403);
  });
  test("a province officer reaches the institutions of their province only", async () => {
    const { request } = await signedIn("province_officer", { provinceSlug: "ha-noi" });
    expect(await outcome(requireInstitutionAccess(request, INSTITUTION_A))).toBe("allowed");
    expect(await outcome(requireInstitutionAccess(request, INSTITUTION_B))).toBe(403);
  });
  test("ministry officers and admins reach every institution; donors none", async () => {
    for (const role of ["ministry_officer", "admin"] as const) {
      const { request } = await signedIn(role);
      expect(await outcome(requireInstitutionAccess(request, INSTITUTION_B))).toBe("allowed");
    }
    const { request } = await signedIn("donor");
    expect(await outcome(requireInstitutionAccess(request, INSTITUTION_A))).toBe(403);
  });
});

describe("requireProvinceAccess", () => {
  test("own province yes, another province no, ministry everywhere", async () => {
    const officer = await signedIn("province_officer", { provinceSlug: "da-nang" });
    expect(await outcome(requireProvinceAccess(officer.request, "da-nang"))).toBe("allowed");
    expect(await outcome(requireProvinceAccess(officer.request, "ha-noi"))).toBe(403);
    const ministry = await signedIn("ministry_officer");
    expect(await outcome(requireProvinceAccess(ministry.request, "ha-noi"))).toBe("allowed");
    const manager = await signedIn("manager");
    expect(await outcome(requireProvinceAccess(manager.request, "ha-noi"))).toBe(403);
  });
});

describe("the admin's user page", () => {
  test("only admins may open it or change roles", async () => {
    const { request } = await signedIn("ministry_officer");
    expect((await responseOf(adminUsersLoader({ request, params: {}, context: {} }))).status).toBe(403);
    const target = await createTestUser();
    const cookie = request.headers.get("Cookie")!;
    const response = await responseOf(adminUsersAction({ request: await formRequest("/admin/users", { userId: target.id, role: "admin" }, { cookie }), params: {}, context: {} }));
    expect(response.status).toBe(403);
    expect((await User.findById(target.id).lean())?.role).toBe("donor");
  });

  test("an admin makes someone a province officer; a province is required", async () => {
    const { request } = await signedIn("admin");
    const cookie = request.headers.get("Cookie")!;
    const target = await createTestUser();
    await responseOf(adminUsersAction({ request: await formRequest("/admin/users", { userId: target.id, role: "province_officer", provinceSlug: "" }, { cookie }), params: {}, context: {} }));
    expect((await User.findById(target.id).lean())?.role).toBe("donor");
    await responseOf(adminUsersAction({ request: await formRequest("/admin/users", { userId: target.id, role: "province_officer", provinceSlug: "hue" }, { cookie }), params: {}, context: {} }));
    const updated = await User.findById(target.id).lean();
    expect(updated?.role).toBe("province_officer");
    expect(updated?.provinceSlug).toBe("hue");
  });
});
