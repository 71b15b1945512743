import mongoose from "mongoose";
import { expect, test } from "vitest";
import { Donation, donationIdFor } from "#models/donation.server";
import { insertValidated } from "#models/insert-validated";
import { LedgerEntry, ledgerEntryIdFor } from "#models/ledger-entry.server";

/**
 * The money path inserts gifts and ledger entries with insertValidated instead of Model.create: what is
 * stored must be the same, field by field (a receipt, the public ledger and the chain's hash read it).
 */
const raw = (model: mongoose.Model<never>, id: unknown) => model.collection.findOne({ _id: id } as never) as Promise<Record<string, unknown>>;

/** Every path of a stored document with its value (dates and ids as text), except those named. */
function shape(doc: Record<string, unknown>, except: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, path: string) => {
    if (except.includes(path)) return void (out[path] = typeof value);
    if (value instanceof Date) return void (out[path] = `Date ${value.toISOString()}`);
    if (value instanceof mongoose.Types.ObjectId) return void (out[path] = `ObjectId ${String(value)}`);
    if (Array.isArray(value)) return value.length === 0 ? void (out[path] = "[]") : value.forEach((v, i) => walk(v, `${path}.${i}`));
    if (value && typeof value === "object") return Object.keys(value).length === 0 ? void (out[path] = "{}") : Object.entries(value).forEach(([k, v]) => walk(v, path ? `${path}.${k}` : k));
    out[path] = `${value === null ? "null" : typeof value} ${String(value)}`;
  };
  walk(doc, "");
  return out;
}

const gifts = () => {
  const common = { programmeId: new mongoose.Types.ObjectId(), institutionId: new mongoose.Types.ObjectId(), receivedAt: new Date("2026-11-30T03:04:05Z") };
  return [
    { ...common, method: "cash", amount: 1_500_000, reference: "  PT-0001  ", recordedBy: new mongoose.Types.ObjectId() },
    { ...common, method: "card", amount: 2_000_000, donorId: new mongoose.Types.ObjectId(), pledgeId: new mongoose.Types.ObjectId(), provider: { name: "stripe", paymentIntentId: "pi_1", checkoutSessionId: "cs_1" }, donorSnapshot: { kind: "organisation", name: "Công ty Cổ phần Sách Việt", taxCode: "0101243150" } },
    { ...common, method: "in_kind", amount: 900_000, inKind: { items: [{ item: " Sách thiếu nhi ", quantity: 30, unitValue: 30_000 }], valuationBasis: "Giá bìa" }, evidenceFileIds: [new mongoose.Types.ObjectId()] },
    { ...common, method: "volunteer_hours", amount: 1_000_000, volunteerHours: { hours: 4, ratePerHour: 250_000 } },
  ];
};

test("a gift stored by insertValidated is the gift Donation.create stores, field by field", async () => {
  for (const [i, gift] of gifts().entries()) {
    await Donation.create({ ...gift, idempotencyKey: ` shape:create:${i} ` });
    await insertValidated(Donation, { ...gift, idempotencyKey: ` shape:insert:${i} ` });
    const created = await raw(Donation as never, donationIdFor(`shape:create:${i}`));
    const inserted = await raw(Donation as never, donationIdFor(`shape:insert:${i}`));
    expect(inserted, `gift ${i} stored`).not.toBeNull();
    expect(inserted.idempotencyKey).toBe(`shape:insert:${i}`);
    const except = ["_id", "idempotencyKey", "receiptNumber", "createdAt", "updatedAt"];
    expect(shape(inserted, except)).toEqual(shape(created, except));
    expect(inserted.createdAt).toBeInstanceOf(Date);
    expect(inserted.updatedAt).toEqual(inserted.createdAt);
  }
});

test("a ledger entry stored by insertValidated is the entry LedgerEntry.create stores; a second insert of its key fails as a duplicate", async () => {
  const entry = {
    institutionId: new mongoose.Types.ObjectId(),
    programmeId: new mongoose.Types.ObjectId(),
    sequence: 1,
    kind: "donation_received",
    amount: 1_500_000,
    occurredAt: new Date("2026-11-30T03:04:05Z"),
    sourceType: "donation",
    sourceId: new mongoose.Types.ObjectId(),
    description: " quầy tiếp nhận ",
    prevHash: "GENESIS",
    hash: "a".repeat(64),
    hashVersion: 2,
  };
  await LedgerEntry.create({ ...entry, idempotencyKey: "shape:create" });
  await insertValidated(LedgerEntry, { ...entry, sequence: 2, idempotencyKey: "shape:insert" });
  const created = await raw(LedgerEntry as never, ledgerEntryIdFor("shape:create"));
  const inserted = await raw(LedgerEntry as never, ledgerEntryIdFor("shape:insert"));
  const except = ["_id", "idempotencyKey", "sequence", "createdAt", "updatedAt"];
  expect(shape(inserted, except)).toEqual(shape(created, except));
  expect(inserted.sequence).toBe(2);
  await expect(insertValidated(LedgerEntry, { ...entry, sequence: 3, idempotencyKey: "shape:insert" })).rejects.toMatchObject({ code: 11000 });
  // Validators still run: a ledger entry needs a hash of its shape.
  await expect(insertValidated(LedgerEntry, { ...entry, sequence: 4, idempotencyKey: "shape:bad", hash: "not-a-hash" })).rejects.toThrow(/hash/);
  expect(await LedgerEntry.countDocuments({ idempotencyKey: "shape:bad" })).toBe(0);
});
