import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { checkpointText, keyId, openNote, parseCheckpoint, rawPublicKey, signCheckpoint, signNote, verifierKey } from "#services/transparency/checkpoint";
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, readerOfLeaves, rootHash, verifyConsistency, verifyInclusion } from "#services/transparency/merkle";

/**
 * The transparency log's mathematics (issue 12) against the standards' own data: RFC 9162 §2.1's
 * reference vectors (copied unchanged from ../shared/standards) and the signed note published with
 * Go's golang.org/x/mod/sumdb/note, which a checkpoint must match byte for byte to be read by Go's and
 * Sigstore's tools.
 */
type Vectors = {
  leaves: string[];
  leafHashes: string[];
  roots: string[];
  inclusion: Array<{ treeSize: number; leafIndex: number; proof: string[] }>;
  consistency: Array<{ size1: number; size2: number; proof: string[] }>;
};
const vectors = JSON.parse(readFileSync(path.join(import.meta.dirname, "../fixtures/rfc9162-vectors.json"), "utf8")) as Vectors;
const hex = (h: Buffer) => h.toString("hex");
const buf = (h: string) => Buffer.from(h, "hex");
const leafHashes = vectors.leaves.map((leaf) => leafHash(buf(leaf)));
const read = readerOfLeaves(leafHashes);
const flip = (h: Buffer) => {
  const copy = Buffer.from(h);
  copy[0] = copy[0]! ^ 1;
  return copy;
};

describe("RFC 9162 §2.1 Merkle tree", () => {
  test("leaf hashes and the root of every size are the RFC's", async () => {
    expect(leafHashes.map(hex)).toEqual(vectors.leafHashes);
    expect(hex(EMPTY_ROOT)).toBe(vectors.roots[0]);
    for (let size = 0; size <= vectors.leaves.length; size += 1) expect(hex(await rootHash(read, size)), `root of ${size}`).toBe(vectors.roots[size]);
  });

  test("every inclusion proof is the RFC's, verifies, and fails for another leaf, index, root or a changed, missing or extra step", async () => {
    expect(vectors.inclusion.length).toBeGreaterThanOrEqual(36);
    for (const { treeSize, leafIndex, proof } of vectors.inclusion) {
      const made = await inclusionProof(read, leafIndex, treeSize);
      expect(made.map(hex), `proof of ${leafIndex} in ${treeSize}`).toEqual(proof);
      const root = buf(vectors.roots[treeSize]!);
      const leaf = leafHashes[leafIndex]!;
      expect(verifyInclusion(leaf, leafIndex, treeSize, made, root)).toBe(true);
      expect(verifyInclusion(flip(leaf), leafIndex, treeSize, made, root)).toBe(false);
      expect(verifyInclusion(leaf, leafIndex, treeSize, made, flip(root))).toBe(false);
      if (treeSize > 1) {
        expect(verifyInclusion(leaf, (leafIndex + 1) % treeSize, treeSize, made, root)).toBe(false);
        expect(verifyInclusion(leaf, leafIndex, treeSize, made.slice(0, -1), root)).toBe(false);
        expect(verifyInclusion(leaf, leafIndex, treeSize, [...made, made[0]!], root)).toBe(false);
        for (let i = 0; i < made.length; i += 1) expect(verifyInclusion(leaf, leafIndex, treeSize, made.map((p, j) => (j === i ? flip(p) : p)), root)).toBe(false);
      }
      expect(verifyInclusion(leaf, treeSize, treeSize, made, root)).toBe(false);
    }
  });

  test("every consistency proof is the RFC's, verifies, and fails for a changed root, size or step", async () => {
    expect(vectors.consistency.length).toBeGreaterThanOrEqual(36);
    for (const { size1, size2, proof } of vectors.consistency) {
      const made = await consistencyProof(read, size1, size2);
      expect(made.map(hex), `proof from ${size1} to ${size2}`).toEqual(proof);
      const first = buf(vectors.roots[size1]!);
      const second = buf(vectors.roots[size2]!);
      expect(verifyConsistency(size1, size2, first, second, made)).toBe(true);
      expect(verifyConsistency(size1, size2, flip(first), second, made)).toBe(false);
      expect(verifyConsistency(size1, size2, first, flip(second), made)).toBe(false);
      for (let i = 0; i < made.length; i += 1) expect(verifyConsistency(size1, size2, first, second, made.map((p, j) => (j === i ? flip(p) : p)))).toBe(false);
      if (size1 < size2) {
        expect(verifyConsistency(size1, size2, first, second, [])).toBe(false);
        // A tree that rewrote an old leaf: the new root does not extend the old one.
        const rewritten = leafHashes.map((h, i) => (i === 0 ? leafHash(Buffer.from("forged")) : h));
        const forgedRoot = await rootHash(readerOfLeaves(rewritten), size2);
        expect(verifyConsistency(size1, size2, first, forgedRoot, await consistencyProof(readerOfLeaves(rewritten), size1, size2))).toBe(false);
      }
    }
    expect(verifyConsistency(0, 5, EMPTY_ROOT, buf(vectors.roots[5]!), [])).toBe(true);
  });

  test("a tree far larger than the vectors: proofs of a thousand leaves verify, across an odd and an even size", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
    const reader = readerOfLeaves(many);
    for (const size of [999, 1000]) {
      const root = await rootHash(reader, size);
      for (const index of [0, 1, 511, 512, 777, size - 1]) expect(verifyInclusion(many[index]!, index, size, await inclusionProof(reader, index, size), root)).toBe(true);
    }
    for (const [a, b] of [[1, 1000], [512, 999], [513, 1000], [998, 999]] as const) {
      expect(verifyConsistency(a, b, await rootHash(reader, a), await rootHash(reader, b), await consistencyProof(reader, a, b))).toBe(true);
    }
  });
});

