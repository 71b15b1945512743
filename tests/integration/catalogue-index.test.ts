/**
 * The catalogue's in-memory index (services/catalogue-index.ts, decision 0012) against the real
 * embedded database: the same answers as the old queries for the same data, the version protocol
 * between instances, and what search gained (prefix, one typo, ranking by field).
 */
import mongoose, { type FilterQuery } from "mongoose";
import { beforeAll, describe, expect, test } from "vitest";
import { CatalogueChange, CatalogueHead, advanceCatalogueHead, claimCatalogueChange, readCatalogueHead, type ProgrammeCardRow } from "#models/catalogue.server";
import { Institution } from "#models/institution.server";
import { Lookup, findLookup } from "#models/lookup.server";
import { Programme, type ProgrammeDoc } from "#models/programme.server";
import { provinceName } from "#models/reference/provinces";
import { catalogueFromSearchParams, criteriaOf, startOfVietnamDay } from "#services/catalogue";
import {
  CHANGE_RING_SIZE,
  CatalogueIndex,
  FUZZY_MIN_LENGTH,
  foldTerm,
  currentCatalogueIndex,
  markCatalogueRebuild,
  markProgrammesChanged,
  queryTerms,
  type ProgrammeSort,
  type Segment,
} from "#services/catalogue-index";
import { recordDonation } from "#services/money/donations";
import { receivedOfProgramme } from "#services/money/projections";
import { createProgramme, changeProgrammeState } from "#services/programmes";
import { parseCatalogueQuery, searchWords } from "#services/validation/catalogue";
import { createTestUser } from "#tests/utils/requests";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date();
const TODAY = startOfVietnamDay(NOW);

// ——— The old query code, kept here as it was before the index (models/catalogue.server.ts) ———

const OLD_SORTS: Record<ProgrammeSort, Record<string, 1 | -1>> = {
  newest: { publishedAt: -1, _id: -1 },
  "ending-first": { endDate: 1, _id: 1 },
  "ending-last": { endDate: -1, _id: 1 },
  "most-needed": { remainingNeed: -1, _id: 1 },
};
type OldCriteria = { today: Date; searchPatterns?: string[]; titleMatch?: "only" | "exclude"; provinceSlug?: string; institutionType?: string; theme?: string; campaignDay?: string; state?: "open" | "closed" | "all"; endsOnOrAfter?: Date; endsBefore?: Date };

function oldFilter(c: OldCriteria): FilterQuery<ProgrammeDoc> {
  const filter: FilterQuery<ProgrammeDoc> = { institutionApproved: true, state: { $in: ["open", "closed"] } };
  const state = c.state ?? "all";
  const and: FilterQuery<ProgrammeDoc>[] = [
    state === "open" ? { state: "open", endDate: { $gte: c.today } } : state === "closed" ? { $or: [{ state: "closed" }, { state: "open", endDate: { $lt: c.today } }] } : { state: { $in: ["open", "closed"] } },
  ];
  if (c.provinceSlug) filter.provinceSlug = c.provinceSlug;
  if (c.institutionType) filter.institutionType = c.institutionType;
  if (c.theme) filter.themes = c.theme;
  if (c.campaignDay) filter.campaignDays = c.campaignDay;
  if (c.endsOnOrAfter) and.push({ endDate: { $gte: c.endsOnOrAfter } });
  if (c.endsBefore) and.push({ endDate: { $lt: c.endsBefore } });
  const patterns = c.searchPatterns ?? [];
  if (patterns.length > 0) {
    and.push(...patterns.map((source) => ({ searchText: { $regex: source } })));
    const inTitle = { $and: patterns.map((source) => ({ titleSearchText: { $regex: source } })) };
    if (c.titleMatch === "only") and.push(inTitle);
    if (c.titleMatch === "exclude") and.push({ $nor: [inTitle] });
  }
  filter.$and = and;
  return filter;
}

