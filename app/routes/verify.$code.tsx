import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDate, formatLongVietnameseDate } from "#services/format";
import { useLocale } from "~/components/catalogue-helpers";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import verifyStyles from "~/styles/verify.css";
import { getUser } from "~/utils/auth.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { orRespond } from "~/utils/service-errors.server";
import { clientIp } from "~/utils/client-ip.server";
import { enforceLimits, keepRetryAfter } from "~/utils/rate-limit.server";
import { canIssue, CERTIFICATE_TYPES, certificatesOfUser, readVerificationCode, verifyForPage } from "~/utils/certificates.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: verifyStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Kiểm tra giấy chứng nhận · Certificate verification ${data?.certificate.serial ?? ""} — Góp Sức` },
  // What a verification page says changes (a revocation): never kept by search engines' caches.
  { name: "robots", content: "noindex" },
];

/** Its Cache-Control (private: it may show a download link to who is signed in); a 429 keeps its Retry-After. */
export const headers: HeadersFunction = keepRetryAfter;

/**
 * /verify/<code> — the public page a certificate's QR code opens (issue 11): whether the certificate is
 * genuine and in force, revoked (when, why) or not genuine, checked against the ministry's published
 * keys and its signed revocation list, not only the database. Anyone may read it; the PDF link is shown
 * to those who may download it (its donor, officers who issue).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await enforceLimits([["verify-ip", clientIp(request)]]);
  const raw = params.code ?? "";
  const read = readVerificationCode(raw.slice(0, 200));
  if (!("code" in read)) throw new Response("errors.notFound", { status: 404 });
  // A code typed by hand (lower case, dashes): its one address.
  if (read.code !== raw) throw redirect(`/verify/${read.code}`);
  const config = await recognitionConfig();
  const [check, user] = await Promise.all([orRespond(verifyForPage(read.code, config)), getUser(request)]);
  const canDownload = user ? canIssue(user) || (await certificatesOfUser(user)).some((mine) => mine._id === read.code) : false;
  const { certificate, verdict } = check;
  return json(
    {
      code: read.code,
      verdict,
      canDownload,
      certificate: {
        serial: certificate.serial,
        typeTitle: CERTIFICATE_TYPES[certificate.type].title,
        recipientName: certificate.recipientName ?? null,
        citation: { vi: certificate.citation?.vi ?? "", en: certificate.citation?.en ?? "" },
        year: certificate.year,
        decisionNumber: certificate.decisionNumber ?? null,
        decisionDate: certificate.decisionDate ?? null,
        signerName: certificate.signerName,
        signerTitle: certificate.signerTitle,
        place: certificate.place,
        issuedAt: certificate.issuedAt,
        revokedAt: certificate.revokedAt ?? null,
        revokedReason: certificate.revokedReason ?? null,
      },
    },
    // Who may download the PDF depends on the viewer, and a revocation must show at once: never cached.
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

const MARK = { genuine: "✓", revoked: "✗", not_genuine: "✗", unchecked: "?" } as const;

export default function VerifyCertificatePage() {
  const { code, verdict, canDownload, certificate } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const confirmed = verdict.state !== "not_genuine";
  const revokedAt = certificate.revokedAt ? new Date(certificate.revokedAt) : null;
  const place = formatLongVietnameseDate(new Date(certificate.issuedAt), certificate.place);
  return (
    <article className="stack verify-page">
      <h1>{t("verify.pageTitle")}</h1>
      <section className={`verdict verdict-${verdict.state}`} role="status" aria-live="polite" data-testid="verdict" data-state={verdict.state}>
        <h2>
          <span className="verdict-mark" aria-hidden="true">{MARK[verdict.state]}</span>
          {t(`verify.state.${verdict.state}`)}
        </h2>
        <p>{t(`verify.stateExplained.${verdict.state}`)}</p>
        {verdict.problem ? <p data-testid="verdict-problem"><strong>{t(`verify.problem.${verdict.problem}`)}</strong></p> : null}
        {verdict.state === "revoked" ? (
          <>
            {revokedAt ? <p data-testid="revoked-on"><strong>{t("verify.revokedOn", { date: formatDate(revokedAt, locale) })}</strong></p> : null}
            {certificate.revokedReason ? <p data-testid="revoked-reason">{t("verify.revokedReason", { reason: certificate.revokedReason })}</p> : null}
          </>
        ) : null}
      </section>
      <p className="muted how-checked" data-testid="how-checked">
        {verdict.kid
          ? t("verify.howChecked", { jwks: verdict.jwksUrl, kid: verdict.kid, list: verdict.statusListUrl })
          : t("verify.howCheckedNoKey", { jwks: verdict.jwksUrl, list: verdict.statusListUrl })}
      </p>
      <section aria-labelledby="details" className="stack">
        <h2 id="details">{confirmed ? t("verify.details") : t("verify.detailsUnconfirmed")}</h2>
        <dl className="facts card">
          <div><dt>{t("verify.type")}</dt><dd data-testid="certificate-type">{certificate.typeTitle[locale]}</dd></div>
          <div><dt>{t("verify.serial")}</dt><dd data-testid="certificate-serial">{certificate.serial}</dd></div>
          <div>
            <dt>{t("verify.recipient")}</dt>
            <dd data-testid="certificate-recipient">
              {certificate.recipientName ?? (
                <>
                  {t("verify.anonymous")} <span className="muted">{t("verify.anonymousNote")}</span>
                </>
              )}
            </dd>
          </div>
          <div><dt>{t("verify.citation")}</dt><dd data-testid="certificate-citation">{certificate.citation[locale] || certificate.citation.vi}</dd></div>
          <div><dt>{t("verify.year")}</dt><dd>{certificate.year}</dd></div>
          {certificate.decisionNumber ? (
            <div>
              <dt>{t("verify.decision")}</dt>
              <dd>{certificate.decisionDate ? t("verify.decisionOf", { number: certificate.decisionNumber, date: formatDate(certificate.decisionDate, locale) }) : certificate.decisionNumber}</dd>
            </div>
          ) : null}
          <div><dt>{t("verify.issuer")}</dt><dd>{t("verify.issuerName")}</dd></div>
          <div><dt>{t("verify.signer")}</dt><dd>{certificate.signerTitle} · {certificate.signerName}</dd></div>
          <div><dt>{t("verify.placeDate")}</dt><dd lang="vi">{place}</dd></div>
          <div><dt>{t("verify.issuedAt")}</dt><dd>{formatDate(certificate.issuedAt, locale)}</dd></div>
        </dl>
      </section>
      <section aria-labelledby="downloads" className="stack">
        <h2 id="downloads">{t("verify.downloads")}</h2>
        <ul className="link-list">
          <li><a href={`/verify/${code}/credential?format=json`} className="button button-secondary" download={`chung-nhan-${certificate.serial.replace(/\//g, "-")}.json`}>{t("verify.downloadCredential")}</a></li>
          {canDownload ? <li><a href={`/verify/${code}/pdf`} className="button button-secondary" download data-testid="pdf-link">{t("verify.downloadPdf")}</a></li> : null}
          <li><a href="/.well-known/jwks.json">{t("verify.keys")}</a></li>
          <li><a href="/.well-known/did.json">{t("verify.didDocument")}</a></li>
          <li><a href={verdict.statusListUrl}>{t("verify.revocationList")}</a></li>
          <li><a href="/verify#independent-section">{t("verify.howToVerify")}</a></li>
        </ul>
        <p><Link to="/verify">{t("verify.checkAnother")}</Link></p>
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
