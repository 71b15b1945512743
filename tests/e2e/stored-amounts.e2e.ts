import mongoose from "mongoose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Donor } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { recomputeProgrammeTotals } from "#services/money/projections";
import { baseUrl } from "./browser";
import { connectE2eDatabase } from "./db";
import { markProgrammesChanged } from "#services/catalogue-index";

/**
 * Whatever amounts the database holds — here two pledges of 9.007.199.254.740.991 ₫ written before
 * the limits existed, whose sum is past Number.MAX_SAFE_INTEGER — every public page still renders
 * (server-side, as a person's browser gets it): never a 500.
 */
const stamp = Date.now().toString(36);
const slug = `pledge-khong-lo-${stamp}`;
const institutionSlug = `thu-vien-ca-mau-${stamp}`;

describe("pages render whatever amounts are stored", () => {
  beforeAll(async () => {
    await connectE2eDatabase();
    const institution = await Institution.create({ name: `Thư viện Cà Mau ${stamp}`, slug: institutionSlug, type: "library", level: "provincial", provinceSlug: "ca-mau", address: "Cà Mau", status: "approved", bankAccount: { bankBin: "970436", accountNumber: "0071000123456", accountName: "THU VIEN CA MAU" } });
    const programme = await Programme.create({ institutionId: institution._id, slug, title: `Sách cho Cà Mau ${stamp}`, startDate: new Date("2026-01-01"), endDate: new Date("2028-12-31"), goal: 1_800_000_000, state: "open", provinceSlug: "ca-mau", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true, publishedAt: new Date() });
    const donor = await Donor.create({ kind: "organisation", legalName: "Công ty Khổng Lồ", taxCode: "0100109106-009" });
    for (const reference of [`GSB${stamp.slice(-6).toUpperCase()}1`, `GSB${stamp.slice(-6).toUpperCase()}2`]) {
      await Pledge.collection.insertOne({ reference, programmeId: programme._id, institutionId: institution._id, donorId: donor._id, kind: "cash_once", amount: 9_007_199_254_740_991, currency: "VND", instalments: [], inKindItems: [], visibility: "name_and_amount", state: "active", createdAt: new Date(), updatedAt: new Date() });
    }
    await recomputeProgrammeTotals(programme._id);
    // Written around the services: tell the catalogue, as the services do (services/catalogue-index.ts).
    await markProgrammesChanged([programme._id]);
  });
  afterAll(async () => {
    await mongoose.disconnect();
  });

  test("home, catalogue, programme and institution pages answer 200 with the figures shown", async () => {
    for (const path of ["/", "/programmes", `/programmes?q=${encodeURIComponent("Cà Mau")}`, `/programmes/${slug}`, `/institutions/${institutionSlug}`, `/programmes/${slug}?lng=en`]) {
      const response = await fetch(`${baseUrl()}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).not.toMatch(/Unexpected Server Error|RangeError/);
    }
  });
});
