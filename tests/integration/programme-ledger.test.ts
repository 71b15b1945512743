import { parse } from "csv-parse/sync";
import { beforeAll, describe, expect, test, vi } from "vitest";
import { LedgerEntry } from "#models/ledger-entry.server";
import { LEDGER_PAGE_ROWS, Projection } from "#models/projection.server";
import type { SessionUser } from "#models/user.server";
import { actOnExpenditure, balanceOf, recordExpenditure } from "#services/expenditures";
import { rebuildProjections } from "#services/money/projections";
import { recordOfflineGift } from "#services/offline-gifts";
import { requestCorrection } from "#services/corrections";
import { Pledge } from "#models/pledge.server";
import { recordDonation } from "#services/money/donations";
import { loader as programmeLoader } from "~/routes/programmes.$slug";
import { action as pledgeAction } from "~/routes/programmes.$slug_.pledge";
import { loader as ledgerLoader } from "~/routes/programmes.$slug_.ledger";
import { loader as csvLoader } from "~/routes/programmes.$slug_.ledger[.]csv";
import { VALID_TAX_CODES, cashGiftInput, createInstitution, createOpenProgramme, formToken, vnDate } from "#tests/fixtures/domain";
import { createTestUser, formRequest, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * A programme's whole public ledger (issue 12): every entry in and out, in the order the chain booked
 * them, with the balance after each — paginated newest first, and as one CSV from the first entry. The
 * pages the books keep must equal the ledger itself, before and after a rebuild, across the boundary
 * where a stored page fills (LEDGER_PAGE_ROWS).
 */

type Line = { place: number; entryId: string; kind: string; amount: number; balance: number; gift: { receiptNumber: string | null; donorName: string } | null; expenditure: { payee: string | null } | null };
type Page = { entries: number; pages: number; page: number; balance: number; lines: Line[] };

describe("a programme's public ledger", () => {
  let programmeId: string;
  let slug: string;
  let manager: SessionUser;
  const GIFTS = 2 * LEDGER_PAGE_ROWS + 7; // three stored pages' worth, the last one partly full

  const page = async (n: number | string, lang = "vi"): Promise<Page> =>
    (await responseOf(ledgerLoader({ request: getRequest(`/programmes/${slug}/ledger?page=${n}&lng=${lang}`), params: { slug }, context: {} }))).json();
  const csv = async () => {
    const response = await responseOf(csvLoader({ request: getRequest(`/programmes/${slug}/ledger.csv`), params: { slug }, context: {} }));
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { response, bytes, text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes) };
  };
  /** The ledger itself, in chain order, with the balance after each entry (what the pages must show). */
  const fromTheLedger = async () => {
    const entries = await LedgerEntry.find({ programmeId }).select("_id sequence amount kind").sort({ sequence: 1 }).lean();
    let balance = 0;
    return entries.map((e, i) => ({ place: i + 1, entryId: String(e._id), kind: e.kind, amount: e.amount, balance: (balance += e.amount) }));
  };
  const everyPage = async () => {
    const first = await page(1);
    const rest = await Promise.all(Array.from({ length: first.pages - 1 }, (_, i) => page(i + 2)));
    return [first, ...rest].flatMap((p) => p.lines);
  };

  beforeAll(async () => {
    const institution = await createInstitution({ provinceSlug: "hue" });
    const programme = await createOpenProgramme(institution, { title: "Sổ quỹ minh bạch", budgetLines: [{ code: "SACH", label: "Mua sách", amount: 900_000_000 }] });
    programmeId = String(programme._id);
    slug = programme.slug;
    manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    // Gifts of different amounts: a company by name, a person (no recorded consent: anonymous), the rest anonymous.
    for (let i = 0; i < GIFTS; i += 1) {
      const donor: Record<string, string> =
        i === 0 ? { donorType: "organisation", legalName: "Công ty Sách Minh Bạch", taxCode: VALID_TAX_CODES[0] } : i === 1 ? { donorType: "individual", fullName: "Nguyễn Thị Riêng Tư" } : {};
      await recordOfflineGift(manager, programmeId, cashGiftInput(1_000_000 + i * 1_000, { receivedAt: vnDate(-5), ...donor }));
    }
    // Money out in the middle of the second stored page: an expenditure published, then reversed.
    const { id } = await recordExpenditure(manager, programmeId, { clientToken: formToken("spend"), budgetLineCode: "SACH", amount: 5_000_000, spentAt: new Date(), payee: "Nhà sách Trí Tuệ", description: "Mua 100 đầu sách" });
    await actOnExpenditure(manager, programmeId, id, { intent: "publish", reason: "" });
    await actOnExpenditure(manager, programmeId, id, { intent: "reverse", reason: "Nhà sách hoàn tiền" });
    const { id: kept } = await recordExpenditure(manager, programmeId, { clientToken: formToken("spend"), budgetLineCode: "SACH", amount: 3_000_000, spentAt: new Date(), payee: "Nhà sách Trí Tuệ", description: "Mua 60 đầu sách" });
    await actOnExpenditure(manager, programmeId, kept, { intent: "publish", reason: "" });
    // And a correction of the first gift (below the approval threshold: booked at once).
    const first = await LedgerEntry.findOne({ programmeId, kind: "donation_received" }).sort({ sequence: 1 }).lean();
    await requestCorrection(manager, programmeId, String(first!.sourceId), { clientToken: formToken("fix"), amount: 100_000, reason: "Ghi thừa" });
  }, 180_000);

  test("every entry, in chain order, with the balance after each: the pages equal the ledger", async () => {
    const ledger = await fromTheLedger();
    expect(ledger.length).toBe(GIFTS + 4); // gifts, expenditure, its reversal, the second expenditure, the correction
    const first = await page(1);
    expect(first.entries).toBe(ledger.length);
    expect(first.pages).toBe(Math.ceil(ledger.length / 50));
    // Newest first, 50 to a page.
    expect(first.lines).toHaveLength(50);
    expect(first.lines[0]!.place).toBe(ledger.length);
    const shown = (await everyPage()).map((l) => ({ place: l.place, entryId: l.entryId, kind: l.kind, amount: l.amount, balance: l.balance }));
    expect(shown).toEqual([...ledger].reverse());
    // The balance now is what the programme has to spend: received less spent.
    const { balance } = await balanceOf(programmeId);
    expect(first.balance).toBe(balance);
    expect(ledger.at(-1)!.balance).toBe(balance);
  });

  test("donors as they consented; money out with what it paid; what is booked against a gift points to its receipt", async () => {
    const lines = await everyPage();
    const gifts = lines.filter((l) => l.kind === "donation_received");
    expect(gifts.filter((l) => l.gift!.donorName === "Công ty Sách Minh Bạch")).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain("Riêng Tư");
    expect(gifts.every((l) => /^[A-Z0-9-]+$/.test(l.gift!.receiptNumber ?? ""))).toBe(true);
    const spent = lines.filter((l) => l.kind === "expenditure");
    expect(spent.map((l) => [l.amount, l.expenditure!.payee])).toEqual([
      [-3_000_000, "Nhà sách Trí Tuệ"],
      [-5_000_000, "Nhà sách Trí Tuệ"],
    ]);
    expect(lines.find((l) => l.kind === "expenditure_reversal")!.amount).toBe(5_000_000);
    const correction = lines.find((l) => l.kind === "correction")!;
    const corrected = lines.find((l) => l.place === 1)!;
    expect(correction.amount).toBe(-100_000);
    expect(correction.gift!.receiptNumber).toBe(corrected.gift!.receiptNumber);
  });

  test("a page past the end shows the last; nonsense shows the first", async () => {
    const last = await page(9999);
    expect(last.page).toBe(last.pages);
    expect(last.lines.at(-1)!.place).toBe(1);
    expect((await page("abc")).page).toBe(1);
  });

  test("the CSV holds the whole ledger from the first entry, amounts and balances as plain đồng, and no one who did not consent", async () => {
    const { response, bytes, text } = await csv();
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the byte-order mark: Excel reads it as UTF-8
    const rows = parse(text.slice(1)) as string[][];
    const ledger = await fromTheLedger();
    expect(rows[0]).toEqual(["STT", "Thời gian (giờ Việt Nam)", "Loại", "Nhà tài trợ / nội dung chi", "Số biên nhận", "Số tiền (đồng)", "Số dư (đồng)", "Mã bút toán"]);
    expect(rows.slice(1).map((r) => [Number(r[0]), r[7], Number(r[5]), Number(r[6])])).toEqual(ledger.map((e) => [e.place, e.entryId, e.amount, e.balance]));
    expect(text).toContain("Công ty Sách Minh Bạch");
    expect(text).toContain("Mua sách — Nhà sách Trí Tuệ — Mua 100 đầu sách");
    expect(text).not.toContain("Riêng Tư");
  });

  test("a rebuild from the ledger keeps the same pages", async () => {
    const stored = async () => (await Projection.find({ _id: new RegExp(`^(ledger|received):${programmeId}`) }).lean()).map((d) => [d._id, d.ledger, d.ledgerPages ?? null, d.ledgerOpening ?? null, d.total]).sort();
    const before = await stored();
    expect(before.filter(([id]) => String(id).startsWith("ledger:"))).toHaveLength(2);
    const lines = await everyPage();
    await rebuildProjections();
    expect(await stored()).toEqual(before);
    expect(await everyPage()).toEqual(lines);
  });

  test("an unknown programme has no ledger", async () => {
    const missing = await ledgerLoader({ request: getRequest("/programmes/khong-co/ledger"), params: { slug: "khong-co" }, context: {} }).catch((r: Response) => r);
    expect((missing as Response).status).toBe(404);
  });
});

