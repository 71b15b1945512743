import { KEYS_CACHE, publicJson } from "~/utils/public-documents.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { buildJwks } from "~/utils/certificates.server";

/**
 * /.well-known/jwks.json — the same keys as /.well-known/did.json, as a JWK Set (RFC 7517): what a
 * JOSE library verifies a certificate's credential with. Public keys only; readable from any origin.
 */
export async function loader() {
  const { keys } = await recognitionConfig();
  return publicJson(buildJwks(keys), KEYS_CACHE, { "Content-Type": "application/jwk-set+json" });
}
