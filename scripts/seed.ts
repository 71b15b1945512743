/**
 * Demo data, written on the first run only (an empty database): users for every role,
 * institutions of all three types in several provinces, programmes, donors, pledges and gifts.
 * Run by `npm start`; by hand: `MONGODB_URI=... npm run seed`.
 */
import fs from "node:fs";
import path from "node:path";
import { CARD_RATES_ID, CardRates } from "#models/exchange-rate.server";
import mongoose from "mongoose";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Nomination } from "#models/nomination.server";
import { completeUserPledges, notePledgeReference, Pledge } from "#models/pledge.server";
import { Programme, refreshProgrammeSearchText } from "#models/programme.server";
import { toSessionUser, User, type Role } from "#models/user.server";
import { loadIssuerKeys, parseRetiredKeys } from "#services/certificates/keys";
import { flushProgrammeTotals } from "#services/catalogue-index";
import { recordDonation } from "#services/money/donations";
import { rebuildProjections } from "#services/money/projections";
import { rebuildGiftAmountKeys } from "#services/transparency/gift-amount-keys";
import { issueCertificate, revokeCertificate, type RecognitionConfig } from "#services/recognition/certificates";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { qualifyingDonors } from "#services/recognition/qualification";
import { slugify } from "#services/text";
import { seedPublishedReport } from "./lib/seed-report";
import { hashPassword } from "~/utils/auth.server";

export const DEMO_PASSWORD = "gopsuc-demo-2026";

const day = (iso: string) => new Date(`${iso}T00:00:00+07:00`);

const INSTITUTIONS = [
  { key: "tv-hn", name: "Thư viện Hà Nội", type: "library", level: "provincial", provinceSlug: "ha-noi", address: "47 Bà Triệu, Hoàn Kiếm, Hà Nội", bank: { bankBin: "970415", accountNumber: "113000123456", accountName: "THU VIEN HA NOI" } },
  { key: "bt-dn", name: "Bảo tàng Đà Nẵng", type: "museum", level: "provincial", provinceSlug: "da-nang", address: "24 Trần Phú, Hải Châu, Đà Nẵng", bank: { bankBin: "970436", accountNumber: "0041000234567", accountName: "BAO TANG DA NANG" } },
  { key: "ttvh-hue", name: "Trung tâm Văn hóa Huế", type: "cultural_centre", level: "provincial", provinceSlug: "hue", address: "1 Lê Lợi, Huế", bank: { bankBin: "970418", accountNumber: "55110000345678", accountName: "TRUNG TAM VAN HOA HUE" } },
  { key: "tv-hcm", name: "Thư viện Khoa học Tổng hợp TP Hồ Chí Minh", type: "library", level: "provincial", provinceSlug: "tp-ho-chi-minh", address: "69 Lý Tự Trọng, Bến Thành, TP Hồ Chí Minh", bank: { bankBin: "970407", accountNumber: "19036789012345", accountName: "THU VIEN KHTH TP HCM" } },
  { key: "tv-xa-ct", name: "Thư viện xã Phong Điền", type: "library", level: "commune", provinceSlug: "can-tho", address: "Xã Phong Điền, Cần Thơ", bank: { bankBin: "970405", accountNumber: "7300205123456", accountName: "UBND XA PHONG DIEN" } },
  { key: "bt-ta", name: "Bảo tàng Nghệ An", type: "museum", level: "provincial", provinceSlug: "nghe-an", address: "Đại lộ Lê Nin, Vinh, Nghệ An", bank: { bankBin: "970422", accountNumber: "0801100567890", accountName: "BAO TANG NGHE AN" } },
  { key: "ttvh-lc", name: "Trung tâm Văn hóa - Thể thao Sa Pa", type: "cultural_centre", level: "former_district", provinceSlug: "lao-cai", address: "Sa Pa, Lào Cai", formerDistrictName: "Thị xã Sa Pa", bank: { bankBin: "970405", accountNumber: "8800205111222", accountName: "TT VAN HOA THE THAO SA PA" } },
  { key: "tv-qn", name: "Thư viện tỉnh Quảng Ninh", type: "library", level: "provincial", provinceSlug: "quang-ninh", address: "Hạ Long, Quảng Ninh", bank: { bankBin: "970416", accountNumber: "2468101214", accountName: "THU VIEN TINH QUANG NINH" }, pending: true },
] as const;

