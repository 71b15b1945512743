import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Pledge } from "#models/pledge.server";
import { actOnExpenditure, recordExpenditure } from "#services/expenditures";
import { flushProgrammeTotals } from "#services/catalogue-index";
import { recordDonation } from "#services/money/donations";
import { loader as fileLoader } from "~/routes/transparency.data.$file";
import { loader as pageLoader } from "~/routes/transparency.data._index";
import { createInstitution, createOpenProgramme, formToken, vnDate } from "#tests/fixtures/domain";
import { createTestUser, getRequest, responseOf } from "#tests/utils/requests";
import { dateInputField } from "#services/validation/fields";

/**
 * The open data package (issue 12): datapackage.json describes each CSV's columns and types, and each CSV
 * holds exactly those columns, every value of its declared type, the figures the books say — and no donor.
 */
type Field = { name: string; type: string; constraints?: { required?: boolean } };
type PackageResource = { name: string; path: string; schema: { fields: Field[]; primaryKey?: string[] } };

const get = (file: string) => responseOf(fileLoader({ request: getRequest(`/transparency/data/${file}`), params: { file }, context: {} }));
const csvOf = async (name: string) => parse(await (await get(`${name}.csv`)).text(), { bom: false }) as string[][];

/** Whether a CSV value is of its Table Schema type (an empty value only where the field is not required). */
function ofType(value: string, field: Field): boolean {
  if (value === "") return !field.constraints?.required;
  switch (field.type) {
    case "integer":
      return /^-?\d+$/.test(value);
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && dateInputField.safeParse(value).success;
    case "yearmonth":
      return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
    case "boolean":
      return value === "true" || value === "false";
    default:
      return true;
  }
}

describe("open data", () => {
  let programmeId: string;
  let slug: string;
  let expenditureId: string;

  beforeAll(async () => {
    const institution = await createInstitution({ provinceSlug: "lam-dong" });
    const programme = await createOpenProgramme(institution, { title: "Bảo tàng mở Lâm Đồng", goal: 90_000_000, budgetLines: [{ code: "TB", label: "Trưng bày", amount: 30_000_000 }] });
    programmeId = String(programme._id);
    slug = programme.slug;
    const donor = await Donor.create({ kind: "individual", fullName: "Đặng Văn Khoa Bí Mật", email: `khoa.${Date.now()}@example.vn` });
    const pledge = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount: 5_000_000, visibility: "name_and_amount", consent: { text: "Đồng ý", givenAt: new Date() }, donorSnapshot: { kind: "individual", name: "Đặng Văn Khoa Bí Mật" } });
    await recordDonation({ idempotencyKey: `bank:open-data:${Date.now()}`, programmeId: programme._id, institutionId: institution._id, pledgeId: pledge._id, donorId: donor._id, method: "bank_transfer", amount: 5_000_000, receivedAt: new Date(), reference: pledge.reference });
    await flushProgrammeTotals();
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    ({ id: expenditureId } = await recordExpenditure(manager, programmeId, { clientToken: formToken("open-data"), budgetLineCode: "TB", amount: 1_200_000, spentAt: new Date(`${vnDate(-1)}T00:00:00+07:00`), payee: "Xưởng in Đà Lạt", description: "In bảng giới thiệu hiện vật" }));
    await actOnExpenditure(manager, programmeId, expenditureId, { intent: "publish", reason: "" });
  });

  test("datapackage.json describes every resource; each CSV has exactly its columns and every value is of its type", async () => {
    const response = await get("datapackage.json");
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    const pkg = await response.json();
    expect(pkg).toMatchObject({ profile: "tabular-data-package", name: "gopsuc-transparency", licenses: [{ name: "CC-BY-4.0" }] });
    expect(pkg.resources.map((r: PackageResource) => r.name)).toEqual(["programmes", "received-by-province-month", "expenditures"]);
    for (const resource of pkg.resources as PackageResource[]) {
      expect(resource.path).toBe(`http://localhost:3000/transparency/data/${resource.name}.csv`);
      const [header, ...rows] = await csvOf(resource.name);
      expect(header).toEqual(resource.schema.fields.map((f) => f.name));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row).toHaveLength(header!.length);
        const wrong = resource.schema.fields.filter((field, i) => !ofType(row[i]!, field)).map((f) => `${f.name}=${row[resource.schema.fields.indexOf(f)]}`);
        expect({ resource: resource.name, wrong }).toEqual({ resource: resource.name, wrong: [] });
      }
      // A primary key is unique.
      const key = (row: string[]) => (resource.schema.primaryKey ?? []).map((k) => row[header!.indexOf(k)]).join("|");
      expect(new Set(rows.map(key)).size).toBe(rows.length);
    }
  });

  test("the figures are the books', and no donor is named anywhere", async () => {
    const [programmesHeader, ...programmes] = await csvOf("programmes");
    const mine = programmes.find((row) => row[0] === programmeId)!;
    const col = (name: string) => programmesHeader!.indexOf(name);
    expect(mine[col("slug")]).toBe(slug);
    expect(mine[col("goal_vnd")]).toBe("90000000");
    expect(mine[col("received_vnd")]).toBe("5000000");
    expect(mine[col("province")]).toBe("lam-dong");
    const [, ...spent] = await csvOf("expenditures");
    expect(spent.find((row) => row[0] === expenditureId)).toEqual([expenditureId, programmeId, slug, vnDate(-1), "TB", "Xưởng in Đà Lạt", "In bảng giới thiệu hiện vật", "1200000", "false", "", expect.stringMatching(/^$|^\/files\//)]);
    const [, ...months] = await csvOf("received-by-province-month");
    const lamDong = months.filter((row) => row[0] === "lam-dong");
    expect(lamDong.reduce((sum, row) => sum + Number(row[3]), 0)).toBeGreaterThanOrEqual(5_000_000);
    for (const name of ["programmes", "received-by-province-month", "expenditures"]) expect(await (await get(`${name}.csv`)).text()).not.toContain("Khoa Bí Mật");
  });

  test("the page lists each resource with its columns; an unknown file is a 404", async () => {
    const page = await (await responseOf(pageLoader({ request: getRequest("/transparency/data"), params: {}, context: {} }))).json();
    expect(page.resources.map((r: { name: string }) => r.name)).toEqual(["programmes", "received-by-province-month", "expenditures"]);
    expect((await get("donors.csv")).status).toBe(404);
    expect((await get("programmes.json")).status).toBe(404);
  });
});
