import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { findBankByBin } from "#models/reference/banks";
import { INSTITUTION_LEVELS, INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName } from "#models/reference/provinces";
import { formatDate } from "#services/format";
import { decisionSchema } from "#services/validation/institution";
import { FormError } from "~/components/forms";
import { JoinRequestDecision } from "~/components/join-request";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { decideInstitution, decideJoinRequest, reviewQueue } from "~/utils/domain.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Duyệt thiết chế · Review institutions — Góp Sức" }];

const REVIEWERS = ["ministry_officer", "province_officer"] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, REVIEWERS);
  const queue = await orRespond(reviewQueue(user));
  const shape = (i: (typeof queue.pending)[number]) => ({
    id: String(i._id),
    name: i.name,
    slug: i.slug,
    type: i.type,
    level: i.level,
    province: provinceName(i.provinceSlug) ?? i.provinceSlug,
    address: i.address,
    email: i.contact?.email ?? "",
    phone: i.contact?.phone ?? "",
    bank: i.bankAccount ? `${findBankByBin(i.bankAccount.bankBin)?.shortName ?? i.bankAccount.bankBin} · ${i.bankAccount.accountNumber} · ${i.bankAccount.accountName}` : "",
    description: i.description,
    status: i.status,
    statusReason: i.statusReason,
    createdAt: i.createdAt as Date,
    decidedAt: i.decidedAt,
    applicants: i.managerIds.map((id) => queue.applicantById[String(id)]).filter(Boolean),
    joinRequests: i.joinRequests.map((r) => ({ userId: String(r.userId), name: r.name, email: r.email, message: r.message, requestedAt: r.requestedAt })),
  });
  return json({
    scope: user.role === "province_officer" ? (provinceName(user.provinceSlug) ?? null) : null,
    pending: queue.pending.map(shape),
    withRequests: queue.withRequests.map(shape),
    recent: queue.recent.map(shape),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, REVIEWERS);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  const institutionId = String(formData.get("institutionId") ?? "");
  try {
    if (formData.get("intent") === "join") {
      const approve = formData.get("decision") === "approve";
      await decideJoinRequest(user, institutionId, String(formData.get("userId") ?? ""), approve);
      return redirectWithToast("/review/institutions", { type: "success", message: t(approve ? "review.joinApproved" : "review.joinRejected") });
    }
    const parsed = parseForm(decisionSchema, formData);
    if (!parsed.ok) return formFailure({ ...parsed, formError: `review.reasonNeeded` });
    const { status } = await decideInstitution(user, institutionId, parsed.data);
    return redirectWithToast("/review/institutions", { type: "success", message: t(status === "approved" ? "review.approved" : "review.rejected") });
  } catch (error) {
    return serviceFailure(error);
  }
}

export default function ReviewInstitutionsPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { scope, pending, withRequests, recent } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const typeName = (slug: string) => INSTITUTION_TYPES.find((x) => x.slug === slug)?.[lang] ?? slug;
  const levelName = (slug: string) => INSTITUTION_LEVELS.find((x) => x.slug === slug)?.[lang] ?? slug;
  return (
    <section className="stack">
      <h1>{t("review.title")}</h1>
      {scope ? <p className="muted">{t("review.scope", { province: scope })}</p> : null}
      <FormError message={actionData && !actionData.ok ? actionData.formError : null} />
      <h2>{t("review.pending", { count: pending.length })}</h2>
      {pending.length === 0 ? <p className="muted">{t("review.nothingPending")}</p> : null}
      {pending.map((i) => (
        <article key={i.id} className="card review-card" aria-labelledby={`inst-${i.id}`}>
          <h3 id={`inst-${i.id}`}>{i.name}</h3>
          <dl className="facts">
            <div><dt>{t("institutions.type")}</dt><dd>{typeName(i.type)} · {levelName(i.level)}</dd></div>
            <div><dt>{t("institutions.province")}</dt><dd>{i.province}</dd></div>
            <div><dt>{t("institutions.address")}</dt><dd>{i.address}</dd></div>
            <div><dt>{t("institutions.contactEmail")}</dt><dd>{i.email} {i.phone}</dd></div>
            <div><dt>{t("institutions.bankAccount")}</dt><dd>{i.bank}</dd></div>
            <div><dt>{t("review.applicant")}</dt><dd>{i.applicants.map((a) => `${a!.name} <${a!.email}>`).join(", ")}</dd></div>
            <div><dt>{t("review.appliedOn")}</dt><dd>{formatDate(i.createdAt, lang)}</dd></div>
          </dl>
          {i.description ? <p>{i.description}</p> : null}
          <Form method="post" className="decision-form">
            <AuthenticityTokenInput />
            <input type="hidden" name="institutionId" value={i.id} />
            <label htmlFor={`reason-${i.id}`}>{t("review.reason")}</label>
            <textarea id={`reason-${i.id}`} name="reason" rows={2} maxLength={1000} />
            <div className="inline-form">
              <button type="submit" name="decision" value="approve" className="button">
                {t("review.approve")}
              </button>
              <button type="submit" name="decision" value="reject" className="button button-secondary">
                {t("review.reject")}
              </button>
            </div>
          </Form>
        </article>
      ))}
      {withRequests.length > 0 ? <h2>{t("review.joinRequests")}</h2> : null}
      {withRequests.map((i) => (
        <article key={i.id} className="card">
          <h3>{i.name}</h3>
          <ul className="plain-list">
            {i.joinRequests.map((r) => (
              <li key={r.userId}>
                <JoinRequestDecision institutionId={i.id} request={r} />
              </li>
            ))}
          </ul>
        </article>
      ))}
      <h2>{t("review.recent")}</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t("institutions.name")}</th>
              <th scope="col">{t("institutions.province")}</th>
              <th scope="col">{t("review.status")}</th>
              <th scope="col">{t("review.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((i) => (
              <tr key={i.id}>
                <td>{i.name}</td>
                <td>{i.province}</td>
                <td>{t(`institutions.status.${i.status}`)}{i.decidedAt ? ` · ${formatDate(i.decidedAt, lang)}` : ""}</td>
                <td>{i.statusReason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
