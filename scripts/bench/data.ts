/**
 * The benchmark's data, written in bulk (the collection's insertMany, ~1,000 documents a batch) with
 * exactly the ids and fields the app writes (decision 0011): gifts keyed by their receipt number,
 * ledger entries by their idempotency key and chained per institution, key documents for slugs,
 * pledge references, a user's pledges and a pledge's gifts. Running totals, ledger heads, programme
 * totals and pledge states are then derived by services/projections.ts rebuildProjections.
 *
 * Small collections (institutions, programmes, donors, pledges, users) go through Model.insertMany,
 * which runs the models' own hooks and validation; gifts and ledger entries are plain documents
 * (a million mongoose documents would cost minutes of CPU), and one of each batch is validated
 * against its model so a shape error stops the run.
 */
import { createHash } from "node:crypto";
import mongoose, { type Types } from "mongoose";
import { Donation, donationIdForReceipt, receiptNumberFor, type DonationMethod } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { GENESIS_HASH, LedgerEntry, ledgerEntryIdFor } from "#models/ledger-entry.server";
import { Lookup, lookupKey } from "#models/lookup.server";
import { completeUserPledges, Pledge, type PledgeKind } from "#models/pledge.server";
import { Programme, programmeSearchText } from "#models/programme.server";
import { LedgerHead, Meta } from "#models/projection.server";
import { PROVINCES, provinceName } from "#models/reference/provinces";
import { THEMES } from "#models/reference/themes";
import { User } from "#models/user.server";
import { startOfVietnamDay } from "#services/calendar";
import { ledgerEntryHash } from "#services/money/ledger";
import { instalmentSchedule } from "#services/pledges";
import { hashPassword } from "~/utils/auth.server";
import { progress } from "./stats";

const BATCH = 1_000;
const DAY = 24 * 60 * 60 * 1000;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export type ScaleCounts = { programmes: number; donations: number; statementLines: number };

type Inst = { _id: Types.ObjectId; name: string; slug: string; type: string; provinceSlug: string };
type Prog = { _id: Types.ObjectId; slug: string; inst: number; state: "open" | "closed" };
type DonorRow = { _id: Types.ObjectId; snapshot: { kind: "organisation" | "individual"; name: string; taxCode: string | null; address: string | null; representative: string | null } };
type PledgeRow = {
  _id: Types.ObjectId;
  reference: string;
  prog: number;
  donor: number;
  kind: PledgeKind;
  amount: number;
  instalments: number[];
  /** Gifts loaded for it: the amounts, in order. */
  gifts: number[];
};

export type LoadedData = {
  institutions: Inst[];
  programmes: Prog[];
  donors: number;
  pledges: number;
  donations: number;
  ledgerEntries: number;
  lookups: number;
  users: number;
  /** The donor with a login and 50 pledges. */
  donorUser: { id: string; email: string; password: string; pledgeReferences: string[]; receiptNumbers: string[]; instalmentPledgeReference: string };
  /** A manager of the statement's institution. */
  manager: { id: string; email: string; name: string; institutionId: string };
  /** Unpaid pledges of the statement's institution: what the statement's lines pay. */
  statementPledges: Array<{ reference: string; due: number }>;
  programmePageSlug: string;
  timings: Record<string, number>;
};

/** "GS" + 8 Crockford base32 characters, as newPledgeReference draws them, but from a counter (reproducible, unique). */
function referenceFor(n: number): string {
  const bytes = createHash("sha256").update(`bench-pledge-${n}`).digest();
  let out = "GS";
  for (let i = 0; i < 8; i += 1) out += CROCKFORD[bytes[i]! & 31];
  return out;
}

const WORDS = ["Thư viện số", "Tủ sách thiếu nhi", "Bảo tàng mở", "Lớp kỹ năng sống", "Tiếng Anh cộng đồng", "Di sản địa phương", "Góc đọc sách", "Lớp tin học"];
const TYPES = ["library", "museum", "cultural_centre"] as const;
const TYPE_NAMES = { library: "Thư viện", museum: "Bảo tàng", cultural_centre: "Trung tâm Văn hóa" } as const;
const GIVEN = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Minh Em", "Vũ Thị Giang", "Đặng Quốc Huy", "Bùi Lan Khanh"];

