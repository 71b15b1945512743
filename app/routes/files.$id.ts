import type { LoaderFunctionArgs } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { getUser } from "~/utils/auth.server";
import { fileForViewer, openFileStream } from "~/utils/domain.server";
import { orRespond } from "~/utils/service-errors.server";

/**
 * What a browser may show in place on our origin (decision 0020): raster images and PDF, by the type
 * detected from the bytes at upload. Anything else — HTML, SVG, or a type we do not know — is sent as
 * application/octet-stream and as an attachment, so it is never rendered as a page of the app.
 */
const INLINE_TYPES = new Set(["image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf"]);

/** Every file response runs nothing and loads nothing; a PDF cannot be sandboxed (Chromium's viewer refuses to run in a sandbox). */
const FILE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";
const PDF_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** The headers a stored file is served with. */
function fileHeaders(file: { length: number; filename: string; metadata: { contentType: string } }, isPublic: boolean) {
  const stored = String(file.metadata.contentType ?? "").toLowerCase();
  const inline = INLINE_TYPES.has(stored);
  const ascii = file.filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const name = `filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`;
  return {
    "Content-Type": inline ? stored : "application/octet-stream",
    "Content-Length": String(file.length),
    "Cache-Control": isPublic ? "public, max-age=86400, immutable" : "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": stored === "application/pdf" ? PDF_CSP : FILE_CSP,
    "Content-Disposition": inline ? `inline; ${name}` : `attachment; ${name}`,
  };
}

/** Files from GridFS: covers for everyone, evidence only for those who keep or check the books. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { file, isPublic } = await orRespond(fileForViewer(await getUser(request), params.id ?? ""));
  return new Response(createReadableStreamFromReadable(openFileStream(file.id)), { headers: fileHeaders(file, isPublic) });
}
