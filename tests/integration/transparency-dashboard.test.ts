import { beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import type { SessionUser } from "#models/user.server";
import { vietnamDateInput, vietnamTime } from "#services/calendar";
import { formatVnd } from "#services/format";
import { actOnExpenditure, recordExpenditure } from "#services/expenditures";
import { recordDonation } from "#services/money/donations";
import { issueCertificate } from "#services/recognition/certificates";
import { createRule, nominate, review } from "#services/recognition/nominations";
import * as dashboardRoute from "~/routes/transparency._index";
import { loader as csvLoader } from "~/routes/transparency.totals[.]csv";
import { recognitionConfig } from "~/utils/recognition.server";
import { createInstitution, createOpenProgramme, createOrganisationDonor, recognitionRuleFields } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { renderPage, textOf } from "#tests/utils/render-page";

/**
 * /transparency (issue 12, decision 0035): gifts recorded through the money path, certificates issued
 * through J3's services, then the page's loader, the page as rendered on the server and its CSV — the
 * numbers a reader sees must be the gifts recorded, and a donor who did not consent is never named.
 */
const now = new Date();
const year = Number(vietnamDateInput(now).slice(0, 4));
/** A gift received an hour ago (this year, this month in Vietnam, give or take the hour) and one in June last year. */
const recent = new Date(now.getTime() - 60 * 60 * 1000);
const lastYear = vietnamTime(year - 1, 6, 15, 10);

const SECRET_PERSON = "Nguyễn Thị Kín Tiếng";
const CONSENTING_PERSON = "Trần Văn Công Khai";
const COMPANY = "Công ty Sách Mở Rộng";

let hanoi: { programme: string; institution: string };
let danang: { programme: string; institution: string };
const given = { hanoi: 0, danang: 0, recent: 0, lastYear: 0, gifts: 0 };
/** Money out: what Hà Nội's programme (a library's; reading culture and digital skills) spent this month. */
const SPENT = 6_000_000;
let key = 0;
/** The account of the person who consented to be named (they withdraw it in the last test). */
let consenting: SessionUser;

async function give(where: typeof hanoi, amount: number, receivedAt: Date, donor: { donorId?: string; pledgeId?: string } = {}) {
  const gift = await recordDonation({ idempotencyKey: `dashboard:${(key += 1)}`, programmeId: where.programme, institutionId: where.institution, method: "cash", amount, receivedAt, ...donor });
  expect(gift.duplicate).toBe(false);
  given[where === hanoi ? "hanoi" : "danang"] += amount;
  given[receivedAt === lastYear ? "lastYear" : "recent"] += amount;
  given.gifts += 1;
}

/** A pledge made through the real form by a signed-in person (an individual), with the visibility chosen: its id and the donor's. */
async function pledgeAsPerson(slug: string, fullName: string, visibility: "anonymous" | "name_and_amount") {
  const user = await createTestUser({ role: "donor", name: fullName });
  const cookie = await sessionCookieFor(user.id);
  const fields = { donorKind: "individual", fullName, email: user.email, visibility, ...(visibility === "anonymous" ? {} : { consent: "yes" }), kind: "cash_once", amount: "25.000.000" };
  const { action } = await import("~/routes/programmes.$slug_.pledge");
  const created = await responseOf(action({ request: await formRequest(`/programmes/${slug}/pledge`, fields, { cookie }), params: { slug }, context: {} }));
  expect(created.status).toBe(302);
  const reference = created.headers.get("Location")!.split("/").pop()!;
  const { Pledge } = await import("#models/pledge.server");
  const pledge = (await Pledge.findOne({ reference }).lean())!;
  return { pledgeId: String(pledge._id), donorId: String(pledge.donorId), user };
}

/** As textOf gives text: every run of white space (the no-break space before ₫ too) one space. */
const spaced = (text: string) => text.replace(/\s+/g, " ");

type Figures = Awaited<ReturnType<Awaited<ReturnType<typeof dashboardRoute.loader>>["json"]>>;
const loadPage = async (path = "/transparency") => (await (await responseOf(dashboardRoute.loader({ request: getRequest(path), params: {}, context: {} }))).json()) as Figures;
const csv = (query: string) => responseOf(csvLoader({ request: getRequest(`/transparency/totals.csv?${query}`), params: {}, context: {} }));

beforeAll(async () => {
  const hn = await createInstitution({ name: "Thư viện Hà Nội Minh Bạch", provinceSlug: "ha-noi", type: "library" });
  const dn = await createInstitution({ name: "Bảo tàng Đà Nẵng Minh Bạch", provinceSlug: "da-nang", type: "museum" });
  const hnProgramme = await createOpenProgramme(hn, { title: "Tủ sách minh bạch Hà Nội", themes: ["reading-culture", "digital-skills"], budgetLines: [{ code: "SACH", label: "Mua sách", amount: 50_000_000 }] });
  const dnProgramme = await createOpenProgramme(dn, { title: "Giờ học di sản Đà Nẵng", themes: ["heritage-education"] });
  hanoi = { programme: String(hnProgramme._id), institution: String(hn._id) };
  danang = { programme: String(dnProgramme._id), institution: String(dn._id) };

  const company = await createOrganisationDonor(COMPANY);
  const secret = await pledgeAsPerson(hnProgramme.slug, SECRET_PERSON, "anonymous");
  const open = await pledgeAsPerson(hnProgramme.slug, CONSENTING_PERSON, "name_and_amount");
  const walkIn = await Donor.create({ kind: "individual", fullName: "Lê Văn Vãng Lai", email: "vang.lai@example.vn" });

  await give(hanoi, 30_000_000, recent, { donorId: String(company._id) });
  await give(hanoi, 25_000_000, recent, { pledgeId: secret.pledgeId, donorId: secret.donorId });
  await give(hanoi, 25_000_000, recent, { pledgeId: open.pledgeId, donorId: open.donorId });
  consenting = open.user;
  await give(hanoi, 12_000_000, recent, { donorId: String(walkIn._id) });
  await give(danang, 7_500_000, recent);
  await give(danang, 40_000_000, lastYear);
  await give(hanoi, 1_250_000, lastYear);

  // J3: a tier this year's donors reach, every one of them nominated by the manager, approved and issued by the ministry.
  const ministry = (await createTestUser({ role: "ministry_officer", name: "Cán bộ Bộ Minh Bạch" })) as SessionUser;
  const manager = (await createTestUser({ role: "manager", name: "Quản lý Minh Bạch", institutionIds: [hanoi.institution] })) as SessionUser;
  // Money out: one expenditure published by Hà Nội's manager (and one reversed: it counts nothing).
  for (const [amount, reverse] of [[SPENT, false], [2_000_000, true]] as const) {
    const { id } = await recordExpenditure(manager, hanoi.programme, { clientToken: `dashboard-spend-${amount}-abcdefgh`, budgetLineCode: "SACH", amount, spentAt: recent, payee: "Nhà sách Minh Bạch", description: "Sách thiếu nhi" });
    await actOnExpenditure(manager, hanoi.programme, id, { intent: "publish", reason: "" });
    if (reverse) await actOnExpenditure(manager, hanoi.programme, id, { intent: "reverse", reason: "Trả lại hàng" });
  }
  const rule = await createRule(ministry, recognitionRuleFields({ ruleSet: "Vinh danh minh bạch", nameVi: "Nhà tài trợ tủ sách", nameEn: "Bookshelf sponsor", minTotal: "10.000.000", year: String(year) }));
  const donorIds = [String(company._id), secret.donorId, open.donorId, String(walkIn._id)];
  const nominated = await nominate(manager, { ruleId: String(rule._id), donorIds, justification: "Đóng góp cho tủ sách minh bạch." });
  expect(nominated.map((n) => n.result)).toEqual(donorIds.map(() => "nominated"));
  const ids = donorIds.map((donorId) => `${String(rule._id)}:${donorId}`);
  expect((await review(ministry, { nominationIds: ids, decision: "approve", reason: "" })).map((o) => o.result)).toEqual(ids.map(() => "approved"));
  for (const id of ids) {
    const issued = await issueCertificate(ministry, { nominationIds: [id], signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" }, await recognitionConfig());
    expect(issued.result).toBe("issued");
  }
});

describe("/transparency", () => {
  test("totals by province, year, month, type, theme and the top programmes are the gifts recorded", async () => {
    const { figures } = await loadPage();
    const province = (slug: string) => figures.byProvince.find((row) => row.slug === slug)!;
    expect(province("ha-noi")).toEqual({ slug: "ha-noi", total: given.hanoi, gifts: 5, spent: SPENT });
    expect(province("da-nang")).toEqual({ slug: "da-nang", total: given.danang, gifts: 2, spent: 0 });
    expect(figures.byProvince.filter((row) => row.total !== 0).map((row) => row.slug).sort()).toEqual(["da-nang", "ha-noi"]);
    expect(figures.byProvince).toHaveLength(34);
    expect(figures.total).toEqual({ total: given.hanoi + given.danang, gifts: given.gifts, spent: SPENT });

    expect(figures.byYear).toEqual([
      { year: String(year - 1), total: given.lastYear, gifts: 2, spent: 0 },
      { year: String(year), total: given.recent, gifts: 5, spent: SPENT },
    ]);
    expect(figures.byMonth).toHaveLength(24);
    expect(figures.byMonth.at(-1)!.month).toBe(vietnamDateInput(now).slice(0, 7));
    expect(figures.byMonth.find((row) => row.month === `${year - 1}-06`)).toEqual({ month: `${year - 1}-06`, total: given.lastYear, gifts: 2, spent: 0 });
    expect(figures.byMonth.reduce((sum, row) => sum + row.total, 0)).toBe(given.hanoi + given.danang);
    expect(figures.byMonth.find((row) => row.month === vietnamDateInput(recent).slice(0, 7))!.spent).toBe(SPENT);

    // From each programme's copy of its total (the catalogue's index): the same gifts, by type and theme.
    const type = (slug: string) => figures.byType.find((row) => row.slug === slug)!;
    expect(type("library")).toEqual({ slug: "library", received: given.hanoi, programmes: 1, spent: SPENT });
    expect(type("museum")).toEqual({ slug: "museum", received: given.danang, programmes: 1, spent: 0 });
    expect(type("cultural_centre")).toEqual({ slug: "cultural_centre", received: 0, programmes: 0, spent: 0 });
    const theme = (slug: string) => figures.byTheme.find((row) => row.slug === slug)!.received;
    expect([theme("reading-culture"), theme("digital-skills"), theme("heritage-education"), theme("languages")]).toEqual([given.hanoi, given.hanoi, given.danang, 0]);
    const themeSpent = (slug: string) => figures.byTheme.find((row) => row.slug === slug)!.spent;
    expect([themeSpent("reading-culture"), themeSpent("digital-skills"), themeSpent("heritage-education")]).toEqual([SPENT, SPENT, 0]);
    expect(figures.catalogue).toEqual({ programmes: 2, received: given.hanoi + given.danang });
    expect(figures.topProgrammes.map((p) => [p.title, p.received])).toEqual([
      ["Tủ sách minh bạch Hà Nội", given.hanoi],
      ["Giờ học di sản Đà Nẵng", given.danang],
    ]);
  });

  test("the honour roll names the donors who consent, by tier, and counts the others without a name", async () => {
    const { roll } = await loadPage();
    expect(roll.year).toBe(year);
    expect(roll.certificates).toBe(4);
    expect(roll.tiers).toHaveLength(1);
    const [tier] = roll.tiers;
    expect(tier).toMatchObject({ type: "certificate", name: { vi: "Nhà tài trợ tủ sách", en: "Bookshelf sponsor" }, minTotal: 10_000_000, ruleYear: year, anonymous: 2 });
    // The company (not personal data) and the person who consented on their pledge; not the person who chose
    // anonymity, nor the walk-in whose gift carried no consent.
    expect(tier!.named.map((d) => d.name).sort()).toEqual([COMPANY, CONSENTING_PERSON].sort());

    // A year without certificates: none listed (and a year that is no year falls back to this one).
    expect((await loadPage(`/transparency?year=${year - 1}`)).roll.tiers).toEqual([]);
    expect((await loadPage("/transparency?year=abc")).roll.year).toBe(year);
  });

  test("the page is drawn on the server: SVG charts, each with a table of the same numbers; the person who did not consent is nowhere", async () => {
    for (const lng of ["vi", "en"] as const) {
      const { status, html } = await renderPage(dashboardRoute, "transparency", getRequest("/transparency"), lng);
      expect(status).toBe(200);
      // Charts as SVG in the HTML (they show without JavaScript), named for assistive technology.
      expect(html.match(/<svg class="chart chart-bars" role="img"/g)?.length).toBeGreaterThanOrEqual(5);
      expect(html).toContain('<svg class="chart chart-series" role="img"');
      expect(html).toContain('data-testid="chart-province"');
      const text = textOf(html);
      expect(text).toContain(lng === "vi" ? "Minh bạch tài chính" : "Money at a glance");
      // The province table holds Hà Nội's total as the reader's language writes it, and the footer the nation's.
      const provinceTable = html.slice(html.indexOf('data-testid="table-province"'));
      expect(textOf(provinceTable.slice(0, provinceTable.indexOf("</table>")))).toContain(`Hà Nội ${spaced(formatVnd(given.hanoi, lng))}`);
      expect(text).toContain(spaced(formatVnd(given.hanoi + given.danang, lng)));
      expect(html).toContain("<caption>");
      expect(text).toContain(COMPANY);
      expect(text).toContain(CONSENTING_PERSON);
      expect(text).not.toContain(SECRET_PERSON);
      expect(text).not.toContain("Lê Văn Vãng Lai");
    }
  });

  test("each table downloads as CSV: UTF-8 with a byte-order mark, a header, quoted fields, the same numbers", async () => {
    const response = await csv("by=province");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="gopsuc-received-by-province.csv"');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).split("\r\n");
    expect(lines[0]).toBe('Mã,"Tỉnh, thành phố",Đã nhận (đồng),Số khoản,Đã chi (đồng)');
    expect(lines).toContain(`ha-noi,Hà Nội,${given.hanoi},5,${SPENT}`);
    expect(lines).toContain(`da-nang,Đà Nẵng,${given.danang},2,0`);
    expect(lines.filter((line) => line !== "")).toHaveLength(35);

    const years = (await (await csv("by=year&lng=en")).text()).replace(/^\uFEFF/, "").split("\r\n");
    expect(years.slice(0, 3)).toEqual(["Year,Received (VND),Gifts,Spent (VND)", `${year - 1},${given.lastYear},2,0`, `${year},${given.recent},5,${SPENT}`]);

    const types = await (await csv("by=type")).text();
    expect(types).toContain(`library,Thư viện,${given.hanoi},1,${SPENT}`);
    expect(types).toContain(`museum,Bảo tàng,${given.danang},1,0`);

    const honour = await (await csv("by=honour")).text();
    expect(honour).toContain(`${year},Nhà tài trợ tủ sách,Giấy chứng nhận,${COMPANY},1`);
    expect(honour).toContain(`${year},Nhà tài trợ tủ sách,Giấy chứng nhận,${CONSENTING_PERSON},1`);
    expect(honour).toContain(`${year},Nhà tài trợ tủ sách,Giấy chứng nhận,Nhà hảo tâm (không nêu tên),2`);
    expect(honour).not.toContain(SECRET_PERSON);

    expect((await csv("by=everything")).status).toBe(400);
    expect((await csv("by=honour&year=abc")).status).toBe(400);
  });

  test("a consent withdrawn is respected at once: the name leaves the honour roll and its CSV, the numbers stay", async () => {
    const { withdrawPublicConsent } = await import("#services/data-rights");
    await withdrawPublicConsent(consenting);
    const { roll, figures } = await loadPage();
    expect(roll.tiers[0]!.named.map((d) => d.name)).toEqual([COMPANY]);
    expect(roll.tiers[0]!.anonymous).toBe(3);
    expect(figures.total).toEqual({ total: given.hanoi + given.danang, gifts: given.gifts, spent: SPENT });
    expect(await (await csv("by=honour")).text()).not.toContain(CONSENTING_PERSON);
  });
});