/** The whole old result list (title matches first, then the rest; each in the sort's order). */
async function oldList(q: string, filters: Omit<OldCriteria, "today" | "searchPatterns" | "titleMatch">, sort: "newest" | "closing-soon" | "most-needed") {
  const patterns = searchWords(q).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const base: OldCriteria = { ...filters, today: TODAY, searchPatterns: patterns };
  const ranks: OldCriteria[] = patterns.length > 0 ? [{ ...base, titleMatch: "only" }, { ...base, titleMatch: "exclude" }] : [base];
  const groups: string[][] = [];
  for (const rank of ranks) {
    const segments: Array<[OldCriteria, ProgrammeSort]> =
      sort === "closing-soon"
        ? [
            [{ ...rank, endsOnOrAfter: TODAY }, "ending-first"],
            [{ ...rank, endsBefore: TODAY }, "ending-last"],
          ]
        : [[rank, sort === "most-needed" ? "most-needed" : "newest"]];
    const ids: string[] = [];
    for (const [criteria, s] of segments) {
      const docs = await Programme.find(oldFilter(criteria)).select("_id").sort(OLD_SORTS[s]).lean();
      ids.push(...docs.map((d) => String(d._id)));
    }
    groups.push(ids);
  }
  return groups;
}

// ——— A straightforward reference in plain JS: every programme checked one by one, no index ———

type Plain = ProgrammeDoc;
const RANK = { title: 0, institutionName: 1, provinceName: 2, summary: 3 } as const;
const words = (text: string) => foldTerm(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
function oneEdit(a: string, b: string) {
  if (Math.abs(a.length - b.length) > 1) return false;
  // Levenshtein distance, plainly.
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) d[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1)
    for (let j = 1; j <= b.length; j += 1) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]! <= 1;
}
function referenceTier(p: Plain, terms: string[]): number | null {
  const fields = { title: words(p.title), institutionName: words(p.institutionName ?? ""), provinceName: words(provinceName(p.provinceSlug) ?? ""), summary: words(p.summary ?? "") };
  let worst = 0;
  let typo = false;
  for (const term of terms) {
    let exact = Infinity;
    let fuzzy = Infinity;
    for (const [field, tokens] of Object.entries(fields) as Array<[keyof typeof RANK, string[]]>) {
      if (tokens.some((t) => t.startsWith(term))) exact = Math.min(exact, RANK[field]);
      else if (term.length >= FUZZY_MIN_LENGTH && tokens.some((t) => oneEdit(t, term))) fuzzy = Math.min(fuzzy, RANK[field]);
    }
    if (exact === Infinity && fuzzy === Infinity) return null;
    if (exact === Infinity) typo = true;
    worst = Math.max(worst, exact !== Infinity ? exact : fuzzy);
  }
  return worst + (typo ? 4 : 0);
}
function referenceList(all: Plain[], q: string, f: { provinceSlug?: string; institutionType?: string; theme?: string; campaignDay?: string; state: "open" | "closed" | "all" }, sort: "newest" | "closing-soon" | "most-needed"): string[] {
  const today = TODAY.getTime();
  const terms = queryTerms(q);
  const isPublic = (p: Plain) => p.institutionApproved && (p.state === "open" || p.state === "closed");
  const stateOk = (p: Plain) =>
    f.state === "all" ? true : f.state === "open" ? p.state === "open" && p.endDate.getTime() >= today : p.state === "closed" || p.endDate.getTime() < today;
  const rows = all
    .filter((p) => isPublic(p) && stateOk(p))
    .filter((p) => (!f.provinceSlug || p.provinceSlug === f.provinceSlug) && (!f.institutionType || p.institutionType === f.institutionType))
    .filter((p) => (!f.theme || p.themes.includes(f.theme as never)) && (!f.campaignDay || p.campaignDays.includes(f.campaignDay as never)))
    .map((p) => ({ p, tier: q.trim() === "" ? 0 : terms.length === 0 ? null : referenceTier(p, terms) }))
    .filter((r): r is { p: Plain; tier: number } => r.tier !== null);
  const id = (p: Plain) => String(p._id);
  const cmpId = (a: Plain, b: Plain) => id(a).localeCompare(id(b));
  const segmentOf = (p: Plain) => (sort === "closing-soon" && p.endDate.getTime() < today ? 1 : 0);
  const within = (a: Plain, b: Plain) => {
    const need = (p: Plain) => Math.max(0, p.goal - p.receivedTotal);
    if (sort === "most-needed") return need(b) - need(a) || cmpId(a, b);
    if (sort === "newest") return (b.publishedAt?.getTime() ?? -Infinity) - (a.publishedAt?.getTime() ?? -Infinity) || cmpId(b, a);
    return segmentOf(a) === 0 ? a.endDate.getTime() - b.endDate.getTime() || cmpId(a, b) : b.endDate.getTime() - a.endDate.getTime() || cmpId(a, b);
  };
  return rows.sort((a, b) => a.tier - b.tier || segmentOf(a.p) - segmentOf(b.p) || within(a.p, b.p)).map((r) => id(r.p));
}

