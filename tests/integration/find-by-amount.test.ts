import { afterEach, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Lookup } from "#models/lookup.server";
import { configureIdleWork } from "#models/one-writer";
import { Pledge } from "#models/pledge.server";
import { RateLimit } from "#models/rate-limit.server";
import { recordDonation, recordReversal } from "#services/money/donations";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { publicReceipt } from "#services/receipt-document";
import { FIND_PAGE_SIZE, findGiftsByAmount } from "#services/transparency/find-by-amount";
import { GIFT_KEY_CAP, addGiftsToAmountKeys, flushGiftAmountKeys, forgetPendingGiftAmountKeys, giftDayAmountKey, rebuildGiftAmountKeys } from "#services/transparency/gift-amount-keys";
import { loader } from "~/routes/transparency.find";
import en from "~/locales/transparency.en.json";
import vi from "~/locales/transparency.vi.json";
import { createInstalmentPledge, createInstitution, createOpenProgramme, createOrganisationDonor } from "#tests/fixtures/domain";
import { getRequest, responseOf } from "#tests/utils/requests";
import mongoose from "mongoose";

/**
 * "Find my gift" by amount and day (decision 0040): gifts recorded through the money service are found
 * by their amount and the day they were received in Vietnam — through a key written off the gift's path,
 * re-added by the sweeper when that write was lost, rebuilt from the donations — and bad input is told
 * in the reader's language and changes nothing.
 */

type Found = { receiptNumber: string; receivedAt: string; programme: { title: string; slug: string } | null };
type Page = { byAmount: { typed: { amount: string; date: string }; errors: { amount?: string; date?: string }; result: { gifts: Found[]; total: number; full: boolean; day: string; amount: number } | null } };

let n = 0;
async function world() {
  n += 1;
  const institution = await createInstitution();
  const programme = await createOpenProgramme(institution, { title: `Tủ sách tìm theo số tiền ${n}` });
  const other = await createOpenProgramme(institution, { title: `Góc đọc thiếu nhi ${n}` });
  const give = (key: string, amount: number, receivedAt: string, extra: { programmeId?: unknown; pledgeId?: unknown; donorId?: unknown } = {}) =>
    recordDonation({
      idempotencyKey: `bank:find-amount:${n}:${key}`,
      programmeId: (extra.programmeId ?? programme._id) as never,
      institutionId: institution._id,
      pledgeId: (extra.pledgeId ?? null) as never,
      donorId: (extra.donorId ?? null) as never,
      method: "bank_transfer",
      amount,
      receivedAt: new Date(receivedAt),
      reference: key,
    });
  return { institution, programme, other, give };
}

async function find(query: Record<string, string>) {
  const response = await responseOf(loader({ request: getRequest(`/transparency/find?${new URLSearchParams(query)}`), params: {}, context: {} }));
  return { status: response.status, page: (await response.json()) as Page };
}
const receiptsOf = (page: Page) => page.byAmount.result!.gifts.map((g) => g.receiptNumber);

let timing: ReturnType<typeof configureIdleWork> | null = null;
afterEach(() => {
  if (timing) configureIdleWork(timing);
  timing = null;
});

