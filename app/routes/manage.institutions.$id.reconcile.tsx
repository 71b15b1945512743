import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction, SerializeFrom } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { z } from "zod";
import { formatDate, formatVnd, type Locale } from "#services/format";
import { Field, SelectField, clientErrorAt, useValidatedForm } from "~/components/forms";
import { requireUser } from "~/utils/auth.server";
import { consumeLimits, limitsFor, retryAfter, tryAgainMessage } from "~/utils/rate-limit.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formValues, parseForm, readFormData, type FieldErrors } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import {
  assignLine,
  confirmStatement,
  decodeStatementFile,
  ignoreLine,
  MAX_STATEMENT_BYTES,
  MAX_STATEMENT_LINES,
  previewStatement,
  reconciliationAccess,
  StatementError,
  statementHeaders,
  unmatchedQueue,
  type ColumnMapping,
  type OverpaymentQuestion,
  type StatementPreview,
  type StatementProblem,
} from "~/utils/reconciliation.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { messageWithParams } from "#services/validation/messages";
import { readTextUploadForm, uploadedFile } from "~/utils/uploads.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Đối soát sao kê · Bank reconciliation — Góp Sức" }];

// ───────────── forms (one zod schema each, used by the browser for comfort and here for truth) ─────────────

const LAYOUTS = ["vietcombank", "custom"] as const;
const layoutSchema = z.object({ layout: z.enum(LAYOUTS, { errorMap: () => ({ message: "validation.invalidChoice" }) }) });
const requiredColumn = z
  .string({ required_error: "reconcile.validation.chooseColumn" })
  .trim()
  .min(1, "reconcile.validation.chooseColumn")
  .regex(/^\d{1,3}$/, "validation.invalidChoice")
  .transform(Number);
const optionalColumn = z
  .string()
  .trim()
  .regex(/^(\d{1,3})?$/, "validation.invalidChoice")
  .optional()
  .transform((value) => (value ? Number(value) : null));
const columnsSchema = z.object({ dateColumn: requiredColumn, creditColumn: requiredColumn, descriptionColumn: requiredColumn, debitColumn: optionalColumn, referenceColumn: optionalColumn });
const lineId = z.string().regex(/^[0-9a-f]{24}$/i, "validation.invalidChoice");
const assignSchema = z.object({
  lineId,
  reference: z
    .string({ required_error: "validation.required" })
    .trim()
    .min(1, "validation.required")
    .max(40, "validation.tooLong")
    .regex(/^[A-Za-z0-9 .-]*$/, "reconcile.errors.referenceShape"),
});
const ignoreSchema = z.object({
  lineId,
  reason: z.string({ required_error: "validation.reasonRequired" }).trim().min(3, "validation.reasonRequired").max(500, "validation.tooLong"),
});
const COLUMN_FIELDS = ["dateColumn", "creditColumn", "descriptionColumn", "debitColumn", "referenceColumn"] as const;

// ───────────── what the action answers ─────────────

type Problems = { problems: StatementProblem[]; problemCount: number; params: Record<string, string | number> };
type UploadStep = { step: "upload"; formError: string | null; errors: FieldErrors } & Problems;
type MapStep = { step: "map"; csvText: string; fileName: string; headers: string[]; values: Record<string, string>; formError: string | null; errors: FieldErrors } & Problems;
type PreviewStep = { step: "preview"; csvText: string; fileName: string; mapping: Record<string, string>; preview: StatementPreview };
/** A queue form refused, or (question set) an assignment that would over-pay its pledge, asked about first. */
type QueueStep = { step: "queue"; intent: "assign" | "ignore"; lineId: string; formError: string | null; errors: FieldErrors; values: Record<string, string>; question?: OverpaymentQuestion | null };
type ActionData = UploadStep | MapStep | PreviewStep | QueueStep;
type Shown<S extends ActionData["step"]> = SerializeFrom<Extract<ActionData, { step: S }>>;