async function insertInBatches(collection: mongoose.mongo.Collection, docs: Array<Record<string, unknown>>) {
  for (let i = 0; i < docs.length; i += BATCH) await collection.insertMany(docs.slice(i, i + BATCH) as never[], { ordered: true });
}

/** A plain document's shape checked against its model (the load never writes what the app would refuse). */
function checkShape(doc: mongoose.Document, name: string) {
  const error = doc.validateSync();
  if (error) throw new Error(`bench data does not fit ${name}: ${error.message}`);
}

/** What rebuilding and later bulk additions need: each institution's chain head. */
export type Heads = Map<number, { sequence: number; hash: string }>;

type GiftSpec = {
  key: string;
  method: DonationMethod;
  prog: Prog;
  institution: Inst;
  amount: number;
  receivedAt: Date;
  donor: DonorRow | null;
  pledge: PledgeRow | null;
};

/** One gift and its ledger entry, as recordDonation and appendLedgerEntry write them. */
function giftDocuments(spec: GiftSpec, head: { sequence: number; hash: string }) {
  const receiptNumber = receiptNumberFor(spec.key);
  const donationId = donationIdForReceipt(receiptNumber);
  const createdAt = new Date(spec.receivedAt.getTime() + 60_000);
  const reference = spec.pledge ? spec.pledge.reference : spec.method === "cash" ? `PT-${receiptNumber.slice(2, 10)}` : null;
  // Who gave, as recordDonation copies it: the pledge's snapshot (the donor as typed), else the donor's record.
  const donorSnapshot = spec.donor?.snapshot ?? null;
  const donation = {
    _id: donationId,
    idempotencyKey: spec.key,
    pledgeId: spec.pledge?._id ?? null,
    programmeId: spec.prog._id,
    institutionId: spec.institution._id,
    donorId: spec.donor?._id ?? null,
    method: spec.method,
    amount: spec.amount,
    currency: "VND",
    receivedAt: spec.receivedAt,
    reference,
    provider: { name: spec.method === "card" ? "stripe" : null, paymentIntentId: spec.method === "card" ? spec.key.slice("stripe:".length) : null, checkoutSessionId: null },
    evidenceFileIds: [],
    inKind: { items: [], valuationBasis: null },
    volunteerHours: null,
    receiptNumber,
    recordedBy: null,
    donorSnapshot,
    createdAt,
    updatedAt: createdAt,
    __v: 0,
  };
  const entryKey = `donation:${spec.key}`;
  const entry = {
    institutionId: spec.institution._id,
    programmeId: spec.prog._id,
    sequence: head.sequence + 1,
    kind: "donation_received" as const,
    amount: spec.amount,
    currency: "VND" as const,
    occurredAt: spec.receivedAt,
    idempotencyKey: entryKey,
    sourceType: "donation" as const,
    sourceId: donationId,
    reversesEntryId: null,
    donorId: spec.donor?._id ?? null,
    pledgeId: spec.pledge?._id ?? null,
    description: reference ?? "",
    prevHash: head.hash,
  };
  const hash = ledgerEntryHash(entry);
  const ledgerEntry = { _id: ledgerEntryIdFor(entryKey), ...entry, hash, createdAt, updatedAt: createdAt, __v: 0 };
  return { donation, ledgerEntry, next: { sequence: entry.sequence, hash } };
}

const METHODS: DonationMethod[] = ["card", "bank_transfer", "cash"];
function keyFor(method: DonationMethod, name: string) {
  if (method === "card") return `stripe:pi_${createHash("sha256").update(name).digest("hex").slice(0, 24)}`;
  if (method === "bank_transfer") return `bank:${createHash("sha256").update(name).digest("hex")}`;
  return `offline:${name}`;
}