describe("find my gift by amount and day", () => {
  test("finds exactly the gifts of that amount received that Vietnam day — 23:30 on the 1st (16:30 UTC) on the 1st, 00:30 on the 2nd (17:30 UTC on the 1st) on the 2nd — with programme and time, no names", async () => {
    const { programme, other, give } = await world();
    const late = await give("late", 512_345, "2026-11-01T23:30:00+07:00");
    const morning = await give("morning", 512_345, "2026-11-01T08:15:00+07:00", { programmeId: other._id });
    const nextDay = await give("next-day", 512_345, "2026-11-02T00:30:00+07:00");
    await give("other-amount", 512_346, "2026-11-01T10:00:00+07:00");
    await give("day-before", 512_345, "2026-10-31T23:59:00+07:00");
    await flushGiftAmountKeys();

    const first = await find({ amount: "512.345", date: "2026-11-01" });
    expect(first.status).toBe(200);
    expect(first.page.byAmount.result).toMatchObject({ day: "2026-11-01", amount: 512_345, total: 2, full: false });
    expect(first.page.byAmount.result!.gifts).toEqual([
      { receiptNumber: morning.receiptNumber, receivedAt: "2026-11-01T01:15:00.000Z", programme: { title: other.title, slug: other.slug } },
      { receiptNumber: late.receiptNumber, receivedAt: "2026-11-01T16:30:00.000Z", programme: { title: programme.title, slug: programme.slug } },
    ]);
    // Nothing in the answer names a donor.
    expect(JSON.stringify(first.page)).not.toMatch(/donor|name/i);

    // The amount typed the ways donors type it, the day in Vietnamese and English formats.
    for (const [amount, date] of <Array<[string, string]>>[["512345", "01/11/2026"], ["512 345 đ", "1/11/2026"], ["512.345 VND", "1 Nov 2026"], ["512,345", "November 1, 2026"], ["512.345đ", "ngày 1 tháng 11 năm 2026"]]) {
      const again = await find({ amount, date });
      expect(again.status, `${amount} / ${date}`).toBe(200);
      expect(receiptsOf(again.page), `${amount} / ${date}`).toEqual([morning.receiptNumber, late.receiptNumber]);
    }
    expect(receiptsOf((await find({ amount: "512.345", date: "2026-11-02" })).page)).toEqual([nextDay.receiptNumber]);
    // Another amount that day: not these.
    expect(receiptsOf((await find({ amount: "512.346", date: "2026-11-01" })).page)).not.toContain(late.receiptNumber);
    // A day with none: 404, an empty list, the form keeps what was typed.
    const none = await find({ amount: "512.345", date: "2026-11-03" });
    expect(none.status).toBe(404);
    expect(none.page.byAmount).toMatchObject({ typed: { amount: "512.345", date: "2026-11-03" }, errors: {}, result: { gifts: [], total: 0 } });
  });

  test("the key is written after the gift's answer, as idle work — the gift does not wait for it — and holds each gift once however often it is written", async () => {
    const { give } = await world();
    timing = configureIdleWork({ quietMs: 60_000, maxHoldMs: 60_000 }); // idle work waits until it is hurried
    const gift = await give("idle", 777_001, "2026-11-05T10:00:00+07:00");
    const key = giftDayAmountKey("2026-11-05", 777_001);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the key's delay: held as idle work
    expect(await Lookup.findById(key).lean()).toBeNull();
    await flushGiftAmountKeys();
    const written = await Lookup.findById(key).lean();
    expect(written!.ids.map(String)).toEqual([gift.donationId]);
    // The same gift again (a retried webhook), and the key written again: one id still.
    expect((await give("idle", 777_001, "2026-11-05T10:00:00+07:00")).duplicate).toBe(true);
    await flushGiftAmountKeys();
    expect(await addGiftsToAmountKeys([{ _id: new mongoose.Types.ObjectId(gift.donationId), amount: 777_001, receivedAt: new Date("2026-11-05T10:00:00+07:00") }])).toBe(0);
    expect((await Lookup.findById(key).lean())!.ids.map(String)).toEqual([gift.donationId]);
  });

  test("a gift whose key write was lost (the process stopped first) is re-added by the sweeper, once", async () => {
    const { give } = await world();
    const gift = await give("lost", 888_002, "2026-11-06T21:00:00+07:00");
    forgetPendingGiftAmountKeys(); // stopped before the key followed
    await flushGiftAmountKeys();
    expect(await Lookup.findById(giftDayAmountKey("2026-11-06", 888_002)).lean()).toBeNull();
    expect((await find({ amount: "888.002", date: "2026-11-06" })).status).toBe(404);

    const first = await runSweep({ now: () => new Date(Date.now() + 10 * SWEEPER_LEASE_MS), full: true });
    expect(first.ran).toBe(true);
    expect(first.giftKeysAdded).toBeGreaterThanOrEqual(1);
    expect(receiptsOf((await find({ amount: "888.002", date: "2026-11-06" })).page)).toEqual([gift.receiptNumber]);
    const second = await runSweep({ now: () => new Date(Date.now() + 11 * SWEEPER_LEASE_MS), full: true });
    expect(second).toMatchObject({ ran: true, giftKeysAdded: 0 });
    expect((await Lookup.findById(giftDayAmountKey("2026-11-06", 888_002)).lean())!.ids.map(String)).toEqual([gift.donationId]);
  });

  test("a refunded gift stays findable, and its receipt page says it was refunded", async () => {
    const { give } = await world();
    const gift = await give("refunded", 333_003, "2026-11-07T09:00:00+07:00");
    await recordReversal({ donationId: gift.donationId, amount: 333_003, idempotencyKey: `refund:${gift.donationId}`, kind: "refund", occurredAt: new Date("2026-11-08T09:00:00+07:00") });
    await flushGiftAmountKeys();
    expect(receiptsOf((await find({ amount: "333.003", date: "2026-11-07" })).page)).toEqual([gift.receiptNumber]);
    expect((await publicReceipt(gift.receiptNumber, null)).standing).toBe("reversed");
  });

  test("a gift whose donor chose to show their name but not the amount is not listed under its amount; an anonymous one is", async () => {
    const { programme, institution, give } = await world();
    const company = await createOrganisationDonor("Công ty Sách Tìm Kiếm");
    const nameOnly = await createInstalmentPledge({ programmeId: programme._id, institutionId: institution._id, donorId: company._id }, [444_004, 444_004]);
    await Pledge.updateOne({ _id: nameOnly._id }, { $set: { visibility: "name_only" } });
    const person = await Donor.create({ kind: "individual", fullName: "Lê Văn Cường", email: `find-amount-${Date.now()}@example.vn` });
    const anonymous = await createInstalmentPledge({ programmeId: programme._id, institutionId: institution._id, donorId: person._id }, [444_004, 444_004]);
    await Pledge.updateOne({ _id: anonymous._id }, { $set: { visibility: "anonymous" } });
    await give("name-only", 444_004, "2026-11-09T09:00:00+07:00", { pledgeId: nameOnly._id, donorId: company._id });
    const shown = await give("anonymous", 444_004, "2026-11-09T10:00:00+07:00", { pledgeId: anonymous._id, donorId: person._id });
    await flushGiftAmountKeys();
    expect(receiptsOf((await find({ amount: "444004", date: "2026-11-09" })).page)).toEqual([shown.receiptNumber]);
  });

  test(`a key keeps at most ${GIFT_KEY_CAP} gifts, marked full past them; the page reads ${FIND_PAGE_SIZE} at a time`, async () => {
    const receivedAt = new Date("2026-11-10T12:00:00+07:00");
    const gifts = Array.from({ length: GIFT_KEY_CAP + 5 }, () => ({ _id: new mongoose.Types.ObjectId(), amount: 999_005, receivedAt }));
    expect(await addGiftsToAmountKeys(gifts.slice(0, 150))).toBe(150);
    expect(await addGiftsToAmountKeys(gifts)).toBe(GIFT_KEY_CAP - 150);
    const key = (await Lookup.findById(giftDayAmountKey("2026-11-10", 999_005)).lean())!;
    expect(key.ids).toHaveLength(GIFT_KEY_CAP);
    expect(key.full).toBe(true);
    expect(await addGiftsToAmountKeys(gifts)).toBe(0);
    const found = await findGiftsByAmount({ amount: 999_005, day: "2026-11-10" }, 2);
    expect(found).toMatchObject({ total: GIFT_KEY_CAP, full: true, page: 2, pages: Math.ceil(GIFT_KEY_CAP / FIND_PAGE_SIZE), gifts: [] }); // ids with no gift behind them are not shown
  });

  test("the keys are rebuilt from the donations", async () => {
    const { give } = await world();
    const gift = await give("rebuilt", 616_006, "2026-11-11T18:00:00+07:00");
    await flushGiftAmountKeys();
    await Lookup.deleteOne({ _id: giftDayAmountKey("2026-11-11", 616_006) });
    expect((await find({ amount: "616.006", date: "2026-11-11" })).status).toBe(404);
    const rebuilt = await rebuildGiftAmountKeys();
    expect(rebuilt.added).toBeGreaterThanOrEqual(1);
    expect(receiptsOf((await find({ amount: "616.006", date: "2026-11-11" })).page)).toEqual([gift.receiptNumber]);
    expect((await rebuildGiftAmountKeys()).added).toBe(0);
  });

  test("bad input — no amount, no date, an amount that is not a number, a day not yet come, a date that does not exist — gets a message in both languages and changes nothing", async () => {
    const before = { limits: await RateLimit.countDocuments(), keys: await Lookup.countDocuments() };
    const tomorrow = new Date(Date.now() + 7 * 3600_000 + 24 * 3600_000).toISOString().slice(0, 10);
    const cases: Array<[Record<string, string>, { amount?: string; date?: string }]> = [
      [{ amount: "", date: "" }, { amount: "transparency.findAmountRequired", date: "transparency.findDateRequired" }],
      [{ amount: "500.000" }, { date: "transparency.findDateRequired" }],
      [{ amount: "năm trăm nghìn", date: "2026-11-01" }, { amount: "transparency.findAmountInvalid" }],
      [{ amount: "0", date: "2026-11-01" }, { amount: "validation.amountPositive" }],
      [{ amount: "500.000", date: tomorrow }, { date: "transparency.findDateFuture" }],
      [{ amount: "500.000", date: "31/02/2026" }, { date: "transparency.findDateInvalid" }],
      [{ amount: "500.000", date: "hôm qua" }, { date: "transparency.findDateInvalid" }],
    ];
    for (const [query, errors] of cases) {
      const { status, page } = await find(query);
      expect(status, JSON.stringify(query)).toBe(400);
      expect(page.byAmount.errors, JSON.stringify(query)).toEqual(errors);
      expect(page.byAmount.result).toBeNull();
      expect(page.byAmount.typed.amount).toBe(query.amount ?? "");
    }
    // Each message the form shows exists in Vietnamese and English.
    for (const key of ["findAmountRequired", "findAmountInvalid", "findDateRequired", "findDateFuture", "findDateInvalid"] as const) {
      expect(vi.transparency[key]).toMatch(/\S/);
      expect(en.transparency[key]).toMatch(/\S/);
      expect(vi.transparency[key]).not.toBe(en.transparency[key]);
    }
    expect({ limits: await RateLimit.countDocuments(), keys: await Lookup.countDocuments() }).toEqual(before);
  });

  test("a valid search counts against the per-address limit of public look-ups", async () => {
    const before = await RateLimit.countDocuments();
    await find({ amount: "500.000", date: "2026-11-01" });
    expect(await RateLimit.countDocuments()).toBeGreaterThan(before);
  });
});