const noProblems: Problems = { problems: [], problemCount: 0, params: {} };
/** A problem with the file itself, shown at the file field. */
const fileFailure = (key: string, problems: Problems = noProblems): UploadStep => ({ step: "upload", formError: null, errors: { statement: [key] }, ...problems });
/** A problem with what is in the file, shown above the form with the lines concerned. */
const contentFailure = (key: string, problems: Problems = noProblems): UploadStep => ({ step: "upload", formError: key, errors: {}, ...problems });
const reply = (data: ActionData, status = 200) => json<ActionData>(data, { status });
const pagePath = (institutionId: string) => `/manage/institutions/${institutionId}/reconcile`;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { institution, lines, total } = await orRespond(unmatchedQueue(user, params.id ?? ""));
  return json({ institution, queue: { lines, total } });
}

/** Statements arrive as multipart (a file, or the CSV kept in the page between preview and confirm). */
async function readForm(request: Request): Promise<FormData | "too_large" | "too_many_lines"> {
  const contentType = request.headers.get("Content-Type") ?? "";
  // The file's bytes and lines are counted as it streams in: one over either cap is refused there.
  // (+1 line: the header row; +1: a last line that ends with a line feed.)
  if (contentType.startsWith("multipart/form-data")) return readTextUploadForm(request, { maxBytes: MAX_STATEMENT_BYTES, maxLines: MAX_STATEMENT_LINES + 2 });
  // The CSV kept in the page, url-encoded: past twice the file cap (declared, or as it streams in) it is too large.
  try {
    return await readFormData(request, 2 * MAX_STATEMENT_BYTES);
  } catch (error) {
    if (error instanceof Response && error.status === 413) return "too_large";
    throw error;
  }
}

function mappingFrom(formData: FormData): { ok: true; mapping: ColumnMapping; values: Record<string, string> } | { ok: false; errors: FieldErrors; values: Record<string, string>; empty: boolean } {
  const values = formValues(formData);
  const layout = parseForm(layoutSchema, formData);
  if (!layout.ok) return { ok: false, errors: layout.errors, values, empty: false };
  if (layout.data.layout === "vietcombank") return { ok: true, mapping: { layout: "vietcombank" }, values: { layout: "vietcombank" } };
  const columns = parseForm(columnsSchema, formData);
  if (!columns.ok) return { ok: false, errors: columns.errors, values, empty: COLUMN_FIELDS.every((field) => !values[field]) };
  const { dateColumn, creditColumn, descriptionColumn, debitColumn, referenceColumn } = columns.data;
  const mapping: ColumnMapping = { layout: "custom", date: dateColumn, credit: creditColumn, description: descriptionColumn, debit: debitColumn, reference: referenceColumn };
  const kept: Record<string, string> = { layout: "custom" };
  for (const field of COLUMN_FIELDS) kept[field] = values[field] ?? "";
  return { ok: true, mapping, values: kept };
}

function problemsOf(error: StatementError): Problems {
  return { problems: error.problems, problemCount: error.problemCount, params: error.params };
}

/** A file or the kept text → the preview (or the column choice, when the columns are not known yet). */
async function preview(user: Awaited<ReturnType<typeof requireUser>>, institutionId: string, formData: FormData) {
  const file = uploadedFile(formData, "statement");
  let csvText: string;
  let fileName = String(formData.get("fileName") ?? "").slice(0, 200);
  try {
    if (file) {
      if (!/\.csv$/i.test(file.name) && file.type !== "text/csv") return reply(fileFailure("reconcile.errors.notCsv"), 400);
      if (file.size > MAX_STATEMENT_BYTES) return reply(fileFailure("reconcile.errors.tooLarge"), 400);
      csvText = decodeStatementFile(new Uint8Array(await file.arrayBuffer()));
      fileName = file.name.slice(0, 200);
    } else {
      csvText = String(formData.get("csvText") ?? "");
      if (!csvText.trim()) return reply(fileFailure("reconcile.validation.fileRequired"), 400);
    }
  } catch (error) {
    if (error instanceof StatementError) return reply(fileFailure(error.message, problemsOf(error)), 400);
    throw error;
  }
  const chosen = mappingFrom(formData);
  try {
    if (!chosen.ok) {
      const { headers } = statementHeaders(csvText);
      // Just uploaded with "choose the columns": show the file's columns, no errors yet.
      if (chosen.empty) return reply({ step: "map", csvText, fileName, headers, values: guessValues(csvText), formError: null, errors: {}, ...noProblems });
      return reply({ step: "map", csvText, fileName, headers, values: chosen.values, formError: "reconcile.errors.mapping", errors: chosen.errors, ...noProblems }, 400);
    }
    const result = await previewStatement(user, institutionId, csvText, chosen.mapping);
    return reply({ step: "preview", csvText, fileName, mapping: chosen.values, preview: result });
  } catch (error) {
    if (!(error instanceof StatementError)) return serviceFailure(error);
    if (error.headers) {
      const values = chosen.ok && chosen.mapping.layout === "custom" ? chosen.values : guessValues(csvText);
      return reply({ step: "map", csvText, fileName, headers: error.headers, values, formError: error.message, errors: error.fieldErrors, ...problemsOf(error) }, 400);
    }
    return reply(contentFailure(error.message, problemsOf(error)), 400);
  }
}