/** Writes gifts (and their entries) in batches; keeps each institution's head. */
class GiftWriter {
  private donations: Array<Record<string, unknown>> = [];
  private entries: Array<Record<string, unknown>> = [];
  written = 0;
  constructor(
    private readonly heads: Heads,
    private readonly institutionIndex: Map<string, number>,
  ) {}
  async add(spec: GiftSpec): Promise<Types.ObjectId> {
    const i = this.institutionIndex.get(String(spec.institution._id))!;
    const head = this.heads.get(i) ?? { sequence: 0, hash: GENESIS_HASH };
    const { donation, ledgerEntry, next } = giftDocuments(spec, head);
    this.heads.set(i, next);
    this.donations.push(donation);
    this.entries.push(ledgerEntry);
    if (this.donations.length >= BATCH) await this.flush();
    return donation._id;
  }
  async flush() {
    if (this.donations.length === 0) return;
    if (this.written === 0) {
      checkShape(new Donation(this.donations[0]!), "Donation");
      checkShape(new LedgerEntry(this.entries[0]!), "LedgerEntry");
    }
    // The gift first, its entry after it (as recordDonation writes them).
    await Donation.collection.insertMany(this.donations as never[], { ordered: true });
    await LedgerEntry.collection.insertMany(this.entries as never[], { ordered: true });
    this.written += this.donations.length;
    this.donations = [];
    this.entries = [];
  }
}

