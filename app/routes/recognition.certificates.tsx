import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { z } from "zod";
import { CERTIFICATE_TYPES, type CertificateType } from "#models/reference/recognition";
import { formatDate, formatVnd } from "#services/format";
import { issueSchema, revokeSchema } from "#services/validation/recognition";
import { clientErrorAt, Field, FormError, useMessage, useValidatedForm } from "~/components/forms";
import pageStyles from "~/styles/certificates-admin.css";
import giftStyles from "~/styles/gifts.css";
import { requireRole } from "~/utils/auth.server";
import { issueCertificate, listCertificates, nominationsToIssue, recognitionConfig, revokeCertificate, startBatchInBackground } from "~/utils/certificates-admin.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formValues, parseForm, readFormData, type FieldErrors } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: giftStyles },
  { rel: "stylesheet", href: pageStyles },
];
export const meta: MetaFunction = () => [{ title: "Cấp giấy chứng nhận · Issue certificates — Góp Sức" }];

/** Issuing and revoking: ministry officers (and admins, who hold every role). Everyone else: 403. */
const ISSUERS = ["ministry_officer"] as const;
const PAGE = "/recognition/certificates";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, ISSUERS);
  const [toIssue, certificates] = await Promise.all([orRespond(nominationsToIssue(user)), orRespond(listCertificates(user))]);
  const issuedCode = new URL(request.url).searchParams.get("issued");
  const rows = certificates.map((c) => ({
    code: c._id,
    serial: c.serial,
    type: c.type as CertificateType,
    recipient: c.printedName,
    issuedAt: c.issuedAt,
    status: c.status,
    revokedAt: c.revokedAt ?? null,
    revokedReason: c.revokedReason ?? null,
  }));
  return json({ toIssue, certificates: rows, justIssued: rows.find((c) => c.code === issuedCode) ?? null }, { headers: { "Cache-Control": "private, no-store" } });
}

type Failure = {
  ok: false;
  intent: "issue" | "revoke";
  errors: FieldErrors;
  formError?: string;
  values: Record<string, string>;
  /** The nominations that were ticked (to tick them again). */
  selected?: string[];
  /** Ticked nominations refused for want of a decision number and date. */
  needsDecision?: string[];
  /** The certificate a refused revocation was for. */
  code?: string;
};
const failure = (body: Omit<Failure, "ok">, status = 400) => json<Failure>({ ok: false, ...body }, { status });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, ISSUERS);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const intent = formData.get("intent");
  if (intent === "revoke") return revoke(user, request, formData);
  if (intent === "issue") return issue(user, request, formData);
  return failure({ intent: "issue", errors: {}, formError: "validation.invalid", values: {} });
}