/** The columns a known layout would use, as the column form's starting values. */
function guessValues(csvText: string): Record<string, string> {
  try {
    const { suggested } = statementHeaders(csvText);
    const at = (index: number | undefined) => (index === undefined ? "" : String(index));
    return { layout: "custom", dateColumn: at(suggested.date), creditColumn: at(suggested.credit), descriptionColumn: at(suggested.description), debitColumn: at(suggested.debit), referenceColumn: at(suggested.reference) };
  } catch {
    return { layout: "custom" };
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const institutionId = params.id ?? "";
  // Who may act is known before the upload is read: another institution's manager gets 403 at once.
  await orRespond(reconciliationAccess(user, institutionId));
  // A statement file is limited per address and per account, counted before it is read.
  if ((request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
    const wait = await consumeLimits(limitsFor(request, "upload", user.id));
    if (wait !== null) return json<ActionData>(contentFailure(tryAgainMessage(wait)), { status: 429, headers: retryAfter(wait) });
  }
  const formData = await readForm(request);
  if (formData === "too_large") return reply(fileFailure("reconcile.errors.tooLarge"), 400);
  if (formData === "too_many_lines") return reply(fileFailure(messageWithParams("reconcile.errors.tooManyLines", { max: MAX_STATEMENT_LINES })), 400);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  const lang: Locale = (await getLanguage(request)) === "en" ? "en" : "vi";
  const intent = formData.get("intent");

  if (intent === "preview") return preview(user, institutionId, formData);

  if (intent === "confirm") {
    const csvText = String(formData.get("csvText") ?? "");
    const chosen = mappingFrom(formData);
    if (!csvText.trim()) return reply(fileFailure("reconcile.validation.fileRequired"), 400);
    if (!chosen.ok) return reply(contentFailure("reconcile.errors.mapping"), 400);
    try {
      const result = await confirmStatement(user, institutionId, csvText, chosen.mapping, {
        // Chosen line by line (the preview's "record as a part payment" boxes): the keys of those lines.
        acceptAmountDiffers: formData.getAll("acceptLine").map(String).slice(0, MAX_STATEMENT_LINES),
        confirmOverpayments: formData.get("confirmOverpayments") === "on",
        fileName: String(formData.get("fileName") ?? "").slice(0, 200) || null,
      });
      return redirectWithToast(pagePath(institutionId), {
        type: "success",
        message: t("reconcile.toast.confirmed", {
          recorded: t("reconcile.toast.recorded", { count: result.recorded, amount: formatVnd(result.recordedAmount, lang) }),
          queued: t("reconcile.toast.queued", { count: result.queued }),
          already: t("reconcile.toast.already", { count: result.alreadyImported + result.linked }),
        }),
      });
    } catch (error) {
      if (error instanceof StatementError) return reply(contentFailure(error.message, problemsOf(error)), 400);
      return serviceFailure(error);
    }
  }

  if (intent === "assign" || intent === "ignore") {
    const id = String(formData.get("lineId") ?? "");
    const refused = async (error: unknown) => {
      const failure = serviceFailure(error, formValues(formData)); // 403/404 pages are thrown
      const body = (await failure.json()) as { errors: FieldErrors; formError?: string };
      return reply({ step: "queue", intent, lineId: id, formError: body.formError ?? null, errors: body.errors, values: formValues(formData) }, failure.status);
    };
    if (intent === "assign") {
      const parsed = parseForm(assignSchema, formData);
      if (!parsed.ok) return reply({ step: "queue", intent, lineId: id, formError: "validation.fixErrors", errors: parsed.errors, values: parsed.values }, 400);
      try {
        // The second submit of the over-payment question (a plain form: works without JavaScript).
        const result = await assignLine(user, parsed.data.lineId, parsed.data.reference, { confirmOverpayment: formData.get("confirmOverpayment") === "yes" });
        if (result.status === "confirm_overpayment") {
          return reply({ step: "queue", intent, lineId: id, formError: null, errors: {}, values: { reference: result.question.reference }, question: result.question });
        }
        const message = result.duplicate
          ? t("reconcile.toast.assignedAlready")
          : result.overpayment > 0
            ? t("reconcile.toast.assignedOverpayment", { reference: parsed.data.reference.toUpperCase(), amount: formatVnd(result.overpayment, lang) })
            : t("reconcile.toast.assigned", { reference: parsed.data.reference.toUpperCase() });
        return redirectWithToast(pagePath(institutionId), { type: result.duplicate ? "info" : "success", message });
      } catch (error) {
        return refused(error);
      }
    }
    const parsed = parseForm(ignoreSchema, formData);
    if (!parsed.ok) return reply({ step: "queue", intent, lineId: id, formError: "validation.fixErrors", errors: parsed.errors, values: parsed.values }, 400);
    try {
      await ignoreLine(user, parsed.data.lineId, parsed.data.reason);
      return redirectWithToast(pagePath(institutionId), { type: "success", message: t("reconcile.toast.ignored") });
    } catch (error) {
      return refused(error);
    }
  }
  throw new Response("reconcile.errors.badIntent", { status: 400 });
}

// ───────────── the page ─────────────

function columnLetter(index: number) {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

const BADGE: Record<string, string> = {
  matched: "badge badge-approved",
  amount_differs: "badge badge-pending",
  unmatched: "badge badge-rejected",
  already_imported: "badge",
  already_recorded: "badge",
};
// "đã nhập" in neutral grey (not a state needing attention); 9.7:1 contrast.
const NEUTRAL_BADGE = { background: "#e9ecef", color: "#343a40" };
const NO_WRAP = { whiteSpace: "nowrap" } as const;

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <span className={BADGE[status] ?? "badge"} style={status === "already_imported" || status === "already_recorded" ? { ...NEUTRAL_BADGE, ...NO_WRAP } : NO_WRAP}>
      {t(`reconcile.status.${status}`)}
    </span>
  );
}

function ProblemList({ problems, problemCount }: { problems: StatementProblem[]; problemCount: number }) {
  const { t } = useTranslation();
  if (problems.length === 0) return null;
  return (
    <ul>
      {problems.map((p) => (
        <li key={`${p.line}-${p.problem}`}>{t(`reconcile.problem.${p.problem}`, { line: p.line, value: p.value })}</li>
      ))}
      {problemCount > problems.length ? <li>{t("reconcile.problem.more", { count: problemCount - problems.length })}</li> : null}
    </ul>
  );
}

function UploadCard({ failure }: { failure: Shown<"upload"> | null }) {
  const { t } = useTranslation();
  const busy = useNavigation().state === "submitting";
  return (
    <section className="card stack" aria-labelledby="upload-title">
      <h2 id="upload-title">{t("reconcile.upload.title")}</h2>
      {failure?.formError ? (
        <div className="form-error" role="alert">
          <p style={{ margin: 0 }}>{t(failure.formError, failure.params)}</p>
          <ProblemList problems={failure.problems} problemCount={failure.problemCount} />
        </div>
      ) : null}
      <Form method="post" encType="multipart/form-data" className="stack">
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="preview" />
        <Field name="statement" type="file" accept=".csv,text/csv" required label={t("reconcile.upload.file")} hint={t("reconcile.upload.fileHint")} serverErrors={failure?.errors} />
        <SelectField
          name="layout"
          label={t("reconcile.upload.layout")}
          hint={t("reconcile.upload.layoutHint")}
          defaultValue="vietcombank"
          options={LAYOUTS.map((layout) => ({ value: layout, label: t(`reconcile.layouts.${layout}`) }))}
        />
        <p>
          <button type="submit" className="button" disabled={busy}>
            {t("reconcile.upload.submit")}
          </button>
        </p>
      </Form>
    </section>
  );
}

function MapCard({ data }: { data: Shown<"map"> }) {
  const { t } = useTranslation();
  const { register, formState, onSubmit } = useValidatedForm(columnsSchema, data.values);
  const options = data.headers.map((name, index) => ({ value: String(index), label: t("reconcile.map.column", { letter: columnLetter(index), name: name || t("reconcile.map.unnamed") }) }));
  const required = [{ value: "", label: "—" }, ...options];
  const optional = [{ value: "", label: t("reconcile.map.none") }, ...options];
  const select = (field: (typeof COLUMN_FIELDS)[number], choices: typeof options) => (
    <SelectField
      name={field}
      label={t(`reconcile.map.${field}`)}
      register={register}
      defaultValue={data.values[field] ?? ""}
      clientError={clientErrorAt(formState.errors, field)}
      serverErrors={data.errors}
      options={choices}
    />
  );
  return (
    <section className="card stack" aria-labelledby="map-title">
      <div className="card-header">
        <h2 id="map-title">{t("reconcile.map.title")}</h2>
        <Link to=".">{t("reconcile.startOver")}</Link>
      </div>
      <p>{t("reconcile.map.lead", { file: data.fileName || "CSV" })}</p>
      <p className="muted">{t("reconcile.map.creditHint")}</p>
      {data.formError ? (
        <div className="form-error" role="alert">
          <p style={{ margin: 0 }}>{t(data.formError, data.params)}</p>
          <ProblemList problems={data.problems} problemCount={data.problemCount} />
        </div>
      ) : null}
      <Form method="post" encType="multipart/form-data" onSubmit={onSubmit} noValidate>
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="preview" />
        <input type="hidden" name="layout" value="custom" />
        <input type="hidden" name="fileName" value={data.fileName} />
        <input type="hidden" name="csvText" value={data.csvText} />
        <div className="two-columns">
          {select("dateColumn", required)}
          {select("creditColumn", required)}
          {select("descriptionColumn", required)}
          {select("debitColumn", optional)}
          {select("referenceColumn", optional)}
        </div>
        <button type="submit" className="button">
          {t("reconcile.map.submit")}
        </button>
      </Form>
    </section>
  );
}

function PreviewCard({ data, lang }: { data: Shown<"preview">; lang: Locale }) {
  const { t } = useTranslation();
  const busy = useNavigation().state === "submitting";
  const { preview } = data;
  const { summary } = preview;
  const fresh = summary.total - summary.alreadyImported;
  // Lines whose amount differs but fit in what their pledge owes; the over-payments are asked about apart.
  const partPayments = preview.lines.filter((line) => line.status === "amount_differs" && line.overpayment === 0).length;
  return (
    <section className="card stack" aria-labelledby="preview-title">
      <div className="card-header">
        <h2 id="preview-title">{t("reconcile.preview.title")}</h2>
        <Link to=".">{t("reconcile.startOver")}</Link>
      </div>
      <p className="muted">
        {t("reconcile.preview.file", { file: data.fileName || "CSV" })} · {t(`reconcile.layouts.${preview.layout}`)}
      </p>
      <dl style={{ display: "flex", flexWrap: "wrap", gap: "0.5rem 1.75rem", margin: 0 }}>
        {(
          [
            ["matched", summary.matched],
            ["amount_differs", summary.amountDiffers],
            ["unmatched", summary.unmatched],
            ["already_imported", summary.alreadyImported],
            ...(summary.alreadyRecorded > 0 ? ([["already_recorded", summary.alreadyRecorded]] as const) : []),
          ] as const
        ).map(([status, value]) => (
          <div key={status} style={{ display: "flex", alignItems: "center", gap: "0.5rem" }}>
            <dt>
              <StatusBadge status={status} />
            </dt>
            <dd style={{ margin: 0, fontWeight: 700, fontSize: "1.15rem" }}>{value}</dd>
          </div>
        ))}
        <div style={{ display: "flex", alignItems: "center", gap: "0.5rem" }}>
          <dt>{t("reconcile.summary.recordable")}:</dt>
          <dd style={{ margin: 0, fontWeight: 700, fontSize: "1.15rem", ...NO_WRAP }}>{formatVnd(summary.recordableAmount, lang)}</dd>
        </div>
      </dl>
      {preview.skipped.debit + preview.skipped.other > 0 ? (
        <p className="muted">
          {[
            preview.skipped.debit > 0 ? t("reconcile.preview.skippedDebit", { count: preview.skipped.debit }) : null,
            preview.skipped.other > 0 ? t("reconcile.preview.skippedOther", { count: preview.skipped.other }) : null,
          ]
            .filter(Boolean)
            .join(" ")}
        </p>
      ) : null}
      {summary.future > 0 ? (
        <p className="notice" data-testid="future-lines">
          {t("reconcile.preview.future", { count: summary.future })}
        </p>
      ) : null}
      <div className="table-wrap">
        <table style={{ minWidth: "50rem" }}>
          <caption className="visually-hidden">{t("reconcile.preview.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("reconcile.preview.line")}</th>
              <th scope="col">{t("reconcile.preview.date")}</th>
              <th scope="col" className="num">
                {t("reconcile.preview.amount")}
              </th>
              <th scope="col">{t("reconcile.preview.description")}</th>
              <th scope="col">{t("reconcile.preview.pledge")}</th>
              <th scope="col">{t("reconcile.preview.status")}</th>
            </tr>
          </thead>
          <tbody>
            {preview.lines.map((line) => (
              <tr key={line.lineKey}>
                <td className="num">{line.fileLine}</td>
                <td style={NO_WRAP}>{formatDate(line.bookedAt, lang)}</td>
                <td className="num">{formatVnd(line.amount, lang)}</td>
                <td style={{ maxWidth: "28rem", overflowWrap: "anywhere" }}>
                  {line.description}
                  {line.bankRef ? <div className="muted" style={{ fontSize: "0.85rem" }}>{t("reconcile.preview.bankRef", { ref: line.bankRef })}</div> : null}
                </td>
                <td>
                  {line.pledge ? (
                    <>
                      <strong>{line.pledge.reference}</strong>
                      <div style={{ fontSize: "0.9rem" }}>{[line.pledge.donorName, line.pledge.programmeTitle].filter(Boolean).join(" · ")}</div>
                      {line.status === "amount_differs" ? (
                        <div className="muted" style={{ fontSize: "0.85rem" }}>
                          {line.pledge.expected > 0 ? t("reconcile.preview.expected", { amount: formatVnd(line.pledge.expected, lang) }) : t("reconcile.preview.nothingDue")}
                        </div>
                      ) : null}
                      {line.status !== "already_imported" && line.overpayment > 0 ? (
                        <div className="field-error" style={{ fontSize: "0.85rem" }}>
                          {t(line.pledge.outstanding === 0 ? "reconcile.overpayment.alreadyPaid" : "reconcile.overpayment.more", { reference: line.pledge.reference, amount: formatVnd(line.overpayment, lang) })}
                        </div>
                      ) : null}
                    </>
                  ) : line.ambiguous ? (
                    <span className="muted">{t("reconcile.preview.ambiguous")}</span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td>
                  <StatusBadge status={line.status} />
                  {line.recordedGift ? (
                    <div className="muted" style={{ fontSize: "0.85rem" }}>
                      {t("reconcile.preview.recordedGift", { receipt: line.recordedGift.receiptNumber, date: formatDate(line.recordedGift.receivedAt, lang) })}
                    </div>
                  ) : null}
                  {line.status === "amount_differs" && line.overpayment === 0 && !line.queueReason ? (
                    <label className="checkbox" style={{ fontSize: "0.9rem", marginTop: "0.25rem" }}>
                      <input type="checkbox" name="acceptLine" value={line.lineKey} form="confirm-statement" />
                      {t("reconcile.preview.acceptLine")}
                    </label>
                  ) : null}
                  {line.status !== "already_imported" && line.status !== "already_recorded" && line.queueReason ? (
                    <div className="muted" style={{ fontSize: "0.85rem" }}>
                      {t(`reconcile.reason.${line.queueReason}`)}
                    </div>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {fresh === 0 ? (
        <p>{t("reconcile.preview.nothingNew")}</p>
      ) : (
        <Form method="post" encType="multipart/form-data" className="stack" id="confirm-statement">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="confirm" />
          <input type="hidden" name="fileName" value={data.fileName} />
          <input type="hidden" name="csvText" value={data.csvText} />
          {Object.entries(data.mapping).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          {partPayments > 0 ? (
            <p className="field-hint" id="accept-hint">
              {t("reconcile.preview.acceptHint", { count: partPayments })}
            </p>
          ) : null}
          {summary.overpayments > 0 ? (
            <div className="field">
              <label className="checkbox">
                <input type="checkbox" name="confirmOverpayments" aria-describedby="overpayments-hint" />
                {t("reconcile.preview.confirmOverpayments", { count: summary.overpayments, amount: formatVnd(summary.overpaymentAmount, lang) })}
              </label>
              <p className="field-hint" id="overpayments-hint">
                {t("reconcile.preview.confirmOverpaymentsHint")}
              </p>
            </div>
          ) : null}
          <p className="muted">{t("reconcile.preview.confirmHint")}</p>
          <p>
            <button type="submit" className="button" disabled={busy}>
              {t("reconcile.preview.confirm")}
            </button>
          </p>
        </Form>
      )}
    </section>
  );
}

type QueueItem = { id: string; bookedAt: string; amount: number; description: string; bankRef: string | null; foundReference: string | null; reason: string | null };

/** The over-payment question: what the pledge asked, what was paid, and a second submit that confirms. */
function OverpaymentQuestionCard({ line, question, lang }: { line: QueueItem; question: OverpaymentQuestion; lang: Locale }) {
  const { t } = useTranslation();
  const amount = formatVnd(question.overpayment, lang);
  return (
    <div className="form-error stack" role="alert" data-testid="overpayment-question">
      <p style={{ margin: 0 }}>
        <strong>{t("reconcile.overpayment.title")}:</strong>{" "}
        {t(question.paid >= question.pledged ? "reconcile.overpayment.alreadyPaid" : "reconcile.overpayment.more", { reference: question.reference, amount })}
      </p>
      <p style={{ margin: 0 }}>
        {t("reconcile.overpayment.figures", { pledged: formatVnd(question.pledged, lang), paid: formatVnd(question.paid, lang), amount: formatVnd(question.amount, lang) })}
      </p>
      <Form method="post" className="inline-form">
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="assign" />
        <input type="hidden" name="lineId" value={line.id} />
        <input type="hidden" name="reference" value={question.reference} />
        <input type="hidden" name="confirmOverpayment" value="yes" />
        <button type="submit" className="button button-small">
          {t("reconcile.overpayment.confirm", { amount })}
        </button>
        <Link to=".">{t("reconcile.overpayment.cancel")}</Link>
      </Form>
    </div>
  );
}

function AssignForm({ line, failure }: { line: QueueItem; failure: Shown<"queue"> | null }) {
  const { t } = useTranslation();
  const defaults = { reference: failure?.values.reference ?? line.foundReference ?? "" };
  const { register, formState, onSubmit } = useValidatedForm(assignSchema.pick({ reference: true }), defaults);
  return (
    <Form method="post" onSubmit={onSubmit} noValidate className="inline-form" style={{ alignItems: "end" }}>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value="assign" />
      <input type="hidden" name="lineId" value={line.id} />
      <Field
        name="reference"
        label={t("reconcile.queue.reference")}
        placeholder={t("reconcile.queue.referencePlaceholder")}
        defaultValue={defaults.reference}
        autoCapitalize="characters"
        spellCheck={false}
        register={register}
        clientError={clientErrorAt(formState.errors, "reference")}
        serverErrors={failure?.errors}
        style={{ width: "12rem" }}
      />
      <div className="field">
        <button type="submit" className="button button-small">
          {t("reconcile.queue.assign")}
        </button>
      </div>
    </Form>
  );
}

function IgnoreForm({ line, failure }: { line: QueueItem; failure: Shown<"queue"> | null }) {
  const { t } = useTranslation();
  const defaults = { reason: failure?.values.reason ?? "" };
  const { register, formState, onSubmit } = useValidatedForm(ignoreSchema.pick({ reason: true }), defaults);
  return (
    <Form method="post" onSubmit={onSubmit} noValidate className="inline-form" style={{ alignItems: "end" }}>
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value="ignore" />
      <input type="hidden" name="lineId" value={line.id} />
      <Field
        name="reason"
        label={t("reconcile.queue.reason")}
        placeholder={t("reconcile.queue.reasonPlaceholder")}
        defaultValue={defaults.reason}
        register={register}
        clientError={clientErrorAt(formState.errors, "reason")}
        serverErrors={failure?.errors}
        style={{ width: "12rem" }}
      />
      <div className="field">
        <button type="submit" className="button button-small button-secondary">
          {t("reconcile.queue.ignore")}
        </button>
      </div>
    </Form>
  );
}

function QueueCard({ lines, total, failure, lang }: { lines: QueueItem[]; total: number; failure: Shown<"queue"> | null; lang: Locale }) {
  const { t } = useTranslation();
  return (
    <section className="card stack" aria-labelledby="queue-title">
      <h2 id="queue-title">{t("reconcile.queue.title", { count: total })}</h2>
      <p className="muted">{t("reconcile.queue.lead")}</p>
      {lines.length === 0 ? (
        <p>{t("reconcile.queue.empty")}</p>
      ) : (
        <>
          {total > lines.length ? <p className="muted">{t("reconcile.queue.more", { shown: lines.length, count: total })}</p> : null}
          <div className="table-wrap">
            <table style={{ minWidth: "46rem" }}>
              <caption className="visually-hidden">{t("reconcile.queue.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("reconcile.preview.date")}</th>
                  <th scope="col" className="num">
                    {t("reconcile.preview.amount")}
                  </th>
                  <th scope="col">{t("reconcile.preview.description")}</th>
                  <th scope="col">{t("reconcile.queue.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((line) => {
                  const mine = failure && failure.lineId === line.id ? failure : null;
                  return (
                    <tr key={line.id}>
                      <td style={{ verticalAlign: "top", ...NO_WRAP }}>{formatDate(line.bookedAt, lang)}</td>
                      <td className="num" style={{ verticalAlign: "top" }}>
                        {formatVnd(line.amount, lang)}
                      </td>
                      <td style={{ verticalAlign: "top", maxWidth: "24rem", overflowWrap: "anywhere" }}>
                        {line.description}
                        {line.bankRef ? <div className="muted" style={{ fontSize: "0.85rem" }}>{t("reconcile.preview.bankRef", { ref: line.bankRef })}</div> : null}
                        {line.foundReference ? <div style={{ fontSize: "0.85rem" }}>{t("reconcile.queue.suggested", { reference: line.foundReference })}</div> : null}
                        {line.reason ? (
                          <div className="muted" style={{ fontSize: "0.85rem" }} data-testid="queue-reason">
                            {t(`reconcile.reason.${line.reason}`)}
                          </div>
                        ) : null}
                      </td>
                      <td>
                        {mine?.question ? <OverpaymentQuestionCard line={line} question={mine.question} lang={lang} /> : null}
                        {mine?.formError && !Object.keys(mine.errors).length ? (
                          <p className="field-error" role="alert">
                            {t(mine.formError)}
                          </p>
                        ) : null}
                        <AssignForm line={line} failure={mine?.intent === "assign" ? mine : null} />
                        <IgnoreForm line={line} failure={mine?.intent === "ignore" ? mine : null} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

export default function ReconcilePage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { institution, queue } = useLoaderData<typeof loader>();
  const data = useActionData<ActionData>() as SerializeFrom<ActionData> | undefined;
  return (
    <section className="stack">
      <p>
        <Link to="/manage">← {t("reconcile.back")}</Link>
      </p>
      <h1>{t("reconcile.title")}</h1>
      <p className="muted">{institution.name}</p>
      <p className="lead-text">{t("reconcile.lead")}</p>
      {data?.step === "map" ? <MapCard key={data.csvText.length + data.fileName} data={data} /> : null}
      {data?.step === "preview" ? <PreviewCard data={data} lang={lang} /> : null}
      {data?.step !== "map" && data?.step !== "preview" ? <UploadCard failure={data?.step === "upload" ? data : null} /> : null}
      <QueueCard lines={queue.lines} total={queue.total} failure={data?.step === "queue" ? data : null} lang={lang} />
    </section>
  );
}
