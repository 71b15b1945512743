import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { getUser } from "~/utils/auth.server";
import { fileForViewer, openFileStream } from "~/utils/domain.server";
import { orRespond } from "~/utils/service-errors.server";

/** Files from GridFS: covers for everyone, evidence only for those who keep or check the books. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { file, isPublic } = await orRespond(fileForViewer(await getUser(request), params.id ?? ""));
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
