import { didWebForOrigin } from "./keys";

/**
 * The stable public addresses of certificates (issue 11), in one place. Others build on them — a
 * credential names its own `id`, its status list and its issuer — so once published they never change.
 * `origin` is the platform's public address (`APP_URL`), without a trailing slash.
 */
export function certificateAddresses(origin: string) {
  const base = new URL(origin).origin;
  return {
    /** The issuer's identifier: did:web of the host. */
    did: didWebForOrigin(base),
    /** The DID document (did:web resolves `did:web:<host>` here). */
    didDocument: `${base}/.well-known/did.json`,
    /** The same keys as a JWKS. */
    jwks: `${base}/.well-known/jwks.json`,
    /** The issuer's Open Badges profile (JSON; the credentials' `issuer.url`). */
    issuerProfile: `${base}/certificates/issuer`,
    /** The page that says whether a certificate is genuine and in force. */
    verifyPage: (code: string) => `${base}/verify/${encodeURIComponent(code)}`,
    /** The signed credential (VC-JWT, `application/vc+jwt`, or enveloped as JSON): the credential's `id`. */
    credential: (code: string) => `${base}/verify/${encodeURIComponent(code)}/credential`,
    /** A revocation list's credential (VC-JWT). */
    statusList: (listId: string | number) => `${base}/status/${encodeURIComponent(String(listId))}`,
    /** One kind of certificate (a rule's tier): the `achievement.id`. */
    achievement: (key: string) => `${base}/certificates/types/${encodeURIComponent(key)}`,
  };
}
