import mongoose, { Types } from "mongoose";
import { AuditEvent, recordAudit } from "#models/audit-event.server";
import { Certificate } from "#models/certificate.server";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { Expenditure } from "#models/expenditure.server";
import { Institution } from "#models/institution.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Nomination } from "#models/nomination.server";
import { Pledge } from "#models/pledge.server";
import { ProcessedWebhookEvent, claimWebhookEvent } from "#models/processed-webhook-event.server";
import { Programme } from "#models/programme.server";
import { RecognitionRule } from "#models/recognition-rule.server";
import { BANKS, findBankByBin } from "#models/reference/banks";
import { CAMPAIGN_DAYS, nextCampaignDay } from "#models/reference/campaign-days";
import { PROVINCES, PROVINCE_SLUGS, isProvinceSlug, provinceName } from "#models/reference/provinces";
import { THEME_SLUGS } from "#models/reference/themes";

const models = [AuditEvent, Certificate, Donation, Donor, Expenditure, Institution, LedgerEntry, Nomination, Pledge, ProcessedWebhookEvent, Programme, RecognitionRule];

beforeAll(async () => {
  // The setup creates indexes for registered models; make sure ours are there before duplicate-key tests.
  await Promise.all(models.map((model) => model.createIndexes()));
});

const id = () => new Types.ObjectId();
const hex64 = (c: string) => c.repeat(64);

function programmeInput(overrides: Record<string, unknown> = {}) {
  return {
    institutionId: id(),
    slug: `doc-sach-${new Types.ObjectId().toHexString()}`,
    title: "Thư viện Số cho thiếu nhi",
    summary: "Đọc sách cùng con",
    startDate: new Date("2026-01-01T00:00:00+07:00"),
    endDate: new Date("2026-12-31T00:00:00+07:00"),
    goal: 50_000_000,
    provinceSlug: "thanh-hoa",
    institutionType: "library",
    themes: ["reading-culture"],
    ...overrides,
  };
}

function donationInput(overrides: Record<string, unknown> = {}) {
  return {
    idempotencyKey: `key-${new Types.ObjectId().toHexString()}`,
    programmeId: id(),
    institutionId: id(),
    method: "bank_transfer",
    amount: 1_000_000,
    receivedAt: new Date(),
    ...overrides,
  };
}

let ledgerSeq = 0;
function ledgerInput(overrides: Record<string, unknown> = {}) {
  ledgerSeq += 1;
  return {
    institutionId: id(),
    programmeId: id(),
    sequence: ledgerSeq,
    kind: "donation_received",
    amount: 500_000,
    occurredAt: new Date(),
    idempotencyKey: `ledger-${ledgerSeq}-${new Types.ObjectId().toHexString()}`,
    sourceType: "donation",
    sourceId: id(),
    prevHash: "GENESIS",
    hash: hex64("a"),
    ...overrides,
  };
}

function validationErrorPaths(error: unknown): string[] {
  expect(error).toBeInstanceOf(mongoose.Error.ValidationError);
  return Object.keys((error as mongoose.Error.ValidationError).errors);
}

async function expectDuplicateKey(promise: Promise<unknown>) {
  await expect(promise).rejects.toMatchObject({ code: 11000 });
}

describe("reference data", () => {
  test("34 provincial units with unique, diacritics-free slugs", () => {
    expect(PROVINCES).toHaveLength(34);
    expect(new Set(PROVINCE_SLUGS).size).toBe(34);
    expect(PROVINCES.filter((p) => p.kind === "city")).toHaveLength(6);
    for (const slug of PROVINCE_SLUGS) expect(slug).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
    expect(provinceName("dak-lak")).toBe("Đắk Lắk");
    expect(provinceName("tp-ho-chi-minh")).toBe("TP Hồ Chí Minh");
    expect(isProvinceSlug("thanh-hoa")).toBe(true);
    expect(isProvinceSlug("ha-tay")).toBe(false);
  });

  test("bank BINs are 6 digits and unique, and the NAPAS examples are there", () => {
    expect(new Set(BANKS.map((b) => b.bin)).size).toBe(BANKS.length);
    for (const bank of BANKS) expect(bank.bin).toMatch(/^\d{6}$/);
    expect(findBankByBin("970436")?.shortName).toBe("Vietcombank");
    expect(findBankByBin("970415")?.shortName).toBe("VietinBank");
    expect(findBankByBin("000000")).toBeUndefined();
  });

  test("nextCampaignDay uses Vietnam dates and wraps to next year", () => {
    const afterHeritageDay = nextCampaignDay(new Date("2026-11-24T09:00:00+07:00"));
    expect(afterHeritageDay.campaignDay.slug).toBe("book-reading-day");
    expect(afterHeritageDay.date.toISOString()).toBe(new Date("2027-04-21T00:00:00+07:00").toISOString());

    const beforeHeritageDay = nextCampaignDay(new Date("2026-11-20T09:00:00+07:00"));
    expect(beforeHeritageDay.campaignDay.slug).toBe("cultural-heritage-day");
    expect(beforeHeritageDay.date.toISOString()).toBe(new Date("2026-11-23T00:00:00+07:00").toISOString());

    // 23:30 UTC on 22/11 is already 23/11 in Hà Nội: the day itself counts as upcoming.
    expect(nextCampaignDay(new Date("2026-11-22T23:30:00Z")).campaignDay.slug).toBe("cultural-heritage-day");
    // Lifelong Learning Week (1–7/10) is still under way on 5/10.
    const inWeek = nextCampaignDay(new Date("2026-10-05T12:00:00+07:00"));
    expect(inWeek.campaignDay.slug).toBe("lifelong-learning-week");
    expect(inWeek.endDate.toISOString()).toBe(new Date("2026-10-07T00:00:00+07:00").toISOString());
    expect(CAMPAIGN_DAYS).toHaveLength(7);
  });
});

