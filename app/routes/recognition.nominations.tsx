import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { NOMINATION_STATUSES } from "#models/reference/recognition";
import { formatDate, formatVnd } from "#services/format";
import { reviewSchema } from "#services/validation/recognition";
import { FormError, useMessage } from "~/components/forms";
import { RecognitionNav } from "~/components/recognition-nav";
import recognitionStyles from "~/styles/recognition.css";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { donorNames, nominationsForViewer, review } from "~/utils/recognition-officer.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: recognitionStyles }];
export const meta: MetaFunction = () => [{ title: "Đề cử vinh danh · Nominations — Góp Sức" }];

const VIEWERS = ["ministry_officer", "province_officer", "manager"] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, VIEWERS);
  const status = new URL(request.url).searchParams.get("status");
  const view = await orRespond(nominationsForViewer(user, status));
  return json({ ...view, status: (NOMINATION_STATUSES as readonly string[]).includes(status ?? "") ? status : null }, { headers: { "Cache-Control": "private, no-store" } });
}

export type ReviewResult = { nominationId: string; name: string; result: "approved" | "rejected" | "own_nomination" | "not_pending" | "not_found" };

/** Approve or reject the ticked nominations (reviewers only; a reason is required to reject). */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, ["ministry_officer"]);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(reviewSchema, formData);
  // The ticked nominations come back ticked (all of them, not only the last).
  if (!parsed.ok) return formFailure({ ...parsed, values: { ...parsed.values, nominationIds: formData.getAll("nominationIds").filter((v) => typeof v === "string").join(" ") }, formError: parsed.errors.reason ? "recognition.rejectReasonRequired" : "validation.fixErrors" });
  let outcomes;
  try {
    outcomes = await review(user, parsed.data);
  } catch (error) {
    return serviceFailure(error, { reason: parsed.data.reason });
  }
  const names = await donorNames(outcomes.map((o) => o.nominationId.split(":")[1] ?? ""));
  const results: ReviewResult[] = outcomes.map((o) => ({ ...o, name: names[o.nominationId.split(":")[1] ?? ""] ?? "" }));
  return json({ ok: true as const, results });
}

const badge = (status: string) => `badge badge-${status === "rejected" ? "rejected" : status === "proposed" ? "pending" : "approved"}`;

