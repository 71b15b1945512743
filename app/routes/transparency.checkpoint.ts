import { PUBLIC_CORS, publicNotFound } from "~/utils/public-documents.server";
import { latestCheckpoint } from "~/utils/transparency.server";

/**
 * /transparency/checkpoint — the ledger's latest signed checkpoint (issue 12), as a C2SP signed note:
 * the log's name, its size, its root hash and when it was signed, then the signature. Public; Go's
 * golang.org/x/mod/sumdb/note and Sigstore's tools read it with the verifier key on /transparency/ledger.
 */
export async function loader() {
  const checkpoint = await latestCheckpoint();
  if (!checkpoint) return publicNotFound();
  return new Response(checkpoint.note, { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=60", ...PUBLIC_CORS } });
}
