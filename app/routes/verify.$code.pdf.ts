import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/utils/auth.server";
import { enforceFileLimits, limitsFor } from "~/utils/rate-limit.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { orRespond } from "~/utils/service-errors.server";
import { certificatePdf, readVerificationCode } from "~/utils/certificates.server";

/**
 * /verify/<code>/pdf — the certificate as PDF, for the donor it was given to (signed in to their
 * account) and officers who issue; anyone else is refused (403), a visitor is asked to log in first.
 * (The public page, /verify/<code>, and the signed credential are for everyone.)
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const read = readVerificationCode((params.code ?? "").slice(0, 200));
  if (!("code" in read) || read.code !== params.code) throw new Response("errors.notFound", { status: 404 });
  await enforceFileLimits(request, limitsFor(request, "pdf", user.id));
  const { pdf, serial } = await orRespond(certificatePdf(user, read.code, await recognitionConfig()));
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="chung-nhan-${serial.replace(/[^A-Za-z0-9-]+/g, "-")}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
}
