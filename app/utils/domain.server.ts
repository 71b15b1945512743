/**
 * Server functions the routes call, re-exported from services/ and models/. Routes import them from
 * here: Remix's classic compiler empties `.server` modules only inside app/, so this keeps services →
 * models → mongoose out of the browser bundle (see docs/decisions/0004-server-only-imports.md).
 */
export { recordAudit } from "#models/audit-event.server";
export { openFileStream } from "#models/file.server";
export { fileForViewer } from "#services/files";
export { listUsers, setUserRole } from "#models/user.server";
export { applyForInstitution, decideInstitution, decideJoinRequest, findApprovedInstitutions, institutionsManagedBy, institutionSummaries, internationalTransferOf, requestToJoin, reviewQueue, setInternationalTransfer } from "#services/institutions";
export { changeProgrammeState, createProgramme, getProgrammeForManagement, programmesOfInstitutions, updateProgramme } from "#services/programmes";
export { storeImage } from "#services/uploads";
export { cancelPledge, createPledge, donorProfileOf, getPledgeForViewer, pledgeDetails, pledgesOfUser } from "#services/pledges";
export { publicReceipt, receiptPdfFor } from "#services/receipt-document";
export { vietQrPngDataUrl } from "#services/vietqr";
export { getPledgePlaceholder as getPledgeProgramme } from "#services/catalogue";