async function issue(user: Awaited<ReturnType<typeof requireRole>>, request: Request, formData: FormData) {
  const toIssue = await orRespond(nominationsToIssue(user));
  // "Select all" works without JavaScript too: every nomination listed as approved.
  if (formData.get("all") === "on") {
    formData.delete("nominationIds");
    for (const row of toIssue) formData.append("nominationIds", row.id);
  }
  const selected = formData.getAll("nominationIds").filter((v): v is string => typeof v === "string");
  const values = formValues(formData);
  const parsed = parseForm(issueSchema, formData);
  if (!parsed.ok) return failure({ intent: "issue", errors: parsed.errors, formError: "validation.fixErrors", values, selected });
  const ids = [...new Set(parsed.data.nominationIds)];
  // A state award is recorded from its signed decision: without its number and date, nothing is started.
  const needsDecision = toIssue.filter((row) => row.needsDecision && ids.includes(row.id)).map((row) => row.id);
  if (needsDecision.length > 0 && (!parsed.data.decisionNumber || !parsed.data.decisionDate)) {
    const errors: FieldErrors = {};
    if (!parsed.data.decisionNumber) errors.decisionNumber = ["certificatesAdmin.issue.decisionRequired"];
    if (!parsed.data.decisionDate) errors.decisionDate = ["certificatesAdmin.issue.decisionRequired"];
    return failure({ intent: "issue", errors, formError: "certificatesAdmin.issue.needsDecision", values, selected, needsDecision });
  }
  const t = await getFixedT(request);
  if (ids.length > 1) {
    let batchId: string;
    try {
      batchId = await startBatchInBackground(user, { ...parsed.data, nominationIds: ids });
    } catch (error) {
      return serviceFailure(error, values);
    }
    return redirect(`/recognition/batches/${batchId}`);
  }
  let outcome;
  try {
    outcome = await issueCertificate(user, parsed.data, await recognitionConfig());
  } catch (error) {
    return serviceFailure(error, values);
  }
  if (outcome.result === "issued" || outcome.result === "already_issued") {
    const message = outcome.result === "issued" ? t("certificatesAdmin.issue.issuedToast", { serial: outcome.serial }) : t("certificatesAdmin.issue.alreadyIssued");
    return redirectWithToast(`${PAGE}?issued=${outcome.code}`, { type: outcome.result === "issued" ? "success" : "info", message });
  }
  if (outcome.result === "needs_decision") {
    return failure({ intent: "issue", errors: { decisionNumber: ["certificatesAdmin.issue.decisionRequired"] }, formError: "certificatesAdmin.issue.needsDecision", values, selected, needsDecision: [outcome.nominationId] });
  }
  return failure({ intent: "issue", errors: {}, formError: "certificatesAdmin.issue.notApproved", values, selected: [] }, 409);
}

async function revoke(user: Awaited<ReturnType<typeof requireRole>>, request: Request, formData: FormData) {
  const values = formValues(formData);
  const code = values.code ?? "";
  const parsed = parseForm(revokeSchema, formData);
  if (!parsed.ok) return failure({ intent: "revoke", errors: parsed.errors, formError: "certificatesAdmin.revoke.reasonMissing", values, code });
  let result;
  try {
    result = await revokeCertificate(user, parsed.data);
  } catch (error) {
    return serviceFailure(error, values);
  }
  const t = await getFixedT(request);
  return redirectWithToast(PAGE, result.revoked ? { type: "success", message: t("certificatesAdmin.revoke.done") } : { type: "info", message: t("certificatesAdmin.revoke.already") });
}

/**
 * The `recognition.*` validation messages belong to the recognition pages' locale files; until they are
 * there, a message of this page's own says the same.
 */
const FALLBACKS: Record<string, string> = {
  "recognition.chooseNominations": "certificatesAdmin.messages.chooseNominations",
  "recognition.decisionNumberShape": "certificatesAdmin.messages.decisionNumberShape",
  "recognition.revokeReasonRequired": "certificatesAdmin.messages.revokeReasonRequired",
};
function useWithFallback() {
  const { i18n } = useTranslation();
  return (message: string | undefined) => (message && !i18n.exists(message) && FALLBACKS[message] ? FALLBACKS[message] : message);
}
const errorsWithFallback = (errors: FieldErrors | undefined, fallback: (m: string | undefined) => string | undefined) =>
  errors ? Object.fromEntries(Object.entries(errors).map(([field, list]) => [field, list.map((m) => fallback(m) ?? m)])) : undefined;

const asIds = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : typeof value === "string" ? [value] : []);