const PROGRAMMES = [
  { inst: "tv-hn", title: "Thư viện số cho người cao tuổi", summary: "Lớp kỹ năng số hằng tuần giúp người cao tuổi dùng thư viện điện tử, dịch vụ công trực tuyến và nhận diện tin giả.", themes: ["digital-skills", "life-skills"], campaignDays: ["digital-transformation-day"], goal: 250_000_000, start: "2026-09-01", end: "2027-06-30", needs: [{ item: "Máy tính bảng", unit: "chiếc", quantity: 30, unitValue: 6_500_000 }] },
  { inst: "tv-hn", title: "Tủ sách thiếu nhi Ngày Sách", summary: "Bổ sung 5.000 cuốn sách thiếu nhi và tổ chức chuỗi đọc sách cuối tuần quanh Ngày Sách và Văn hóa đọc Việt Nam 21/4.", themes: ["reading-culture"], campaignDays: ["book-reading-day", "world-book-day"], goal: 180_000_000, start: "2026-10-01", end: "2027-05-31", needs: [{ item: "Sách thiếu nhi", unit: "cuốn", quantity: 5000, unitValue: 45_000 }] },
  { inst: "bt-dn", title: "Bảo tàng mở cho học sinh", summary: "Chương trình giáo dục di sản: học sinh Đà Nẵng học lịch sử địa phương qua hiện vật, có hướng dẫn viên và phiếu học tập.", themes: ["heritage-education", "local-history"], campaignDays: ["museum-day", "cultural-heritage-day"], goal: 320_000_000, start: "2026-08-15", end: "2027-05-18", needs: [] },
  { inst: "ttvh-hue", title: "Lớp ca Huế cho thanh niên", summary: "Truyền dạy ca Huế và nhã nhạc cho thanh niên, mỗi khóa 12 tuần, biểu diễn báo cáo tại Trung tâm.", themes: ["arts-crafts", "heritage-education"], campaignDays: ["cultural-heritage-day"], goal: 150_000_000, start: "2026-07-01", end: "2027-03-31", needs: [{ item: "Đàn tranh", unit: "chiếc", quantity: 6, unitValue: 4_200_000 }] },
  { inst: "tv-hcm", title: "Tiếng Anh cho người lao động", summary: "Lớp tiếng Anh giao tiếp buổi tối miễn phí cho công nhân và người lao động tự do.", themes: ["languages", "life-skills"], campaignDays: ["lifelong-learning-week"], goal: 400_000_000, start: "2026-06-01", end: "2027-09-30", needs: [] },
  { inst: "tv-xa-ct", title: "Góc đọc sách ven sông", summary: "Dựng góc đọc ngoài trời và tổ chức ngày hội đọc cho trẻ em vùng sông nước.", themes: ["reading-culture"], campaignDays: ["book-reading-day", "study-promotion-day"], goal: 60_000_000, start: "2026-09-15", end: "2027-04-21", needs: [{ item: "Kệ sách chống ẩm", unit: "bộ", quantity: 10, unitValue: 1_800_000 }] },
  { inst: "bt-ta", title: "Kể chuyện di sản xứ Nghệ", summary: "Chuỗi buổi kể chuyện di sản, dân ca ví giặm cho học sinh và du khách.", themes: ["heritage-education", "local-history"], campaignDays: ["cultural-heritage-day", "museum-day"], goal: 120_000_000, start: "2026-05-01", end: "2026-11-30", needs: [] },
  { inst: "ttvh-lc", title: "Học chữ Mông qua sách song ngữ", summary: "Lớp học chữ và tủ sách song ngữ Mông - Việt cho đồng bào vùng cao.", themes: ["languages", "reading-culture"], campaignDays: ["lifelong-learning-week", "study-promotion-day"], goal: 90_000_000, start: "2026-08-01", end: "2027-07-31", needs: [{ item: "Sách song ngữ", unit: "cuốn", quantity: 800, unitValue: 60_000 }] },
  { inst: "tv-hn", title: "Phòng đọc khoa học cho học sinh (đã kết thúc)", summary: "Trang bị phòng đọc khoa học; chương trình đã hoàn thành năm 2025.", themes: ["science-technology"], campaignDays: ["study-promotion-day"], goal: 100_000_000, start: "2025-01-01", end: "2025-12-31", needs: [], state: "closed" },
] as const;

