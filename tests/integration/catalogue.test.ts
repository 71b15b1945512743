import type { Types } from "mongoose";
import { describe, expect, test } from "vitest";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Pledge } from "#models/pledge.server";
import { User } from "#models/user.server";
import { countPledge, recomputeProgrammeTotals } from "#services/money/projections";
import { Programme, refreshProgrammeSearchText, syncInstitutionCopies } from "#models/programme.server";
import { getPledgePlaceholder } from "#services/catalogue";
import { flushProgrammeTotals, markCatalogueRebuild, markProgrammesChanged } from "#services/catalogue-index";
import { recordDonation } from "#services/money/donations";
import { decideInstitution } from "#services/institutions";
import { nextCampaignDay } from "#models/reference/campaign-days";
import { loader as homeLoader } from "~/routes/_index";
import { loader as institutionLoader } from "~/routes/institutions.$slug";
import { loader as catalogueLoader } from "~/routes/programmes._index";
import { loader as programmeLoader } from "~/routes/programmes.$slug";
import { action as pledgeAction, loader as pledgeLoader } from "~/routes/programmes.$slug_.pledge";
import { createTestUser, formRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { seed } from "../../scripts/seed";

const DAY = 24 * 60 * 60 * 1000;
const BASE = "http://localhost";

const args = (path: string, params: Record<string, string> = {}) => ({ request: new Request(`${BASE}${path}`), params, context: {} });

type CardJson = { slug: string; title: string };
type CatalogueJson = { items: CardJson[]; total: number; page: number; pageCount: number; ignored: string[]; query: Record<string, unknown> };

async function catalogue(path: string): Promise<CatalogueJson> {
  const response = await catalogueLoader(args(path));
  expect(response.status).toBe(200);
  return (await response.json()) as CatalogueJson;
}

const slugsOf = (result: { items: CardJson[] }) => result.items.map((item) => item.slug);

let seq = 0;
type InstitutionInput = { status?: "pending" | "approved" | "rejected"; provinceSlug?: string; type?: string; name?: string };

async function makeInstitution(overrides: InstitutionInput = {}) {
  seq += 1;
  const institution = await Institution.create({
    name: overrides.name ?? `Thiết chế thử ${seq}`,
    slug: `thiet-che-thu-${seq}`,
    type: overrides.type ?? "library",
    level: "provincial",
    provinceSlug: overrides.provinceSlug ?? "ha-noi",
    address: "1 Phố Thử",
    description: "Một thiết chế để kiểm thử.\n\nĐoạn thứ hai.",
    contact: { email: "lienhe@example.vn", phone: "024 3825 0000", website: "https://example.vn" },
    bankAccount: { bankBin: "970415", accountNumber: "113000123456", accountName: "THIET CHE THU" },
    status: overrides.status ?? "approved",
  });
  // The home page counts approved institutions: tell the index, as decideInstitution does.
  await markProgrammesChanged([], { institutions: true });
  return institution;
}

type Inst = Awaited<ReturnType<typeof makeInstitution>>;

// These tests write programmes with the model directly, around the services: each write tells the
// catalogue's index, as the services do (markProgrammesChanged), so the loaders below see it.
async function makeProgramme(institution: Inst, overrides: Record<string, unknown> = {}) {
  seq += 1;
  const programme = await Programme.create({
    institutionId: institution._id,
    slug: `chuong-trinh-${seq}`,
    title: `Chương trình ${seq}`,
    summary: "",
    description: "",
    startDate: new Date(Date.now() - 30 * DAY),
    endDate: new Date(Date.now() + 90 * DAY),
    goal: 100_000_000,
    state: "open",
    provinceSlug: institution.provinceSlug,
    institutionType: institution.type,
    institutionName: institution.name,
    institutionSlug: institution.slug,
    institutionApproved: institution.status === "approved",
    publishedAt: new Date(Date.now() - seq * 60_000),
    ...overrides,
  });
  await markProgrammesChanged([programme._id]);
  return programme;
}

/**
 * recomputeProgrammeTotals, then the mark the money path makes after it. The copies the money path left
 * pending are written first: one written after the recompute would put back the projections' pledged
 * total (these tests create pledges around the services, so that projection counts none).
 */
async function recomputeTotals(programmeId: Types.ObjectId) {
  await flushProgrammeTotals();
  await recomputeProgrammeTotals(programmeId);
  await markProgrammesChanged([programmeId]);
}

async function clearAll() {
  await Promise.all([Programme.deleteMany({}), Institution.deleteMany({}), Pledge.deleteMany({}), Donation.deleteMany({}), Donor.deleteMany({})]);
  // Deleted around the services (and institutions created directly below): every index rebuilds.
  await markCatalogueRebuild();
}

describe("search ignores diacritics and case", () => {
  test("“thu vien so”, “THƯ VIỆN SỐ” and “Thư viện số” all find the same programme; “bao tang” finds “Bảo tàng”", async () => {
    await clearAll();
    const inst = await makeInstitution();
    await makeProgramme(inst, { slug: "thu-vien-so", title: "Thư viện số cho mọi người", summary: "Lớp kỹ năng số" });
    await makeProgramme(inst, { slug: "bao-tang-mo", title: "Bảo tàng mở cửa cho học sinh" });
    await makeProgramme(inst, { slug: "tieng-anh", title: "Tiếng Anh cho người lao động", summary: "Lớp buổi tối" });

    for (const q of ["thu vien so", "THƯ VIỆN SỐ", "Thư viện số", "  thư   VIEN  số "]) {
      const result = await catalogue(`/programmes?${new URLSearchParams({ q })}`);
      expect(slugsOf(result), q).toEqual(["thu-vien-so"]);
      expect(result.total).toBe(1);
    }
    expect(slugsOf(await catalogue("/programmes?q=bao+tang"))).toEqual(["bao-tang-mo"]);
    expect(slugsOf(await catalogue("/programmes?q=B%E1%BA%A2O+T%C3%80NG"))).toEqual(["bao-tang-mo"]);
  });

  test("every word must match, in any order, in the title or the summary", async () => {
    await clearAll();
    const inst = await makeInstitution();
    await makeProgramme(inst, { slug: "thu-vien-so", title: "Thư viện số cho mọi người", summary: "Lớp kỹ năng số" });
    await makeProgramme(inst, { slug: "thu-vien-xanh", title: "Thư viện xanh", summary: "Sách cho thiếu nhi" });
    expect(slugsOf(await catalogue("/programmes?q=nguoi+so+vien"))).toEqual(["thu-vien-so"]);
    expect(slugsOf(await catalogue("/programmes?q=ky+nang+thu+vien"))).toEqual(["thu-vien-so"]);
    expect(new Set(slugsOf(await catalogue("/programmes?q=thu+vien")))).toEqual(new Set(["thu-vien-so", "thu-vien-xanh"]));
    expect(slugsOf(await catalogue("/programmes?q=thu+vien+bao+tang"))).toEqual([]);
  });

  test("regex special characters are searched for literally and never error", async () => {
    await clearAll();
    const inst = await makeInstitution();
    await makeProgramme(inst, { slug: "c-plus", title: "Lập trình C++ (cơ bản)" });
    for (const q of ["(.*", ".*", "[", "\\", "a{2,", "^$", "|", "?"]) {
      const result = await catalogue(`/programmes?${new URLSearchParams({ q })}`);
      expect(result.items, q).toEqual([]);
      expect(result.total, q).toBe(0);
    }
    expect(slugsOf(await catalogue(`/programmes?${new URLSearchParams({ q: "c++ (co ban)" })}`))).toEqual(["c-plus"]);
  });
});

describe("filters", () => {
  test("province + type + theme + campaign day + state together return exactly the right set", async () => {
    await clearAll();
    const hnLibrary = await makeInstitution({ provinceSlug: "ha-noi", type: "library" });
    const hnMuseum = await makeInstitution({ provinceSlug: "ha-noi", type: "museum" });
    const hueLibrary = await makeInstitution({ provinceSlug: "hue", type: "library" });
    const match = { themes: ["reading-culture", "life-skills"], campaignDays: ["book-reading-day"] };
    await makeProgramme(hnLibrary, { slug: "dung", ...match });
    await makeProgramme(hnLibrary, { slug: "dung-2", themes: ["reading-culture"], campaignDays: ["book-reading-day", "world-book-day"] });
    await makeProgramme(hnLibrary, { slug: "sai-chu-de", themes: ["digital-skills"], campaignDays: ["book-reading-day"] });
    await makeProgramme(hnLibrary, { slug: "sai-ngay", themes: ["reading-culture"], campaignDays: ["museum-day"] });
    await makeProgramme(hnLibrary, { slug: "da-dong", ...match, state: "closed" });
    await makeProgramme(hnMuseum, { slug: "sai-loai", ...match });
    await makeProgramme(hueLibrary, { slug: "sai-tinh", ...match });

    const path = "/programmes?province=ha-noi&type=library&theme=reading-culture&day=book-reading-day&state=open";
    expect(new Set(slugsOf(await catalogue(path)))).toEqual(new Set(["dung", "dung-2"]));
    expect(slugsOf(await catalogue(path.replace("state=open", "state=closed")))).toEqual(["da-dong"]);
    expect(new Set(slugsOf(await catalogue(path.replace("state=open", "state=all"))))).toEqual(new Set(["dung", "dung-2", "da-dong"]));
    // The state defaults to open.
    expect((await catalogue("/programmes")).total).toBe(6);
    expect(new Set(slugsOf(await catalogue("/programmes?province=hue")))).toEqual(new Set(["sai-tinh"]));
    expect(new Set(slugsOf(await catalogue("/programmes?type=museum")))).toEqual(new Set(["sai-loai"]));
  });

  test("unknown filter values are ignored and named, never a 500", async () => {
    await clearAll();
    const inst = await makeInstitution();
    await makeProgramme(inst, { slug: "mot" });
    const result = await catalogue("/programmes?province=atlantis&type=zoo&theme=%3Cscript%3E&day=tet&state=deleted&sort=random&page=2.5&extra=1");
    expect(result.ignored.sort()).toEqual(["day", "province", "sort", "state", "theme", "type"]);
    expect(result.query).toMatchObject({ state: "open", sort: "newest", page: 1 });
    expect(slugsOf(result)).toEqual(["mot"]);
    // Repeated and empty parameters are harmless too.
    const empty = await catalogue("/programmes?q=&province=&type=&state=&sort=");
    expect(empty.ignored).toEqual([]);
    expect(slugsOf(empty)).toEqual(["mot"]);
  });
});

describe("pagination", () => {
  test("12 per page with correct edges", async () => {
    await clearAll();
    const inst = await makeInstitution();
    for (let i = 0; i < 12; i += 1) await makeProgramme(inst);
    const twelve = await catalogue("/programmes");
    expect(twelve).toMatchObject({ total: 12, page: 1, pageCount: 1 });
    expect(twelve.items).toHaveLength(12);

    const last = await makeProgramme(inst, { publishedAt: new Date(Date.now() - 365 * DAY) });
    const first = await catalogue("/programmes");
    expect(first).toMatchObject({ total: 13, page: 1, pageCount: 2 });
    expect(first.items).toHaveLength(12);
    const second = await catalogue("/programmes?page=2");
    expect(second).toMatchObject({ total: 13, page: 2, pageCount: 2 });
    expect(slugsOf(second)).toEqual([last.slug]);
    expect(new Set([...slugsOf(first), ...slugsOf(second)]).size).toBe(13);

    const beyond = await catalogue("/programmes?page=99");
    expect(beyond).toMatchObject({ items: [], total: 13, page: 99, pageCount: 2 });

    for (const page of ["abc", "0", "-1", "", "1e", "２"]) {
      const result = await catalogue(`/programmes?page=${encodeURIComponent(page)}`);
      expect(result.page, page).toBe(1);
      expect(result.items, page).toHaveLength(12);
    }
  });
});

describe("sorting", () => {
  test("most needed: the largest remaining need first", async () => {
    await clearAll();
    const inst = await makeInstitution();
    const small = await makeProgramme(inst, { slug: "can-it", goal: 50_000_000 });
    const big = await makeProgramme(inst, { slug: "can-nhieu", goal: 500_000_000 });
    const halfFunded = await makeProgramme(inst, { slug: "da-nhan-nhieu", goal: 600_000_000 });
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Thử", taxCode: "0100109106" });
    await recordDonation({ idempotencyKey: "sort-1", programmeId: halfFunded._id, institutionId: inst._id, donorId: donor._id, method: "bank_transfer", amount: 450_000_000, receivedAt: new Date() });
    await recomputeTotals(halfFunded._id);
    // remaining: big 500M, small 50M, halfFunded 150M
    expect(slugsOf(await catalogue("/programmes?sort=most-needed"))).toEqual([big.slug, halfFunded.slug, small.slug]);
  });

  test("closing soon: the soonest end date first, programmes already over last", async () => {
    await clearAll();
    const inst = await makeInstitution();
    const now = Date.now();
    await makeProgramme(inst, { slug: "muoi-ngay", endDate: new Date(now + 10 * DAY) });
    await makeProgramme(inst, { slug: "da-qua-han", startDate: new Date(now - 100 * DAY), endDate: new Date(now - 3 * DAY) });
    await makeProgramme(inst, { slug: "nam-ngay", endDate: new Date(now + 5 * DAY) });
    await makeProgramme(inst, { slug: "ba-muoi-ngay", endDate: new Date(now + 30 * DAY) });
    // An open programme past its end day is closed for the public: it is listed with "all" (or "closed"), last.
    expect(slugsOf(await catalogue("/programmes?sort=closing-soon&state=all"))).toEqual(["nam-ngay", "muoi-ngay", "ba-muoi-ngay", "da-qua-han"]);
    expect(slugsOf(await catalogue("/programmes?sort=closing-soon"))).toEqual(["nam-ngay", "muoi-ngay", "ba-muoi-ngay"]);
  });

  test("closing soon paginates across running and ended programmes", async () => {
    await clearAll();
    const inst = await makeInstitution();
    const now = Date.now();
    for (let i = 1; i <= 10; i += 1) await makeProgramme(inst, { slug: `con-${String(i).padStart(2, "0")}`, endDate: new Date(now + i * DAY) });
    for (let i = 1; i <= 5; i += 1) await makeProgramme(inst, { slug: `het-${i}`, startDate: new Date(now - 100 * DAY), endDate: new Date(now - i * DAY) });
    const first = await catalogue("/programmes?sort=closing-soon&state=all");
    const second = await catalogue("/programmes?sort=closing-soon&state=all&page=2");
    expect(first.total).toBe(15);
    expect(slugsOf(first)).toEqual([...Array.from({ length: 10 }, (_, i) => `con-${String(i + 1).padStart(2, "0")}`), "het-1", "het-2"]);
    expect(slugsOf(second)).toEqual(["het-3", "het-4", "het-5"]);
  });

  test("newest: the latest published first", async () => {
    await clearAll();
    const inst = await makeInstitution();
    await makeProgramme(inst, { slug: "cu", publishedAt: new Date(Date.now() - 10 * DAY) });
    await makeProgramme(inst, { slug: "moi", publishedAt: new Date(Date.now() - DAY) });
    expect(slugsOf(await catalogue("/programmes?sort=newest"))).toEqual(["moi", "cu"]);
  });
});

describe("visibility: drafts and programmes of unapproved institutions are never public", () => {
  test("not in search, home page or institution page, and their pages are 404", async () => {
    await clearAll();
    const day = nextCampaignDay(new Date()).campaignDay.slug;
    const approved = await makeInstitution({ provinceSlug: "ha-noi" });
    const pending = await makeInstitution({ status: "pending", provinceSlug: "cao-bang" });
    const rejected = await makeInstitution({ status: "rejected", provinceSlug: "son-la" });
    const visible = await makeProgramme(approved, { slug: "cong-khai", title: "Góc đọc bí mật công khai", campaignDays: [day] });
    const draft = await makeProgramme(approved, { slug: "ban-nhap", title: "Góc đọc bí mật bản nháp", state: "draft", campaignDays: [day] });
    const ofPending = await makeProgramme(pending, { slug: "cho-duyet", title: "Góc đọc bí mật chờ duyệt", campaignDays: [day] });
    // Even if the denormalised flag were stale, a rejected institution's programme stays hidden once services update it.
    const ofRejected = await makeProgramme(rejected, { slug: "bi-tu-choi", title: "Góc đọc bí mật bị từ chối", campaignDays: [day], state: "closed" });
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Thử", taxCode: "0100109106" });
    for (const [i, p] of [visible, draft, ofPending].entries()) {
      await recordDonation({ idempotencyKey: `vis-${i}`, programmeId: p._id, institutionId: p.institutionId, donorId: donor._id, method: "cash", amount: 1_000_000 * (i + 1), receivedAt: new Date() });
      await recomputeTotals(p._id);
    }

    // Search, in every state.
    for (const state of ["open", "closed", "all"]) {
      expect(slugsOf(await catalogue(`/programmes?q=bi+mat&state=${state}`)), state).toEqual(state === "closed" ? [] : ["cong-khai"]);
    }
    expect(slugsOf(await catalogue("/programmes?province=cao-bang&state=all"))).toEqual([]);

    // Home page: totals, campaign-day programmes and province chips count only the public one.
    const home = await (await homeLoader()).json();
    expect(home.totals).toEqual({ institutions: 1, programmes: 1, received: 1_000_000 });
    expect(home.campaign.slug).toBe(day);
    expect(home.campaign.fallback).toBe(false);
    expect(home.campaign.programmes.map((p: CardJson) => p.slug)).toEqual(["cong-khai"]);
    expect(home.provinces).toEqual([{ slug: "ha-noi", count: 1 }]);

    // Institution pages: the approved one lists only its public programme; the others are 404.
    const institution = await (await institutionLoader(args(`/institutions/${approved.slug}`, { slug: approved.slug }))).json();
    expect(institution.programmes.map((p: CardJson) => p.slug)).toEqual(["cong-khai"]);
    expect(institution.programmeCount).toBe(1);
    expect(JSON.stringify(institution)).not.toContain("bankAccount");
    for (const inst of [pending, rejected]) {
      const response = await responseOf(institutionLoader(args(`/institutions/${inst.slug}`, { slug: inst.slug })));
      expect(response.status).toBe(404);
      expect(await response.text()).toBe("errors.notFound");
    }

    // Programme and pledge pages.
    expect((await programmeLoader(args("/programmes/cong-khai", { slug: "cong-khai" }))).status).toBe(200);
    expect((await pledgeLoader(args("/programmes/cong-khai/pledge", { slug: "cong-khai" }))).status).toBe(200);
    for (const p of [draft, ofPending, ofRejected]) {
      for (const [loader, path] of [
        [programmeLoader, `/programmes/${p.slug}`],
        [pledgeLoader, `/programmes/${p.slug}/pledge`],
      ] as const) {
        const response = await responseOf(loader(args(path, { slug: p.slug })));
        expect(response.status, path).toBe(404);
        expect(await response.text()).toBe("errors.notFound");
      }
    }
    for (const slug of ["khong-co", "../etc", "A%20B", "x".repeat(200)]) {
      expect((await responseOf(programmeLoader(args(`/programmes/${slug}`, { slug })))).status, slug).toBe(404);
      expect((await responseOf(institutionLoader(args(`/institutions/${slug}`, { slug })))).status, slug).toBe(404);
    }
  });
});

describe("the programme page", () => {
  test("shows donors only as they consented; anonymous and erased donors are “Nhà hảo tâm”", async () => {
    await clearAll();
    const inst = await makeInstitution();
    const programme = await makeProgramme(inst, { slug: "so-cai", description: "Đoạn một.\n\nĐoạn hai." });
    const company = await Donor.create({ kind: "organisation", legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106" });
    const quietCompany = await Donor.create({ kind: "organisation", legalName: "Công ty Kín Tiếng", taxCode: "0302000006" });
    const binh = await Donor.create({ kind: "individual", fullName: "Nguyễn Văn Bình", email: "binh@example.vn" });
    const lan = await Donor.create({ kind: "individual", fullName: "Trần Thị Lan", email: "lan@example.vn" });
    const noConsent = await Donor.create({ kind: "individual", fullName: "Phạm Chưa Đồng Ý", email: "pham@example.vn" });
    const withdrawn = await Donor.create({ kind: "individual", fullName: "Lê Đã Rút", email: "le@example.vn" });
    const erased = await Donor.create({ kind: "individual", fullName: "Võ Đã Xóa", email: "vo@example.vn" });
    const walkIn = await Donor.create({ kind: "individual", fullName: "Đỗ Không Cam Kết", email: "do@example.vn" });
    const consent = { text: "Tôi đồng ý công khai tên.", givenAt: new Date() };

    const gifts: Array<[typeof company, "name_and_amount" | "name_only" | "anonymous" | null, number, Record<string, unknown>]> = [
      [company, "name_and_amount", 50_000_000, {}],
      [quietCompany, "name_only", 20_000_000, {}],
      [binh, "name_and_amount", 3_000_000, { consent }],
      [lan, "anonymous", 4_000_000, {}],
      [noConsent, "name_and_amount", 5_000_000, {}],
      [withdrawn, "name_only", 6_000_000, { consent: { ...consent, withdrawnAt: new Date() } }],
      [erased, "name_and_amount", 7_000_000, { consent }],
      [walkIn, null, 8_000_000, {}],
    ];
    let n = 0;
    for (const [donor, visibility, amount, extra] of gifts) {
      n += 1;
      const pledge = visibility
        ? await Pledge.create({ programmeId: programme._id, institutionId: inst._id, donorId: donor._id, kind: "cash_once", amount, visibility, state: "fulfilled", ...extra })
        : null;
      await recordDonation({
        idempotencyKey: `ledger-${n}`,
        pledgeId: pledge?._id ?? null,
        programmeId: programme._id,
        institutionId: inst._id,
        donorId: donor._id,
        method: "bank_transfer",
        amount,
        receivedAt: new Date(Date.now() - n * DAY),
      });
    }
    // The erased donor's personal fields are cleared, the gift stays.
    await Donor.updateOne({ _id: erased._id }, { $set: { fullName: null, email: null, erasedAt: new Date() } });
    await recomputeTotals(programme._id);

    const response = await programmeLoader(args("/programmes/so-cai", { slug: "so-cai" }));
    const body = await response.json();
    const rows = body.ledger.entries.map((e: { donorName: string; amount: number | null }) => [e.donorName, e.amount]);
    expect(rows).toEqual([
      ["Công ty Cổ phần Sách Vina", 50_000_000],
      ["Công ty Kín Tiếng", null],
      ["Nguyễn Văn Bình", 3_000_000],
      ["Nhà hảo tâm", 4_000_000],
      ["Nhà hảo tâm", 5_000_000],
      ["Nhà hảo tâm", 6_000_000],
      ["Nhà hảo tâm", 7_000_000],
      ["Nhà hảo tâm", 8_000_000],
    ]);
    const text = JSON.stringify(body);
    for (const hidden of ["Trần Thị Lan", "Phạm Chưa Đồng Ý", "Lê Đã Rút", "Võ Đã Xóa", "Đỗ Không Cam Kết", "binh@example.vn", "0100109106"]) {
      expect(text).not.toContain(hidden);
    }
    expect(body.ledger.total).toBe(8);
    expect(body.programme).toMatchObject({ receivedTotal: 103_000_000, pledgedTotal: 95_000_000, description: "Đoạn một.\n\nĐoạn hai." });

    // In English the anonymous benefactor has an English name.
    const english = await (await programmeLoader(args("/programmes/so-cai?lng=en", { slug: "so-cai" }))).json();
    expect(english.ledger.entries[3]?.donorName).toBe("Anonymous benefactor");
  });

  test("in-kind needs show how many are covered by pledges that are not cancelled", async () => {
    await clearAll();
    const inst = await makeInstitution();
    const programme = await makeProgramme(inst, {
      slug: "hien-vat",
      inKindNeeds: [
        { item: "Máy tính bảng", unit: "chiếc", quantity: 30, unitValue: 6_500_000 },
        { item: "Sách thiếu nhi", unit: "cuốn", quantity: 100, unitValue: 45_000 },
        { item: "Kệ sách", unit: "bộ", quantity: 4, unitValue: 1_800_000 },
      ],
    });
    const other = await makeProgramme(inst, { slug: "khac" });
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Thiết Bị", taxCode: "0100109106" });
    // Written directly, then counted as the pledge service counts a pledge it makes (a cancelled one no longer counts).
    const pledge = async (items: Array<{ item: string; quantity: number; unitValue: number }>, state = "active", programmeId: Types.ObjectId = programme._id) => {
      const made = await Pledge.create({ programmeId, institutionId: inst._id, donorId: donor._id, kind: "in_kind", amount: items.reduce((s, i) => s + i.quantity * i.unitValue, 0), inKindItems: items, state });
      if (state !== "cancelled") await countPledge(made, 1);
    };
    await pledge([{ item: "Máy tính bảng", quantity: 10, unitValue: 6_500_000 }, { item: "Kệ sách", quantity: 5, unitValue: 1_800_000 }]);
    await pledge([{ item: "máy tính bảng", quantity: 3, unitValue: 6_000_000 }], "fulfilled");
    await pledge([{ item: "Máy tính bảng", quantity: 7, unitValue: 6_500_000 }], "cancelled");
    await pledge([{ item: "Sách thiếu nhi", quantity: 50, unitValue: 45_000 }], "active", other._id);

    const body = await (await programmeLoader(args("/programmes/hien-vat", { slug: "hien-vat" }))).json();
    expect(body.inKindNeeds.map((n: { item: string; covered: number }) => [n.item, n.covered])).toEqual([
      ["Máy tính bảng", 13],
      ["Sách thiếu nhi", 0],
      ["Kệ sách", 5],
    ]);
  });

  test("the pledge page gives the institution's bank account as text, and says so when the programme is closed", async () => {
    await clearAll();
    const inst = await makeInstitution();
    await makeProgramme(inst, { slug: "mo" });
    await makeProgramme(inst, { slug: "dong", state: "closed" });
    const open = await (await pledgeLoader(args("/programmes/mo/pledge", { slug: "mo" }))).json();
    expect(open.bank).toMatchObject({ bankShortName: "VietinBank", accountNumber: "113000123456", accountName: "THIET CHE THU" });
    const closed = await (await pledgeLoader(args("/programmes/dong/pledge", { slug: "dong" }))).json();
    expect(closed.programme.state).toBe("closed");
  });
});

describe("the home page", () => {
  test("shows the newest open programmes when none is tied to the next campaign day, and provinces with open programmes", async () => {
    await clearAll();
    const next = nextCampaignDay(new Date()).campaignDay.slug;
    const other = next === "museum-day" ? "book-reading-day" : "museum-day";
    const hn = await makeInstitution({ provinceSlug: "ha-noi" });
    const dn = await makeInstitution({ provinceSlug: "da-nang", type: "museum" });
    const ct = await makeInstitution({ provinceSlug: "can-tho" });
    for (let i = 0; i < 4; i += 1) await makeProgramme(hn, { campaignDays: [other] });
    for (let i = 0; i < 4; i += 1) await makeProgramme(dn, { campaignDays: [other] });
    await makeProgramme(ct, { state: "closed" });
    const home = await (await homeLoader()).json();
    expect(home.campaign.fallback).toBe(true);
    expect(home.campaign.programmes).toHaveLength(6);
    expect(home.provinces).toEqual([
      { slug: "ha-noi", count: 4 },
      { slug: "da-nang", count: 4 },
    ]);
    // The home page counts what the catalogue lists by default (programmes taking pledges), not closed ones too.
    expect(home.totals).toMatchObject({ institutions: 3, programmes: 8, received: 0 });
    expect((await catalogue("/programmes")).total).toBe(home.totals.programmes);
  });
});

describe("search covers the institution and the province, title matches first", () => {
  test("in the demo data, “thu vien” finds all 4 open library programmes, and the home page counts what /programmes lists", async () => {
    await clearAll();
    await User.deleteMany({});
    expect(await seed()).toBe(true);
    // Every seeded manager is among their institution's managers (the Đà Nẵng museum's was missing).
    const managers = await User.find({ role: "manager" }).lean();
    expect(managers.length).toBeGreaterThanOrEqual(2);
    for (const manager of managers) {
      for (const id of manager.institutionIds) expect((await Institution.findById(id).lean())!.managerIds.map(String)).toContain(String(manager._id));
    }
    await markCatalogueRebuild();
    const libraries = await Programme.find({ institutionType: "library", institutionApproved: true, state: "open", endDate: { $gte: new Date() } }).select("slug").lean();
    expect(libraries).toHaveLength(4);
    const found = await catalogue("/programmes?q=thu+vien");
    expect(new Set(slugsOf(found))).toEqual(new Set(libraries.map((p) => p.slug)));
    // The one with "Thư viện" in its title comes first.
    expect(found.items[0]?.title).toBe("Thư viện số cho người cao tuổi");
    const home = await (await homeLoader()).json();
    expect(home.totals.programmes).toBe((await catalogue("/programmes")).total);
  });

  test("“thu vien” finds every library's programme, not only those with it in the title; title matches come first", async () => {
    await clearAll();
    const hanoiLibrary = await makeInstitution({ name: "Thư viện Hà Nội", provinceSlug: "ha-noi" });
    const hueCentre = await makeInstitution({ name: "Trung tâm Văn hóa Huế", provinceSlug: "hue", type: "cultural_centre" });
    const museum = await makeInstitution({ name: "Bảo tàng Đà Nẵng", provinceSlug: "da-nang", type: "museum" });
    // Published long ago, so "newest" alone would put it last.
    await makeProgramme(museum, { slug: "trong-tieu-de", title: "Thư viện di sản trong bảo tàng", publishedAt: new Date(Date.now() - 300 * DAY) });
    await makeProgramme(hanoiLibrary, { slug: "tu-sach", title: "Tủ sách thiếu nhi", summary: "Sách cho trẻ em" });
    await makeProgramme(hueCentre, { slug: "ca-hue", title: "Lớp ca Huế", summary: "Truyền dạy ca Huế" });
    await makeProgramme(museum, { slug: "khong-lien-quan", title: "Bảo tàng mở", summary: "Giáo dục di sản" });

    expect(slugsOf(await catalogue("/programmes?q=thu+vien"))).toEqual(["trong-tieu-de", "tu-sach"]);
    // The institution's name, with or without diacritics.
    expect(slugsOf(await catalogue(`/programmes?${new URLSearchParams({ q: "Thư viện Hà Nội" })}`))).toEqual(["tu-sach"]);
    // The province's name.
    expect(slugsOf(await catalogue("/programmes?q=da+nang"))).toEqual(["khong-lien-quan", "trong-tieu-de"]);
    // Words may come from different places: "sach" from the title, "ha noi" from the institution.
    expect(slugsOf(await catalogue("/programmes?q=sach+ha+noi"))).toEqual(["tu-sach"]);
    // Title first, then by the chosen sort within each group.
    expect(slugsOf(await catalogue("/programmes?q=di+san&sort=newest"))).toEqual(["trong-tieu-de", "khong-lien-quan"]);
  });

  test("title matches first across pages, and the total counts both groups once", async () => {
    await clearAll();
    const library = await makeInstitution({ name: "Thư viện Tổng hợp" });
    const museum = await makeInstitution({ name: "Bảo tàng Tổng hợp", type: "museum" });
    const titled = await makeProgramme(museum, { slug: "tieu-de", title: "Góc thư viện nhỏ", publishedAt: new Date(Date.now() - 400 * DAY) });
    for (let i = 1; i <= 12; i += 1) await makeProgramme(library, { slug: `qua-thiet-che-${String(i).padStart(2, "0")}`, title: `Lớp học ${i}`, publishedAt: new Date(Date.now() - i * DAY) });
    const first = await catalogue("/programmes?q=thu+vien");
    const second = await catalogue("/programmes?q=thu+vien&page=2");
    expect(first).toMatchObject({ total: 13, pageCount: 2 });
    expect(slugsOf(first)).toEqual([titled.slug, ...Array.from({ length: 11 }, (_, i) => `qua-thiet-che-${String(i + 1).padStart(2, "0")}`)]);
    expect(slugsOf(second)).toEqual(["qua-thiet-che-12"]);
    // With "closing soon" too (two orders × two groups), still title first.
    expect(slugsOf(await catalogue("/programmes?q=thu+vien&sort=closing-soon"))[0]).toBe(titled.slug);
  });

  test("the search text follows the institution: an approval rewrites the copied name; a rename is fanned out", async () => {
    await clearAll();
    const institution = await makeInstitution({ name: "Thư viện Phong Điền", status: "pending", provinceSlug: "can-tho" });
    // A copy written before the institution's name was known (or an old document).
    await makeProgramme(institution, { slug: "goc-doc", title: "Góc đọc ven sông", institutionName: "" });
    expect((await Programme.findOne({ slug: "goc-doc" }).lean())?.searchText).not.toContain("phong dien");
    const officer = await createTestUser({ role: "ministry_officer" });
    await decideInstitution(officer, String(institution._id), { decision: "approve" });
    expect(slugsOf(await catalogue("/programmes?q=phong+dien"))).toEqual(["goc-doc"]);

    await Institution.updateOne({ _id: institution._id }, { $set: { name: "Thư viện xã Phong Điền Mới" } });
    const renamed = (await Institution.findById(institution._id))!;
    await syncInstitutionCopies(renamed);
    await markProgrammesChanged([(await Programme.findOne({ slug: "goc-doc" }).lean())!._id]);
    expect(slugsOf(await catalogue("/programmes?q=phong+dien+moi"))).toEqual(["goc-doc"]);
    expect((await Programme.findOne({ slug: "goc-doc" }).lean())).toMatchObject({ institutionName: "Thư viện xã Phong Điền Mới", titleSearchText: "goc doc ven song" });
  });

  test("documents written before the institution was searchable are brought up to date once (and the index never needed the copies)", async () => {
    await clearAll();
    const institution = await makeInstitution({ name: "Thư viện Hà Nội" });
    const programme = await makeProgramme(institution, { slug: "cu", title: "Tủ sách thiếu nhi" });
    // As the old code stored it: title and summary only, no title copy.
    await Programme.collection.updateOne({ _id: programme._id }, { $set: { searchText: "tu sach thieu nhi" }, $unset: { titleSearchText: "" } });
    await markProgrammesChanged([programme._id]);
    // The index reads the title, institution name, province and summary themselves, not the stored
    // search copies: an old document is found by its institution's name before any migration.
    expect(slugsOf(await catalogue("/programmes?q=thu+vien"))).toEqual(["cu"]);
    expect(await refreshProgrammeSearchText({ titleSearchText: { $exists: false } })).toBe(1);
    expect(slugsOf(await catalogue("/programmes?q=thu+vien"))).toEqual(["cu"]);
    expect(await refreshProgrammeSearchText({ titleSearchText: { $exists: false } })).toBe(0);
  });
});

describe("an open programme past its end day is closed for pledges everywhere", () => {
  // 00:00 in Hà Nội on a day, as the programme form stores an end date.
  const vnDay = (offsetDays: number) => {
    const local = new Date(Date.now() + 7 * 60 * 60 * 1000 + offsetDays * DAY);
    return new Date(`${local.toISOString().slice(0, 10)}T00:00:00+07:00`);
  };

  test("not on the home page, not under “open”, shown as ended, and its pledge page says it is closed", async () => {
    await clearAll();
    const next = nextCampaignDay(new Date()).campaignDay.slug;
    const inst = await makeInstitution({ provinceSlug: "nghe-an", type: "museum" });
    const ended = await makeProgramme(inst, { slug: "het-han", title: "Kể chuyện di sản", startDate: vnDay(-60), endDate: vnDay(-1), campaignDays: [next] });
    const lastDay = await makeProgramme(inst, { slug: "ngay-cuoi", title: "Ngày cuối cùng", startDate: vnDay(-60), endDate: vnDay(0), campaignDays: [next] });

    const home = await (await homeLoader()).json();
    expect(home.campaign.programmes.map((p: CardJson) => p.slug)).toEqual([lastDay.slug]);
    expect(home.totals.programmes).toBe(1);
    expect(home.provinces).toEqual([{ slug: "nghe-an", count: 1 }]);

    expect(slugsOf(await catalogue("/programmes"))).toEqual([lastDay.slug]);
    const closed = await catalogue("/programmes?state=closed");
    expect(slugsOf(closed)).toEqual([ended.slug]);
    expect(closed.items[0]).toMatchObject({ state: "closed", daysLeft: -1 });
    expect((await catalogue("/programmes?state=all")).items.find((p) => p.slug === lastDay.slug)).toMatchObject({ state: "open", daysLeft: 0 });

    const page = await (await programmeLoader(args(`/programmes/${ended.slug}`, { slug: ended.slug }))).json();
    expect(page.programme.state).toBe("closed");
    const institution = await (await institutionLoader(args(`/institutions/${inst.slug}`, { slug: inst.slug }))).json();
    expect(institution.programmes.map((p: CardJson & { state: string }) => [p.slug, p.state])).toEqual([
      [lastDay.slug, "open"],
      [ended.slug, "closed"],
    ]);

    expect((await getPledgePlaceholder(ended.slug))?.programme.state).toBe("closed");
    expect((await getPledgePlaceholder(lastDay.slug))?.programme.state).toBe("open");
    const pledgePage = await (await pledgeLoader(args(`/programmes/${ended.slug}/pledge`, { slug: ended.slug }))).json();
    expect(pledgePage.programme.state).toBe("closed");
    // Nothing was written: the stored state stays "open"; it is the calendar that closes it.
    expect((await Programme.findById(ended._id).lean())?.state).toBe("open");
  });

  test("the server refuses a pledge to it", async () => {
    await clearAll();
    const inst = await makeInstitution();
    const ended = await makeProgramme(inst, { slug: "het-han-cam-ket", startDate: vnDay(-60), endDate: vnDay(-1) });
    const donor = await createTestUser();
    const fields = { donorKind: "individual", fullName: "Trần Thị Lan", email: "lan@example.vn", kind: "cash_once", amount: "500.000", visibility: "anonymous" };
    const response = await responseOf(pledgeAction({ request: await formRequest(`/programmes/${ended.slug}/pledge`, fields, { cookie: await sessionCookieFor(donor.id) }), params: { slug: ended.slug }, context: {} }));
    expect(response.status).toBe(400);
    expect(await Pledge.countDocuments({ programmeId: ended._id })).toBe(0);
  });
});

describe("every count agrees with what the catalogue lists", () => {
  test("home total and province chips equal the catalogue's totals for the same links", async () => {
    await clearAll();
    const hn = await makeInstitution({ provinceSlug: "ha-noi" });
    const hue = await makeInstitution({ provinceSlug: "hue" });
    await makeProgramme(hn);
    await makeProgramme(hn);
    await makeProgramme(hn, { state: "closed" });
    await makeProgramme(hn, { startDate: new Date(Date.now() - 90 * DAY), endDate: new Date(Date.now() - 2 * DAY) });
    await makeProgramme(hue);
    await makeProgramme(hue, { state: "draft" });
    const home = await (await homeLoader()).json();
    const all = await catalogue("/programmes");
    expect(all.total).toBe(3);
    expect(home.totals.programmes).toBe(all.total);
    for (const chip of home.provinces as Array<{ slug: string; count: number }>) {
      expect((await catalogue(`/programmes?province=${chip.slug}`)).total, chip.slug).toBe(chip.count);
    }
    expect(home.provinces).toEqual([
      { slug: "ha-noi", count: 2 },
      { slug: "hue", count: 1 },
    ]);
  });
});