export default function CertificatesPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { toIssue, certificates, justIssued } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failed = actionData && !actionData.ok ? (actionData as Failure) : null;
  const issueFailure = failed && failed.intent !== "revoke" ? failed : null;
  const revokeFailure = failed?.intent === "revoke" ? failed : null;

  return (
    <section className="stack">
      <div>
        <p className="page-kicker">{t("certificatesAdmin.kicker")}</p>
        <h1>{t("certificatesAdmin.title")}</h1>
        <p className="lead-text muted">{t("certificatesAdmin.lead")}</p>
      </div>

      {justIssued ? (
        <div className="card issued-result" role="status" data-testid="just-issued">
          <p>
            {t("certificatesAdmin.issue.result", { serial: justIssued.serial, name: justIssued.recipient })}{" "}
            <strong>
              <code>{justIssued.serial}</code>
            </strong>
          </p>
          <p className="inline-form">
            <a href={`/verify/${justIssued.code}`}>{t("certificatesAdmin.verifyPage")}</a>
            <a href={`/verify/${justIssued.code}/pdf`}>{t("certificatesAdmin.pdf")}</a>
          </p>
        </div>
      ) : null}

      <h2 id="to-issue">{t("certificatesAdmin.toIssue.title", { count: toIssue.length })}</h2>
      {toIssue.length === 0 ? (
        <p className="muted">{t("certificatesAdmin.toIssue.none")}</p>
      ) : (
        <IssueForm key={toIssue.map((row) => row.id).join(",")} toIssue={toIssue} failure={issueFailure} />
      )}

      <h2 id="issued">{t("certificatesAdmin.issued.title", { count: certificates.length })}</h2>
      {certificates.length === 0 ? (
        <p className="muted">{t("certificatesAdmin.issued.none")}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="issued">
            <thead>
              <tr>
                <th scope="col">{t("certificatesAdmin.issued.serial")}</th>
                <th scope="col">{t("certificatesAdmin.issued.type")}</th>
                <th scope="col">{t("certificatesAdmin.issued.recipient")}</th>
                <th scope="col">{t("certificatesAdmin.issued.issuedAt")}</th>
                <th scope="col">{t("certificatesAdmin.issued.status")}</th>
                <th scope="col">{t("certificatesAdmin.issued.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {certificates.map((c) => (
                <tr key={c.code} data-testid="certificate-row" id={`certificate-${c.code}`}>
                  <td>
                    <code>{c.serial}</code>
                  </td>
                  <td>{CERTIFICATE_TYPES[c.type].title[lang]}</td>
                  <td>{c.recipient}</td>
                  <td className="date-cell">{formatDate(c.issuedAt, lang)}</td>
                  <td>
                    {c.status === "revoked" ? (
                      <>
                        <span className="badge badge-rejected">{t("certificatesAdmin.issued.revoked")}</span>
                        {c.revokedAt ? <span className="muted"> {formatDate(c.revokedAt, lang)}</span> : null}
                        {c.revokedReason ? <p className="revoked-reason">{t("certificatesAdmin.issued.reason", { reason: c.revokedReason })}</p> : null}
                      </>
                    ) : (
                      <span className="badge badge-approved">{t("certificatesAdmin.issued.valid")}</span>
                    )}
                  </td>
                  <td>
                    <p className="inline-form">
                      <a href={`/verify/${c.code}`}>{t("certificatesAdmin.verifyPage")}</a>
                      <a href={`/verify/${c.code}/pdf`}>{t("certificatesAdmin.pdf")}</a>
                    </p>
                    {c.status === "issued" ? <RevokeForm code={c.code} serial={c.serial} failure={revokeFailure?.code === c.code ? revokeFailure : null} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        <Link to="/recognition">← {t("certificatesAdmin.backToRecognition")}</Link>
      </p>
    </section>
  );
}

type ToIssueRow = ReturnType<typeof useLoaderData<typeof loader>>["toIssue"][number];

/**
 * The approved nominations with their checkboxes, and who signs: one ticked is issued at once, several
 * start a batch. Keyed on the listed nominations, so it starts afresh once some are issued.
 */
function IssueForm({ toIssue, failure: issueFailure }: { toIssue: ToIssueRow[]; failure: Failure | null }) {
  const { t } = useTranslation();
  const lang = useLocale();
  const navigation = useNavigation();
  const fallback = useWithFallback();
  const message = useMessage();
  const vnd = (amount: number) => formatVnd(amount, lang);

  const needing = useMemo(() => new Set(toIssue.filter((row) => row.needsDecision).map((row) => row.id)), [toIssue]);
  // The form's schema in the browser: the service's, and the decision asked for when a ticked award needs it.
  const schema = useMemo(
    () =>
      z
        .preprocess((raw) => ({ ...(raw as Record<string, unknown>), nominationIds: asIds((raw as Record<string, unknown>).nominationIds) }), issueSchema)
        .superRefine((value, ctx) => {
          if (!value.nominationIds.some((id) => needing.has(id))) return;
          if (!value.decisionNumber) ctx.addIssue({ code: "custom", path: ["decisionNumber"], message: "certificatesAdmin.issue.decisionRequired" });
          if (!value.decisionDate) ctx.addIssue({ code: "custom", path: ["decisionDate"], message: "certificatesAdmin.issue.decisionRequired" });
        }),
    [needing],
  );
  const initiallySelected = issueFailure?.selected ?? [];
  const form = useValidatedForm(schema, { nominationIds: initiallySelected, place: issueFailure?.values.place ?? "Hà Nội" });
  const errors = form.formState.errors;
  const listed = new Set(toIssue.map((row) => row.id));
  const ticked = asIds(form.watch("nominationIds")).filter((id) => listed.has(id));
  const allTicked = toIssue.length > 0 && toIssue.every((row) => ticked.includes(row.id));
  const decisionRequired = ticked.some((id) => needing.has(id));
  const serverErrors = errorsWithFallback(issueFailure?.errors, fallback);
  const refusedForDecision = new Set(issueFailure?.needsDecision ?? []);
  const props = (name: string, fallbackValue?: string) => ({
    name,
    register: form.register,
    clientError: fallback(clientErrorAt(errors, name)),
    serverErrors,
    defaultValue: issueFailure?.values[name] ?? fallbackValue,
  });
  const idsError = fallback(clientErrorAt(errors, "nominationIds") ?? issueFailure?.errors.nominationIds?.[0]);
  return (
    <Form method="post" noValidate onSubmit={form.onSubmit} className="stack" data-testid="issue-form" aria-labelledby="to-issue">
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value="issue" />
      <FormError message={fallback(issueFailure?.formError) ?? form.clientFormError} />
      <fieldset className="table-fieldset">
        <legend className="visually-hidden">{t("certificatesAdmin.toIssue.choose")}</legend>
        {idsError ? (
          <p className="field-error" role="alert">
            {message(idsError)}
          </p>
        ) : null}
        <div className="table-wrap">
          <table data-testid="to-issue">
            <thead>
              <tr>
                <th scope="col">
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      name="all"
                      checked={allTicked}
                      onChange={(event) => form.setValue("nominationIds", event.currentTarget.checked ? toIssue.map((row) => row.id) : [], { shouldValidate: form.formState.submitCount > 0 })}
                    />
                    <span>{t("certificatesAdmin.toIssue.selectAll", { count: toIssue.length })}</span>
                  </label>
                </th>
                <th scope="col">{t("certificatesAdmin.toIssue.donor")}</th>
                <th scope="col">{t("certificatesAdmin.toIssue.rule")}</th>
                <th scope="col" className="num">{t("certificatesAdmin.toIssue.contribution")}</th>
              </tr>
            </thead>
            <tbody>
              {toIssue.map((row) => (
                <tr key={row.id} data-testid="nomination-row">
                  <td>
                    <label className="checkbox">
                      <input type="checkbox" value={row.id} defaultChecked={initiallySelected.includes(row.id)} {...form.register("nominationIds")} />
                      <span className="visually-hidden">{t("certificatesAdmin.toIssue.pick", { name: row.donorName })}</span>
                    </label>
                  </td>
                  <td>{row.donorName}</td>
                  <td>
                    {row.ruleName[lang] || row.ruleName.vi}
                    <br />
                    <span className="muted">
                      {CERTIFICATE_TYPES[row.type].title[lang]} · {row.year}
                    </span>
                    {row.needsDecision ? (
                      <>
                        {" "}
                        <span className="badge badge-pending">{t("certificatesAdmin.toIssue.needsDecisionBadge")}</span>
                      </>
                    ) : null}
                    {refusedForDecision.has(row.id) ? (
                      <p className="field-error" data-testid="needs-decision">
                        {t("certificatesAdmin.toIssue.refusedNeedsDecision")}
                      </p>
                    ) : null}
                  </td>
                  <td className="num">{vnd(row.contribution)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </fieldset>

      <div className="card stack">
        <h3>{t("certificatesAdmin.issue.signedBy")}</h3>
        <div className="form-grid">
          <Field {...props("signerName")} label={t("certificatesAdmin.issue.signerName")} autoComplete="name" maxLength={120} />
          <Field {...props("signerTitle")} label={t("certificatesAdmin.issue.signerTitle")} hint={t("certificatesAdmin.issue.signerTitleHint")} maxLength={120} />
          <Field {...props("place", "Hà Nội")} label={t("certificatesAdmin.issue.place")} maxLength={60} />
        </div>
        <p className="field-hint">{decisionRequired ? t("certificatesAdmin.issue.decisionNowRequired") : t("certificatesAdmin.issue.decisionHint")}</p>
        <div className="form-grid">
          <Field
            {...props("decisionNumber")}
            label={decisionRequired ? `${t("certificatesAdmin.issue.decisionNumber")} (${t("certificatesAdmin.required")})` : t("certificatesAdmin.issue.decisionNumber")}
            hint={t("certificatesAdmin.issue.decisionNumberHint")}
            aria-required={decisionRequired || undefined}
            maxLength={60}
            autoComplete="off"
          />
          <Field
            {...props("decisionDate")}
            type="date"
            label={decisionRequired ? `${t("certificatesAdmin.issue.decisionDate")} (${t("certificatesAdmin.required")})` : t("certificatesAdmin.issue.decisionDate")}
            aria-required={decisionRequired || undefined}
          />
        </div>
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {ticked.length > 1 ? t("certificatesAdmin.issue.submitMany", { count: ticked.length }) : t("certificatesAdmin.issue.submit")}
          </button>
        </p>
        <p className="field-hint">{t("certificatesAdmin.issue.batchHint")}</p>
      </div>
    </Form>
  );
}

/** Revoking one certificate: a reason is required; the certificate stays listed, marked revoked. */
function RevokeForm({ code, serial, failure }: { code: string; serial: string; failure: Failure | null }) {
  const { t } = useTranslation();
  const fallback = useWithFallback();
  const form = useValidatedForm(revokeSchema, { code });
  const navigation = useNavigation();
  const reasonError = fallback(clientErrorAt(form.formState.errors, "reason")) ?? fallback(failure?.errors.reason?.[0]);
  return (
    <Form method="post" noValidate onSubmit={form.onSubmit} className="revoke-form" data-testid="revoke-form">
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value="revoke" />
      <input type="hidden" value={code} {...form.register("code")} />
      <details open={Boolean(failure) || undefined}>
        <summary>{t("certificatesAdmin.revoke.open")}</summary>
        <Field
          name="reason"
          register={form.register}
          clientError={reasonError}
          label={t("certificatesAdmin.revoke.reason", { serial })}
          hint={t("certificatesAdmin.revoke.reasonHint")}
          defaultValue={failure?.values.reason ?? ""}
          maxLength={1000}
          autoComplete="off"
        />
        <button type="submit" className="button button-secondary button-small" disabled={navigation.state === "submitting"}>
          {t("certificatesAdmin.revoke.submit")}
        </button>
      </details>
    </Form>
  );
}
