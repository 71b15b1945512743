/**
 * BENCH_SCALES=certificates (issue 11's proof; asked for by name): certificate PDFs per second drawn by
 * one process (BENCH_CERT_PDFS=200, after one untimed), and a batch of BENCH_CERT_BATCH=1000
 * certificates issued end to end on a fresh embedded database — donors who qualify (one gift each,
 * through recordDonation), nominated in bulk, approved in bulk, issued as one background batch —
 * with the serials checked consecutive and every credential verified against the published key.
 */
import { generateKeyPairSync } from "node:crypto";
import os from "node:os";
import path from "node:path";
import mongoose from "mongoose";
import { Certificate, CertificateSerial } from "#models/certificate.server";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Nomination } from "#models/nomination.server";
import { Programme } from "#models/programme.server";
import type { SessionUser } from "#models/user.server";
import { vietnamDateInput } from "#services/calendar";
import { verifyCredentialJwt } from "#services/certificates/credential";
import { buildJwks, loadIssuerKeys } from "#services/certificates/keys";
import { renderCertificatePdf } from "#services/certificates/pdf";
import { recordDonation } from "#services/money/donations";
import { certificatePdf, startBatch, statusListJwt, type RecognitionConfig } from "#services/recognition/certificates";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { startEmbeddedDatabase, withDatabaseName } from "../lib/database.mjs";
import { ms, percentile, progress, seconds, timed } from "./stats";

export type CertificatesResult = {
  pdfs: { n: number; times: number[]; bytes: number[] };
  batch: { size: number; qualifyMs: number; nominateMs: number; approveMs: number; issueMs: number; consecutive: boolean; verified: number; firstDownloadMs: number[] } | null;
  loadAverage: { start: number[]; end?: number[] };
  errors: string[];
};