async function upsertUser(email: string, name: string, role: Role, passwordHash: string, extra: { institutionIds?: mongoose.Types.ObjectId[]; provinceSlug?: string } = {}) {
  // Demo accounts count as confirmed addresses, so the demo's pledge reminders reach its outbox (decision 0019).
  return User.create({ email, name, role, passwordHash, emailVerifiedAt: new Date(), ...extra });
}

/**
 * Where the app is and the key it signs certificates with, as the app will read them: `npm start` gives
 * the seed the same APP_URL and SIGNING_KEY as the server (scripts/start.mjs); by hand, the key `npm
 * start` keeps in .data/signing-key.pem. Without either, no certificate is seeded (one signed with a
 * made-up key would not verify on the app).
 */
export async function seedRecognitionConfig(env: { SIGNING_KEY?: string; SIGNING_KEYS_RETIRED?: string; APP_URL?: string } = process.env as Record<string, string | undefined>): Promise<RecognitionConfig | null> {
  const keyFile = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../.data/signing-key.pem");
  const pem = env.SIGNING_KEY ?? (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, "utf8") : null);
  if (!pem) return null;
  const origin = new URL(env.APP_URL ?? "http://localhost:3000").origin;
  return { origin, keys: await loadIssuerKeys({ origin, signingKeyPem: pem, retired: parseRetiredKeys(env.SIGNING_KEYS_RETIRED) }) };
}

/** The year of the demo gifts, and of the demo recognition rules. */
export const DEMO_RECOGNITION_YEAR = 2026;

/**
 * The recognition journey's demo (J3), through the services as officers would go: two rule sets for
 * the demo gifts' year, the qualifying donors of Thư viện Hà Nội nominated by its manager, approved
 * and issued by the ministry officer; the demo business donor (Công ty Cổ phần Sách Vina) gets a
 * certificate in force and a letter of thanks that was revoked, with the reason.
 */
