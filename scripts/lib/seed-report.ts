import { User, toSessionUser } from "#models/user.server";
import { runSweep } from "#services/money/sweeper";
import type { RecognitionConfig } from "#services/recognition/certificates";
import { publishReport } from "#services/reports/publish";
import { configureLogSigner } from "#services/transparency/log";

/**
 * The demo's one published report (decision 0041): the demo gifts' ledger entries put in the
 * transparency log and a checkpoint signed with the key the server signs with (a sweep, as the server's
 * would), then the ministry officer publishes the annual report of `year` — so /transparency/reports
 * shows a report with its hashes and checkpoint at once. The signer is set only for this step.
 */
export async function seedPublishedReport(config: RecognitionConfig, year: number) {
  const officer = await User.findOne({ email: "bo.vhttdl@gopsuc.vn" }).lean();
  if (!officer) throw new Error("seedPublishedReport: the demo ministry officer comes first");
  configureLogSigner({ appUrl: config.origin, privateKey: config.keys.current.privateKey });
  try {
    await runSweep({ full: true });
    return await publishReport(toSessionUser(officer), { kind: "annual", year, scope: "national", reason: "" });
  } finally {
    configureLogSigner(null);
  }
}
