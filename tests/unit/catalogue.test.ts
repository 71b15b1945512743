import { describe, expect, test } from "vitest";
import { coverInKindNeeds, daysLeft, goodsBeyondNeeds, escapeRegExp, isAcceptingPledges, publicLedgerEntry, publicState, searchPatterns, startOfVietnamDay } from "#services/catalogue";
import { catalogueHref, parseCatalogueQuery, searchWords } from "#services/validation/catalogue";
import type { LedgerDonationRow } from "#models/catalogue.server";
import { pageWindow } from "~/components/pagination";

const parse = (search: string) => parseCatalogueQuery(new URLSearchParams(search));

describe("reading the catalogue's address", () => {
  test("defaults: open programmes, newest first, page 1", () => {
    expect(parse("")).toEqual({ query: { q: "", state: "open", sort: "newest", page: 1 }, ignored: [] });
  });

  test("every filter is carried", () => {
    const { query, ignored } = parse("q=thu+vien+so&province=ha-noi&type=library&theme=reading-culture&day=book-reading-day&state=closed&sort=most-needed&page=2");
    expect(ignored).toEqual([]);
    expect(query).toEqual({ q: "thu vien so", province: "ha-noi", type: "library", theme: "reading-culture", day: "book-reading-day", state: "closed", sort: "most-needed", page: 2 });
  });

  test("unknown values are dropped and named; empty values mean “any”", () => {
    const { query, ignored } = parse("province=atlantis&type=&theme=reading-culture&day=tet&sort=random");
    expect(ignored.sort()).toEqual(["day", "province", "sort"]);
    expect(query).toEqual({ q: "", theme: "reading-culture", state: "open", sort: "newest", page: 1 });
  });

  test("a bad page is page 1; a huge one is clamped", () => {
    for (const page of ["abc", "0", "-3", "2.5", "", "NaN", "Infinity"]) expect(parse(`page=${page}`).query.page, page).toBe(1);
    expect(parse("page=7").query.page).toBe(7);
    expect(parse("page=99999999").query.page).toBe(1000);
  });

  test("long queries are cut and spaces collapsed", () => {
    expect(parse(`q=${"a".repeat(500)}`).query.q).toHaveLength(100);
    expect(parse("q=%20%20thu%20%20%20vien%20").query.q).toBe("thu vien");
  });
});

describe("search words", () => {
  test("without diacritics, lower-case, split on spaces", () => {
    expect(searchWords("THƯ VIỆN Số")).toEqual(["thu", "vien", "so"]);
    expect(searchWords("Đường   sách")).toEqual(["duong", "sach"]);
    expect(searchWords("   ")).toEqual([]);
  });
  test("at most eight words", () => {
    expect(searchWords("a b c d e f g h i j")).toHaveLength(8);
  });
  test("regex metacharacters are escaped", () => {
    expect(escapeRegExp("(.*")).toBe("\\(\\.\\*");
    expect(searchPatterns("c++ [x]")).toEqual(["c\\+\\+", "\\[x\\]"]);
    for (const word of ["(.*", "a{2,", "\\", "^$|?"]) expect(new RegExp(escapeRegExp(word)).test(word)).toBe(true);
  });
});

describe("catalogue links", () => {
  test("carry every filter that is set, and the page when above 1", () => {
    const query = { q: "thu vien", province: "ha-noi" as const, state: "open" as const, sort: "newest" as const, page: 1 };
    expect(catalogueHref(query)).toBe("/programmes?q=thu+vien&province=ha-noi&state=open&sort=newest");
    expect(catalogueHref(query, { page: 3 })).toBe("/programmes?q=thu+vien&province=ha-noi&state=open&sort=newest&page=3");
    expect(catalogueHref(query, { page: 2 }, { lng: "en" })).toBe("/programmes?q=thu+vien&province=ha-noi&state=open&sort=newest&page=2&lng=en");
    expect(catalogueHref({})).toBe("/programmes");
  });
});

describe("page numbers", () => {
  test("first, last, and the neighbours of the current page", () => {
    expect(pageWindow(1, 1)).toEqual([1]);
    expect(pageWindow(1, 2)).toEqual([1, 2]);
    expect(pageWindow(5, 10)).toEqual([1, null, 4, 5, 6, null, 10]);
    expect(pageWindow(3, 10)).toEqual([1, 2, 3, 4, null, 10]);
    expect(pageWindow(1, 4)).toEqual([1, 2, 3, 4]);
    expect(pageWindow(10, 10)).toEqual([1, null, 9, 10]);
  });
});

describe("days in Vietnam's time zone", () => {
  test("midnight in Hà Nội, whatever the UTC time", () => {
    expect(startOfVietnamDay(new Date("2026-06-30T18:30:00Z")).toISOString()).toBe("2026-06-30T17:00:00.000Z");
    expect(startOfVietnamDay(new Date("2026-06-30T16:59:00Z")).toISOString()).toBe("2026-06-29T17:00:00.000Z");
  });
  test("days left until the last day", () => {
    const end = new Date("2026-07-10T00:00:00+07:00");
    expect(daysLeft(end, new Date("2026-07-01T23:00:00+07:00"))).toBe(9);
    expect(daysLeft(end, new Date("2026-07-10T22:00:00+07:00"))).toBe(0);
    expect(daysLeft(end, new Date("2026-07-12T08:00:00+07:00"))).toBe(-2);
  });
});