export default function NominationsPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const message = useMessage();
  const { canReview, nominations, status } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const results = actionData && actionData.ok ? actionData.results : null;
  const navigation = useNavigation();
  const [selectAll, setSelectAll] = useState(0);
  // "Select all" without JavaScript is a link that draws the list ticked.
  const all = useSearchParams()[0].get("all") === "1";
  const vnd = (amount: number) => formatVnd(amount, lang);
  const proposed = nominations.filter((n) => n.status === "proposed");
  const chosen = new Set(failure ? (failure.values.nominationIds ?? "").split(" ") : []);
  const reasonError = failure?.errors.reason?.[0];
  const choiceError = failure?.errors.nominationIds?.[0];

  const table = (
    <div className="table-wrap">
      <table className="recognition-table" data-testid="nominations">
        <thead>
          <tr>
            {canReview ? <th scope="col" className="select-column">{t("recognition.nominations.select")}</th> : null}
            <th scope="col">{t("recognition.nominations.nominee")}</th>
            <th scope="col">{t("recognition.nominations.rule")}</th>
            <th scope="col" className="num">{t("recognition.nominations.contribution")}</th>
            <th scope="col">{t("recognition.nominations.nominatedBy")}</th>
            <th scope="col">{t("recognition.nominations.justification")}</th>
            <th scope="col">{t("recognition.nominations.status")}</th>
          </tr>
        </thead>
        <tbody>
          {nominations.map((n) => (
            <tr key={n.id} data-testid="nomination">
              {canReview ? (
                <td className="select-column">
                  {n.status === "proposed" ? (
                    <input
                      key={`${n.id}-${selectAll}-${all}`}
                      type="checkbox"
                      name="nominationIds"
                      value={n.id}
                      defaultChecked={all || selectAll > 0 || chosen.has(n.id)}
                      aria-label={t("recognition.nominations.selectNomination", { name: n.donorName })}
                    />
                  ) : null}
                </td>
              ) : null}
              <td>
                <strong>{n.donorName}</strong>
                {canReview ? (
                  <div>
                    <Link to={`/recognition/donors/${n.donorId}`} aria-label={t("recognition.nominations.historyOf", { name: n.donorName })}>
                      {t("recognition.nominations.history")}
                    </Link>
                  </div>
                ) : null}
              </td>
              <td>
                {n.rule ? (n.rule.name[lang] || n.rule.name.vi) : "—"}
                {n.rule ? <div className="muted">{`${t(`recognition.types.${n.rule.type}`)} · ${n.rule.ruleSet} · ${n.rule.year}`}</div> : null}
              </td>
              <td className="num">{vnd(n.contribution)}</td>
              <td>
                {t("recognition.nominations.nominatedByLine", { name: n.nominatorName, role: t(`roles.${n.nominatorRole}`), date: formatDate(n.nominatedAt, lang) })}
                {n.own ? <div className="muted">{t("recognition.nominations.yours")}</div> : null}
              </td>
              <td>{n.justification}</td>
              <td>
                <span className={badge(n.status)}>{t(`recognition.statuses.${n.status}`)}</span>
                {n.reviewerName && n.reviewedAt ? <div className="muted">{t("recognition.nominations.reviewedLine", { name: n.reviewerName, date: formatDate(n.reviewedAt, lang) })}</div> : null}
                {n.reviewReason ? <div>{n.reviewReason}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );

  return (
    <section className="stack">
      <RecognitionNav />
      <div>
        <h1>{t("recognition.nominations.title")}</h1>
        <p className="lead-text muted">{t("recognition.nominations.lead")}</p>
      </div>

      <Form method="get" className="inline-form">
        <label htmlFor="nomination-status">{t("recognition.nominations.filter")}</label>
        <select id="nomination-status" name="status" defaultValue={status ?? ""}>
          <option value="">{t("recognition.nominations.all")}</option>
          {NOMINATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`recognition.statuses.${s}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-secondary button-small">
          {t("recognition.nominations.apply")}
        </button>
      </Form>

      {results ? (
        <div className="card" role="status" data-testid="review-results">
          <h2>{t("recognition.nominations.results")}</h2>
          <ul className="plain-list">
            {results.map((r) => (
              <li key={r.nominationId} data-result={r.result}>
                <strong>{r.name || "—"}</strong>: {t(`recognition.nominations.outcomes.${r.result}`)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {nominations.length === 0 ? (
        <p className="muted">{t("recognition.nominations.none")}</p>
      ) : canReview ? (
        <Form method="post" className="stack" data-testid="review-form">
          <AuthenticityTokenInput />
          <FormError message={failure?.formError ?? null} />
          {proposed.length > 0 ? (
            <p>
              <Link
                to={`?${new URLSearchParams({ ...(status ? { status } : {}), all: "1" })}`}
                preventScrollReset
                onClick={(event) => {
                  event.preventDefault();
                  setSelectAll((n) => n + 1);
                }}
              >
                {t("recognition.nominations.selectAll")}
              </Link>
            </p>
          ) : null}
          {choiceError ? (
            <p className="field-error" role="alert">
              {message(choiceError)}
            </p>
          ) : null}
          {table}
          {proposed.length > 0 ? (
            <fieldset className="decision-form">
              <legend>{t("recognition.nominations.reviewTitle")}</legend>
              <div className={`field${reasonError ? " field-invalid" : ""}`}>
                <label htmlFor="review-reason">{t("recognition.nominations.reason")}</label>
                <p className="field-hint" id="review-reason-hint">
                  {t("recognition.nominations.reasonHint")}
                </p>
                <textarea
                  id="review-reason"
                  name="reason"
                  rows={2}
                  maxLength={2000}
                  defaultValue={failure?.values.reason ?? ""}
                  aria-invalid={reasonError ? true : undefined}
                  aria-describedby={reasonError ? "review-reason-hint review-reason-error" : "review-reason-hint"}
                />
                {reasonError ? (
                  <p className="field-error" id="review-reason-error" role="alert">
                    {message(reasonError)}
                  </p>
                ) : null}
              </div>
              <div className="inline-form">
                <button type="submit" name="decision" value="approve" className="button" disabled={navigation.state === "submitting"}>
                  {t("recognition.nominations.approve")}
                </button>
                <button type="submit" name="decision" value="reject" className="button button-secondary" disabled={navigation.state === "submitting"}>
                  {t("recognition.nominations.reject")}
                </button>
              </div>
            </fieldset>
          ) : null}
        </Form>
      ) : (
        table
      )}
    </section>
  );
}
