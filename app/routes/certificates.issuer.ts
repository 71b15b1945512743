import { DOCUMENT_CACHE, publicJson } from "~/utils/public-documents.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { buildIssuerProfileDocument, certificateAddresses } from "~/utils/certificates.server";

/**
 * /certificates/issuer — the ministry's Open Badges issuer profile (the credentials' `issuer.url`),
 * as JSON-LD with its own `@context`. Public, readable from any origin.
 */
export async function loader() {
  const { origin, keys } = await recognitionConfig();
  return publicJson(buildIssuerProfileDocument({ did: keys.did, profileUrl: certificateAddresses(origin).issuerProfile }), DOCUMENT_CACHE, { "Content-Type": "application/ld+json" });
}
