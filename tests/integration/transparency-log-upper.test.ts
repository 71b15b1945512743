import { createHash, generateKeyPairSync } from "node:crypto";
import mongoose from "mongoose";
import { afterAll, beforeAll, expect, test } from "vitest";
import { LogNode } from "#models/transparency-log.server";
import { configureLogSigner, forgetUpperNodes, leafData, logAppender, preloadUpperNodes, proveInclusion, publishCheckpoint, type LoggedEntry } from "#services/transparency/log";
import { leafHash, nodeHash, rootHash, verifyInclusion, type Hash } from "#services/transparency/merkle";

/**
 * Decision 0043: a server keeps the log's upper subtrees (1,024 leaves and more) in memory, written by its
 * own appender or read once (preloadUpperNodes after it starts). Proofs from that memory must be the very
 * proofs the database gives, and verify against a root computed here from the leaves alone.
 */
const { privateKey } = generateKeyPairSync("ed25519");
beforeAll(() => configureLogSigner({ appUrl: "https://gopsuc.example", privateKey }));
afterAll(() => configureLogSigner(null));

const LEAVES = 2_500;
const institutionId = new mongoose.Types.ObjectId();
const entryAt = (k: number): LoggedEntry => ({
  _id: new mongoose.Types.ObjectId(`6750${k.toString(16).padStart(20, "0")}`),
  institutionId,
  sequence: k + 1,
  hash: createHash("sha256").update(`upper-${k}`).digest("hex"),
});

test("past 1,024 leaves, proofs from the memory of the upper subtrees are the database's, before and after a fresh server loads them", async () => {
  const appender = await logAppender();
  for (let k = 0; k < LEAVES; k += 1) await appender.add(entryAt(k));
  expect(await appender.finish()).toBe(LEAVES);
  const checkpoint = (await publishCheckpoint())!;

  // The root from the leaves alone (RFC 9162 §2.1.1), not from anything stored.
  const leaves = Array.from({ length: LEAVES }, (_, k) => leafHash(leafData(entryAt(k))));
  const subtree = (level: number, index: number): Hash => (level === 0 ? leaves[index]! : nodeHash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1)));
  const root = await rootHash(subtree, LEAVES);
  expect(checkpoint.root).toBe(root.toString("hex"));

  const picks = [0, 1, 1023, 1024, 1500, 2047, 2048, 2499];
  const prove = () => Promise.all(picks.map((k) => proveInclusion(entryAt(k)._id)));
  const verified = (proofs: Awaited<ReturnType<typeof prove>>) =>
    proofs.map((p, i) => p !== null && p.leafIndex === picks[i] && verifyInclusion(leafHash(Buffer.from(p.leafData, "base64")), p.leafIndex, p.treeSize, p.proof.map((h) => Buffer.from(h, "hex")), root));

  // This process appended them: its memory holds the upper subtrees.
  const fromMemory = await prove();
  expect(verified(fromMemory)).toEqual(picks.map(() => true));
  // A fresh server: nothing in memory, every node read from the database — the same proofs.
  forgetUpperNodes();
  expect(await prove()).toEqual(fromMemory);
  // It loads the upper subtrees once: two of 1,024 leaves and one of 2,048.
  forgetUpperNodes();
  expect(await preloadUpperNodes()).toBe(3);
  expect(await preloadUpperNodes()).toBe(0);
  expect(await prove()).toEqual(fromMemory);
  expect(await LogNode.countDocuments({ _id: { $in: ["10:0", "10:1", "11:0"] } })).toBe(3);
});
