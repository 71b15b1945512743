import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { LedgerEntry } from "#models/ledger-entry.server";
import { LogCheckpoint, LogNode, LogPosition, LogState } from "#models/transparency-log.server";
import { recordDonation } from "#services/money/donations";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { openNote, parseCheckpoint, rawPublicKey } from "#services/transparency/checkpoint";
import { configureLogSigner, latestCheckpoint, leafData, logAppender, logIdentity, proveConsistency, proveInclusion } from "#services/transparency/log";
import { leafHash, verifyConsistency, verifyInclusion } from "#services/transparency/merkle";
import { createInstalmentPledge, createInstitution, createOpenProgramme } from "#tests/fixtures/domain";
import { Donor } from "#models/donor.server";
import { notePledgeReference } from "#models/pledge.server";
import { parseVerifierKey, verifyLedger, type Source } from "../../scripts/lib/ledger-verifier";
import { recognitionConfig } from "~/utils/recognition.server";

/**
 * The platform's ledger as one transparency log (issue 12): the sweeper adds every ledger entry of every
 * institution as a leaf and signs a checkpoint; anyone holding the log's public key checks an entry's
 * inclusion and that a later checkpoint extends an earlier one — with the RFC 9162 verification, not
 * with anything the platform says.
 */
const { privateKey } = generateKeyPairSync("ed25519");
const publicKey = rawPublicKey(privateKey);
beforeAll(() => configureLogSigner({ appUrl: "https://gopsuc.example", privateKey }));
afterAll(() => configureLogSigner(null));

/** A sweep in the next lease term (one instance holds the sweeper per term). */
let terms = 0;
function sweep(options: { full?: boolean } = {}) {
  const offset = (terms += 1) * SWEEPER_LEASE_MS;
  return runSweep({ ...options, now: () => new Date(Date.now() + offset) });
}

async function institutionWithProgramme() {
  const institution = await createInstitution();
  const programme = await createOpenProgramme(institution);
  const give = (key: string, amount: number) =>
    recordDonation({ idempotencyKey: key, programmeId: programme._id, institutionId: institution._id, method: "cash", amount, receivedAt: new Date("2026-11-20T09:00:00+07:00"), reference: key });
  return { institution, programme, give };
}

/** The checkpoint's tree as a verifier reads it: only from the signed note and the public key. */
function openCheckpoint(note: string) {
  const text = openNote(note, "gopsuc.example/ledger", publicKey);
  expect(text, "the checkpoint is signed by the log's key").not.toBeNull();
  return parseCheckpoint(text!)!;
}

async function expectEveryEntryProven(size: number, only?: Array<{ _id: unknown }>) {
  const entries = (await LedgerEntry.find({}).select("_id institutionId sequence hash").lean()).filter((e) => !only || only.some((o) => String(o._id) === String(e._id)));
  for (const entry of entries) {
    const proof = await proveInclusion(entry._id, size);
    expect(proof, `entry ${entry.sequence} of ${String(entry.institutionId)}`).not.toBeNull();
    const checkpoint = openCheckpoint(proof!.checkpoint);
    expect(checkpoint.size).toBe(size);
    // The leaf is the entry's own: its id, institution, place in the chain and hash — and no name.
    const data = Buffer.from(proof!.leafData, "base64");
    expect(data.equals(leafData({ _id: entry._id, institutionId: entry.institutionId, sequence: entry.sequence, hash: entry.hash }))).toBe(true);
    expect(verifyInclusion(leafHash(data), proof!.leafIndex, size, proof!.proof.map((h) => Buffer.from(h, "hex")), checkpoint.root)).toBe(true);
  }
  return entries;
}