// ——— A fixed data set ———

const INSTITUTIONS = [
  { name: "Thư viện Hà Nội", slug: "tv-ha-noi", type: "library", provinceSlug: "ha-noi", status: "approved" },
  { name: "Bảo tàng Đà Nẵng", slug: "bt-da-nang", type: "museum", provinceSlug: "da-nang", status: "approved" },
  { name: "Trung tâm Văn hóa Huế", slug: "ttvh-hue", type: "cultural_centre", provinceSlug: "hue", status: "approved" },
  { name: "Thư viện Cần Thơ", slug: "tv-can-tho", type: "library", provinceSlug: "can-tho", status: "approved" },
  { name: "Thư viện Chờ Duyệt", slug: "tv-cho-duyet", type: "library", provinceSlug: "ha-noi", status: "pending" },
] as const;
const TITLES = ["Thư viện số cho người cao tuổi", "Tủ sách thiếu nhi", "Di sản kể chuyện", "Kỹ năng số cho học sinh", "Đọc sách cùng con", "Bảo tàng mở cửa", "Lớp ca Huế", "Góc đọc ven sông", "Thư viện xanh", "Sách cho vùng cao"];
const SUMMARIES = ["Máy tính cho thư viện xã", "Giáo dục di sản cho học sinh", "Sách thiếu nhi và truyện tranh", "", "Lớp kỹ năng số buổi tối"];
const THEMES = ["reading-culture", "digital-skills", "heritage-education", "life-skills"] as const;
const DAYS = ["book-reading-day", "world-book-day", "museum-day"] as const;

let all: Plain[] = [];

