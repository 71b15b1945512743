import type { LoaderFunctionArgs } from "@remix-run/node";
import { clientIp } from "~/utils/client-ip.server";
import { publicJson, publicNotFound, PUBLIC_CORS } from "~/utils/public-documents.server";
import { enforceFileLimits } from "~/utils/rate-limit.server";
import { entryIdForReference, proveInclusion } from "~/utils/transparency.server";

/**
 * /transparency/proof/inclusion?entry=<receipt number or entry id>[&size=<checkpoint size>] — where an
 * entry is in the ledger's transparency log and the RFC 9162 inclusion proof against the latest
 * checkpoint (or the one of that size), with the signed checkpoint itself. Public; limited per address
 * like the other public look-ups.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await enforceFileLimits(request, [["verify-ip", clientIp(request)]]);
  const url = new URL(request.url);
  const sizeParam = url.searchParams.get("size");
  const size = sizeParam === null ? undefined : Number(sizeParam);
  if (size !== undefined && !(/^\d{1,15}$/.test(sizeParam!) && Number.isSafeInteger(size))) return badRequest("size: a whole number of entries");
  const entryId = await entryIdForReference(url.searchParams.get("entry") ?? "");
  if (!entryId) return publicNotFound();
  const proof = await proveInclusion(entryId, size);
  if (!proof) return publicNotFound();
  return publicJson({ entry: String(entryId), ...proof }, "public, max-age=60");
}

function badRequest(message: string) {
  return new Response(message, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8", ...PUBLIC_CORS } });
}
