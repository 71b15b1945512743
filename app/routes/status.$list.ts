import type { LoaderFunctionArgs } from "@remix-run/node";
import { publicNotFound, PUBLIC_CORS, STATUS_LIST_CACHE } from "~/utils/public-documents.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { statusListJwt, VC_JWT_MEDIA_TYPE } from "~/utils/certificates.server";

/** The revocation lists in use (every credential names list 1 today; decision 0025). */
const LISTS = new Set(["1"]);

/**
 * /status/<list> — a revocation list: a signed W3C BitstringStatusListCredential (VC-JWT), the address
 * each credential names in `credentialStatus.statusListCredential`. Cached a minute at most, so a
 * revocation shows soon; readable from any origin.
 */
export async function loader({ params }: LoaderFunctionArgs) {
  if (!LISTS.has(params.list ?? "")) return publicNotFound();
  const jwt = await statusListJwt(Number(params.list), await recognitionConfig());
  return new Response(jwt, { headers: { "Content-Type": VC_JWT_MEDIA_TYPE, "Cache-Control": STATUS_LIST_CACHE, ...PUBLIC_CORS } });
}
