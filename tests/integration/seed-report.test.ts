/**
 * The demo's published report (decision 0041): the seed, run with the key the app signs with, leaves one
 * published annual report whose files match their hashes and whose checkpoint covers the demo ledger.
 */
import { expect, test } from "vitest";
import { LedgerEntry } from "#models/ledger-entry.server";
import { Report } from "#models/report.server";
import { publishedReport, publishedReportFile, sha256 } from "#services/reports/publish";
import { env } from "~/utils/env.server";
import { DEMO_RECOGNITION_YEAR, seed, seedRecognitionConfig } from "../../scripts/seed";

test("the seed publishes the demo year's annual report, with its hashes and a checkpoint of the whole demo ledger", async () => {
  const config = await seedRecognitionConfig({ SIGNING_KEY: env().SIGNING_KEY, APP_URL: env().APP_URL });
  expect(await seed(config)).toBe(true);
  expect(await Report.countDocuments()).toBe(1);
  const { report, supersededBy } = await publishedReport(`annual-${DEMO_RECOGNITION_YEAR}-national-e1`);
  expect(supersededBy).toBeNull();
  expect(report.checkpoint?.size).toBe(await LedgerEntry.countDocuments());
  expect((report.figures as { received: { total: number } }).received.total).toBeGreaterThan(0);
  expect(sha256((await publishedReportFile(report._id, "pdf")).bytes)).toBe(report.pdfSha256);
  expect(sha256((await publishedReportFile(report._id, "csv")).bytes)).toBe(report.csvSha256);
});