beforeAll(async () => {
  const institutions = await Institution.insertMany(
    INSTITUTIONS.map((i) => ({ ...i, level: "provincial", address: "1 Phố Thử", bankAccount: { bankBin: "970415", accountNumber: "113000123456", accountName: "THU" } })),
  );
  const docs = [];
  for (let n = 0; n < 90; n += 1) {
    const inst = institutions[n % institutions.length]!;
    const goal = 50_000_000 + (n % 7) * 25_000_000;
    docs.push({
      institutionId: inst._id,
      slug: `ct-${n}`,
      title: `${TITLES[n % TITLES.length]} ${n % 3 === 0 ? "mùa hè" : ""}`.trim(),
      summary: SUMMARIES[Math.floor(n / 5) % SUMMARIES.length],
      startDate: new Date(NOW.getTime() - 200 * DAY),
      // Some ended already (open but past their end day), some end today, some later; a few share an end date.
      endDate: new Date(TODAY.getTime() + ((n % 11) - 3) * 5 * DAY),
      goal,
      receivedTotal: (n % 5) * 10_000_000,
      state: n % 9 === 4 ? "draft" : n % 6 === 5 ? "closed" : "open",
      themes: [THEMES[n % THEMES.length], ...(n % 4 === 1 ? [THEMES[(n + 2) % THEMES.length]] : [])],
      campaignDays: n % 3 === 0 ? [DAYS[n % DAYS.length]] : [],
      provinceSlug: inst.provinceSlug,
      institutionType: inst.type,
      institutionName: inst.name,
      institutionSlug: inst.slug,
      institutionApproved: inst.status === "approved",
      // Two programmes were never published (null sorts last under "newest"), others at distinct times.
      publishedAt: n === 7 || n === 8 ? null : new Date(NOW.getTime() - ((n * 37) % 90) * DAY - n * 1000),
    });
  }
  // create (not insertMany) so the validate hook derives the search copies the old code reads; and
  // remainingNeed (goal − received), which the old code stored and sorted on.
  for (const doc of docs) {
    const created = await Programme.create(doc);
    await Programme.collection.updateOne({ _id: created._id }, { $set: { remainingNeed: Math.max(0, created.goal - created.receivedTotal) } });
  }
  await markCatalogueRebuild();
  all = await Programme.find({}).lean<Plain[]>();
});

type Filters = { provinceSlug?: string; institutionType?: string; theme?: string; campaignDay?: string; state: "open" | "closed" | "all" };
const TEXTS = ["", "thu vien", "THƯ VIỆN", "Thư viện", "bao tang", "di san", "ha noi", "sach thieu nhi", "ky nang so", "hue", "doc sach", "da nang", "can tho", "mua he"];
const FILTERS: Filters[] = [
  { state: "open" },
  { state: "closed" },
  { state: "all" },
  { state: "all", provinceSlug: "ha-noi" },
  { state: "open", institutionType: "library" },
  { state: "all", theme: "digital-skills" },
  { state: "all", campaignDay: "book-reading-day", institutionType: "museum" },
  { state: "open", provinceSlug: "hue", theme: "heritage-education" },
];
const SORTS = ["newest", "closing-soon", "most-needed"] as const;

function paramsOf(q: string, f: Filters, sort: string, page = 1) {
  const params = new URLSearchParams({ state: f.state, sort, page: String(page) });
  if (q) params.set("q", q);
  if (f.provinceSlug) params.set("province", f.provinceSlug);
  if (f.institutionType) params.set("type", f.institutionType);
  if (f.theme) params.set("theme", f.theme);
  if (f.campaignDay) params.set("day", f.campaignDay);
  return params;
}

function segmentsFor(sort: (typeof SORTS)[number]): Segment[] {
  return sort === "closing-soon" ? [{ sort: "ending-first", ends: "on-or-after-today" }, { sort: "ending-last", ends: "before-today" }] : [{ sort: sort === "most-needed" ? "most-needed" : "newest" }];
}