describe("a stored page that fills as the process stops", () => {
  test("the page is written once, and the ledger is whole when the gift is sent again", async () => {
    const institution = await createInstitution({ provinceSlug: "hue" });
    const programme = await createOpenProgramme(institution, { title: "Trang sổ đầy" });
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const programmeId = String(programme._id);
    for (let i = 0; i < LEDGER_PAGE_ROWS; i += 1) await recordOfflineGift(manager, programmeId, cashGiftInput(200_000 + i));
    // The next gift fills the first page: the page is written, then the process stops before its total is.
    const gift = cashGiftInput(999_000);
    const crash = vi.spyOn(Projection.collection, "replaceOne").mockImplementationOnce(() => Promise.reject(new Error("injected crash")));
    await expect(recordOfflineGift(manager, programmeId, gift)).rejects.toThrow("injected crash");
    crash.mockRestore();
    expect(await Projection.countDocuments({ _id: `ledger:${programmeId}:0` })).toBe(1);
    // The manager sends the form again: the same gift, counted once, the page not doubled.
    await recordOfflineGift(manager, programmeId, gift);
    await recordOfflineGift(manager, programmeId, cashGiftInput(300_000));
    const entries = await LedgerEntry.find({ programmeId }).select("_id amount").sort({ sequence: 1 }).lean();
    expect(entries).toHaveLength(LEDGER_PAGE_ROWS + 2);
    let balance = 0;
    const wanted = entries.map((e) => [String(e._id), (balance += e.amount)]);
    const read = async (n: number): Promise<Page> => (await responseOf(ledgerLoader({ request: getRequest(`/programmes/${programme.slug}/ledger?page=${n}`), params: { slug: programme.slug }, context: {} }))).json();
    const pages = [await read(1), await read(2), await read(3)];
    expect(pages.flatMap((p) => p.lines).reverse().map((l) => [l.entryId, l.balance])).toEqual(wanted);
  }, 120_000);
});

