import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import mongoose from "mongoose";
import { afterEach, describe, expect, test } from "vitest";
import { BankStatementLine } from "#models/bank-statement-line.server";
import { Donation } from "#models/donation.server";
import { Donor } from "#models/donor.server";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Programme } from "#models/programme.server";
import { checkIdLookups, explainFindAsAsked, planUsesIndex } from "#services/database-indexes";
import { recordDonation, recordReversal } from "#services/money/donations";
import { createInstalmentPledge, createInstitution, receivedCopyOf } from "#tests/fixtures/domain";
import { addIdIndexesNow, dropIdIndexesNow, whenIdLookupsIndexed } from "#tests/utils/id-indexes";
import { loader as healthz } from "~/routes/healthz";
import { explainIdLookup, ID_INDEX_EXPRESSION, ID_INDEX_SUFFIX } from "../../scripts/lib/sqlite-indexes.mjs";

/**
 * The design (decision 0011) relies on one thing from the database: a read by `_id` is an index
 * lookup — on the embedded FerretDB/SQLite because the launcher adds the index FerretDB's own query
 * uses (scripts/lib/sqlite-indexes.mjs), on MongoDB by its `_id` index. These tests ask the database
 * (explain), and check that the money path asks for nothing else.
 */

type Op = { collection: string; method: string; filter: unknown };
let ops: Op[] = [];
const FILTERED = new Set(["find", "findOne", "updateOne", "updateMany", "replaceOne", "deleteOne", "deleteMany", "countDocuments", "findOneAndUpdate", "distinct", "aggregate"]);

function capture() {
  ops = [];
  mongoose.set("debug", (collection: string, method: string, ...args: unknown[]) => {
    if (FILTERED.has(method)) ops.push({ collection, method, filter: method === "aggregate" ? args[0] : method === "distinct" ? args[1] : args[0] });
  });
}
afterEach(() => {
  mongoose.set("debug", false);
});

/** A filter the embedded database pushes down: exactly `{_id: <string|ObjectId>}`. */
function isKeyRead(filter: unknown): boolean {
  if (!filter || typeof filter !== "object" || Array.isArray(filter)) return false;
  const keys = Object.keys(filter);
  const id = (filter as { _id?: unknown })._id;
  return keys.length === 1 && keys[0] === "_id" && (typeof id === "string" || id instanceof mongoose.Types.ObjectId);
}

async function world(tag: string) {
  const institution = await createInstitution();
  const programme = await Programme.create({ institutionId: institution._id, slug: `hot-${tag}`, title: "Góc đọc sách", startDate: new Date("2026-01-01"), endDate: new Date("2027-12-31"), goal: 100_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionApproved: true });
  const donor = await Donor.create({ kind: "organisation", legalName: "Công ty TNHH Ánh Dương", taxCode: `01${Date.now().toString().slice(-8)}` });
  // In instalments: paying one changes the pledge's array of instalments too.
  const pledge = await createInstalmentPledge({ programmeId: programme._id, institutionId: institution._id, donorId: donor._id }, [20_000_000, 30_000_000]);
  const give = (key: string, amount: number) =>
    recordDonation({ idempotencyKey: key, programmeId: String(programme._id), institutionId: String(institution._id), pledgeId: String(pledge._id), donorId: String(donor._id), method: "bank_transfer", amount, receivedAt: new Date(), reference: pledge.reference });
  return { institution, programme, pledge, give };
}

