/**
 * Measures the catalogue index at national scale (20,000 programmes) on the embedded database:
 * full build (database read + MiniSearch), memory, and the time of a page of search. Opt-in, as it
 * takes a minute: CATALOGUE_INDEX_MEASURE=1 npx vitest run --config tests/vitest.config.ts
 * --project integration tests/integration/catalogue-index-measure.test.ts. Numbers: decision 0012.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, test } from "vitest";
import { Institution } from "#models/institution.server";
import { Programme, programmeSearchText } from "#models/programme.server";
import { PROVINCES } from "#models/reference/provinces";
import { catalogueFromSearchParams } from "#services/catalogue";
import { CatalogueIndex, markProgrammesChanged } from "#services/catalogue-index";

const PROGRAMMES = Number(process.env.CATALOGUE_INDEX_PROGRAMMES ?? 20_000);
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

describe.skipIf(!process.env.CATALOGUE_INDEX_MEASURE)("catalogue index at national scale", () => {
  test(`${PROGRAMMES} programmes: build, memory, search`, async () => {
    const kinds = [["Thư viện", "library"], ["Bảo tàng", "museum"], ["Trung tâm Văn hóa", "cultural_centre"]] as const;
    const institutions = await Institution.insertMany(
      Array.from({ length: 600 }, (_, i) => {
        const [name, type] = kinds[i % 3]!;
        const province = PROVINCES[i % PROVINCES.length]!;
        return { name: `${name} ${province.name} ${i}`, slug: `tc-${i}`, type, level: "provincial", provinceSlug: province.slug, status: "approved" };
      }),
    );
    const words = ["Thư viện số cho người cao tuổi", "Tủ sách thiếu nhi", "Di sản kể chuyện", "Kỹ năng số cho học sinh", "Đọc sách cùng con", "Bảo tàng mở cửa", "Lớp ca Huế", "Góc đọc ven sông"];
    const summaries = ["Máy tính và sách cho thư viện xã, lớp kỹ năng số buổi tối cho người cao tuổi.", "Giáo dục di sản cho học sinh qua các buổi kể chuyện tại bảo tàng.", "Sách thiếu nhi, truyện tranh và góc đọc cho các điểm trường vùng cao."];
    for (let offset = 0; offset < PROGRAMMES; offset += 2000) {
      await Programme.collection.insertMany(
        Array.from({ length: Math.min(2000, PROGRAMMES - offset) }, (_, k) => {
          const n = offset + k;
          const inst = institutions[n % institutions.length]!;
          const title = `${words[n % words.length]} ${n}`;
          const summary = summaries[n % summaries.length]!;
          const goal = 10_000_000 + (n % 50) * 1_000_000;
          return { institutionId: inst._id, slug: `p-${n}`, title, summary, ...programmeSearchText({ title, summary, institutionName: inst.name, provinceSlug: inst.provinceSlug }), description: "Mô tả. ".repeat(40), themes: ["reading-culture"], campaignDays: [], startDate: new Date("2026-01-01"), endDate: new Date(Date.UTC(2027, n % 12, 1 + (n % 28))), goal, currency: "VND", state: n % 10 === 0 ? "closed" : "open", provinceSlug: inst.provinceSlug, institutionType: inst.type, institutionName: inst.name, institutionSlug: inst.slug, institutionApproved: true, pledgedTotal: 0, receivedTotal: 0, remainingNeed: goal, budgetLines: [], inKindNeeds: [], publishedAt: new Date(Date.now() - n * 1000), createdAt: new Date(), updatedAt: new Date() };
        }) as never[],
      );
    }
    const before = heap();
    const index = new CatalogueIndex({ maxAgeMs: Infinity });
    const t0 = performance.now();
    await index.sync();
    const buildMs = performance.now() - t0;
    const after = heap();
    expect(index.stats.programmes).toBe(PROGRAMMES);

    const today = new Date();
    const queries: Array<[string, Parameters<CatalogueIndex["page"]>[0], Parameters<CatalogueIndex["page"]>[1]]> = [
      ["no text, open, newest", { today, state: "open" }, [{ sort: "newest" }]],
      ["province + type, most-needed", { today, state: "open", provinceSlug: "ha-noi", institutionType: "library" }, [{ sort: "most-needed" }]],
      ["q=thu vien so", { today, state: "open", q: "thu vien so" }, [{ sort: "newest" }]],
      ["q=di san (prefix+summary)", { today, state: "all", q: "di san" }, [{ sort: "ending-first", ends: "on-or-after-today" }, { sort: "ending-last", ends: "before-today" }]],
      ["q=nguoii cao tuoi (typo)", { today, state: "open", q: "nguoii cao tuoi" }, [{ sort: "newest" }]],
      ["q=t (one letter)", { today, state: "all", q: "t" }, [{ sort: "newest" }]],
    ];
    const lines: string[] = [];
    for (const [label, criteria, segments] of queries) {
      const first = performance.now();
      index.page(criteria, segments, 0, 12);
      const uncachedMs = performance.now() - first;
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < 30; i += 1) {
        const s = performance.now();
        total = index.page(criteria, segments, 24, 12).total;
        times.push(performance.now() - s);
      }
      lines.push(`${label}: total ${total}, first (uncached) ${uncachedMs.toFixed(1)} ms; repeated page p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms`);
    }
    // One change applied incrementally, and a request with nothing new (the per-request cost).
    await markProgrammesChanged([institutions[0]!._id]);
    const one = await Programme.findOne({ slug: "p-5" }).select("_id").lean();
    await markProgrammesChanged([one!._id]);
    let s = performance.now();
    await index.sync();
    const incrementalMs = performance.now() - s;
    const idle: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      s = performance.now();
      await index.sync();
      idle.push(performance.now() - s);
    }
    // The whole catalogue page through the service (its own, already built, instance index).
    await catalogueFromSearchParams(new URLSearchParams("q=thu+vien+so"));
    const pageTimes: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      s = performance.now();
      await catalogueFromSearchParams(new URLSearchParams(i % 2 ? "q=thu+vien+so&page=2" : "province=ha-noi&sort=most-needed"));
      pageTimes.push(performance.now() - s);
    }
    console.log(
      [
        `programmes: ${PROGRAMMES}`,
        `first sync (full build): ${buildMs.toFixed(0)} ms wall; database read ${index.stats.lastReadMs.toFixed(0)} ms, MiniSearch + entries ${(index.stats.lastBuildMs - index.stats.lastReadMs).toFixed(0)} ms`,
        `heap after build: +${((after - before) / 1024 / 1024).toFixed(1)} MB`,
        ...lines,
        `incremental sync of 2 changes: ${incrementalMs.toFixed(1)} ms`,
        `sync with nothing new: p50 ${pct(idle, 50).toFixed(2)} ms, p95 ${pct(idle, 95).toFixed(2)} ms`,
        `catalogueFromSearchParams (sync + page): p50 ${pct(pageTimes, 50).toFixed(1)} ms, p95 ${pct(pageTimes, 95).toFixed(1)} ms`,
      ].join("\n"),
    );
  }, 600_000);
});
