import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { provinceName } from "#models/reference/provinces";
import { formatDate, formatVnd } from "#services/format";
import { requireUser } from "~/utils/auth.server";
import { institutionSummaries, pledgesOfUser } from "~/utils/domain.server";
import { getLanguage } from "~/utils/i18n.server";
import { MailSettings } from "~/components/mail-settings";
import { getMailProfile } from "~/utils/mail.server";
import { CERTIFICATE_TYPES, certificatesOfUser } from "~/utils/certificates.server";

export const meta: MetaFunction = () => [{ title: "Tài khoản · Account — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const pledges = await pledgesOfUser(user);
  const institutions = user.role === "manager" ? await institutionSummaries(user.institutionIds) : [];
  const mailProfile = await getMailProfile(user.id);
  const certificates = await certificatesOfUser(user);
  return json({
    mail: { emailVerified: mailProfile?.emailVerified ?? false, pledgeReminders: mailProfile?.pledgeReminders ?? true },
    user,
    institutions,
    provinceName: user.provinceSlug ? provinceName(user.provinceSlug) : null,
    pledges: pledges.map(({ pledge, programme, paid }) => ({ reference: pledge.reference, amount: pledge.amount, paid, state: pledge.state, kind: pledge.kind, programmeTitle: programme?.title ?? "", createdAt: pledge.createdAt as Date })),
    locale: await getLanguage(request),
    certificates: certificates.map((c) => ({ code: c._id, serial: c.serial, typeTitle: CERTIFICATE_TYPES[c.type].title, year: c.year, status: c.status, revokedAt: c.revokedAt ?? null, revokedReason: c.revokedReason ?? null })),
  });
}

export default function AccountPage() {
  const { user, institutions, provinceName, pledges, locale, mail, certificates } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t("account.title")}</h1>
      <dl className="facts card">
        <div>
          <dt>{t("account.signedInAs")}</dt>
          <dd data-testid="account-name">
            {user.name} ({user.email})
          </dd>
        </div>
        <div>
          <dt>{t("account.role")}</dt>
          <dd>{t(`roles.${user.role}`)}</dd>
        </div>
        {user.role === "province_officer" ? (
          <div>
            <dt>{t("account.province")}</dt>
            <dd>{provinceName ?? t("account.none")}</dd>
          </div>
        ) : null}
        {user.role === "manager" ? (
          <div>
            <dt>{t("account.institutions")}</dt>
            <dd data-testid="account-institutions">
              {institutions.length === 0 ? (
                t("account.none")
              ) : (
                <ul className="plain-list">
                  {institutions.map((institution) => (
                    <li key={institution.id}>
                      {institution.status === "approved" ? <Link to={`/institutions/${institution.slug}`}>{institution.name}</Link> : institution.name}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
        ) : null}
      </dl>
      <p className="inline-form">
        <Link to="/account/sessions">{t("sessions.link")}</Link>
        <Link to="/account/password">{t("passwordChange.link")}</Link>
        <Link to="/account/data">{t("dataRights.link")}</Link>
      </p>
      <p>{user.role === "manager" ? t("account.nextStepsManager") : t("account.nextStepsDonor")}</p>
      <section aria-labelledby="my-pledges" className="stack">
        <h2 id="my-pledges">{t("pledge.myPledges")}</h2>
        {pledges.length === 0 ? <p className="muted">{t("pledge.noPledges")}</p> : (
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">{t("pledge.reference")}</th><th scope="col">{t("pledge.programme")}</th><th scope="col" className="num">{t("pledge.total")}</th><th scope="col" className="num">{t("pledge.paid")}</th><th scope="col">{t("pledge.status")}</th><th scope="col">{t("pledge.date")}</th></tr></thead>
              <tbody>
                {pledges.map((p) => (
                  <tr key={p.reference}>
                    <td><Link to={`/pledges/${p.reference}`}><code>{p.reference}</code></Link></td>
                    <td>{p.programmeTitle}</td>
                    <td className="num">{formatVnd(p.amount, locale)}</td>
                    <td className="num" data-testid="my-pledge-paid">{formatVnd(p.paid, locale)}</td>
                    <td>{t(`pledge.state.${p.state}`)}</td>
                    <td>{formatDate(p.createdAt, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="my-certificates" className="stack" data-testid="my-certificates" style={{ marginBlock: "1.5rem" }}>
        <h2 id="my-certificates">{t("verify.mine.title")}</h2>
        {certificates.length === 0 ? <p className="muted">{t("verify.mine.none")}</p> : (
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">{t("verify.mine.serial")}</th><th scope="col">{t("verify.mine.type")}</th><th scope="col">{t("verify.mine.year")}</th><th scope="col">{t("verify.mine.status")}</th><th scope="col">{t("verify.mine.links")}</th></tr></thead>
              <tbody>
                {certificates.map((c) => (
                  <tr key={c.code} data-testid="my-certificate">
                    <td><Link to={`/verify/${c.code}`}><code>{c.serial}</code></Link></td>
                    <td>{c.typeTitle[locale]}</td>
                    <td>{c.year}</td>
                    <td>
                      {c.status === "revoked" ? (
                        <>
                          <span className="badge badge-rejected">{t("verify.mine.revoked", { date: c.revokedAt ? formatDate(c.revokedAt, locale) : "" })}</span>
                          {c.revokedReason ? <div className="muted">{t("verify.mine.revokedReason", { reason: c.revokedReason })}</div> : null}
                        </>
                      ) : (
                        <span className="badge badge-approved">{t("verify.mine.issued")}</span>
                      )}
                    </td>
                    <td>
                      <span className="inline-form">
                        <Link to={`/verify/${c.code}`}>{t("verify.mine.verifyPage")}</Link>
                        <a href={`/verify/${c.code}/pdf`} download>{t("verify.mine.pdf")}</a>
                        <a href={`/verify/${c.code}/credential?format=json`} download={`chung-nhan-${c.serial.replace(/\//g, "-")}.json`}>{t("verify.mine.credential")}</a>
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <MailSettings email={user.email} emailVerified={mail.emailVerified} pledgeReminders={mail.pledgeReminders} />
      <p className="inline-form">
        <Link to="/programmes" className="button">
          {t("nav.programmes")}
        </Link>
        <Link to="/manage" className="button button-secondary">
          {t("nav.manage")}
        </Link>
      </p>
    </section>
  );
}
