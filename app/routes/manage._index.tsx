import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { provinceName } from "#models/reference/provinces";
import { formatDate, formatVnd } from "#services/format";
import { JoinRequestDecision } from "~/components/join-request";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { getFixedT } from "~/utils/i18n.server";
import { refusalMessage } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { changeProgrammeState, decideJoinRequest, institutionsManagedBy, programmesOfInstitutions } from "~/utils/domain.server";
import { readFormData } from "~/utils/forms.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Quản lý · Manage — Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const institutions = await institutionsManagedBy(user);
  const programmes = await programmesOfInstitutions(institutions.filter((i) => i.status === "approved").map((i) => String(i._id)));
  // "Kết thúc" first asks (/manage?close=<id>): a plain GET page, so it works without JavaScript.
  const closeId = new URL(request.url).searchParams.get("close");
  const toClose = closeId ? programmes.find((p) => String(p._id) === closeId && p.state === "open") : undefined;
  return json({
    confirmClose: toClose ? { id: String(toClose._id), title: toClose.title, endDate: toClose.endDate } : null,
    institutions: institutions.map((i) => ({
      id: String(i._id),
      name: i.name,
      slug: i.slug,
      status: i.status,
      statusReason: i.statusReason,
      province: provinceName(i.provinceSlug) ?? "",
      joinRequests: i.joinRequests.map((r) => ({ userId: String(r.userId), name: r.name, email: r.email })),
      programmes: programmes
        .filter((p) => String(p.institutionId) === String(i._id))
        .map((p) => ({ id: String(p._id), title: p.title, slug: p.slug, state: p.state, ended: p.ended, reopenable: p.reopenable, goal: p.goal, pledged: p.pledgedTotal, received: p.receivedTotal, endDate: p.endDate })),
    })),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  try {
    if (formData.get("intent") === "join") {
      const approve = formData.get("decision") === "approve";
      await decideJoinRequest(user, String(formData.get("institutionId") ?? ""), String(formData.get("userId") ?? ""), approve);
      return redirectWithToast("/manage", { type: "success", message: t(approve ? "review.joinApproved" : "review.joinRejected") });
    }
    const to = formData.get("to");
    if (to !== "open" && to !== "closed") throw new Response("validation.invalidChoice", { status: 400 });
    const programmeId = String(formData.get("programmeId") ?? "");
    // Closing is asked first: an unconfirmed request only leads to the question.
    if (to === "closed" && formData.get("confirmed") !== "yes") return redirect(`/manage?${new URLSearchParams({ close: programmeId })}#confirm-close`);
    const { reopened } = await changeProgrammeState(user, programmeId, to);
    return redirectWithToast("/manage", { type: "success", message: t(to === "closed" ? "programmes.closed" : reopened ? "programmes.reopened" : "programmes.published") });
  } catch (error) {
    if (error instanceof Response) throw error;
    return redirectWithToast("/manage", { type: "error", message: t(refusalMessage(error)) });
  }
}

export default function ManagePage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { institutions, confirmClose } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>{t("manage.title")}</h1>
      {confirmClose ? (
        <section id="confirm-close" className="card stack" aria-labelledby="confirm-close-title" data-testid="confirm-close">
          <h2 id="confirm-close-title">{t("programmes.confirmCloseTitle", { title: confirmClose.title })}</h2>
          <p>{t("programmes.confirmCloseBody", { endDate: formatDate(confirmClose.endDate, lang) })}</p>
          <Form method="post" action="/manage" className="inline-form">
            <AuthenticityTokenInput />
            <input type="hidden" name="programmeId" value={confirmClose.id} />
            <input type="hidden" name="to" value="closed" />
            <input type="hidden" name="confirmed" value="yes" />
            <button type="submit" className="button">
              {t("programmes.confirmClose")}
            </button>
            <Link to="/manage" className="button button-secondary">
              {t("programmes.keepOpen")}
            </Link>
          </Form>
        </section>
      ) : null}
      {institutions.length === 0 ? (
        <div className="card">
          <p>{t("manage.noInstitution")}</p>
          <Link to="/institutions/apply" className="button">
            {t("manage.apply")}
          </Link>
        </div>
      ) : (
        <p>
          <Link to="/institutions/apply">{t("manage.applyAnother")}</Link>
        </p>
      )}
      {institutions.map((institution) => (
        <article key={institution.id} className="card stack" aria-labelledby={`i-${institution.id}`}>
          <header className="card-header">
            <h2 id={`i-${institution.id}`}>{institution.name}</h2>
            <span className={`badge badge-${institution.status}`}>{t(`institutions.status.${institution.status}`)}</span>
          </header>
          <p className="muted">{institution.province}</p>
          {institution.status === "pending" ? <p>{t("manage.pendingNote")}</p> : null}
          {institution.status === "rejected" ? <p>{t("manage.rejectedNote", { reason: institution.statusReason ?? "" })}</p> : null}
          {institution.status === "approved" ? (
            <>
              <p className="inline-form">
                <Link to={`/manage/programmes/new?institution=${institution.id}`} className="button button-small">
                  {t("manage.newProgramme")}
                </Link>
                <Link to={`/manage/institutions/${institution.id}/reconcile`} className="button button-small button-secondary">
                  {t("manage.reconcile")}
                </Link>
                <Link to={`/manage/institutions/${institution.id}/learning`} className="button button-small button-secondary">{t("reports.learning.link")}</Link>
                <Link to={`/manage/institutions/${institution.id}/international`} className="button button-small button-secondary">{t("institutions.international.link")}</Link>
              </p>
              {institution.programmes.length === 0 ? <p className="muted">{t("manage.noProgrammes")}</p> : null}
              {institution.programmes.length > 0 ? (
                <div className="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">{t("programmes.title")}</th>
                        <th scope="col">{t("programmes.stateLabel")}</th>
                        <th scope="col">{t("programmes.goal")}</th>
                        <th scope="col">{t("manage.pledged")}</th>
                        <th scope="col">{t("manage.received")}</th>
                        <th scope="col">{t("programmes.endDate")}</th>
                        <th scope="col">{t("manage.actions")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {institution.programmes.map((p) => (
                        <tr key={p.id}>
                          <td>
                            <Link to={`/manage/programmes/${p.id}`}>{p.title}</Link>
                            {p.state !== "draft" ? (
                              <>
                                {" · "}
                                <Link to={`/manage/programmes/${p.id}/finance`}>{t("manage.finance")}</Link>
                              </>
                            ) : null}
                          </td>
                          <td>{p.ended ? t("programmes.state.ended") : t(`programmes.state.${p.state}`)}</td>
                          <td className="num">{formatVnd(p.goal, lang)}</td>
                          <td className="num">{formatVnd(p.pledged, lang)}</td>
                          <td className="num">{formatVnd(p.received, lang)}</td>
                          <td>{formatDate(p.endDate, lang)}</td>
                          <td>
                            {p.state === "draft" ? (
                              <Form method="post">
                                <AuthenticityTokenInput />
                                <input type="hidden" name="programmeId" value={p.id} />
                                <input type="hidden" name="to" value="open" />
                                <button type="submit" className="button button-small">
                                  {t("programmes.publish")}
                                </button>
                              </Form>
                            ) : p.state === "open" ? (
                              <Link to={`/manage?${new URLSearchParams({ close: p.id })}#confirm-close`} className="button button-small button-secondary">
                                {t("programmes.close")}
                              </Link>
                            ) : p.reopenable ? (
                              <Form method="post">
                                <AuthenticityTokenInput />
                                <input type="hidden" name="programmeId" value={p.id} />
                                <input type="hidden" name="to" value="open" />
                                <button type="submit" className="button button-small button-secondary">
                                  {t("programmes.reopen")}
                                </button>
                              </Form>
                            ) : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              {institution.joinRequests.length > 0 ? (
                <>
                  <h3>{t("review.joinRequests")}</h3>
                  <ul className="plain-list">
                    {institution.joinRequests.map((r) => (
                      <li key={r.userId}>
                        <JoinRequestDecision institutionId={institution.id} request={r} />
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </>
          ) : null}
        </article>
      ))}
    </section>
  );
}
