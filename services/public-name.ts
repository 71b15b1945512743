import type { Types } from "mongoose";
import { ledgerDonationRow } from "#models/catalogue.server";
import { lookupKey, Lookup } from "#models/lookup.server";
import { Pledge } from "#models/pledge.server";
import { readById } from "#models/read-by-id";
import { publicLedgerEntry } from "./catalogue";

/**
 * How a donor is named in public outside one gift — the honour roll (J4) and a certificate's public
 * name (J3) — by the same rule as the programme's public ledger.
 */

type PledgeConsent = { _id: Types.ObjectId; donorId?: Types.ObjectId | null; visibility?: string | null; consent?: { givenAt?: Date | null; withdrawnAt?: Date | null } | null };
export type DonorRecord = { _id: Types.ObjectId; kind: string; legalName?: string | null; fullName?: string | null; erasedAt?: Date | null; userId?: Types.ObjectId | null };

/** Pledges of one donor found by `_id`: the list its account keeps ("user-pledges:<user>"), those made for this donor. At most 50 read. */
export async function pledgesOfDonor(donor: DonorRecord): Promise<PledgeConsent[]> {
  if (!donor.userId) return [];
  const list = await readById<{ ids?: Types.ObjectId[] }>(Lookup, lookupKey("user-pledges", donor.userId), "ids");
  const ids = (list?.ids ?? []).filter((id) => !/^0+$/.test(String(id))).slice(-50);
  const pledges = await Promise.all(ids.map((id) => readById<PledgeConsent>(Pledge, id, "donorId visibility consent")));
  return pledges.filter((p): p is PledgeConsent => p !== null && String(p.donorId) === String(donor._id));
}

/**
 * The name a donor may be shown by on public pages, or null (the anonymous benefactor): the programme
 * ledger's rule (services/catalogue.ts publicLedgerEntry — an individual only with an active recorded
 * consent, an organisation unless it chose anonymity, nobody after erasure), applied to each of the
 * donor's pledges, or, with none, as to a gift recorded without a pledge; named if one of them names
 * them. Decided now, not when the certificate was issued: a consent withdrawn since is respected.
 */
export function publicDonorName(donor: DonorRecord, pledges: PledgeConsent[]): string | null {
  if (donor.erasedAt) return null;
  const asGift = { _id: donor._id, amount: 0, receivedAt: new Date(0), method: "" };
  const choices = pledges.length > 0 ? pledges : [null];
  for (const pledge of choices) {
    const name = publicLedgerEntry(ledgerDonationRow(asGift, pledge, donor)).donorName;
    if (name) return name;
  }
  return null;
}