describe("the transparency log", () => {
  test("every entry of every institution is a leaf, proven against a signed checkpoint; a later checkpoint extends the earlier one", async () => {
    const a = await institutionWithProgramme();
    const b = await institutionWithProgramme();
    for (let i = 0; i < 5; i += 1) await a.give(`log-a-${i}`, 100_000 * (i + 1));
    for (let i = 0; i < 3; i += 1) await b.give(`log-b-${i}`, 50_000 * (i + 1));

    const first = await sweep({ full: true });
    expect(first.leavesLogged).toBe(8);
    expect(first.checkpoint).toBe(8);
    expect((await latestCheckpoint())!._id).toBe(8);
    // The copy on the log's state (one read) is the stored checkpoint itself.
    expect(await latestCheckpoint()).toEqual(await LogCheckpoint.findById(8).lean());
    expect(logIdentity()!.verifierKey).toMatch(/^gopsuc\.example\/ledger\+[0-9a-f]{8}\+/);
    const logged = await expectEveryEntryProven(8);
    expect(logged).toHaveLength(8);

    // More gifts, an odd number: the next checkpoint is of 13 leaves.
    for (let i = 5; i < 9; i += 1) await a.give(`log-a-${i}`, 10_000);
    await b.give("log-b-3", 20_000);
    const second = await sweep();
    expect(second.leavesLogged).toBe(5);
    expect(second.checkpoint).toBe(13);
    const entries = await expectEveryEntryProven(13);
    expect(entries).toHaveLength(13);
    // The entries logged at 8 are still proven against the checkpoint of 8; the later ones are not in it.
    await expectEveryEntryProven(8, logged);
    const later = entries.filter((e) => !logged.some((l) => String(l._id) === String(e._id)));
    expect(later).toHaveLength(5);
    for (const entry of later) expect(await proveInclusion(entry._id, 8)).toBeNull();

    const consistency = await proveConsistency(8, 13);
    const earlier = openCheckpoint(consistency!.fromCheckpoint);
    const newer = openCheckpoint(consistency!.toCheckpoint);
    expect(verifyConsistency(8, 13, earlier.root, newer.root, consistency!.proof.map((h) => Buffer.from(h, "hex")))).toBe(true);

    // A sweep with nothing new signs nothing new (a checkpoint at least daily, not every sweep).
    const third = await sweep();
    expect(third.leavesLogged).toBe(0);
    expect(third.checkpoint).toBeNull();
    // Nor is any entry logged twice: one position per entry, as many leaves as entries.
    expect(await LogPosition.countDocuments()).toBe(13);
    expect((await LogState.findById("log").lean())!.size).toBe(13);
  });

  test("a stored node changed after the checkpoint makes the proofs through it fail", async () => {
    const checkpoint = openCheckpoint((await latestCheckpoint())!.note);
    const first = (await LogNode.findById("0:0").lean())!;
    const honest = await proveInclusion(first.entryId!);
    expect(honest!.leafIndex).toBe(0);
    // Someone rewrites the stored hash of the leaf beside it (not the entry): the proof served from it no longer verifies.
    const sibling = (await LogNode.findById("0:1").lean())!;
    await LogNode.updateOne({ _id: "0:1" }, { $set: { hash: "00".repeat(32) } });
    const forged = await proveInclusion(first.entryId!);
    await LogNode.updateOne({ _id: "0:1" }, { $set: { hash: sibling.hash } });
    expect(verifyInclusion(Buffer.from(forged!.leafHash, "hex"), forged!.leafIndex, checkpoint.size, forged!.proof.map((h) => Buffer.from(h, "hex")), checkpoint.root)).toBe(false);
    expect(verifyInclusion(Buffer.from(honest!.leafHash, "hex"), honest!.leafIndex, checkpoint.size, honest!.proof.map((h) => Buffer.from(h, "hex")), checkpoint.root)).toBe(true);
  });

  test("a sweep stopped after writing leaves but before moving the log's size adds them once, when the next sweep runs", async () => {
    const c = await institutionWithProgramme();
    await c.give("log-c-0", 70_000);
    await c.give("log-c-1", 80_000);
    const before = (await LogState.findById("log").lean())!.size;
    const stateWrite = vi.spyOn(LogState.collection, "updateOne").mockRejectedValueOnce(new Error("the process stopped"));
    await expect(sweep()).rejects.toThrow("the process stopped");
    stateWrite.mockRestore();
    expect((await LogState.findById("log").lean())!.size).toBe(before);
    const again = await sweep();
    expect(again.leavesLogged).toBe(2);
    expect((await LogState.findById("log").lean())!.size).toBe(before + 2);
    expect(await LogPosition.countDocuments()).toBe(before + 2);
  });
});

