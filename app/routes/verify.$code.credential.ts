import type { LoaderFunctionArgs } from "@remix-run/node";
import { DOCUMENT_CACHE, publicJson, publicNotFound, PUBLIC_CORS } from "~/utils/public-documents.server";
import { ServiceError } from "~/utils/service-errors.server";
import { clientIp } from "~/utils/client-ip.server";
import { enforceFileLimits } from "~/utils/rate-limit.server";
import { credentialDownload, envelopeCredential, readVerificationCode, VC_JWT_MEDIA_TYPE } from "~/utils/certificates.server";

/**
 * /verify/<code>/credential — the certificate's signed credential, public (it is the credential's own
 * `id`): the compact JWS as `application/vc+jwt` by default; with `?format=json` or
 * `Accept: application/json`, the same JWT enveloped as a VC 2.0 `EnvelopedVerifiableCredential`, as a
 * download named after the serial. A revoked certificate's credential is still served (its status list
 * says it was revoked).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await enforceFileLimits(request, [["verify-ip", clientIp(request)]]);
  const read = readVerificationCode((params.code ?? "").slice(0, 200));
  if (!("code" in read) || read.code !== params.code) return publicNotFound();
  let found: { jwt: string; serial: string };
  try {
    found = await credentialDownload(read.code);
  } catch (error) {
    if (error instanceof ServiceError && error.code === "not_found") return publicNotFound();
    throw error;
  }
  const url = new URL(request.url);
  const wantsJson = url.searchParams.get("format") === "json" || (request.headers.get("Accept") ?? "").split(",").some((type) => type.trim().split(";")[0] === "application/json");
  if (wantsJson) {
    return publicJson(envelopeCredential(found.jwt), DOCUMENT_CACHE, { "Content-Disposition": `attachment; filename="chung-nhan-${found.serial.replace(/[^A-Za-z0-9-]+/g, "-")}.json"`, Vary: "Accept" });
  }
  return new Response(found.jwt, { headers: { "Content-Type": VC_JWT_MEDIA_TYPE, "Cache-Control": DOCUMENT_CACHE, Vary: "Accept", ...PUBLIC_CORS } });
}