describe("the same answers as before, for the same data", () => {
  test("every text × filter × sort: the index gives the reference's ids, order and count, and the old queries' set, count and title matches first", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    let compared = 0;
    let nonEmpty = 0;
    for (const q of TEXTS) {
      for (const f of FILTERS) {
        for (const sort of SORTS) {
          const label = `${q} | ${JSON.stringify(f)} | ${sort}`;
          const criteria = criteriaOf(parseCatalogueQuery(paramsOf(q, f, sort)).query, NOW);
          const got = index.page(criteria, segmentsFor(sort), 0, 1000);
          const ids = got.items.map((c: ProgrammeCardRow) => c.id);
          expect(ids, label).toEqual(referenceList(all, q, f, sort));
          expect(got.total, label).toBe(ids.length);

          // Before: the old regex queries on the database. Whole words without typos match the same programmes,
          // with the title matches first in the same order (the rest is now ranked further, by field).
          const [titled, rest = []] = await oldList(q, f, sort);
          expect(new Set(ids), label).toEqual(new Set([...titled!, ...rest]));
          expect(ids.slice(0, titled!.length), label).toEqual(titled);
          if (!q) expect(ids, label).toEqual(titled);
          compared += 1;
          if (ids.length > 0) nonEmpty += 1;
        }
      }
    }
    expect(compared).toBe(TEXTS.length * FILTERS.length * SORTS.length);
    expect(nonEmpty).toBeGreaterThan(compared / 2);
  }, 300_000);

  test("pages through the service: every page is the reference's slice, with the exact total and page count", async () => {
    for (const [q, f, sort] of [
      ["", { state: "all" }, "newest"],
      ["", { state: "all" }, "closing-soon"],
      ["", { state: "open" }, "most-needed"],
      ["thu vien", { state: "all" }, "newest"],
      ["sach", { state: "all" }, "closing-soon"],
    ] as Array<[string, Filters, (typeof SORTS)[number]]>) {
      const expected = referenceList(all, q, f, sort);
      const pages = Math.ceil(expected.length / 12);
      expect(pages).toBeGreaterThan(1);
      for (let page = 1; page <= pages + 1; page += 1) {
        const result = await catalogueFromSearchParams(paramsOf(q, f, sort, page), NOW);
        expect(result.items.map((c) => c.id), `${q} ${sort} p${page}`).toEqual(expected.slice((page - 1) * 12, page * 12));
        expect(result).toMatchObject({ total: expected.length, pageCount: pages, page });
      }
    }
  });
});

describe("search quality", () => {
  test("a prefix and a typo find the programme; diacritics and đ are folded; short words need no typo", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    const find = (q: string) => index.page({ today: TODAY, q, state: "all" }, [{ sort: "newest" }], 0, 1000).items.map((c) => c.slug);
    const gocDoc = all.filter((p) => p.title.startsWith("Góc đọc ven sông") && p.institutionApproved && p.state !== "draft").map((p) => p.slug);
    expect(gocDoc.length).toBeGreaterThan(0);
    // A prefix: "ve" → "ven", "son" → "sông".
    expect(new Set(find("goc doc ve son"))).toEqual(new Set(gocDoc));
    // One typo in a long word: "nguoii" (an extra letter), "chuyenn", "tuoj".
    expect(new Set(find("nguoii cao tuoi"))).toEqual(new Set(find("người cao tuổi")));
    expect(find("ke chuyenn").length).toBeGreaterThan(0);
    expect(find("ke chuyenn")).toEqual(find("kể chuyện"));
    // đ → d, either way.
    expect(find("Đọc sách")).toEqual(find("doc sach"));
    expect(find("DA NANG")).toEqual(find("Đà Nẵng"));
    // Two typos, or a typo in a short word, find nothing extra.
    expect(find("nguiio cao tuoi")).toEqual([]);
    expect(find("sahc")).toEqual([]);
  });

  test("ranking by field: a title match comes before a summary match, whatever the sort", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    // "di san": in the title of "Di sản kể chuyện …", in the summary "Giáo dục di sản cho học sinh" of others.
    for (const sort of SORTS) {
      const items = index.page({ today: TODAY, q: "di san", state: "all" }, segmentsFor(sort), 0, 1000).items;
      const inTitle = items.map((c) => foldTerm(c.title).includes("di san"));
      expect(inTitle.indexOf(false), sort).toBeGreaterThan(0);
      expect(inTitle.slice(inTitle.indexOf(false)).every((x) => !x), sort).toBe(true);
    }
    // The institution's name ranks above the province's and the summary's: "thu vien" in Hà Nội's and
    // Cần Thơ's library names comes after the titles with it, before the summaries "Máy tính cho thư viện xã".
    const items = index.page({ today: TODAY, q: "thu vien", state: "all" }, [{ sort: "newest" }], 0, 1000).items;
    const kind = items.map((c) => (foldTerm(c.title).includes("thu vien") ? 0 : foldTerm(c.institutionName).includes("thu vien") ? 1 : 3));
    expect(kind).toEqual([...kind].sort());
    expect(new Set(kind)).toEqual(new Set([0, 1, 3]));
  });

  test("text with no word in it matches nothing; an empty search lists everything", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    expect(index.page({ today: TODAY, q: "(.*", state: "all" }, [{ sort: "newest" }], 0, 100).total).toBe(0);
    expect(index.page({ today: TODAY, q: "  ", state: "all" }, [{ sort: "newest" }], 0, 100).total).toBe(referenceList(all, "", { state: "all" }, "newest").length);
  });
});

