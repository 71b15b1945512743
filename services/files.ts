import { findFile } from "#models/file.server";
import { Institution } from "#models/institution.server";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution } from "./access";
import { forbidden, notFound } from "./errors";

/**
 * A stored file, if this viewer may have it: programme covers are public; evidence and receipts
 * belong to an institution's private books (its managers, its province's officer, the ministry).
 */
export async function fileForViewer(viewer: SessionUser | null, id: string) {
  const file = await findFile(id);
  if (!file) throw notFound();
  if (file.metadata.kind === "cover") return { file, isPublic: true };
  const institutionId = file.metadata.institutionId;
  if (!viewer || !institutionId) throw forbidden();
  const institution = await Institution.findById(institutionId).select("provinceSlug").lean();
  if (!institution || !canAccessInstitution(viewer, { id: institutionId, provinceSlug: institution.provinceSlug })) throw forbidden();
  return { file, isPublic: false };
}