describe("money fields", () => {
  test("Programme.goal refuses floats and negatives", async () => {
    for (const goal of [1000.5, -1, Number.NaN]) {
      const error = await Programme.create(programmeInput({ goal })).catch((e: unknown) => e);
      expect(validationErrorPaths(error)).toContain("goal");
    }
    const ok = await Programme.create(programmeInput({ goal: 0 }));
    expect(ok.goal).toBe(0);
    expect(ok.currency).toBe("VND");
  });

  test("Donation.amount refuses floats and negatives", async () => {
    for (const amount of [99.99, -50_000]) {
      const error = await Donation.create(donationInput({ amount })).catch((e: unknown) => e);
      expect(validationErrorPaths(error)).toContain("amount");
    }
    const ok = await Donation.create(donationInput({ amount: 2_000_000 }));
    expect(ok.receiptNumber).toMatch(/^R-[0-9A-F]{16}$/);
  });

  test("nested amounts (budget lines, in-kind) are checked too", async () => {
    const error = await Programme.create(
      programmeInput({ budgetLines: [{ code: "B1", label: "Sách", amount: 10.5 }], inKindNeeds: [{ item: "Sách", unit: "cuốn", quantity: 1.5, unitValue: 1000 }] }),
    ).catch((e: unknown) => e);
    const paths = validationErrorPaths(error);
    expect(paths).toContain("budgetLines.0.amount");
    expect(paths).toContain("inKindNeeds.0.quantity");
  });

  test("ledger entries accept negative whole amounts, never fractions", async () => {
    const refund = await LedgerEntry.create(ledgerInput({ kind: "refund", amount: -500_000 }));
    expect(refund.amount).toBe(-500_000);
    const error = await LedgerEntry.create(ledgerInput({ amount: -10.25 })).catch((e: unknown) => e);
    expect(validationErrorPaths(error)).toContain("amount");
  });

  test("expenditure amounts are non-negative whole đồng", async () => {
    const base = { programmeId: id(), institutionId: id(), budgetLineCode: "B1", description: "Mua sách", spentAt: new Date() };
    const error = await Expenditure.create({ ...base, amount: 1.5, idempotencyKey: "exp-float" }).catch((e: unknown) => e);
    expect(validationErrorPaths(error)).toContain("amount");
    const ok = await Expenditure.create({ ...base, amount: 3_000_000, idempotencyKey: "exp-ok" });
    expect(ok.state).toBe("draft");
  });
});