describe("donors in the public ledger, as they consented", () => {
  const row = (overrides: Partial<LedgerDonationRow>): LedgerDonationRow => ({
    id: "d1",
    amount: 1_000_000,
    receivedAt: new Date(),
    method: "card",
    visibility: "name_and_amount",
    consentActive: false,
    donor: { kind: "organisation", name: "Công ty Sách Vina", erased: false },
    ...overrides,
  });
  const shown = (r: LedgerDonationRow) => {
    const entry = publicLedgerEntry(r);
    return [entry.donorName, entry.amount];
  };

  test("an organisation: name and amount, or name only, as chosen", () => {
    expect(shown(row({}))).toEqual(["Công ty Sách Vina", 1_000_000]);
    expect(shown(row({ visibility: "name_only" }))).toEqual(["Công ty Sách Vina", null]);
    expect(shown(row({ visibility: "anonymous" }))).toEqual([null, 1_000_000]);
  });
  test("an individual needs active consent to be named", () => {
    const person = { kind: "individual" as const, name: "Nguyễn Văn Bình", erased: false };
    expect(shown(row({ donor: person, consentActive: true }))).toEqual(["Nguyễn Văn Bình", 1_000_000]);
    expect(shown(row({ donor: person, consentActive: false }))).toEqual([null, 1_000_000]);
    expect(shown(row({ donor: person, consentActive: true, visibility: "anonymous" }))).toEqual([null, 1_000_000]);
  });
  test("an offline gift from a company (no recorded choice) shows the company; from a person, the anonymous benefactor", () => {
    expect(shown(row({ visibility: null }))).toEqual(["Công ty Sách Vina", 1_000_000]);
    expect(shown(row({ visibility: null, donor: { kind: "individual", name: "Nguyễn Văn Bình", erased: false }, consentActive: false }))).toEqual([null, 1_000_000]);
  });
  test("erased donors and gifts without a donor are anonymous", () => {
    expect(shown(row({ donor: { kind: "organisation", name: "Công ty Đã Xóa", erased: true } }))).toEqual([null, 1_000_000]);
    expect(shown(row({ donor: null }))).toEqual([null, 1_000_000]);
    expect(shown(row({ donor: { kind: "organisation", name: null, erased: false } }))).toEqual([null, 1_000_000]);
  });
});

describe("in-kind needs covered", () => {
  test("matched by item name, ignoring case and diacritics; summed", () => {
    const needs = [
      { item: "Máy tính bảng", unit: "chiếc", quantity: 30, unitValue: 6_500_000 },
      { item: "Đàn tranh", unit: "chiếc", quantity: 6, unitValue: 4_200_000 },
    ];
    const covered = coverInKindNeeds(needs, [
      { item: "máy tính bảng", quantity: 4 },
      { item: "MAY TINH BANG", quantity: 2 },
      { item: "Ghế", quantity: 9 },
    ]);
    expect(covered.map((n) => [n.item, n.covered])).toEqual([
      ["Máy tính bảng", 6],
      ["Đàn tranh", 0],
    ]);
  });

  test("received goods are matched to the needs the same way; goods no need names are listed apart", () => {
    const needs = [
      { item: "Máy tính bảng", unit: "chiếc", quantity: 30, unitValue: 6_500_000 },
      { item: "Đàn tranh", unit: "chiếc", quantity: 6, unitValue: 4_200_000 },
    ];
    const received = [
      { item: "may tinh bang", quantity: 10 },
      { item: "Máy Tính Bảng", quantity: 5 },
      { item: "Ghế nhựa", quantity: 20 },
      { item: "ghe nhua", quantity: 4 },
    ];
    expect(coverInKindNeeds(needs, [{ item: "Đàn tranh", quantity: 2 }], received).map((n) => [n.item, n.covered, n.received])).toEqual([
      ["Máy tính bảng", 0, 15],
      ["Đàn tranh", 2, 0],
    ]);
    expect(goodsBeyondNeeds(needs, received)).toEqual([{ item: "Ghế nhựa", quantity: 24 }]);
  });
});

describe("an open programme takes pledges through its whole end day (Asia/Ho_Chi_Minh), then is closed", () => {
  test("the end day is a whole calendar day in Vietnam", () => {
    const endDate = new Date("2027-06-29T17:00:00Z"); // 30/06/2027 00:00 in Hà Nội
    const open = { state: "open", endDate };
    expect(isAcceptingPledges(open, new Date("2027-06-29T17:00:00Z"))).toBe(true);
    expect(isAcceptingPledges(open, new Date("2027-06-30T16:59:59Z"))).toBe(true); // 23:59:59 on the last day
    expect(isAcceptingPledges(open, new Date("2027-06-30T17:00:00Z"))).toBe(false); // 01/07 00:00
    // An end date stored as UTC midnight of that day means the same day.
    expect(isAcceptingPledges({ state: "open", endDate: new Date("2027-06-30T00:00:00Z") }, new Date("2027-06-30T16:59:59Z"))).toBe(true);
    expect(isAcceptingPledges({ state: "closed", endDate }, new Date("2027-01-01T00:00:00Z"))).toBe(false);
    expect(isAcceptingPledges({ state: "draft", endDate }, new Date("2027-01-01T00:00:00Z"))).toBe(false);
    expect(publicState(open, new Date("2027-06-30T16:59:59Z"))).toBe("open");
    expect(publicState(open, new Date("2027-06-30T17:00:00Z"))).toBe("closed");
    expect(publicState({ state: "closed", endDate }, new Date("2027-01-01T00:00:00Z"))).toBe("closed");
  });
});
