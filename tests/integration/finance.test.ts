import { parse } from "csv-parse/sync";
import { flushProgrammeTotals } from "#services/catalogue-index";
import { beforeAll, describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recordDonation } from "#services/money/donations";
import { recomputePledgedTotal } from "#services/money/projections";
import { financeCsv } from "#services/programme-finance";
import { loader as csvLoader } from "~/routes/manage.institutions.$id.export[.]csv";
import { loader as financeLoader } from "~/routes/manage.programmes.$id_.finance";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

async function cookieFor(overrides: Parameters<typeof createTestUser>[0]) {
  const user = await createTestUser(overrides);
  return { user, cookie: await sessionCookieFor(user.id) };
}

const finance = async (programmeId: string, cookie?: string) =>
  responseOf(financeLoader({ request: getRequest(`/manage/programmes/${programmeId}/finance`, cookie), params: { id: programmeId }, context: {} }));
const csv = async (institutionId: string, cookie?: string, query = "") =>
  responseOf(csvLoader({ request: getRequest(`/manage/institutions/${institutionId}/export.csv${query}`, cookie), params: { id: institutionId }, context: {} }));

/**
 * A programme (goal 200 M) with: an instalment pledge of 30 M (10 M due 60 days ago — paid, 10 M due
 * 10 days ago — unpaid, 10 M due in 30 days); a one-off pledge of 20 M, paid; a cancelled pledge of
 * 50 M; goods (40 books of the 100 needed, a reading table not on the needs list); 3 M cash from a walk-in.
 */