describe("the version protocol between instances", () => {
  const programmeOf = async (slug: string) => (await Programme.findOne({ slug }).lean())!;
  const titlesOf = (index: CatalogueIndex, q: string) => index.page({ today: TODAY, q, state: "all" }, [{ sort: "newest" }], 0, 100).items.map((c) => c.slug);

  test("a second instance sees a change made through the first after the version bump, re-reading only that programme", async () => {
    const first = new CatalogueIndex({ maxAgeMs: Infinity });
    const second = new CatalogueIndex({ maxAgeMs: Infinity });
    await Promise.all([first.sync(), second.sync()]);
    const p = await programmeOf("ct-10");
    await Programme.updateOne({ _id: p._id }, { $set: { title: "Xe buýt sách lưu động" } });
    // Not yet marked: neither instance knows (it was written around the services).
    await second.sync();
    expect(titlesOf(second, "xe buyt")).toEqual([]);
    await markProgrammesChanged([p._id]);
    await first.sync();
    await second.sync();
    expect(titlesOf(first, "xe buyt")).toEqual(["ct-10"]);
    expect(titlesOf(second, "xe buyt")).toEqual(["ct-10"]);
    expect(second.stats.builds).toBe(1);
    expect(second.stats.incremental).toBeGreaterThanOrEqual(1);

    // Closing, a draft, an unapproved institution: the programme leaves the index.
    await Programme.updateOne({ _id: p._id }, { $set: { state: "draft" } });
    await markProgrammesChanged([p._id]);
    await second.sync();
    expect(titlesOf(second, "xe buyt")).toEqual([]);
    expect(second.stats.builds).toBe(1);
    await Programme.updateOne({ _id: p._id }, { $set: { state: p.state, title: p.title } });
    await markProgrammesChanged([p._id]);
  });

  test("the services mark what they change: a programme created and published through them is listed by another instance", async () => {
    const other = new CatalogueIndex({ maxAgeMs: Infinity });
    await other.sync();
    const institution = (await Institution.findOne({ slug: "tv-ha-noi" }).lean())!;
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const input = {
      title: "Ngày hội đọc sách phường",
      summary: "Sách cho mọi nhà",
      description: "",
      themes: ["reading-culture"],
      campaignDays: [],
      startDate: new Date(NOW.getTime() - DAY),
      endDate: new Date(NOW.getTime() + 30 * DAY),
      goal: 20_000_000,
      budgetLines: [],
      inKindNeeds: [],
    };
    const created = await createProgramme(manager, String(institution._id), input as never);
    // Its slug has a key document from the start.
    expect((await findLookup("programme-slug", created.slug)).map(String)).toEqual([created.id]);
    await other.sync();
    expect(titlesOf(other, "ngay hoi doc sach")).toEqual([]);
    await changeProgrammeState(manager, created.id, "open");
    await other.sync();
    expect(titlesOf(other, "ngay hoi doc sach")).toEqual([created.slug]);
    expect(other.stats.builds).toBe(1);
    await changeProgrammeState(manager, created.id, "closed");
    await other.sync();
    expect(other.page({ today: TODAY, q: "ngay hoi", state: "closed" }, [{ sort: "newest" }], 0, 10).items.map((c) => c.slug)).toEqual([created.slug]);
  });

  test("a gift's new total: shown at once by the instance that recorded it, and by another through the version protocol", async () => {
    const other = new CatalogueIndex({ maxAgeMs: Infinity });
    await other.sync();
    const p = all.find((x) => x.institutionApproved && x.state === "open" && x.endDate.getTime() >= TODAY.getTime())!;
    const cardIn = (index: CatalogueIndex) => index.page({ today: TODAY, state: "all" }, [{ sort: "newest" }], 0, 1000).items.find((c) => c.id === String(p._id))!;
    // The books' total before (the test data's stored copies were written around the ledger).
    const before = await receivedOfProgramme(p._id);
    await recordDonation({ idempotencyKey: `cash:catalogue:${Date.now()}`, programmeId: String(p._id), institutionId: String(p.institutionId), method: "cash", amount: 2_500_000, receivedAt: new Date(), reference: "quỹ" });
    // The gift's mark waits (up to TOTALS_MARK_DELAY_MS, to go out with others); this instance's catalogue
    // sends what is waiting before it answers: the new total, the need 2,500,000 smaller.
    const mine = cardIn(await currentCatalogueIndex());
    expect(mine.receivedTotal).toBe(before + 2_500_000);
    expect(mine.remainingNeed).toBe(Math.max(0, p.goal - before - 2_500_000));
    // Another instance learns it from the version protocol, as any change.
    await other.sync();
    expect(cardIn(other).receivedTotal).toBe(before + 2_500_000);
    expect(other.stats.builds).toBe(1);
  });

  test("concurrent writers get distinct versions and every change is recorded (FerretDB's $inc is not atomic; an insert by _id is)", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    const before = index.stats.version;
    const ids = all.slice(0, 20).map((p) => p._id);
    await Promise.all(ids.map((id) => markProgrammesChanged([id])));
    const changes = await CatalogueChange.find({ v: { $gt: before } }).lean();
    expect(changes.map((c) => c.v).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => before + 1 + i));
    expect(new Set(changes.flatMap((c) => (c.ids ?? []).map(String)))).toEqual(new Set(ids.map(String)));
    expect(await readCatalogueHead()).toBeLessThanOrEqual(before + 20);
    await index.sync();
    expect(index.stats).toMatchObject({ builds: 1, version: before + 20, programmeReads: 20 });
  });

  test("a change whose writer died before raising the head is still found (readers look one past the head)", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    const p = await programmeOf("ct-20");
    await Programme.updateOne({ _id: p._id }, { $set: { title: "Thư viện lưu động đường biên" } });
    // Only the claim (the change document with its ids) was written; the head still says the version before.
    const head = await readCatalogueHead();
    const v = await claimCatalogueChange(Math.max(head, index.stats.version), { ids: [p._id], institutions: false });
    expect(await readCatalogueHead()).toBeLessThan(v);
    await index.sync();
    expect(titlesOf(index, "duong bien")).toEqual(["ct-20"]);
    expect(index.stats.builds).toBe(1);
    // A fresh instance starts from the head and looks past it too.
    const fresh = new CatalogueIndex({ maxAgeMs: Infinity });
    await fresh.sync();
    expect(fresh.stats.version).toBe(v);
    // The next writer starts from the stale head and takes the next free version.
    const q = await programmeOf("ct-21");
    await Programme.updateOne({ _id: q._id }, { $set: { title: "Thư viện nổi trên sông" } });
    await markProgrammesChanged([q._id]);
    await Promise.all([index.sync(), fresh.sync()]);
    expect(titlesOf(index, "noi tren song")).toEqual(["ct-21"]);
    expect(titlesOf(fresh, "noi tren song")).toEqual(["ct-21"]);
    expect(index.stats.version).toBe(v + 1);
    await Programme.updateOne({ _id: p._id }, { $set: { title: p.title } });
    await Programme.updateOne({ _id: q._id }, { $set: { title: q.title } });
    await markProgrammesChanged([p._id, q._id]);
    await advanceCatalogueHead(0);
  });

  test("an instance further behind than the ring rebuilds; a large change is a rebuild for everyone; old changes are deleted", async () => {
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    await index.sync();
    const some = all[30]!._id;
    for (let i = 0; i <= CHANGE_RING_SIZE; i += 1) await markProgrammesChanged([some]);
    expect(await CatalogueChange.countDocuments({})).toBeLessThanOrEqual(CHANGE_RING_SIZE);
    await index.sync();
    expect(index.stats.builds).toBe(2);
    await markProgrammesChanged(all.slice(0, 40).map((p) => p._id));
    expect((await CatalogueChange.findById(`v:${index.stats.version + 1}`).lean())?.ids).toBeNull();
    await index.sync();
    expect(index.stats.builds).toBe(3);
    // Nothing changed: no read beyond the head and the next version.
    const { version, programmeReads } = index.stats;
    await index.sync();
    expect(index.stats).toMatchObject({ builds: 3, version, programmeReads });
    expect((await CatalogueHead.findById("catalogue").lean())?.version).toBe(version);
  });

  test("the safety net: an index older than its maximum age rebuilds (writes made around the services show up)", async () => {
    let clock = 0;
    const index = new CatalogueIndex({ maxAgeMs: 10_000, now: () => clock });
    await index.sync();
    const p = await programmeOf("ct-32");
    await Programme.updateOne({ _id: p._id }, { $set: { title: "Thư viện trên xe máy" } });
    clock = 9_000;
    await index.sync();
    expect(titlesOf(index, "xe may")).toEqual([]);
    clock = 10_500;
    await index.sync();
    await index.idle();
    expect(titlesOf(index, "xe may")).toEqual(["ct-32"]);
    await Programme.updateOne({ _id: p._id }, { $set: { title: p.title } });
    await markProgrammesChanged([p._id]);
  });
});

