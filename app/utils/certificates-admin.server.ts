/**
 * Server functions for the certificate issuing pages (/recognition/certificates, /recognition/batches/:id),
 * re-exported from services/ (decision 0004), and the batches this process is issuing in the background.
 */
import type { SessionUser } from "#models/user.server";
import { startBatch } from "#services/recognition/certificates";
import { recognitionConfig } from "./recognition.server";

export { issueCertificate, listCertificates, revokeCertificate } from "#services/recognition/certificates";
export { batchView, nominationsToIssue } from "#services/recognition/issuing";
export { recognitionConfig };

const inFlight = new Set<Promise<void>>();

/**
 * Starts a batch and returns its id at once (the page never waits on hundreds of certificates); the
 * batch goes on in this process. Its end is kept until it settles, so `batchesSettled` can wait for it.
 */
export async function startBatchInBackground(actor: SessionUser, input: unknown): Promise<string> {
  const { batchId, finished } = await startBatch(actor, input, await recognitionConfig());
  const settled = finished.catch(() => undefined); // startBatch logs a batch that stopped
  inFlight.add(settled);
  void settled.then(() => inFlight.delete(settled));
  return batchId;
}

/** Resolves when every batch started in this process has finished (before the database goes: shutdown, tests). */
export async function batchesSettled(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}