describe("hot reads are index lookups", () => {
  test("recording a gift, the same gift again, and a refund read and write only by _id", async () => {
    const w = await world("gift");
    await w.give("bank:hot:warm", 1_000_000); // the first gift of a database also asks once whether it holds old records
    capture();
    const first = await w.give("bank:hot:1", 10_000_000);
    await w.give("bank:hot:1", 10_000_000);
    await recordReversal({ donationId: first.donationId, amount: 2_000_000, idempotencyKey: "refund:hot:1", kind: "refund", occurredAt: new Date() });
    mongoose.set("debug", false);
    expect(ops.length).toBeGreaterThan(10);
    const scans = ops.filter((op) => !isKeyRead(op.filter));
    expect(scans).toEqual([]);
    expect(await receivedCopyOf(w.programme._id)).toBe(9_000_000);
  });

  test("every collection's read by _id is an index lookup, as the database itself explains it", async () => {
    const w = await world("explain");
    await w.give("bank:explain:1", 5_000_000);
    // The launcher adds the index within a moment of a collection appearing; add it now, as it does, and
    // wait for the database's answer.
    const checks = await whenIdLookupsIndexed(checkIdLookups);
    const names = checks.map((c) => c.collection);
    for (const expected of ["donations", "ledgerentries", "ledgerheads", "projections", "pledges", "programmes", "lookups"]) expect(names).toContain(expected);
    expect(checks.filter((c) => !c.indexed)).toEqual([]);
    // FerretDB's own answer, without the second opinion /healthz asks of SQLite on a stale answer: its
    // pooled connection sees the new index once it has run a real read, so read, then ask, until it does.
    const [donations] = await whenIdLookupsIndexed(async () => {
      await mongoose.connection.db!.collection("donations").findOne({ _id: new mongoose.Types.ObjectId() });
      return [await explainFindAsAsked("donations", { _id: new mongoose.Types.ObjectId() })];
    });
    if (/^id=/.test(donations!.plan)) expect(donations!.plan).toMatch(/USING INDEX \S+_gopsuc_id/);

    // /healthz asks through FerretDB's other pooled connections, which see the new index when they next read the schema.
    const [answer] = await whenIdLookupsIndexed(async () => {
      const body = await (await healthz()).json();
      return [{ indexed: body.status === "ok", body }];
    });
    expect(answer!.body).toMatchObject({ status: "ok", database: "up", indexes: "ok" });
  });

  test("a collection indexed after FerretDB's connections read its schema is reported indexed at once (SQLite's EXPLAIN does not notice a schema change; a real read does)", async () => {
    const collection = mongoose.connection.db!.collection("stale_schema_probe");
    await collection.insertOne({ _id: "probe" } as never);
    await addIdIndexesNow();
    // Take the indexes away and have several pooled connections read the schema without them …
    await dropIdIndexesNow();
    await Promise.all(Array.from({ length: 8 }, () => collection.findOne({ _id: "probe" } as never)));
    // … then put it back, as the launcher's upkeep does, and ask once, without waiting.
    await addIdIndexesNow();
    const checks = await checkIdLookups();
    expect(checks.filter((c) => !c.indexed)).toEqual([]);
    expect(await (await healthz()).json()).toMatchObject({ status: "ok", indexes: "ok" });
  });

  test("SQLite asked on a fresh connection: FerretDB's read by _id scans a table without the launcher's index and searches it with", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gopsuc-explain-"));
    const file = path.join(dir, "probe.sqlite");
    const db = new Database(file);
    try {
      db.exec("CREATE TABLE probe_1 (_ferretdb_sjson TEXT)");
      expect((await explainIdLookup(file, "probe_1"))!.join(" ")).toMatch(/SCAN probe_1/);
      db.exec(`CREATE INDEX probe_1${ID_INDEX_SUFFIX} ON probe_1 (${ID_INDEX_EXPRESSION})`);
      const plan = await explainIdLookup(file, "probe_1");
      expect(planUsesIndex({ queryPlanner: { Plan: plan } })).toMatchObject({ indexed: true, plan: expect.stringMatching(/USING INDEX probe_1_gopsuc_id/) });
      expect(await explainIdLookup(file, "no_such_table")).toBeNull();
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an explain that scans is reported as not indexed (FerretDB's and MongoDB's shapes)", () => {
    expect(planUsesIndex({ queryPlanner: { Plan: ["id=2 parent=0 notused=0 detail=SCAN donations_8467f944"] }, filterPushdown: true }).indexed).toBe(false);
    expect(planUsesIndex({ queryPlanner: { Plan: ["id=3 parent=0 notused=0 detail=SEARCH donations_8467f944 USING INDEX donations_8467f944_gopsuc_id (<expr>=?)"] }, filterPushdown: true }).indexed).toBe(true);
    expect(planUsesIndex({ queryPlanner: { winningPlan: { stage: "COLLSCAN" } } }).indexed).toBe(false);
    expect(planUsesIndex({ queryPlanner: { winningPlan: { stage: "IDHACK" } } }).indexed).toBe(true);
    expect(planUsesIndex({ queryPlanner: { winningPlan: { stage: "FETCH", inputStage: { stage: "IXSCAN", indexName: "_id_" } } } }).indexed).toBe(true);
  });
});

test("the sweeper's reads of what was written since its last sweep have their index on MongoDB (createdAt)", async () => {
  // On the embedded database these reads are scans (decision 0014 measures them); on MongoDB, each
  // filter's fields lead an index that the database holds.
  for (const [model, keys] of [
    [LedgerEntry, ["createdAt"]],
    [Donation, ["createdAt"]],
    [BankStatementLine, ["status", "createdAt"]],
  ] as const) {
    await (model as typeof Donation).init();
    const held = await (model as typeof Donation).collection.indexes();
    expect(held.some((index) => JSON.stringify(Object.keys(index.key)) === JSON.stringify(keys)), `${model.modelName} ${keys.join(",")}`).toBe(true);
  }
});
