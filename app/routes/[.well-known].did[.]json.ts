import { KEYS_CACHE, publicJson } from "~/utils/public-documents.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { buildDidDocument } from "~/utils/certificates.server";

/**
 * /.well-known/did.json — the did:web document of the platform's host: every key certificates were
 * ever signed with (current first), as `JsonWebKey` verification methods under `assertionMethod`
 * (decision 0025). Public, readable from any origin.
 */
export async function loader() {
  const { keys } = await recognitionConfig();
  return publicJson(buildDidDocument(keys), KEYS_CACHE, { "Content-Type": "application/did+json" });
}