describe("a programme or an institution by its slug is a key lookup", () => {
  test("without a key it falls back to the query once and writes the key; a stale key is ignored", async () => {
    const { findPublicProgrammeBySlug, findPublicInstitutionBySlug } = await import("#models/catalogue.server");
    await Lookup.deleteMany({});
    const open = all.find((p) => p.state === "open" && p.institutionApproved)!;
    expect((await findPublicProgrammeBySlug(open.slug))?.id).toBe(String(open._id));
    expect((await findLookup("programme-slug", open.slug)).map(String)).toEqual([String(open._id)]);
    // Now served by the key: found even if the query would be slow; same answer.
    expect((await findPublicProgrammeBySlug(open.slug))?.id).toBe(String(open._id));
    // A key pointing at another programme (a slug reused) is not trusted.
    const other = all.find((p) => p.slug !== open.slug)!;
    await Lookup.updateOne({ _id: `programme-slug:${open.slug}` }, { $set: { ids: [other._id] } });
    expect((await findPublicProgrammeBySlug(open.slug))?.id).toBe(String(open._id));
    // Drafts and programmes of unapproved institutions stay hidden, key or not.
    const draft = all.find((p) => p.state === "draft")!;
    expect(await findPublicProgrammeBySlug(draft.slug)).toBeNull();
    expect(await findPublicProgrammeBySlug(draft.slug)).toBeNull();
    expect(await findPublicProgrammeBySlug("khong-co")).toBeNull();

    expect((await findPublicInstitutionBySlug("tv-ha-noi"))?.name).toBe("Thư viện Hà Nội");
    expect((await findLookup("institution-slug", "tv-ha-noi")).length).toBe(1);
    expect(await findPublicInstitutionBySlug("tv-cho-duyet")).toBeNull();
    expect(mongoose.isValidObjectId(String((await findLookup("institution-slug", "tv-cho-duyet"))[0]))).toBe(true);
  });
});