describe("checkpoints as C2SP signed notes", () => {
  // golang.org/x/mod/sumdb/note's documented example: the signer key PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK…
  // (0x01 then the Ed25519 seed), its verifier key, the text and the note Go prints.
  const goSeed = Buffer.from("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", "base64").subarray(1);
  const goKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), goSeed]), format: "der", type: "pkcs8" });
  const goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const goNote = `${goText}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

  test("signing Go's example with Go's key gives Go's note byte for byte, and its verifier key", () => {
    expect(signNote(goText, "PeterNeumann", goKey)).toBe(goNote);
    expect(verifierKey("PeterNeumann", rawPublicKey(goKey))).toBe("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    expect(keyId("PeterNeumann", rawPublicKey(goKey)).toString("hex")).toBe("c74f20a3");
  });

  test("a note opens with its key, and not when its text, its name or its key differ", () => {
    const publicKey = rawPublicKey(goKey);
    expect(openNote(goNote, "PeterNeumann", publicKey)).toBe(goText);
    expect(openNote(goNote.replace("cryptography", "cryptographY"), "PeterNeumann", publicKey)).toBeNull();
    expect(openNote(goNote, "EnochRoot", publicKey)).toBeNull();
    const other = rawPublicKey(generateKeyPairSync("ed25519").privateKey);
    expect(openNote(goNote, "PeterNeumann", other)).toBeNull();
    // Another key's signature beside it is ignored; the known key's still opens the note.
    const cosigned = `${goNote.slice(0, -1)}\n${signNote(goText, "witness.example/w1", generateKeyPairSync("ed25519").privateKey).split("\n\n")[1]}`;
    expect(openNote(cosigned, "PeterNeumann", publicKey)).toBe(goText);
  });

  test("a checkpoint signs origin, size, root and time, and reads back exactly", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const checkpoint = { origin: "gopsuc.example/log", size: 8, root: Buffer.from(vectors.roots[8]!, "hex"), time: new Date("2026-12-03T01:02:03.000Z") };
    const note = signCheckpoint(checkpoint, privateKey);
    expect(note.split("\n").slice(0, 5)).toEqual(["gopsuc.example/log", "8", Buffer.from(vectors.roots[8]!, "hex").toString("base64"), "time 2026-12-03T01:02:03.000Z", ""]);
    const text = openNote(note, checkpoint.origin, rawPublicKey(privateKey));
    expect(text).toBe(checkpointText(checkpoint));
    expect(parseCheckpoint(text!)).toEqual(checkpoint);
    expect(openNote(note.replace("\n8\n", "\n9\n"), checkpoint.origin, rawPublicKey(privateKey))).toBeNull();
    expect(parseCheckpoint("gopsuc.example/log\n08\nAAAA\n")).toBeNull();
  });
});
