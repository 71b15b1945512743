import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/utils/auth.server";
import { receiptPdfFor } from "~/utils/domain.server";
import { env } from "~/utils/env.server";
import { orRespond } from "~/utils/service-errors.server";
import { enforceFileLimits, limitsFor } from "~/utils/rate-limit.server";

/**
 * /receipts/R-XXXX/pdf — the donation receipt (`?lang=en`: in English), for its donor or those who keep the institution's books.
 * (/receipts/R-XXXX is the receipt's public page; /receipts/R-XXXX.pdf, the older address, redirects here.)
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const number = (params.number ?? "").toUpperCase();
  if (!/^R-[0-9A-F]{16}$/.test(number)) throw new Response("errors.notFound", { status: 404 });
  await enforceFileLimits(request, limitsFor(request, "pdf", user.id));
  // The Vietnamese original by default; `?lang=en` its English translation (issue 13).
  const locale = new URL(request.url).searchParams.get("lang") === "en" ? "en" : "vi";
  const pdf = await orRespond(receiptPdfFor(user, number, env().APP_URL, locale));
  return new Response(new Uint8Array(pdf), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${locale === "en" ? "receipt" : "bien-nhan"}-${number}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
}