export async function loadData(counts: ScaleCounts, password: string): Promise<LoadedData> {
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, fn: () => Promise<T>) => {
    const start = performance.now();
    const result = await fn();
    timings[name] = performance.now() - start;
    progress(`  ${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return result;
  };
  const now = Date.now();
  const yearAgo = now - 365 * DAY;

  // Before anything: this database holds no records from before ids were derived from keys.
  await Meta.updateOne({ _id: "legacy-ids" }, { $set: { value: false } }, { upsert: true });

  // ——— Users: the donor with 50 pledges and a manager of the statement's institution ———
  const passwordHash = await hashPassword(password);
  const donorUserId = new mongoose.Types.ObjectId();
  const managerId = new mongoose.Types.ObjectId();
  const donorEmail = "nha.hao.tam.50@bench.gopsuc.vn";
  const managerEmail = "quan.ly.sao.ke@bench.gopsuc.vn";

  // ——— Institutions: 10 per province, approved, with bank accounts ———
  const institutions: Inst[] = await phase("institutions", async () => {
    const docs = PROVINCES.flatMap((p, pi) =>
      Array.from({ length: 10 }, (_, i) => {
        const type = TYPES[i % 3]!;
        const name = `${TYPE_NAMES[type]} ${p.name} số ${i + 1}`;
        return {
          _id: new mongoose.Types.ObjectId(),
          name,
          slug: `${type.replace("_", "-")}-${p.slug}-${i + 1}`,
          type,
          level: i === 0 ? "provincial" : "commune",
          provinceSlug: p.slug,
          address: `${i + 1} Đường Văn Hóa, ${p.name}`,
          status: "approved",
          decidedAt: new Date(yearAgo - 30 * DAY),
          managerIds: pi === 0 && i === 0 ? [managerId] : [],
          bankAccount: { bankBin: "970415", accountNumber: String(113000100000 + pi * 100 + i), accountName: `${TYPE_NAMES[type]} ${p.slug.replaceAll("-", " ")} ${i + 1}`.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/gi, "D").toUpperCase() },
        };
      }),
    );
    await Institution.insertMany(docs);
    await insertInBatches(Lookup.collection, docs.map((d) => ({ _id: lookupKey("institution-slug", d.slug), ids: [d._id] })));
    return docs.map((d) => ({ _id: d._id, name: d.name, slug: d.slug, type: d.type, provinceSlug: d.provinceSlug }));
  });
  const institutionIndex = new Map(institutions.map((inst, i) => [String(inst._id), i]));

  await phase("users", async () => {
    await User.insertMany([
      { _id: donorUserId, email: donorEmail, name: "Nhà hảo tâm Năm Mươi", passwordHash, role: "donor" },
      { _id: managerId, email: managerEmail, name: "Quản lý Sao Kê", passwordHash, role: "manager", institutionIds: [institutions[0]!._id] },
    ]);
  });

  // ——— Programmes, spread over the institutions; public, open or closed ———
  const programmes: Prog[] = await phase("programmes", async () => {
    const out: Prog[] = [];
    for (let offset = 0; offset < counts.programmes; offset += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, counts.programmes - offset) }, (_, k) => {
        const n = offset + k;
        const instIndex = n % institutions.length;
        const inst = institutions[instIndex]!;
        const state = n % 7 === 3 ? ("closed" as const) : ("open" as const);
        const title = `${WORDS[n % WORDS.length]} ${provinceName(inst.provinceSlug)} ${n + 1}`;
        const summary = `Chương trình học tập suốt đời số ${n + 1} của ${inst.name}.`;
        const goal = 20_000_000 + (n % 40) * 5_000_000;
        const startDate = new Date(yearAgo + (n % 60) * DAY);
        const endDate = state === "closed" ? new Date(now - (5 + (n % 90)) * DAY) : new Date(now + (10 + (n % 400)) * DAY);
        return {
          _id: new mongoose.Types.ObjectId(),
          institutionId: inst._id,
          slug: `chuong-trinh-${n + 1}`,
          title,
          summary,
          description: `${summary}\n\nMô tả chi tiết: lớp học, sách, thiết bị và hoạt động cộng đồng.`,
          ...programmeSearchText({ title, summary, institutionName: inst.name, provinceSlug: inst.provinceSlug }),
          themes: [THEMES[n % THEMES.length]!.slug, ...(n % 3 === 0 ? [THEMES[(n + 3) % THEMES.length]!.slug] : [])],
          campaignDays: [],
          startDate,
          endDate,
          goal,
          budgetLines: [{ code: "SACH", label: "Sách và tài liệu", amount: goal }],
          inKindNeeds: [],
          state,
          provinceSlug: inst.provinceSlug,
          institutionType: inst.type,
          institutionName: inst.name,
          institutionSlug: inst.slug,
          institutionApproved: true,
          publishedAt: new Date(startDate.getTime() + DAY),
        };
      });
      await Programme.insertMany(docs);
      await Lookup.collection.insertMany(docs.map((d) => ({ _id: lookupKey("programme-slug", d.slug), ids: [d._id] })) as never[]);
      for (const d of docs) out.push({ _id: d._id, slug: d.slug, inst: institutionIndex.get(String(d.institutionId))!, state: d.state });
    }
    return out;
  });
  const open = programmes.filter((p) => p.state === "open");
  const openOfStatementInstitution = open.filter((p) => p.inst === 0);
  if (openOfStatementInstitution.length === 0) throw new Error("the statement's institution has no open programme: load more programmes");

  // ——— Donors: individuals and organisations; one of them is the user's own record ———
  const donorCount = Math.max(200, Math.round(counts.donations / 20));
  const donors: DonorRow[] = await phase("donors", async () => {
    const out: DonorRow[] = [];
    for (let offset = 0; offset < donorCount; offset += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, donorCount - offset) }, (_, k) => {
        const n = offset + k;
        const _id = new mongoose.Types.ObjectId();
        const province = PROVINCES[n % PROVINCES.length]!;
        if (n === 0) {
          return { _id, kind: "individual", userId: donorUserId, fullName: "Nhà hảo tâm Năm Mươi", email: donorEmail, provinceSlug: province.slug, address: `1 Phố Sách, ${province.name}` };
        }
        if (n % 5 === 0) {
          const taxCode = String(100000000 + n).padStart(10, "0");
          return { _id, kind: "organisation", legalName: `Công ty Cổ phần Sách ${n}`, taxCode, email: `cong.ty.${n}@bench.gopsuc.vn`, address: `${n} Phố Doanh Nghiệp, ${province.name}`, provinceSlug: province.slug, representative: { name: GIVEN[n % GIVEN.length]!, title: "Giám đốc" } };
        }
        return { _id, kind: "individual", fullName: `${GIVEN[n % GIVEN.length]} ${n}`, email: `nha.hao.tam.${n}@bench.gopsuc.vn`, provinceSlug: province.slug, address: null };
      });
      // uniqueKey and searchText are derived by the model's own hook (donorUniqueKey), as on save.
      await Donor.insertMany(docs);
      for (const d of docs) {
        const name = (d.kind === "organisation" ? d.legalName : d.fullName)!;
        out.push({
          _id: d._id,
          snapshot: { kind: d.kind as "organisation" | "individual", name, taxCode: (d as { taxCode?: string }).taxCode ?? null, address: d.address ?? null, representative: (d as { representative?: { name: string } }).representative?.name ?? null },
        });
      }
    }
    return out;
  });

  // ——— Pledges: the user's 50, the statement's unpaid ones, and the rest of the public's ———
  const pledges: PledgeRow[] = [];
  let referenceCounter = 0;
  const newPledge = (prog: number, donor: number, kind: PledgeKind, amount: number, gifts: number[], instalmentCount = 4): PledgeRow => {
    const instalments = kind === "cash_instalments" ? instalmentSchedule(amount, instalmentCount, "monthly", new Date()).map((i) => i.amount) : [];
    const row: PledgeRow = { _id: new mongoose.Types.ObjectId(), reference: referenceFor(referenceCounter++), prog, donor, kind, amount, instalments, gifts };
    pledges.push(row);
    return row;
  };
  const programmeIndex = new Map(programmes.map((p, i) => [String(p._id), i]));
  const userPledges: PledgeRow[] = [];
  for (let j = 0; j < 50; j += 1) {
    const prog = programmeIndex.get(String(open[(j * 41 + 7) % open.length]!._id))!;
    if (j % 2 === 0) {
      const amount = 2_000_000 + j * 100_000;
      userPledges.push(newPledge(prog, 0, "cash_once", amount, [amount]));
    } else {
      const amount = 4_000_000 + j * 100_000;
      const row = newPledge(prog, 0, "cash_instalments", amount, []);
      row.gifts = row.instalments.slice(0, 2);
      userPledges.push(row);
    }
  }
  const statementCount = Math.floor(counts.statementLines / 2);
  const statementPledges: PledgeRow[] = [];
  for (let j = 0; j < statementCount; j += 1) {
    const prog = programmeIndex.get(String(openOfStatementInstitution[j % openOfStatementInstitution.length]!._id))!;
    const donor = 1 + (j % (donors.length - 1));
    statementPledges.push(j % 2 === 0 ? newPledge(prog, donor, "cash_once", 1_000_000 + (j % 30) * 50_000, []) : newPledge(prog, donor, "cash_instalments", 3_000_000 + (j % 30) * 30_000, [], 3));
  }
  const publicCount = Math.max(500, Math.round(counts.donations / 5));
  for (let j = 0; j < publicCount; j += 1) {
    const prog = programmeIndex.get(String(open[(j * 7) % open.length]!._id))!;
    const donor = 1 + (j % (donors.length - 1));
    if (j % 5 < 3) {
      const amount = 1_000_000 * (1 + (j % 20));
      newPledge(prog, donor, "cash_once", amount, j % 10 < 7 ? [amount] : []);
    } else {
      const row = newPledge(prog, donor, "cash_instalments", 2_000_000 * (2 + (j % 10)), []);
      row.gifts = row.instalments.slice(0, j % 5);
    }
  }
  const statementSet = new Set(statementPledges);
  await phase("pledges", async () => {
    for (let offset = 0; offset < pledges.length; offset += BATCH) {
      const docs = pledges.slice(offset, offset + BATCH).map((p, k) => {
        const n = offset + k;
        const donor = donors[p.donor]!;
        const isUser = p.donor === 0;
        const isStatement = statementSet.has(p);
        const createdAt = isStatement ? new Date(now - (1 + (n % 5)) * DAY) : new Date(yearAgo - (n % 30) * DAY);
        const visibility = n % 3 === 0 && donor.snapshot.kind === "individual" ? "name_and_amount" : n % 3 === 1 ? "name_only" : "anonymous";
        return {
          _id: p._id,
          reference: p.reference,
          programmeId: programmes[p.prog]!._id,
          institutionId: institutions[programmes[p.prog]!.inst]!._id,
          donorId: donor._id,
          kind: p.kind,
          amount: p.amount,
          instalments: p.kind === "cash_instalments" ? instalmentSchedule(p.amount, p.instalments.length, "monthly", startOfVietnamDay(createdAt)).map((i) => ({ ...i, paidAmount: 0, status: "pending" })) : [],
          visibility,
          consent: visibility !== "anonymous" && donor.snapshot.kind === "individual" ? { text: "Tôi đồng ý công khai tên (bench)", givenAt: createdAt } : null,
          pledgedBy: isUser ? donorUserId : null,
          donorSnapshot: donor.snapshot,
          state: "active",
          createdAt,
          updatedAt: createdAt,
        };
      });
      // Model.insertMany: the model checks that instalments add up, references have their shape.
      await Pledge.insertMany(docs);
      await Lookup.collection.insertMany(docs.map((d) => ({ _id: lookupKey("pledge-ref", d.reference), ids: [d._id] })) as never[]);
    }
    // The user's list of pledges, through the model's own helper (a complete list: no "incomplete" mark).
    await completeUserPledges(donorUserId, userPledges.map((p) => p._id));
  });

  // ——— Gifts and ledger entries: pledge payments spread evenly among the public's gifts ———
  const pledgeGifts: Array<{ pledge: PledgeRow; amount: number }> = [];
  for (const p of pledges) for (const amount of p.gifts) pledgeGifts.push({ pledge: p, amount });
  if (pledgeGifts.length > counts.donations) pledgeGifts.length = counts.donations;
  const heads: Heads = new Map();
  const writer = new GiftWriter(heads, institutionIndex);
  const giftsOfPledge = new Map<PledgeRow, Types.ObjectId[]>();
  const userReceipts: string[] = [];
  await phase("donations+ledger", async () => {
    let pgi = 0;
    const step = (365 * DAY) / counts.donations;
    for (let g = 0; g < counts.donations; g += 1) {
      const receivedAt = new Date(yearAgo + Math.floor(g * step));
      const usePledge = pgi < pledgeGifts.length && Math.floor(((g + 1) * pledgeGifts.length) / counts.donations) > pgi;
      let spec: GiftSpec;
      if (usePledge) {
        const { pledge, amount } = pledgeGifts[pgi]!;
        pgi += 1;
        const method: DonationMethod = g % 4 === 0 ? "card" : "bank_transfer";
        const prog = programmes[pledge.prog]!;
        spec = { key: keyFor(method, `pledge-gift-${g}`), method, prog, institution: institutions[prog.inst]!, amount, receivedAt, donor: donors[pledge.donor]!, pledge };
      } else {
        const method = METHODS[g % 3]!;
        // One programme in ten gifts is the busy one (the programme page's and its ledger's, issue 12): a
        // campaign's programme that draws a crowd — at the nation's million, some 70,000 entries of its own.
        const prog = g % 10 === 5 ? programmes[1 % programmes.length]! : programmes[(g * 13) % programmes.length]!;
        const donor = g % 2 === 0 ? donors[1 + (g % (donors.length - 1))]! : null;
        spec = { key: keyFor(method, `gift-${g}`), method, prog, institution: institutions[prog.inst]!, amount: 50_000 * (1 + (g % 40)), receivedAt, donor, pledge: null };
      }
      const id = await writer.add(spec);
      if (spec.pledge) {
        const list = giftsOfPledge.get(spec.pledge) ?? [];
        list.push(id);
        giftsOfPledge.set(spec.pledge, list);
        if (spec.pledge.donor === 0) userReceipts.push(receiptNumberFor(spec.key));
      }
      if ((g + 1) % 50_000 === 0) progress(`    ${(g + 1).toLocaleString("en")} / ${counts.donations.toLocaleString("en")} gifts`);
    }
    await writer.flush();
  });

  const instalmentPledge = userPledges.find((p) => p.kind === "cash_instalments" && (giftsOfPledge.get(p)?.length ?? 0) > 0) ?? userPledges[1]!;
  return {
    institutions,
    programmes,
    donors: donors.length,
    pledges: pledges.length,
    donations: writer.written,
    ledgerEntries: writer.written,
    lookups: institutions.length + programmes.length + pledges.length + 1,
    users: 2,
    donorUser: { id: String(donorUserId), email: donorEmail, password, pledgeReferences: userPledges.map((p) => p.reference), receiptNumbers: userReceipts, instalmentPledgeReference: instalmentPledge.reference },
    manager: { id: String(managerId), email: managerEmail, name: "Quản lý Sao Kê", institutionId: String(institutions[0]!._id) },
    statementPledges: statementPledges.map((p) => ({ reference: p.reference, due: p.kind === "cash_instalments" ? p.instalments[0]! : p.amount })),
    programmePageSlug: programmes[1 % programmes.length]!.slug,
    timings,
  };
}

/**
 * Another share of gifts in bulk, after the app has been appending: each chain is continued from its
 * head document (by `_id`). The caller then runs rebuildProjections so heads and totals count them.
 */
export async function addGiftsInBulk(data: LoadedData, count: number, tag: string): Promise<number> {
  const heads: Heads = new Map();
  for (let i = 0; i < data.institutions.length; i += 1) {
    const head = await LedgerHead.findById(data.institutions[i]!._id).lean();
    heads.set(i, head ? { sequence: head.sequence, hash: head.hash } : { sequence: 0, hash: GENESIS_HASH });
  }
  const writer = new GiftWriter(heads, new Map(data.institutions.map((inst, i) => [String(inst._id), i])));
  const now = Date.now();
  for (let g = 0; g < count; g += 1) {
    const method = METHODS[g % 3]!;
    const prog = data.programmes[(g * 17 + 5) % data.programmes.length]!;
    await writer.add({ key: keyFor(method, `${tag}-${g}`), method, prog, institution: data.institutions[prog.inst]!, amount: 100_000 + (g % 20) * 10_000, receivedAt: new Date(now - (count - g) * 1000), donor: null, pledge: null });
  }
  await writer.flush();
  return writer.written;
}

/** A Vietcombank statement (the layout of tests/fixtures/statements): half the lines pay the given pledges, half carry no reference. */
export function statementCsv(pledges: Array<{ reference: string; due: number }>, lines: number): string {
  const vnd = (n: number) => `"${n.toLocaleString("de-DE")}"`;
  const now = Date.now();
  const rows = [
    "\uFEFFNGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM (VIETCOMBANK),,,,,",
    "SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT,,,,,",
    "Số tài khoản:,113000100000,,,,",
    "Tên tài khoản:,THU VIEN BENCH,,,,",
    "",
    "STT,Ngày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Mô tả",
  ];
  let paid = 0;
  for (let i = 0; i < lines; i += 1) {
    // Booked over the last four days, oldest first, in Vietnam time (UTC+7), never in the future.
    const at = new Date(now - 4 * DAY + Math.floor((i * 3 * DAY) / lines) + 7 * 60 * 60 * 1000);
    const p2 = (n: number) => String(n).padStart(2, "0");
    const date = `${p2(at.getUTCDate())}/${p2(at.getUTCMonth() + 1)}/${at.getUTCFullYear()} ${p2(at.getUTCHours())}:${p2(at.getUTCMinutes())}:${p2(at.getUTCSeconds())}`;
    const bankRef = `${5100 + (i % 900)} - ${String(10000 + i).padStart(5, "0")}`;
    if (i % 2 === 0 && paid < pledges.length) {
      const pledge = pledges[paid]!;
      paid += 1;
      const description = i % 4 === 0 ? `CT DEN:5123${String(i).padStart(8, "0")} ${pledge.reference} ung ho thu vien` : `MBVCB.${4821337000 + i}.Chuyen khoan ${pledge.reference.toLowerCase()} tai tro.CT tu 0011004455667`;
      rows.push(`${i + 1},${date},${bankRef},,${vnd(pledge.due)},"${description}"`);
    } else {
      rows.push(`${i + 1},${date},${bankRef},,${vnd(100_000 + (i % 50) * 10_000)},"NGUYEN VAN AN chuyen tien dong gop ${i}"`);
    }
  }
  rows.push(`Tổng cộng,,,,,`);
  return rows.join("\r\n");
}