describe("the standalone verifier (npm run verify-ledger)", () => {
  /** The site as the verifier reads it: each address answered by its route's loader. */
  const site = (tamper: (path: string, text: string) => string = (_, text) => text): Source => ({
    describe: "the app's routes",
    get: async (address) => {
      const route = address.startsWith("/.well-known/jwks.json")
        ? await import("~/routes/[.well-known].jwks[.]json")
        : address.startsWith("/transparency/checkpoint")
          ? await import("~/routes/transparency.checkpoint")
          : address.startsWith("/transparency/proof/inclusion")
            ? await import("~/routes/transparency.proof.inclusion")
            : await import("~/routes/transparency.proof.consistency");
      const response = (await (route.loader as (args: unknown) => Promise<Response>)({ request: new Request(`http://localhost${address}`), params: {}, context: {} })) as Response;
      return { status: response.status, text: tamper(address, await response.text()) };
    },
  });

  test("checks the signature, a receipt's inclusion and the consistency with an earlier checkpoint from public data alone, and says no when any of it is altered", async () => {
    // The server signs with its own key, published in its JWKS (as app/utils/db.server.ts configures it).
    const { keys } = await recognitionConfig();
    configureLogSigner({ appUrl: "https://gopsuc.example", privateKey: keys.current.privateKey });
    const d = await institutionWithProgramme();
    const gift = await d.give("log-d-0", 123_000);
    await sweep();
    const earlier = (await latestCheckpoint())!._id;
    await d.give("log-d-1", 45_000);
    await d.give("log-d-2", 67_000);
    await sweep();

    const outcome = await verifyLedger(site(), { entries: [gift.receiptNumber], from: [earlier] });
    expect(outcome.lines.join("\n")).toContain(`✓ Checkpoint signed by gopsuc.example/ledger`);
    expect(outcome.lines.some((line) => line.startsWith("✓ entry "))).toBe(true);
    expect(outcome.lines.some((line) => line.startsWith(`✓ the log of ${earlier + 2} entries extends the log of ${earlier}`))).toBe(true);
    expect(outcome.ok).toBe(true);

    // With the verifier key given by hand instead of the site's JWKS: the same.
    expect((await verifyLedger(site(), { key: parseVerifierKey(logIdentity()!.verifierKey), entries: [gift.receiptNumber] })).ok).toBe(true);

    // A checkpoint whose size was changed after signing; a proof with one hash changed; another key.
    const resized = await verifyLedger(site((p, text) => (p === "/transparency/checkpoint" ? text.replace(`\n${earlier + 2}\n`, `\n${earlier + 3}\n`) : text)), {});
    expect(resized.ok).toBe(false);
    expect(resized.lines.at(-1)).toContain("signature does not verify");
    const bent = await verifyLedger(site((p, text) => (p.startsWith("/transparency/proof/inclusion") ? text.replace(/"proof": \[\n\s*"([0-9a-f])/, (m, c: string) => m.slice(0, -1) + (c === "0" ? "1" : "0")) : text)), { entries: [gift.receiptNumber] });
    expect(bent.ok).toBe(false);
    expect(bent.lines.some((line) => line.startsWith("✗ entry"))).toBe(true);
    const stranger = generateKeyPairSync("ed25519").privateKey;
    const foreign = await verifyLedger(site(), { key: { name: null, publicKey: rawPublicKey(stranger), from: "a stranger" } });
    expect(foreign.ok).toBe(false);
    // A receipt that is not in the log.
    const missing = await verifyLedger(site(), { entries: ["R-0000000000000000"] });
    expect(missing.ok).toBe(false);
  });
});

test("a receipt's public page says where its gift is in the log once a sweep has added it, and links to the proof", async () => {
  const { keys } = await recognitionConfig();
  configureLogSigner({ appUrl: "https://gopsuc.example", privateKey: keys.current.privateKey });
  const e = await institutionWithProgramme();
  const gift = await e.give("log-e-0", 99_000);
  const page = async () => {
    const route = await import("~/routes/receipts.$number");
    const response = (await route.loader({ request: new Request(`http://localhost/receipts/${gift.receiptNumber}`), params: { number: gift.receiptNumber }, context: {} })) as Response;
    return ((await response.json()) as { inLog: { leafIndex: number; checkpoint: { size: number } | null } | null }).inLog;
  };
  expect(await page()).toBeNull();
  await sweep();
  const place = await page();
  const proof = await proveInclusion((await LedgerEntry.findOne({ idempotencyKey: "donation:log-e-0" }).lean())!._id);
  expect(place).toEqual({ leafIndex: proof!.leafIndex, checkpoint: { size: proof!.treeSize, time: expect.any(String) } });
});

test("find my gift: a receipt number opens its receipt page, a transfer reference lists the gifts paid on it, anything else is not found", async () => {
  const f = await institutionWithProgramme();
  const donor = await Donor.create({ kind: "individual", fullName: "Trần Thị Bình", email: `find-${Date.now()}@example.vn` });
  const pledge = await createInstalmentPledge({ programmeId: f.programme._id, institutionId: f.institution._id, donorId: donor._id }, [300_000, 300_000]);
  await notePledgeReference(pledge); // as the pledge service does right after storing it
  const paid = await recordDonation({ idempotencyKey: "log-f-0", programmeId: f.programme._id, institutionId: f.institution._id, pledgeId: pledge._id, donorId: donor._id, method: "bank_transfer", amount: 300_000, receivedAt: new Date("2026-11-21T09:00:00+07:00"), reference: pledge.reference });
  const find = async (q: string) => {
    const route = await import("~/routes/transparency.find");
    try {
      return (await route.loader({ request: new Request(`http://localhost/transparency/find?q=${encodeURIComponent(q)}`), params: {}, context: {} })) as Response;
    } catch (thrown) {
      return thrown as Response;
    }
  };
  const byReceipt = await find(` ${paid.receiptNumber.toLowerCase()} `);
  expect(byReceipt.status).toBe(302);
  expect(byReceipt.headers.get("Location")).toBe(`/receipts/${paid.receiptNumber}`);
  const byReference = await find(pledge.reference.toLowerCase());
  expect(byReference.status).toBe(200);
  expect(((await byReference.json()) as { found: unknown }).found).toEqual({ kind: "pledge", reference: pledge.reference, gifts: [{ receiptNumber: paid.receiptNumber, receivedAt: "2026-11-21T02:00:00.000Z" }] });
  for (const q of ["R-0000000000000000", "KHONGCO1234", "xin chào"]) expect((await find(q)).status, q).toBe(404);
});

test("a second pass that read the log before another moved it is refused, and changes nothing the log holds", async () => {
  const g = await institutionWithProgramme();
  await g.give("log-g-0", 10_000);
  await g.give("log-g-1", 20_000);
  const [first, second] = await Promise.all(["donation:log-g-0", "donation:log-g-1"].map(async (key) => (await LedgerEntry.findOne({ idempotencyKey: key }).select("_id institutionId sequence hash").lean())!));
  const before = (await LogState.findById("log").lean())!.size;
  const a = await logAppender();
  const b = await logAppender();
  await a.add(first!);
  expect(await a.finish()).toBe(1);
  const leafOfA = (await LogNode.findById(`0:${before}`).lean())!;
  // b read the log at the same size: its leaf would land where a's is.
  await b.add(second!);
  await expect(b.finish()).rejects.toThrow(/another pass moved the log/);
  expect((await LogState.findById("log").lean())!.size).toBe(before + 1);
  expect((await LogNode.findById(`0:${before}`).lean())!).toEqual(leafOfA);
  expect(await LogPosition.findById(second!._id).lean()).toBeNull();
});
