import { findFile } from "#models/file.server";
import { Institution } from "#models/institution.server";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution } from "./access";
import { forbidden, notFound } from "./errors";
import { isPublishedReceipt } from "./expenditures";

/**
 * A stored file, if this viewer may have it: programme covers are public; evidence and receipts
 * belong to an institution's private books (its managers, its province's officer, the ministry) — except
 * the receipts of a published expenditure, which are public as the expenditure is (issue 12).
 */
export async function fileForViewer(viewer: SessionUser | null, id: string) {
  const file = await findFile(id);
  if (!file) throw notFound();
  if (file.metadata.kind === "cover") return { file, isPublic: true };
  if (file.metadata.expenditureId && (await isPublishedReceipt(file.metadata.expenditureId, String(file.id)))) return { file, isPublic: true };
  const institutionId = file.metadata.institutionId;
  if (!viewer || !institutionId) throw forbidden();
  const institution = await Institution.findById(institutionId).select("provinceSlug").lean();
  if (!institution || !canAccessInstitution(viewer, { id: institutionId, provinceSlug: institution.provinceSlug })) throw forbidden();
  return { file, isPublic: false };
}
