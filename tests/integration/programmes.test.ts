import mongoose from "mongoose";
import { describe, expect, test } from "vitest";
import { AuditEvent } from "#models/audit-event.server";
import { findFile } from "#models/file.server";
import { Institution } from "#models/institution.server";
import { Programme } from "#models/programme.server";
import { toSearchText } from "#services/text";
import { action as newProgramme } from "~/routes/manage.programmes.new";
import { action as editProgramme } from "~/routes/manage.programmes.$id";
import { action as manageAction, loader as manageLoader } from "~/routes/manage._index";
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
    // "<" and ">" are ordinary characters now (escaped on output); control characters are still refused.
    ["a control character in the title", { title: "Thư viện\u0007 số" }, "title", "validation.invalid"],
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
    expect((await response.json()).errors.cover).toEqual(["files.markupRefusedImage"]); // markup has its own message (decision 0020)
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

describe("publishing, closing (asked first) and reopening", () => {
  async function publishedProgramme(title: string, fields: Record<string, string> = {}) {
    const institution = await createInstitution();
    const { user, cookie } = await managerOf(String(institution._id));
    // The dashboard lists the institutions a person manages (Institution.managerIds).
    await Institution.updateOne({ _id: institution._id }, { $set: { managerIds: [user.id] } });
    await run(newProgramme, await multipartRequest(`/manage/programmes/new?institution=${institution._id}`, programmeFormFields({ title, ...fields }), { cookie }));
    const { _id } = (await Programme.findOne({ title }).lean())!;
    const act = async (fields: Record<string, string>, asCookie = cookie) =>
      responseOf(manageAction({ request: await formRequest("/manage", { programmeId: String(_id), ...fields }, { cookie: asCookie }), params: {}, context: {} }));
    const published = await act({ to: "open" });
    expect(published.status).toBe(302);
    return { _id, user, cookie, act, institution };
  }
  const stateOf = async (id: unknown) => (await Programme.findById(id).lean())?.state;

  test("draft → open sets the publication date", async () => {
    const { _id } = await publishedProgramme("Vòng đời chương trình");
    const open = await Programme.findById(_id).lean();
    expect(open?.state).toBe("open");
    expect(open?.publishedAt).toBeInstanceOf(Date);
    expect(await AuditEvent.countDocuments({ action: "programme.publish", subjectId: _id })).toBe(1);
  });

  test("“Kết thúc” asks first: one click only leads to a confirmation page, which closes it", async () => {
    const { _id, cookie, act } = await publishedProgramme("Hỏi trước khi kết thúc");
    // The old one-click form (no confirmation) closes nothing; it is sent to the question.
    const unconfirmed = await act({ to: "closed" });
    expect(unconfirmed.status).toBe(302);
    expect(unconfirmed.headers.get("Location")).toBe(`/manage?close=${_id}#confirm-close`);
    expect(await stateOf(_id)).toBe("open");
    expect(await AuditEvent.countDocuments({ action: "programme.close", subjectId: _id })).toBe(0);

    // The question is a page of its own (works without JavaScript), naming the programme.
    const page = await (await manageLoader({ request: getRequest(`/manage?close=${_id}`, cookie), params: {}, context: {} })).json();
    expect(page.confirmClose).toMatchObject({ id: String(_id), title: "Hỏi trước khi kết thúc" });
    // Someone else's programme id in the address asks nothing.
    const stranger = await createTestUser({ role: "manager" });
    const strangers = await (await manageLoader({ request: getRequest(`/manage?close=${_id}`, await sessionCookieFor(stranger.id)), params: {}, context: {} })).json();
    expect(strangers.confirmClose).toBeNull();

    const confirmed = await act({ to: "closed", confirmed: "yes" });
    expect(confirmed.status).toBe(302);
    expect(confirmed.headers.get("Location")).toBe("/manage");
    expect(await stateOf(_id)).toBe("closed");
    expect(await AuditEvent.countDocuments({ action: "programme.close", subjectId: _id })).toBe(1);
    const after = await (await manageLoader({ request: getRequest(`/manage?close=${_id}`, cookie), params: {}, context: {} })).json();
    expect(after.confirmClose).toBeNull();
  });

  test("a closed programme can be reopened by its manager while its end date has not passed; audited", async () => {
    const { _id, act, user } = await publishedProgramme("Mở lại được", { endDate: "2099-12-31" });
    const publishedAt = (await Programme.findById(_id).lean())?.publishedAt;
    await act({ to: "closed", confirmed: "yes" });
    const dashboard = await (await manageLoader({ request: getRequest("/manage", await sessionCookieFor(user.id)), params: {}, context: {} })).json();
    const row = dashboard.institutions.flatMap((i: { programmes: Array<{ id: string }> }) => i.programmes).find((p: { id: string }) => p.id === String(_id));
    expect(row).toMatchObject({ state: "closed", reopenable: true });

    // Another institution's manager cannot reopen it.
    const other = await createInstitution();
    const outsider = await managerOf(String(other._id));
    expect((await act({ to: "open" }, outsider.cookie)).status).toBe(403);
    expect(await stateOf(_id)).toBe("closed");

    const reopened = await act({ to: "open" });
    expect(reopened.status).toBe(302);
    expect(await stateOf(_id)).toBe("open");
    // It keeps the date it was first published (it does not jump to the top of "newest").
    expect((await Programme.findById(_id).lean())?.publishedAt?.getTime()).toBe(publishedAt?.getTime());
    const audit = await AuditEvent.findOne({ action: "programme.reopen", subjectId: _id }).lean();
    expect(audit).toMatchObject({ details: { from: "closed", to: "open" } });
    expect(String(audit?.actorId)).toBe(user.id);
  });

  test("once its end date has passed, a closed programme stays closed, and a closed one cannot be edited", async () => {
    const { _id, act, cookie } = await publishedProgramme("Hết hạn thì không mở lại");
    await act({ to: "closed", confirmed: "yes" });
    // The end day was yesterday in Hà Nội.
    const yesterday = new Date(`${new Date(Date.now() + 7 * 3600_000 - 86_400_000).toISOString().slice(0, 10)}T00:00:00+07:00`);
    await Programme.updateOne({ _id }, { $set: { startDate: new Date(yesterday.getTime() - 30 * 86_400_000), endDate: yesterday } });
    const refused = await act({ to: "open" });
    expect(refused.status).toBe(302);
    expect(await stateOf(_id)).toBe("closed");
    expect(await AuditEvent.countDocuments({ action: "programme.reopen", subjectId: _id })).toBe(0);
    const dashboard = await (await manageLoader({ request: getRequest("/manage", cookie), params: {}, context: {} })).json();
    const row = dashboard.institutions.flatMap((i: { programmes: Array<{ id: string }> }) => i.programmes).find((p: { id: string }) => p.id === String(_id));
    expect(row).toMatchObject({ state: "closed", reopenable: false });

    const edit = await run(editProgramme, await multipartRequest(`/manage/programmes/${_id}`, programmeFormFields({ title: "Sửa sau khi kết thúc" }), { cookie }), { id: String(_id) });
    expect(edit.status).toBe(400);
    expect((await Programme.findById(_id).lean())?.title).toBe("Hết hạn thì không mở lại");

    // Refused edits that came with a cover image leave no image behind (the probe found five stored by five refusals).
    const storedFiles = () => mongoose.connection.db!.collection("uploads.files").countDocuments({});
    const filesBefore = await storedFiles();
    for (let i = 0; i < 3; i += 1) {
      const withCover = await run(editProgramme, await multipartRequest(`/manage/programmes/${_id}`, { ...programmeFormFields({ title: "Sửa sau khi kết thúc" }), cover: new Blob([PNG], { type: "image/png" }) }, { cookie, filename: "bia.png" }), { id: String(_id) });
      expect(withCover.status).toBe(400);
    }
    expect(await storedFiles()).toBe(filesBefore);
  });

  test("the search text follows an edit: the new title is found, the old one is not", async () => {
    const { _id, cookie, institution } = await publishedProgramme("Tên cũ của lớp học");
    const edit = await run(editProgramme, await multipartRequest(`/manage/programmes/${_id}`, programmeFormFields({ title: "Lớp tin học buổi tối" }), { cookie }), { id: String(_id) });
    expect(edit.status).toBe(302);
    const stored = await Programme.findById(_id).lean();
    expect(stored?.titleSearchText).toBe("lop tin hoc buoi toi");
    expect(stored?.searchText).toContain("lop tin hoc buoi toi");
    expect(stored?.searchText).not.toContain("ten cu");
    // The institution's name and province are part of it.
    expect(stored?.searchText).toContain(toSearchText(institution.name));
    expect(stored?.searchText).toContain("ha noi");
  });
});
