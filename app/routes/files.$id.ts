import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { canAccessInstitution } from "#services/access";
import { getUser } from "~/utils/auth.server";
import { findFile, openFileStream } from "~/utils/domain.server";

/**
 * Files from GridFS. Programme covers are public; evidence and receipts only for those who may see
 * the institution's private data.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const file = await findFile(params.id ?? "");
  if (!file) throw new Response("errors.notFound", { status: 404 });
  const isPublic = file.metadata.kind === "cover";
  if (!isPublic) {
    const user = await getUser(request);
    const institutionId = file.metadata.institutionId;
    // Province scoping for officers needs the institution's province; managers and ministry need only its id.
    if (!user || !institutionId || !canAccessInstitution(user, { id: institutionId, provinceSlug: "" })) {
      throw new Response("errors.forbidden", { status: 403 });
    }
  }
  return new Response(createReadableStreamFromReadable(openFileStream(file.id)), {
    headers: {
      "Content-Type": file.metadata.contentType,
      "Content-Length": String(file.length),
      "Cache-Control": isPublic ? "public, max-age=86400, immutable" : "private, no-store",
      "X-Content-Type-Options": "nosniff",
      "Content-Disposition": isPublic ? "inline" : `attachment; filename="${encodeURIComponent(file.filename)}"`,
    },
  });
}