async function fixture() {
  const institution = await createInstitution({ name: "Thư viện Tỉnh Hưng Yên", provinceSlug: "hung-yen" });
  const programme = await Programme.create({
    institutionId: institution._id,
    slug: `tu-sach-thieu-nhi-ngay-sach-${Date.now().toString(36)}`,
    title: "Tủ sách thiếu nhi Ngày Sách",
    summary: "Bổ sung sách thiếu nhi và chuỗi đọc sách cuối tuần.",
    startDate: ago(90),
    endDate: new Date(Date.now() + 180 * DAY),
    goal: 200_000_000,
    inKindNeeds: [
      { item: "Sách thiếu nhi", unit: "cuốn", quantity: 100, unitValue: 50_000 },
      { item: "Máy tính bảng", unit: "chiếc", quantity: 5, unitValue: 6_000_000 },
    ],
    state: "open",
    provinceSlug: institution.provinceSlug,
    institutionType: institution.type,
    institutionName: institution.name,
    institutionSlug: institution.slug,
    institutionApproved: true,
    themes: ["reading-culture"],
    publishedAt: ago(90),
  });
  const company = (await Donor.findOne({ taxCode: "0100109106" })) ?? (await Donor.create({ kind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106" }));
  const person = await Donor.create({ kind: "individual", fullName: "Nguyễn Văn Bình", email: `binh.${Date.now()}@example.vn` });
  const base = { programmeId: programme._id, institutionId: institution._id };
  const instalments = await Pledge.create({
    ...base,
    donorId: company._id,
    kind: "cash_instalments",
    amount: 30_000_000,
    instalments: [
      { seq: 1, dueDate: ago(60), amount: 10_000_000 },
      { seq: 2, dueDate: ago(10), amount: 10_000_000 },
      { seq: 3, dueDate: new Date(Date.now() + 30 * DAY), amount: 10_000_000 },
    ],
  });
  const once = await Pledge.create({ ...base, donorId: person._id, kind: "cash_once", amount: 20_000_000 });
  await Pledge.create({ ...base, donorId: person._id, kind: "cash_once", amount: 50_000_000, state: "cancelled", cancelledReason: "Nhà tài trợ rút lại" });
  // Pledges written directly (not through the pledge service, which keeps the pledged total): derived once.
  await recomputePledgedTotal(programme._id);

  const key = `${institution._id}`;
  await recordDonation({ ...base, idempotencyKey: `bank:${key}:1`, pledgeId: instalments._id, donorId: company._id, method: "bank_transfer", amount: 10_000_000, receivedAt: ago(58), reference: instalments.reference });
  await recordDonation({ ...base, idempotencyKey: `stripe:${key}:2`, pledgeId: once._id, donorId: person._id, method: "card", amount: 20_000_000, receivedAt: ago(20) });
  await recordDonation({
    ...base,
    idempotencyKey: `offline:${key}:3`,
    donorId: company._id,
    method: "in_kind",
    amount: 40 * 50_000 + 2 * 1_500_000,
    receivedAt: ago(5),
    inKind: { items: [{ item: "sách thiếu nhi", quantity: 40, unitValue: 50_000 }, { item: "Bàn đọc", quantity: 2, unitValue: 1_500_000 }], valuationBasis: "Hóa đơn mua hàng số 0001234" },
  });
  await recordDonation({ ...base, idempotencyKey: `offline:${key}:4`, method: "cash", amount: 3_000_000, receivedAt: ago(1), reference: "PT-0004" });
  return { institution, programme, instalments, company, person };
}

describe("a programme's finances", () => {
  let data: Awaited<ReturnType<typeof fixture>>;
  let manager: Awaited<ReturnType<typeof cookieFor>>;
  beforeAll(async () => {
    data = await fixture();
    manager = await cookieFor({ role: "manager", institutionIds: [String(data.institution._id)] });
  });

  test("goal, pledged, received, outstanding, overdue instalments and goods against needs", async () => {
    const response = await finance(String(data.programme._id), manager.cookie);
    expect(response.status).toBe(200);
    const view = await response.json();
    expect(view.totals).toEqual({
      goal: 200_000_000,
      pledged: 50_000_000, // 30 M + 20 M; the cancelled 50 M does not count
      received: 38_000_000, // 10 M + 20 M + 5 M of goods + 3 M cash
      outstanding: 20_000_000, // 30 M − 10 M paid; the one-off pledge is paid in full
      remaining: 162_000_000,
      receivedMoney: 33_000_000,
      receivedInKind: 5_000_000,
      receivedHours: 0,
    });
    expect(view.overdue).toEqual([
      {
        pledgeId: String(data.instalments._id),
        reference: data.instalments.reference,
        donorName: "Công ty Cổ phần Sách Vina",
        seq: 2,
        dueDate: data.instalments.instalments[1]!.dueDate.toISOString(),
        amount: 10_000_000,
        paid: 0,
        outstanding: 10_000_000,
      },
    ]);
    expect(view.inKind).toEqual([
      { item: "Sách thiếu nhi", unit: "cuốn", needed: 100, received: 40 }, // names matched without case
      { item: "Máy tính bảng", unit: "chiếc", needed: 5, received: 0 },
      { item: "Bàn đọc", unit: null, needed: null, received: 2 },
    ]);
    expect(view.giftCount).toBe(4);
    expect(view.recent.map((g: { method: string }) => g.method)).toEqual(["cash", "in_kind", "card", "bank_transfer"]);
    expect(view.recent[0]).toMatchObject({ donorName: null, amount: 3_000_000, reference: "PT-0004" });
    expect(view.recent[3]).toMatchObject({ donorName: "Công ty Cổ phần Sách Vina", pledgeReference: data.instalments.reference });
    expect(view.canRecord).toBe(true);
    // The rolled-up totals on the programme agree with the books.
    await flushProgrammeTotals(); // the copy follows the books off the gift's path
    expect(await Programme.findById(data.programme._id).lean()).toMatchObject({ pledgedTotal: 50_000_000, receivedTotal: 38_000_000 });
  });

  test("a late payment moves the numbers: the overdue instalment is paid and drops off the list", async () => {
    const { institution, programme } = await fixture();
    const own = await cookieFor({ role: "manager", institutionIds: [String(institution._id)] });
    const pledge = (await Pledge.findOne({ programmeId: programme._id, kind: "cash_instalments" }).lean())!;
    await recordDonation({ programmeId: programme._id, institutionId: institution._id, idempotencyKey: `bank:${pledge.reference}:late`, pledgeId: pledge._id, donorId: pledge.donorId, method: "bank_transfer", amount: 10_000_000, receivedAt: new Date() });
    const view = await (await finance(String(programme._id), own.cookie)).json();
    expect(view.overdue).toEqual([]);
    expect(view.totals).toMatchObject({ received: 48_000_000, outstanding: 10_000_000, pledged: 50_000_000 });
  });

  test("who may see it: the institution's managers and the officers over it; nobody else", async () => {
    const id = String(data.programme._id);
    const officer = await cookieFor({ role: "province_officer", provinceSlug: "hung-yen" });
    const officerView = await finance(id, officer.cookie);
    expect(officerView.status).toBe(200);
    expect((await officerView.json()).canRecord).toBe(false);
    expect((await finance(id, (await cookieFor({ role: "ministry_officer" })).cookie)).status).toBe(200);
    expect((await finance(id, (await cookieFor({ role: "province_officer", provinceSlug: "ha-noi" })).cookie)).status).toBe(403);
    expect((await finance(id, (await cookieFor({ role: "manager", institutionIds: [String((await createInstitution())._id)] })).cookie)).status).toBe(403);
    expect((await finance(id, (await cookieFor({ role: "donor" })).cookie)).status).toBe(403);
    expect((await finance(id)).status).toBe(302);
    expect((await finance("not-an-id", manager.cookie)).status).toBe(404);
  });
});

describe("the CSV export", () => {
  let data: Awaited<ReturnType<typeof fixture>>;
  let manager: Awaited<ReturnType<typeof cookieFor>>;
  beforeAll(async () => {
    data = await fixture();
    manager = await cookieFor({ role: "manager", institutionIds: [String(data.institution._id)] });
  });

  test("UTF-8 with a BOM, a header row, Vietnamese intact, one row per donation with the ledger's sequence and hash", async () => {
    const response = await csv(String(data.institution._id), manager.cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="gopsuc-thu-vien-tinh-hung-yen-[0-9-]+\.csv"$/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith("\uFEFF")).toBe(true);
    const [header, ...rows] = parse(text.slice(1)) as string[][];
    expect(header).toEqual([
      "STT sổ cái",
      "Ngày",
      "Loại bút toán",
      "Chương trình",
      "Nhà tài trợ",
      "Mã số thuế",
      "Hình thức",
      "Số tiền (đồng)",
      "Tiền tệ",
      "Số biên nhận",
      "Tham chiếu",
      "Mã cam kết",
      "Hiện vật (tên: số lượng × đơn giá)",
      "Căn cứ định giá",
      "Số tệp chứng từ",
      "Mã băm",
      "Mã băm bút toán trước",
    ]);
    expect(rows).toHaveLength(await Donation.countDocuments({ institutionId: data.institution._id }));
    expect(rows).toHaveLength(4);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[col("STT sổ cái")])).toEqual(["1", "2", "3", "4"]);
    expect(rows.every((r) => r[col("Chương trình")] === "Tủ sách thiếu nhi Ngày Sách")).toBe(true);
    expect(rows[0]).toEqual(
      expect.arrayContaining(["Nhận tiền", "Công ty Cổ phần Sách Vina", "0100109106", "Chuyển khoản", "10000000", "VND", data.instalments.reference]),
    );
    expect(rows[1]![col("Nhà tài trợ")]).toBe("Nguyễn Văn Bình");
    expect(rows[2]).toEqual(expect.arrayContaining(["Nhận hiện vật", "Hiện vật", "sách thiếu nhi: 40 × 50000; Bàn đọc: 2 × 1500000", "Hóa đơn mua hàng số 0001234"]));
    expect(rows[3]).toEqual(expect.arrayContaining(["Tiền mặt", "3000000", "PT-0004"]));
    expect(rows[3]![col("Nhà tài trợ")]).toBe("");
    for (const row of rows) {
      expect(row[col("Ngày")]).toMatch(/^\d{2}\/\d{2}\/\d{4}$/);
      expect(row[col("Số biên nhận")]).toMatch(/^R-[0-9A-F]{16}$/);
      expect(row[col("Mã băm")]).toMatch(/^[0-9a-f]{64}$/);
    }
    // The chain can be followed in the file.
    expect(rows[0]![col("Mã băm bút toán trước")]).toBe("GENESIS");
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]![col("Mã băm bút toán trước")]).toBe(rows[i - 1]![col("Mã băm")]);
  });

  test("headers in English with ?lng=en", async () => {
    const response = await csv(String(data.institution._id), manager.cookie, "?lng=en");
    const [header, first] = parse((await response.text()).replace(/^\uFEFF/, "")) as string[][];
    expect(header).toContain("Donor");
    expect(header).toContain("Ledger sequence");
    expect(first).toContain("Bank transfer");
    expect(first).toContain("Công ty Cổ phần Sách Vina");
  });

  test("a donor name that looks like a formula is exported as text (CSV injection)", async () => {
    const { institution, programme } = await fixture();
    const evil = await Donor.create({ kind: "organisation", legalName: '=HYPERLINK("http://evil.example","Nhấn vào đây")' });
    await recordDonation({ programmeId: programme._id, institutionId: institution._id, idempotencyKey: `offline:${institution._id}:evil`, donorId: evil._id, method: "cash", amount: 1_000, receivedAt: new Date() });
    const text = await financeCsv(await createTestUser({ role: "admin" }), String(institution._id));
    const rows = parse(text) as string[][];
    expect(rows.some((r) => r.includes(`'=HYPERLINK("http://evil.example","Nhấn vào đây")`))).toBe(true);
    expect(rows.some((r) => r.some((cell) => cell.startsWith("=")))).toBe(false);
  });

  test("only the institution's managers and the officers over it may download it", async () => {
    const id = String(data.institution._id);
    expect((await csv(id, (await cookieFor({ role: "province_officer", provinceSlug: "hung-yen" })).cookie)).status).toBe(200);
    expect((await csv(id, (await cookieFor({ role: "manager", institutionIds: [String((await createInstitution())._id)] })).cookie)).status).toBe(403);
    expect((await csv(id, (await cookieFor({ role: "donor" })).cookie)).status).toBe(403);
    expect((await csv(id)).status).toBe(302);
    expect((await csv("000000000000000000000000", manager.cookie)).status).toBe(404);
  });
});
