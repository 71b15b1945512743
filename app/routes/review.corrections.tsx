import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { provinceName } from "#models/reference/provinces";
import { formatDate, formatVnd } from "#services/format";
import { correctionDecisionSchema } from "#services/validation/correction";
import { FormError } from "~/components/forms";
import { requireRole } from "~/utils/auth.server";
import { correctionReviewQueue, decideCorrection } from "~/utils/corrections.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Duyệt điều chỉnh · Review corrections — Góp Sức" }];

/** Large corrections wait here for a second person: the province's officer (or the ministry, or an admin). */
const REVIEWERS = ["ministry_officer", "province_officer"] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, REVIEWERS);
  const queue = await orRespond(correctionReviewQueue(user));
  return json(
    { scope: user.role === "province_officer" ? (provinceName(user.provinceSlug ?? "") ?? null) : null, ...queue },
    { headers: { "Cache-Control": "private, no-store" } },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, REVIEWERS);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(correctionDecisionSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: parsed.errors.reason ? "corrections.validation.rejectReason" : "validation.fixErrors" });
  let result;
  try {
    result = await decideCorrection(user, parsed.data);
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  const amount = formatVnd(result.amount, await getLanguage(request));
  if (result.duplicate) return redirectWithToast("/review/corrections", { type: "info", message: t("corrections.review.alreadyDecided") });
  const message = result.state === "approved" ? t("corrections.review.approved", { amount }) : t("corrections.review.rejected", { amount });
  return redirectWithToast("/review/corrections", { type: "success", message });
}

export default function ReviewCorrectionsPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { scope, pending, decided } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const vnd = (amount: number) => formatVnd(amount, lang);
  return (
    <section className="stack">
      <h1>{t("corrections.review.title")}</h1>
      <p className="muted">{t("corrections.review.lead")}</p>
      {scope ? <p className="muted">{t("review.scope", { province: scope })}</p> : null}
      <FormError message={failure?.formError ?? null} />
      <h2>{t("corrections.review.pending", { count: pending.length })}</h2>
      {pending.length === 0 ? <p className="muted">{t("corrections.review.nothingPending")}</p> : null}
      {pending.map((r) => (
        <article key={r.id} className="card review-card" aria-labelledby={`correction-${r.id}`} data-testid="correction-request">
          <h3 id={`correction-${r.id}`}>
            {t("corrections.review.requestTitle", { amount: vnd(r.amount), receipt: r.receiptNumber })}
          </h3>
          <dl className="facts">
            <div><dt>{t("corrections.review.institution")}</dt><dd>{r.institutionName} · {r.programmeTitle}</dd></div>
            <div><dt>{t("corrections.giftAmount")}</dt><dd>{vnd(r.giftAmount)}</dd></div>
            <div><dt>{t("corrections.amount")}</dt><dd>{vnd(r.amount)}</dd></div>
            <div><dt>{t("corrections.reason")}</dt><dd>{r.reason}</dd></div>
            <div><dt>{t("corrections.requestedBy")}</dt><dd>{r.requestedBy} · {formatDate(r.requestedAt, lang)}</dd></div>
          </dl>
          {r.canDecide ? (
            <Form method="post" className="decision-form">
              <AuthenticityTokenInput />
              <input type="hidden" name="requestId" value={r.id} />
              <label htmlFor={`reason-${r.id}`}>{t("corrections.review.decisionReason")}</label>
              <textarea id={`reason-${r.id}`} name="reason" rows={2} maxLength={1000} />
              <div className="inline-form">
                <button type="submit" name="decision" value="approve" className="button">
                  {t("corrections.review.approve")}
                </button>
                <button type="submit" name="decision" value="reject" className="button button-secondary">
                  {t("corrections.review.reject")}
                </button>
              </div>
            </Form>
          ) : (
            <p className="muted">{t("corrections.review.notYours")}</p>
          )}
        </article>
      ))}
      <h2>{t("corrections.review.recent")}</h2>
      {decided.length === 0 ? (
        <p className="muted">{t("corrections.review.nothingDecided")}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="decided-corrections">
            <thead>
              <tr>
                <th scope="col">{t("corrections.review.institution")}</th>
                <th scope="col">{t("finance.receipt")}</th>
                <th scope="col" className="num">{t("corrections.amount")}</th>
                <th scope="col">{t("corrections.state")}</th>
                <th scope="col">{t("corrections.review.decisionReason")}</th>
              </tr>
            </thead>
            <tbody>
              {decided.map((r) => (
                <tr key={r.id}>
                  <td>{r.institutionName}</td>
                  <td><code>{r.receiptNumber}</code></td>
                  <td className="num">{vnd(r.amount)}</td>
                  <td>
                    {t(`corrections.states.${r.state}`)}
                    {r.decidedBy ? ` · ${r.decidedBy}` : ""}
                    {r.decidedAt ? ` · ${formatDate(r.decidedAt, lang)}` : ""}
                  </td>
                  <td>{r.decisionReason ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
