/**
 * What the certificate routes use from the services (J3), behind a `.server` module so none of it (keys,
 * models, node:crypto) reaches the browser bundle.
 */
export { certificateAddresses } from "#services/certificates/addresses";
export { buildIssuerProfileDocument } from "#services/certificates/credential";
export { buildDidDocument, buildJwks } from "#services/certificates/keys";
export { envelopeCredential, VC_JWT_MEDIA_TYPE } from "#services/certificates/vc-jwt";
export { canIssue, certificatePdf, certificatesOfUser, statusListJwt } from "#services/recognition/certificates";
export { achievementDocument, credentialDownload, readVerificationCode, verifyForPage } from "#services/recognition/public";
export { CERTIFICATE_TYPES } from "#models/recognition-rule.server";