describe("validation", () => {
  test("Programme end date before start date is refused", async () => {
    const error = await Programme.create(
      programmeInput({ startDate: new Date("2026-06-01"), endDate: new Date("2026-05-31") }),
    ).catch((e: unknown) => e);
    expect(validationErrorPaths(error)).toContain("endDate");
  });

  test("unknown province slug, theme and campaign day are refused", async () => {
    const error = await Programme.create(programmeInput({ provinceSlug: "ha-tay", themes: ["cooking"], campaignDays: ["christmas"] })).catch(
      (e: unknown) => e,
    );
    const paths = validationErrorPaths(error);
    expect(paths).toContain("provinceSlug");
    expect(paths.some((p) => p.startsWith("themes"))).toBe(true);
    expect(paths.some((p) => p.startsWith("campaignDays"))).toBe(true);
    expect(THEME_SLUGS).toContain("reading-culture");

    const institutionError = await Institution.create({ name: "Thư viện", slug: "thu-vien-x", type: "library", level: "provincial", provinceSlug: "ha-tay" }).catch(
      (e: unknown) => e,
    );
    expect(validationErrorPaths(institutionError)).toContain("provinceSlug");
  });

  test("institution bank account: known BIN, digits-only account, upper-case ASCII name", async () => {
    const error = await Institution.create({
      name: "Bảo tàng Đắk Lắk",
      slug: "bao-tang-dak-lak",
      type: "museum",
      level: "former_district",
      provinceSlug: "dak-lak",
      bankAccount: { bankBin: "123456", accountNumber: "12ab", accountName: "Bảo tàng" },
    }).catch((e: unknown) => e);
    const paths = validationErrorPaths(error);
    expect(paths).toEqual(expect.arrayContaining(["bankAccount.bankBin", "bankAccount.accountNumber", "bankAccount.accountName"]));

    const ok = await Institution.create({
      name: "Bảo tàng Đắk Lắk",
      slug: "bao-tang-dak-lak",
      type: "museum",
      level: "former_district",
      provinceSlug: "dak-lak",
      bankAccount: { bankBin: "970436", accountNumber: "0011001234567", accountName: "BAO TANG DAK LAK" },
    });
    expect(ok.status).toBe("pending");
    expect(ok.searchText).toContain("bao tang dak lak");
  });

  test("instalment amounts must add up to the pledge amount", async () => {
    const base = { programmeId: id(), institutionId: id(), donorId: id(), kind: "cash_instalments", amount: 30_000_000 };
    const instalment = (seq: number, amount: number) => ({ seq, dueDate: new Date(2026, seq, 1), amount });
    const error = await Pledge.create({ ...base, instalments: [instalment(1, 10_000_000), instalment(2, 10_000_000)] }).catch((e: unknown) => e);
    expect(validationErrorPaths(error)).toContain("instalments");

    const ok = await Pledge.create({ ...base, instalments: [instalment(1, 10_000_000), instalment(2, 20_000_000)] });
    expect(ok.reference).toMatch(/^GS[0-9A-Z]{8}$/);
    expect(ok.visibility).toBe("anonymous");
    expect(ok.instalments.map((i) => [i.status, i.paidAmount])).toEqual([
      ["pending", 0],
      ["pending", 0],
    ]);
  });

  test("searchText is diacritics-free", async () => {
    const programme = await Programme.create(programmeInput({ title: "Thư viện Số — Đọc cùng em" }));
    expect(programme.searchText).toContain("thu vien so");
    expect(programme.searchText).toContain("doc cung em");
    const found = await Programme.findOne({ searchText: { $regex: "thu vien so — doc cung em" } }).lean();
    expect(found?._id.toString()).toBe(programme._id.toString());
  });

  test("Donor uniqueKey is derived from tax code (organisation) or user/email (individual)", async () => {
    const userId = id();
    const organisation = await Donor.create({ kind: "organisation", legalName: "Công ty CP Sách Việt", taxCode: "0100109106", userId });
    expect(organisation.uniqueKey).toBe("tax:0100109106");
    const individual = await Donor.create({ kind: "individual", fullName: "Nguyễn Văn An", userId });
    expect(individual.uniqueKey).toBe(`user:${userId.toString()}`);
    const offline = await Donor.create({ kind: "individual", fullName: "Trần Thị Bình", email: "Binh@Example.vn" });
    expect(offline.uniqueKey).toBe("email:binh@example.vn");
    const walkIn = await Donor.create({ kind: "individual", fullName: "Lê Văn Cường" });
    expect(walkIn.uniqueKey).toBe(`id:${walkIn._id.toString()}`);

    const badTaxCode = await Donor.create({ kind: "organisation", legalName: "X", taxCode: "01001091" }).catch((e: unknown) => e);
    expect(validationErrorPaths(badTaxCode)).toContain("taxCode");
    const branch = await Donor.create({ kind: "organisation", legalName: "Chi nhánh", taxCode: "0100109106-001" });
    expect(branch.uniqueKey).toBe("tax:0100109106-001");
  });

});

