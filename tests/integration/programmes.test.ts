import { describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { findFile } from "#models/file.server";
import { Programme } from "#models/programme.server";
import { action as newProgramme } from "~/routes/manage.programmes.new";
import { action as editProgramme } from "~/routes/manage.programmes.$id";
import { action as manageAction } from "~/routes/manage._index";
import { loader as fileLoader } from "~/routes/files.$id";
import { createInstitution, programmeCount, programmeFormFields } from "#tests/fixtures/domain";
import { createTestUser, formRequest, multipartRequest, responseOf, sessionCookieFor, getRequest } from "#tests/utils/requests";

const run = (fn: typeof newProgramme, request: Request, params: Record<string, string> = {}) => responseOf(fn({ request, params, context: {} }));

async function managerOf(institutionId: string) {
  const user = await createTestUser({ role: "manager", institutionIds: [institutionId] });
  return { user, cookie: await sessionCookieFor(user.id) };
}

// A 1×1 PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

describe("creating programmes", () => {
  test("a manager creates a draft for their approved institution, with amounts in whole đồng and rows parsed", async () => {
    const institution = await createInstitution({ name: "Thư viện Hà Nội" });
    const { cookie } = await managerOf(String(institution._id));
    const response = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, { ...programmeFormFields(), cover: new Blob([PNG], { type: "image/png" }) }, { cookie, filename: "bia.png" }));
    expect(response.status).toBe(302);
    const programme = await Programme.findOne({ institutionId: institution._id }).lean();
    expect(programme).toMatchObject({ state: "draft", goal: 250_000_000, provinceSlug: "ha-noi", institutionType: "library", institutionApproved: true, institutionName: "Thư viện Hà Nội" });
    expect(programme!.budgetLines).toEqual([{ code: "HD", label: "Tổ chức lớp học", amount: 150_000_000 }]);
    expect(programme!.inKindNeeds).toEqual([{ item: "Máy tính bảng", unit: "chiếc", quantity: 20, unitValue: 6_000_000 }]);
    expect(programme!.startDate.toISOString()).toBe("2026-11-30T17:00:00.000Z"); // 01/12/2026 00:00 in Hà Nội
    // The cover went to GridFS and is served publicly with its real type.
    const file = await findFile(String(programme!.coverImageId));
    expect(file?.metadata).toMatchObject({ kind: "cover", contentType: "image/png" });
    const served = await responseOf(fileLoader({ request: getRequest(`/files/${programme!.coverImageId}`), params: { id: String(programme!.coverImageId) }, context: {} }));
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);
    expect(await AuditEvent.countDocuments({ action: "programme.create" })).toBe(1);
  });

  test("a manager of institution A cannot create or edit B's programmes", async () => {
    const a = await createInstitution();
    const b = await createInstitution();
    const { cookie } = await managerOf(String(a._id));
    const before = await programmeCount();
    const create = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${b._id}`, programmeFormFields(), { cookie }));
    expect(create.status).toBe(403);
    expect(await programmeCount()).toBe(before);

    const bManager = await managerOf(String(b._id));
    await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${b._id}`, programmeFormFields({ title: "Chương trình của B" }), { cookie: bManager.cookie }));
    const bProgramme = await Programme.findOne({ title: "Chương trình của B" }).lean();
    const edit = await run(editProgramme, await multipartRequest(`/manage/programmes/${bProgramme!._id}`, programmeFormFields({ title: "Bị sửa trộm" }), { cookie }), { id: String(bProgramme!._id) });
    expect(edit.status).toBe(403);
    const publish = await responseOf(manageAction({ request: await formRequest("/manage", { programmeId: String(bProgramme!._id), to: "open" }, { cookie }), params: {}, context: {} }));
    expect(publish.status).toBe(403);
    expect((await Programme.findById(bProgramme!._id).lean())).toMatchObject({ title: "Chương trình của B", state: "draft" });
  });

  test("a donor cannot create programmes", async () => {
    const institution = await createInstitution();
    const donor = await createTestUser({ role: "donor" });
    const before = await programmeCount();
    const response = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, programmeFormFields(), { cookie: await sessionCookieFor(donor.id) }));
    expect(response.status).toBe(403);
    expect(await programmeCount()).toBe(before);
  });

  test("an institution that is not approved cannot have programmes yet", async () => {
    const institution = await createInstitution({ status: "pending" });
    const { cookie } = await managerOf(String(institution._id));
    const response = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, programmeFormFields(), { cookie }));
    expect(response.status).toBe(400);
    expect((await response.json()).formError).toBe("programmes.institutionNotApproved");
    expect(await Programme.countDocuments({ institutionId: institution._id })).toBe(0);
  });

  const badInputs: Array<[string, Record<string, string | string[]>, string, string]> = [
    ["a negative goal", { goal: "-5000000" }, "goal", "validation.amountNegative"],
    ["a goal with decimals", { goal: "1000000,5" }, "goal", "validation.amountWholeDong"],
    ["a zero goal", { goal: "0" }, "goal", "validation.amountPositive"],
    ["an end before the start", { startDate: "2027-01-10", endDate: "2027-01-09" }, "endDate", "validation.endBeforeStart"],
    ["an impossible date", { endDate: "2027-02-30" }, "endDate", "validation.date"],
    ["a script in the title", { title: "<script>alert(1)</script> Thư viện" }, "title", "validation.noMarkup"],
    ["no theme", { themes: [] }, "themes", "validation.themeRequired"],
    ["an unknown theme", { themes: ["astrology"] }, "themes.0", "validation.invalidChoice"],
    ["budget lines above the goal", { "budgetLines.0.amount": "300.000.000" }, "budgetLines", "validation.budgetOverGoal"],
    ["a fractional quantity", { "inKindNeeds.0.quantity": "2.5" }, "inKindNeeds.0.quantity", "validation.quantity"],
  ];
  test.each(badInputs)("%s is refused with its message and writes nothing", async (_label, override, field, message) => {
    const institution = await createInstitution();
    const { cookie } = await managerOf(String(institution._id));
    const before = await programmeCount();
    const response = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, programmeFormFields(override), { cookie }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors[field]).toContain(message);
    expect(await programmeCount()).toBe(before);
  });

  test("a cover that is not really an image is refused, and nothing is stored", async () => {
    const institution = await createInstitution();
    const { cookie } = await managerOf(String(institution._id));
    const before = await programmeCount();
    const fake = new Blob(["<html><script>alert(1)</script></html>"], { type: "image/png" });
    const response = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, { ...programmeFormFields(), cover: fake }, { cookie, filename: "bia.png" }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors.cover).toEqual(["validation.imageType"]);
    expect(await programmeCount()).toBe(before);
  });

  test("a cover over 2 MB is refused", async () => {
    const institution = await createInstitution();
    const { cookie } = await managerOf(String(institution._id));
    const big = new Uint8Array(2 * 1024 * 1024 + 10);
    big.set(PNG);
    const response = await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, { ...programmeFormFields(), cover: new Blob([big], { type: "image/png" }) }, { cookie, filename: "big.png" }));
    expect(response.status).toBe(400);
    expect((await response.json()).errors.cover).toEqual(["validation.fileTooLarge"]);
  });
});

describe("publishing", () => {
  test("draft → open sets the publication date; open → closed; closed is final", async () => {
    const institution = await createInstitution();
    const { cookie } = await managerOf(String(institution._id));
    await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, programmeFormFields({ title: "Vòng đời chương trình" }), { cookie }));
    const { _id } = (await Programme.findOne({ title: "Vòng đời chương trình" }).lean())!;
    const act = async (to: string) => responseOf(manageAction({ request: await formRequest("/manage", { programmeId: String(_id), to }, { cookie }), params: {}, context: {} }));
    await act("open");
    const open = await Programme.findById(_id).lean();
    expect(open?.state).toBe("open");
    expect(open?.publishedAt).toBeInstanceOf(Date);
    await act("closed");
    expect((await Programme.findById(_id).lean())?.state).toBe("closed");
    await act("open");
    expect((await Programme.findById(_id).lean())?.state).toBe("closed");
    const edit = await run(editProgramme, await multipartRequest(`/manage/programmes/${_id}`, programmeFormFields({ title: "Sửa sau khi kết thúc" }), { cookie }), { id: String(_id) });
    expect(edit.status).toBe(400);
  });
});
