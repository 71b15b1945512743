import { createHash } from "node:crypto";

/**
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2), SHA-256, written to the RFC's text:
 * the tree hash (§2.1.1), inclusion proofs and their verification (§2.1.3), consistency proofs and
 * their verification (§2.1.4). Issue 12: the whole platform's ledger as a transparency log.
 *
 * Proofs are built from a {@link TreeReader}: the hash of any perfect subtree (2^level leaves,
 * aligned), which a stored log answers by `_id` and a list of leaves answers by hashing. Pure: no
 * database, no clock.
 */

export type Hash = Buffer;

/** SHA-256 of the empty string: the hash of a tree with no leaves (§2.1.1). */
export const EMPTY_ROOT: Hash = createHash("sha256").digest();

/** MTH({d(0)}) = SHA-256(0x00 || d(0)) (§2.1.1). */
export function leafHash(data: Uint8Array): Hash {
  return createHash("sha256").update(Buffer.from([0x00])).update(data).digest();
}

/** SHA-256(0x01 || left || right) (§2.1.1). */
export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash("sha256").update(Buffer.from([0x01])).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n > 1): where §2.1.1 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  if (!Number.isSafeInteger(n) || n < 2) throw new RangeError(`no split for a tree of ${n} leaves`);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * What a proof needs from a tree: the hash of the perfect subtree of 2^level leaves starting at leaf
 * index × 2^level (level 0: a leaf's hash). Only subtrees inside the tree being proven are asked for.
 */
export type TreeReader = (level: number, index: number) => Hash | Promise<Hash>;

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;
const log2 = (n: number) => Math.round(Math.log2(n));

/** MTH(D[start:end]) (§2.1.1), from the perfect subtrees it is made of. */
export async function rangeHash(read: TreeReader, start: number, end: number): Promise<Hash> {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(n) && start % n === 0) return read(log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(await rangeHash(read, start, start + k), await rangeHash(read, start + k, end));
}

/** The root of the first `size` leaves. */
export function rootHash(read: TreeReader, size: number): Promise<Hash> {
  return rangeHash(read, 0, size);
}

/** PATH(m, D[n]) (§2.1.3.1): the inclusion proof of leaf m in the tree of its first n leaves. */
export async function inclusionProof(read: TreeReader, leafIndex: number, size: number): Promise<Hash[]> {
  if (!(Number.isSafeInteger(leafIndex) && Number.isSafeInteger(size) && leafIndex >= 0 && leafIndex < size)) {
    throw new RangeError(`leaf ${leafIndex} is not in a tree of ${size}`);
  }
  const path = async (m: number, start: number, end: number): Promise<Hash[]> => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...(await path(m, start, start + k)), await rangeHash(read, start + k, end)];
    return [...(await path(m - k, start + k, end)), await rangeHash(read, start, start + k)];
  };
  return path(leafIndex, 0, size);
}

/** PROOF(m, D[n]) (§2.1.4.1): that the tree of the first m leaves is a prefix of the tree of n. Empty when m = n (or m = 0). */
export async function consistencyProof(read: TreeReader, first: number, second: number): Promise<Hash[]> {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 0 && first <= second)) {
    throw new RangeError(`no consistency proof from ${first} to ${second}`);
  }
  if (first === 0 || first === second) return [];
  const subproof = async (m: number, start: number, end: number, b: boolean): Promise<Hash[]> => {
    const n = end - start;
    if (m === n) return b ? [] : [await rangeHash(read, start, end)];
    const k = splitPoint(n);
    if (m <= k) return [...(await subproof(m, start, start + k, b)), await rangeHash(read, start + k, end)];
    return [...(await subproof(m - k, start + k, end, false)), await rangeHash(read, start, start + k)];
  };
  return subproof(first, 0, second, true);
}

/** Verifies an inclusion proof (§2.1.3.2, step by step). */
export function verifyInclusion(leaf: Hash, leafIndex: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (!(Number.isSafeInteger(leafIndex) && Number.isSafeInteger(size)) || leafIndex < 0 || leafIndex >= size) return false;
  // Sizes up to 2^53: shifts on bigint, as the RFC's integers are unbounded.
  let fn = BigInt(leafIndex);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

/** Verifies a consistency proof between the trees of `first` and `second` leaves (§2.1.4.2, step by step). */
export function verifyConsistency(first: number, second: number, firstRoot: Hash, secondRoot: Hash, proof: readonly Hash[]): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second)) || first < 0 || first > second) return false;
  // Not in the RFC's steps, which start from a non-empty proof: equal sizes need no proof, and any tree
  // extends the empty one.
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0 && firstRoot.equals(EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0n;
}

/** A reader over leaf hashes held in memory (tests, the standalone verifier, small trees). */
export function readerOfLeaves(leafHashes: readonly Hash[]): TreeReader {
  const cache = new Map<string, Hash>();
  const read = (level: number, index: number): Hash => {
    if (level === 0) {
      const leaf = leafHashes[index];
      if (!leaf) throw new RangeError(`no leaf ${index}`);
      return leaf;
    }
    const key = `${level}:${index}`;
    let hash = cache.get(key);
    if (!hash) {
      hash = nodeHash(read(level - 1, index * 2), read(level - 1, index * 2 + 1));
      cache.set(key, hash);
    }
    return hash;
  };
  return read;
}