describe("a donor who chose “name, not amount”", () => {
  test("is named on the programme page without the amount, and on the ledger (where every amount shows) as the anonymous benefactor", async () => {
    const institution = await createInstitution({ provinceSlug: "hue" });
    const programme = await createOpenProgramme(institution, { title: "Tên mà không số" });
    const donor = await createTestUser({ role: "donor", name: "Người gửi" });
    const cookie = await sessionCookieFor(donor.id);
    const fields = { donorKind: "organisation", legalName: "Công ty Chỉ Tên", taxCode: VALID_TAX_CODES[1], email: donor.email, visibility: "name_only", kind: "cash_once", amount: "4.321.000" };
    const created = await responseOf(pledgeAction({ request: await formRequest(`/programmes/${programme.slug}/pledge`, fields, { cookie }), params: { slug: programme.slug }, context: {} }));
    expect(created.status).toBe(302);
    const pledge = (await Pledge.findOne({ reference: created.headers.get("Location")!.split("/").pop() }).lean())!;
    await recordDonation({ idempotencyKey: `name-only:${String(pledge._id)}`, programmeId: programme._id, institutionId: institution._id, method: "bank_transfer", amount: 4_321_000, receivedAt: new Date(), pledgeId: String(pledge._id), donorId: String(pledge.donorId) });
    const programmePage = await (await responseOf(programmeLoader({ request: getRequest(`/programmes/${programme.slug}`), params: { slug: programme.slug }, context: {} }))).json();
    expect(programmePage.ledger.entries).toMatchObject([{ donorName: "Công ty Chỉ Tên", amount: null }]);
    const ledger: Page = await (await responseOf(ledgerLoader({ request: getRequest(`/programmes/${programme.slug}/ledger`), params: { slug: programme.slug }, context: {} }))).json();
    expect(ledger.lines).toMatchObject([{ amount: 4_321_000, balance: 4_321_000, gift: { donorName: "Nhà hảo tâm" } }]);
    expect(JSON.stringify(ledger)).not.toContain("Chỉ Tên");
  });
});
