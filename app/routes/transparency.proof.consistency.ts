import type { LoaderFunctionArgs } from "@remix-run/node";
import { clientIp } from "~/utils/client-ip.server";
import { publicJson, publicNotFound, PUBLIC_CORS } from "~/utils/public-documents.server";
import { enforceFileLimits } from "~/utils/rate-limit.server";
import { proveConsistency } from "~/utils/transparency.server";

/**
 * /transparency/proof/consistency?from=<size>&to=<size> — the RFC 9162 consistency proof that the
 * ledger's log at `to` entries extends the log at `from` without changing or removing anything, with
 * both signed checkpoints. Public; limited per address like the other public look-ups.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await enforceFileLimits(request, [["verify-ip", clientIp(request)]]);
  const url = new URL(request.url);
  const [from, to] = ["from", "to"].map((name) => url.searchParams.get(name) ?? "");
  if (!/^\d{1,15}$/.test(from!) || !/^\d{1,15}$/.test(to!) || Number(from) > Number(to)) {
    return new Response("from and to: two checkpoint sizes, from ≤ to", { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8", ...PUBLIC_CORS } });
  }
  const proof = await proveConsistency(Number(from), Number(to));
  if (!proof) return publicNotFound();
  return publicJson(proof, "public, max-age=3600");
}