export async function seedRecognition(config: RecognitionConfig) {
  const officer = await User.findOne({ email: "bo.vhttdl@gopsuc.vn" }).lean();
  const manager = await User.findOne({ email: "quanly.thuvienhanoi@gopsuc.vn" }).lean();
  const demoDonor = await Donor.findOne({ taxCode: "0100109106" }).select("_id").lean();
  if (!officer || !manager || !demoDonor) throw new Error("seedRecognition: the demo officer, manager and business donor come first");
  const ministry = toSessionUser(officer);
  const nominator = toSessionUser(manager);
  const year = String(DEMO_RECOGNITION_YEAR);
  const sets = [
    { ruleSet: `Giấy chứng nhận nhà tài trợ tiêu biểu ${year}`, type: "certificate", nameVi: "Giấy chứng nhận nhà tài trợ tiêu biểu", nameEn: "Outstanding sponsor certificate", minTotal: "100.000.000", citationVi: "Đã có thành tích đóng góp {tổng} cho hoạt động học tập suốt đời tại thư viện, bảo tàng, trung tâm văn hóa năm {năm}.", citationEn: "For contributing {total} to lifelong learning in libraries, museums and cultural centres in {year}." },
    { ruleSet: `Thư cảm ơn nhà tài trợ ${year}`, type: "thanks", nameVi: "Thư cảm ơn nhà tài trợ", nameEn: "Sponsor letter of thanks", minTotal: "20.000.000", citationVi: "Trân trọng cảm ơn {tên} đã đóng góp {tổng} cho Chương trình học tập suốt đời năm {năm}.", citationEn: "With thanks to {name} for contributing {total} to the lifelong learning programme in {year}." },
  ];
  const signer = { signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch", place: "Hà Nội" };
  const issued: Array<{ donorId: string; ruleSet: string; code: string }> = [];
  for (const set of sets) {
    // Organisations only: a citation's {tên} is the printed name, which must not reach a public page for a person who chose not to be named.
    await createRule(ministry, { ...set, donorKinds: ["organisation"], year, countInKind: "on", scope: "national" });
    const qualifying = await qualifyingDonors(ministry, set.ruleSet, DEMO_RECOGNITION_YEAR);
    const byRule = new Map<string, string[]>();
    for (const row of qualifying) byRule.set(row.ruleId, [...(byRule.get(row.ruleId) ?? []), row.donorId]);
    for (const [ruleId, donorIds] of byRule) await nominate(nominator, { ruleId, donorIds, justification: "Nhà tài trợ thường xuyên của Thư viện Hà Nội trong năm." });
    const proposed = await Nomination.find({ status: "proposed" }).select("_id").lean();
    const approved = await review(ministry, { nominationIds: proposed.map((n) => n._id), decision: "approve", reason: "Đủ điều kiện theo quy định." });
    for (const { nominationId, result } of approved) {
      if (result !== "approved") continue;
      const outcome = await issueCertificate(ministry, { nominationIds: [nominationId], ...signer }, config);
      const nomination = await Nomination.findById(nominationId).select("donorId").lean();
      if (outcome.code && nomination) issued.push({ donorId: String(nomination.donorId), ruleSet: set.ruleSet, code: outcome.code });
    }
  }
  const mine = issued.filter((c) => c.donorId === String(demoDonor._id));
  const toRevoke = mine.find((c) => c.ruleSet.startsWith("Thư cảm ơn"));
  if (mine.length < 2 || !toRevoke) throw new Error("seedRecognition: the demo business donor should have qualified for both rule sets");
  await revokeCertificate(ministry, { code: toRevoke.code, reason: "Cấp trùng: nhà tài trợ đã được tặng Giấy chứng nhận nhà tài trợ tiêu biểu cùng năm." });
  return { issued: issued.length, revoked: 1 };
}

export async function seed(recognition?: RecognitionConfig | null) {
  if ((await User.estimatedDocumentCount()) > 0) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  const institutions = new Map<string, mongoose.Types.ObjectId>();
  for (const item of INSTITUTIONS) {
    const doc = await Institution.create({
      name: item.name,
      slug: slugify(item.name),
      type: item.type,
      level: item.level,
      provinceSlug: item.provinceSlug,
      address: item.address,
      formerDistrictName: "formerDistrictName" in item ? item.formerDistrictName : null,
      bankAccount: item.bank,
      // Example SWIFT details (demo data, like every account here), for donors abroad.
      internationalTransfer: `DEMO — Bank: Joint Stock Commercial Bank for Foreign Trade of Vietnam (Vietcombank)\nSWIFT/BIC: BFTVVNVX\nAccount: ${item.bank.accountNumber}\nBeneficiary: ${item.bank.accountName}\nBank address: 198 Tran Quang Khai, Hoan Kiem, Ha Noi, Viet Nam`,
      description: `${item.name} tham gia Chương trình học tập suốt đời đến năm 2030.`,
      status: "pending" in item ? "pending" : "approved",
      decidedAt: "pending" in item ? null : day("2026-01-15"),
    });
    institutions.set(item.key, doc._id);
  }

  await upsertUser("admin@gopsuc.vn", "Quản trị Góp Sức", "admin", passwordHash);
  await upsertUser("bo.vhttdl@gopsuc.vn", "Phạm Minh Tuấn (Bộ VHTTDL)", "ministry_officer", passwordHash);
  await upsertUser("so.vhttdl.hanoi@gopsuc.vn", "Đỗ Thu Hà (Sở VHTTDL Hà Nội)", "province_officer", passwordHash, { provinceSlug: "ha-noi" });
  const manager = await upsertUser("quanly.thuvienhanoi@gopsuc.vn", "Nguyễn Thị Mai", "manager", passwordHash, { institutionIds: [institutions.get("tv-hn")!] });
  const museumManager = await upsertUser("quanly.baotangdanang@gopsuc.vn", "Trần Văn Hùng", "manager", passwordHash, { institutionIds: [institutions.get("bt-dn")!] });
  const donorUser = await upsertUser("tai.tro@vinabook.vn", "Lê Quang Vinh (Công ty Sách Vina)", "donor", passwordHash);
  await Institution.updateOne({ _id: institutions.get("tv-hn") }, { $set: { managerIds: [manager._id] } });
  await Institution.updateOne({ _id: institutions.get("bt-dn") }, { $set: { managerIds: [museumManager._id] } });

  const programmes = new Map<string, { id: mongoose.Types.ObjectId; institutionId: mongoose.Types.ObjectId }>();
  for (const item of PROGRAMMES) {
    const inst = INSTITUTIONS.find((i) => i.key === item.inst)!;
    const institutionId = institutions.get(item.inst)!;
    const budget = Math.round(item.goal * 0.6);
    const doc = await Programme.create({
      institutionId,
      slug: slugify(item.title),
      title: item.title,
      summary: item.summary,
      description: `${item.summary}\n\nChương trình thuộc kế hoạch thực hiện Quyết định 1520/QĐ-TTg tại ${inst.name}.`,
      themes: item.themes,
      campaignDays: item.campaignDays,
      startDate: day(item.start),
      endDate: day(item.end),
      goal: item.goal,
      budgetLines: [
        { code: "HD", label: "Tổ chức hoạt động", amount: budget },
        { code: "TB", label: "Trang thiết bị, học liệu", amount: item.goal - budget },
      ],
      inKindNeeds: item.needs,
      state: "state" in item ? item.state : "open",
      provinceSlug: inst.provinceSlug,
      institutionType: inst.type,
      institutionName: inst.name,
      institutionSlug: slugify(inst.name),
      institutionApproved: !("pending" in inst),
      publishedAt: day(item.start),
    });
    programmes.set(item.title, { id: doc._id, institutionId });
  }

  const donors = await Donor.create([
    { kind: "organisation", userId: donorUser._id, legalName: "Công ty Cổ phần Sách Vina", taxCode: "0100109106", representative: { name: "Lê Quang Vinh", title: "Giám đốc" }, address: "12 Đinh Lễ, Hoàn Kiếm, Hà Nội", provinceSlug: "ha-noi", email: "tai.tro@vinabook.vn", phone: "0243826111" },
    { kind: "organisation", legalName: "Ngân hàng TMCP Phương Nam Xanh", taxCode: "0302000006", address: "TP Hồ Chí Minh", provinceSlug: "tp-ho-chi-minh", email: "csr@phuongnamxanh.vn" },
    { kind: "organisation", legalName: "Công ty TNHH Công nghệ Sông Hàn", address: "Đà Nẵng", provinceSlug: "da-nang", email: "lienhe@songhantech.vn" },
    { kind: "individual", fullName: "Nguyễn Văn Bình", email: "binh.nguyen@example.vn", provinceSlug: "hue" },
    { kind: "individual", fullName: "Trần Thị Lan", email: "lan.tran@example.vn", provinceSlug: "can-tho" },
  ]);

  let n = 0;
  const gifts: Array<[string, number, number, "card" | "bank_transfer" | "cash", "name_and_amount" | "name_only" | "anonymous"]> = [
    ["Thư viện số cho người cao tuổi", 0, 50_000_000, "bank_transfer", "name_and_amount"],
    ["Thư viện số cho người cao tuổi", 2, 20_000_000, "card", "name_only"],
    ["Tủ sách thiếu nhi Ngày Sách", 0, 30_000_000, "bank_transfer", "name_and_amount"],
    ["Bảo tàng mở cho học sinh", 2, 80_000_000, "bank_transfer", "name_and_amount"],
    ["Bảo tàng mở cho học sinh", 1, 40_000_000, "card", "name_only"],
    ["Lớp ca Huế cho thanh niên", 3, 5_000_000, "cash", "anonymous"],
    ["Tiếng Anh cho người lao động", 1, 150_000_000, "bank_transfer", "name_and_amount"],
    ["Góc đọc sách ven sông", 4, 2_000_000, "card", "anonymous"],
    ["Kể chuyện di sản xứ Nghệ", 1, 35_000_000, "bank_transfer", "name_only"],
    ["Phòng đọc khoa học cho học sinh (đã kết thúc)", 0, 100_000_000, "bank_transfer", "name_and_amount"],
  ];
  // The pledges are written here, not through the service, so their keys are too (models/lookup.server.ts):
  // each reference, and each user's full list (the database was empty, so the lists are complete).
  const pledgesOfUsers = new Map<string, mongoose.Types.ObjectId[]>();
  const keep = async (pledge: { _id: mongoose.Types.ObjectId; reference: string }, owner: unknown) => {
    await notePledgeReference(pledge);
    if (owner) pledgesOfUsers.set(String(owner), [...(pledgesOfUsers.get(String(owner)) ?? []), pledge._id]);
  };
  for (const [title, donorIndex, amount, method, visibility] of gifts) {
    n += 1;
    const programme = programmes.get(title)!;
    const donor = donors[donorIndex]!;
    const pledge = await Pledge.create({
      programmeId: programme.id,
      institutionId: programme.institutionId,
      donorId: donor._id,
      pledgedBy: donor.userId ?? null,
      donorSnapshot: { kind: donor.kind, name: donor.legalName ?? donor.fullName ?? null, taxCode: donor.taxCode ?? null, address: donor.address ?? null, representative: donor.representative?.name ?? null },
      kind: "cash_once",
      amount,
      visibility,
      consent: donor.kind === "individual" && visibility !== "anonymous" ? { text: "Tôi đồng ý công khai tên của tôi trên trang chương trình.", givenAt: day("2026-10-01") } : null,
    });
    await keep(pledge, pledge.pledgedBy);
    await recordDonation({
      idempotencyKey: `seed:${pledge.reference}`,
      pledgeId: pledge._id,
      programmeId: programme.id,
      institutionId: programme.institutionId,
      donorId: donor._id,
      method,
      amount,
      receivedAt: day(`2026-10-${String(n + 5).padStart(2, "0")}`),
      reference: pledge.reference,
    });
  }
  // One open pledge in instalments, with nothing paid yet.
  const tv = programmes.get("Tủ sách thiếu nhi Ngày Sách")!;
  const open = await Pledge.create({
    programmeId: tv.id,
    institutionId: tv.institutionId,
    donorId: donors[1]!._id,
    kind: "cash_instalments",
    amount: 60_000_000,
    visibility: "name_and_amount",
    instalments: [1, 2, 3].map((seq) => ({ seq, dueDate: day(`2027-0${seq}-15`), amount: 20_000_000 })),
  });
  // No pledgedBy (as pledges made before it was kept): it belongs to whoever owns its donor record.
  await keep(open, donors[1]!.userId);
  for (const [userId, ids] of pledgesOfUsers) await completeUserPledges(userId, ids);
  // Pledges were written directly: their programmes' totals are derived from the records once.
  // Indicative rates for card gifts from abroad (issue 13), labelled as the demo's own: an admin keeps the real ones at /admin/rates.
  await CardRates.create({ _id: CARD_RATES_ID, rates: { usd: 25_400, eur: 29_500, jpy: 168.6, krw: 18.2, aud: 16_600, sgd: 19_650 }, asOf: day("2026-12-01"), source: "Demo: example rates, not a bank's", updatedBy: null });
  await rebuildProjections();
  await rebuildGiftAmountKeys(); // "find my gift" by amount and day (decision 0040): the keys the demo gifts' process may not have written yet
  const config = recognition === undefined ? await seedRecognitionConfig() : recognition;
  if (config) await seedRecognition(config);
  if (config) await seedPublishedReport(config, DEMO_RECOGNITION_YEAR); // one published report to the Prime Minister (decision 0041)
  else console.log("• No SIGNING_KEY (nor .data/signing-key.pem): no demo certificates written.");
  return true;
}

const LOGINS: Array<[string, string]> = [
  ["admin", "admin@gopsuc.vn"],
  ["ministry officer", "bo.vhttdl@gopsuc.vn"],
  ["province officer (Hà Nội)", "so.vhttdl.hanoi@gopsuc.vn"],
  ["manager (Thư viện Hà Nội)", "quanly.thuvienhanoi@gopsuc.vn"],
  ["manager (Bảo tàng Đà Nẵng)", "quanly.baotangdanang@gopsuc.vn"],
  ["donor (Công ty Sách Vina)", "tai.tro@vinabook.vn"],
];

async function main() {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error("MONGODB_URI is not set (npm start sets it)");
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000 });
  await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
  const seeded = await seed();
  // The programmes' copies of their received totals follow the demo gifts off their path: made before this process exits.
  await flushProgrammeTotals();
  console.log(seeded ? "• Demo data written (first run)." : "• Demo data already present; nothing written.");
  // Programmes stored before search covered the institution and province get their search text once.
  const refreshed = await refreshProgrammeSearchText({ titleSearchText: { $exists: false } });
  if (refreshed > 0) console.log(`• Search text brought up to date for ${refreshed} programme(s).`);
  console.log(`\n  Demo logins (password: ${DEMO_PASSWORD})`);
  for (const [role, email] of LOGINS) console.log(`    ${role.padEnd(30)} ${email}`);
  await mongoose.disconnect();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