export async function runCertificates(options: { root: string; pdfs: number; batch: number }): Promise<CertificatesResult> {
  const result: CertificatesResult = { pdfs: { n: options.pdfs, times: [], bytes: [] }, batch: null, loadAverage: { start: os.loadavg() }, errors: [] };
  progress(`━━ certificates: ${options.pdfs} PDFs drawn, a batch of ${options.batch} issued end to end`);
  const sample = (i: number) => ({
    title: "GIẤY CHỨNG NHẬN",
    issuer: "BỘ TRƯỞNG BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
    recipientName: `Công ty Cổ phần Sách và Thiết bị Giáo dục số ${i + 1}`,
    recipientAddress: "12 Lý Thường Kiệt, phường Cửa Nam, Hà Nội",
    citation: "Đã có thành tích đóng góp 250.000.000 ₫ cho học tập suốt đời tại thư viện, bảo tàng, trung tâm văn hóa năm 2026.",
    serial: `2026/GCN/${String(i + 1).padStart(6, "0")}`,
    place: "Hà Nội",
    issuedAt: new Date(),
    signer: { title: "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG", name: "Nguyễn Văn Hùng" },
    verifyUrl: `https://gopsuc.vn/verify/ABCDEFGHJKLMNPQRSTUVWXYZ2345${String(i).padStart(4, "0").replace(/[01]/g, "2")}`,
  });
  await renderCertificatePdf(sample(-1)); // the fonts are parsed once per process: not timed
  for (let i = 0; i < options.pdfs; i += 1) {
    const { ms: elapsed, result: pdf } = await timed(() => renderCertificatePdf(sample(i)));
    result.pdfs.times.push(elapsed);
    result.pdfs.bytes.push(pdf.length);
  }
  if (options.batch <= 0) return result;

  const dataDir = path.join(options.root, ".data", `bench-${process.pid}-certificates`);
  const db = await startEmbeddedDatabase({ dataDir, persistent: false, log: (line: string) => progress(line) });
  try {
    await mongoose.connect(withDatabaseName(db.uri, "gopsuc_bench"), { autoIndex: false, serverSelectionTimeoutMS: 10_000 });
    for (const model of Object.values(mongoose.models)) await model.createIndexes();
    await (db as { ensureIndexes?: () => Promise<unknown> }).ensureIndexes?.();
    const origin = "https://gopsuc.vn";
    const config: RecognitionConfig = { origin, keys: await loadIssuerKeys({ origin, signingKeyPem: generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString() }) };
    const officer = (id: string, name: string): SessionUser => ({ id, email: `${id}@bench.invalid`, name, role: "ministry_officer", institutionIds: [], provinceSlug: null });
    const nominator = officer(new mongoose.Types.ObjectId().toHexString(), "Cán bộ đề nghị");
    const reviewer = officer(new mongoose.Types.ObjectId().toHexString(), "Cán bộ duyệt");
    const institution = await Institution.create({ name: "Thư viện Quốc gia (bench)", slug: "thu-vien-bench", type: "library", level: "national", provinceSlug: "ha-noi", address: "31 Tràng Thi, Hà Nội", contact: { email: "bench@gopsuc.invalid" }, bankAccount: { bankBin: "970415", accountNumber: "113000123456", accountName: "THU VIEN BENCH" }, status: "approved" });
    const programme = await Programme.create({ institutionId: institution._id, institutionName: institution.name, institutionSlug: institution.slug, institutionType: "library", provinceSlug: "ha-noi", institutionApproved: true, title: "Tủ sách cộng đồng (bench)", slug: "tu-sach-bench", summary: "Bench.", description: "Bench.", themes: ["reading-culture"], goal: 10_000_000_000, startDate: new Date(Date.now() - 30 * 86_400_000), endDate: new Date(Date.now() + 90 * 86_400_000), state: "open" });
    const year = Number(vietnamDateInput(new Date()).slice(0, 4));
    const qualify = await timed(async () => {
      const donors = await Donor.insertMany(Array.from({ length: options.batch }, (_, i) => ({ kind: "individual", fullName: `Nhà tài trợ ${i + 1}`, email: `d${i}@bench.invalid` })));
      for (const [i, donor] of donors.entries()) await recordDonation({ idempotencyKey: `bench-cert:${i}`, programmeId: programme._id, institutionId: institution._id, donorId: donor._id, method: "cash", amount: 2_000_000, receivedAt: new Date() });
      return donors.map((d) => String(d._id));
    });
    progress(`  ${options.batch} donors with a gift each: ${seconds(qualify.ms)}`);
    const rule = await createRule(officer(nominator.id, nominator.name), { ruleSet: "Bench", type: "certificate", nameVi: "Giấy chứng nhận (bench)", nameEn: "Certificate (bench)", donorKinds: ["individual"], minTotal: "1.000.000", year: String(year), countInKind: "on", scope: "national", citationVi: "Đã có thành tích đóng góp {tổng} năm {năm}.", citationEn: "For contributing {total} in {year}." });
    const nominated = await timed(() => nominate(nominator, { ruleId: String(rule._id), donorIds: qualify.result, justification: "Đóng góp cho tủ sách cộng đồng." }));
    const ids = (await Nomination.find({ ruleId: rule._id }).select("_id").lean()).map((n) => n._id);
    const approved = await timed(() => review(reviewer, { nominationIds: ids, decision: "approve", reason: "" }));
    progress(`  nominated ${seconds(nominated.ms)}, approved ${seconds(approved.ms)}`);
    const issued = await timed(async () => {
      const { finished } = await startBatch(reviewer, { nominationIds: ids, signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" }, config);
      await finished;
    });
    progress(`  batch of ${options.batch} issued in ${seconds(issued.ms)}`);
    const serials = (await CertificateSerial.find({ type: "certificate", year }).select("n").lean()).map((s) => s.n).sort((a, b) => a - b);
    const consecutive = serials.length === options.batch && serials.every((n, i) => n === i + 1);
    const jwks = buildJwks(config.keys);
    const list = await statusListJwt(1, config);
    let verified = 0;
    const certificates = await Certificate.find({}).select("_id credential").lean();
    for (const c of certificates) if ((await verifyCredentialJwt(c.credential, jwks, list)).valid) verified += 1;
    const firstDownloadMs: number[] = [];
    for (const c of certificates.slice(0, 20)) firstDownloadMs.push((await timed(() => certificatePdf(reviewer, c._id, config))).ms);
    result.batch = { size: options.batch, qualifyMs: qualify.ms, nominateMs: nominated.ms, approveMs: approved.ms, issueMs: issued.ms, consecutive, verified, firstDownloadMs };
  } catch (error) {
    result.errors.push((error as Error).stack ?? String(error));
  } finally {
    await mongoose.disconnect().catch(() => {});
    await db.stop();
    result.loadAverage.end = os.loadavg();
  }
  return result;
}

export function certificatesSection(r: CertificatesResult): string {
  const t = r.pdfs.times;
  const mean = t.reduce((a, b) => a + b, 0) / Math.max(1, t.length);
  const kb = r.pdfs.bytes.reduce((a, b) => a + b, 0) / Math.max(1, r.pdfs.bytes.length) / 1024;
  const lines = [
    "## certificates",
    "",
    `Machine during this scale: load average ${r.loadAverage.start.map((l) => l.toFixed(1)).join(" / ")} at its start${r.loadAverage.end ? `, ${r.loadAverage.end.map((l) => l.toFixed(1)).join(" / ")} at its end` : ""}.`,
    "",
    "| measure | n | p50 ms | p95 ms | mean ms | per second | size |",
    "|---|---|---|---|---|---|---|",
    `| certificate PDF drawn (renderCertificatePdf, one process, fonts parsed once) | ${t.length} | ${ms(percentile(t, 50))} | ${ms(percentile(t, 95))} | ${ms(mean)} | ${(1000 / mean).toFixed(1)} | ${kb.toFixed(1)} kB mean |`,
  ];
  if (r.batch) {
    const b = r.batch;
    const d = b.firstDownloadMs;
    lines.push(
      `| first download of an issued certificate's PDF (drawn, stored) | ${d.length} | ${ms(percentile(d, 50))} | ${ms(percentile(d, 95))} | ${ms(d.reduce((a, x) => a + x, 0) / Math.max(1, d.length))} | — | — |`,
      "",
      `Batch of ${b.size.toLocaleString("en")} end to end (fresh embedded database): ${b.size.toLocaleString("en")} donors with one gift each through recordDonation ${seconds(b.qualifyMs)}; nominated in bulk ${seconds(b.nominateMs)}; approved in bulk ${seconds(b.approveMs)}; **issued as one batch in ${seconds(b.issueMs)} (${(b.size / (b.issueMs / 1000)).toFixed(1)} certificates/s, each with its serial claimed and its credential signed)**. Serials 1…${b.size} consecutive: ${b.consecutive ? "yes" : "NO"}. Credentials that verify against the published key and the status list: ${b.verified.toLocaleString("en")} of ${b.size.toLocaleString("en")}.`,
    );
  }
  if (r.errors.length) lines.push("", "Errors:", "", ...r.errors.map((e) => `    ${e.split("\n").join("\n    ")}`));
  return lines.join("\n");
}