describe("unique keys", () => {
  test("a tax code belongs to one donor", async () => {
    await Donor.create({ kind: "organisation", legalName: "Công ty A", taxCode: "0312345678" });
    await expectDuplicateKey(Donor.create({ kind: "organisation", legalName: "Công ty A (again)", taxCode: "0312345678" }));
  });

  test("pledge reference is unique", async () => {
    const base = { programmeId: id(), institutionId: id(), donorId: id(), kind: "cash_once", amount: 1_000_000 };
    await Pledge.create({ ...base, reference: "GSDUPL1CAT" });
    await expectDuplicateKey(Pledge.create({ ...base, reference: "GSDUPL1CAT" }));
    const tooLong = await Pledge.create({ ...base, reference: "GS123456789012345678901" }).catch((e: unknown) => e);
    expect(validationErrorPaths(tooLong)).toContain("reference");
  });

  test("a donation is recorded once per idempotency key", async () => {
    await Donation.create(donationInput({ idempotencyKey: "stripe:evt_123" }));
    await expectDuplicateKey(Donation.create(donationInput({ idempotencyKey: "stripe:evt_123" })));
  });

  test("ledger idempotency key and {institutionId, sequence} are unique", async () => {
    const institutionId = id();
    await LedgerEntry.create(ledgerInput({ institutionId, sequence: 1, idempotencyKey: "donation:abc" }));
    await expectDuplicateKey(LedgerEntry.create(ledgerInput({ idempotencyKey: "donation:abc" })));
    await expectDuplicateKey(LedgerEntry.create(ledgerInput({ institutionId, sequence: 1, prevHash: hex64("b") })));
    const second = await LedgerEntry.create(ledgerInput({ institutionId, sequence: 2, prevHash: hex64("a"), hash: hex64("c") }));
    expect(second.sequence).toBe(2);
  });

  test("a webhook event is processed once per provider", async () => {
    await ProcessedWebhookEvent.create({ provider: "stripe", eventId: "evt_1", type: "checkout.session.completed" });
    await expectDuplicateKey(ProcessedWebhookEvent.create({ provider: "stripe", eventId: "evt_1", type: "checkout.session.completed" }));
    expect(await claimWebhookEvent({ eventId: "evt_2", type: "payment_intent.succeeded" })).toBe(true);
    expect(await claimWebhookEvent({ eventId: "evt_2", type: "payment_intent.succeeded" })).toBe(false);
  });

});

describe("ledger is append-only", () => {
  test("updates and deletes through the model throw", async () => {
    const entry = await LedgerEntry.create(ledgerInput());
    const filter = { _id: entry._id };
    const attempts: Array<() => Promise<unknown>> = [
      () => LedgerEntry.updateOne(filter, { $set: { amount: 1 } }).exec(),
      () => LedgerEntry.updateMany(filter, { $set: { amount: 1 } }).exec(),
      () => LedgerEntry.findOneAndUpdate(filter, { $set: { amount: 1 } }).exec(),
      () => LedgerEntry.findByIdAndUpdate(entry._id, { $set: { amount: 1 } }).exec(),
      () => LedgerEntry.findOneAndReplace(filter, ledgerInput()).exec(),
      () => LedgerEntry.replaceOne(filter, ledgerInput()).exec(),
      () => LedgerEntry.deleteOne(filter).exec(),
      () => LedgerEntry.deleteMany({}).exec(),
      () => LedgerEntry.findOneAndDelete(filter).exec(),
      () => LedgerEntry.findByIdAndDelete(entry._id).exec(),
      () => entry.deleteOne(),
      () => entry.updateOne({ $set: { amount: 1 } }).exec(),
      () => {
        entry.amount = 1;
        return entry.save();
      },
      () => LedgerEntry.bulkWrite([{ deleteOne: { filter } }]),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toThrow("Ledger entries are append-only");
    }
    const stored = await LedgerEntry.findById(entry._id).lean();
    expect(stored?.amount).toBe(500_000);

    await LedgerEntry.bulkWrite([{ insertOne: { document: ledgerInput() } }]);
  });

  test("audit events record who did what", async () => {
    const subject = id();
    await AuditEvent.create({ actorId: id(), actorRole: "ministry_officer", action: "institution.approve", subjectType: "Institution", subjectId: subject });
    const events = await AuditEvent.find({ subjectType: "Institution", subjectId: subject.toString() }).lean();
    expect(events).toHaveLength(1);
    expect(events[0]?.at).toBeInstanceOf(Date);

    await recordAudit({ actor: null, action: "webhook.stripe.received", subjectType: "ProcessedWebhookEvent", subjectId: "evt_9", details: { ok: true } });
    const systemEvent = await AuditEvent.findOne({ subjectId: "evt_9" }).lean();
    expect(systemEvent).toMatchObject({ actorId: null, actorRole: "system", details: { ok: true } });
  });
});
