import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { vietnamDateInput } from "#services/calendar";
import { formatVnd } from "#services/format";
import { expenditureSchema, MAX_RECEIPT_BYTES, MAX_RECEIPT_FILES, RECEIPT_TYPES } from "#services/validation/expenditure";
import { useEvidenceCheck } from "~/components/evidence-files";
import { clientErrorAt, Field, FormError, SelectField, TextareaField, useValidatedForm } from "~/components/forms";
import giftStyles from "~/styles/gifts.css";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { discardUploads, expenditureForm, expenditureIdFor, newClientToken, recordExpenditure, storeEvidenceFiles } from "~/utils/expenditures.server";
import { formFailure, formValues, parseForm } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { consumeLimits, limitedForm, limitsFor } from "~/utils/rate-limit.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { readMultipartForm } from "~/utils/uploads.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: giftStyles }];
export const meta: MetaFunction = () => [{ title: "Ghi khoản chi · Record an expenditure — Góp Sức" }];

/** A manager records money spent (services/expenditures.ts): a draft, with its receipts, published from the list. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await orRespond(expenditureForm(user, params.id ?? ""));
  // A fresh token per rendering of the form: the same form posted twice records one expenditure.
  return json({ ...view, clientToken: newClientToken(), today: vietnamDateInput(new Date()) }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const programmeId = params.id ?? "";
  // Who may record here is checked before the upload is read.
  const { programme } = await orRespond(expenditureForm(user, programmeId));
  const formData = await readMultipartForm(request, MAX_RECEIPT_BYTES, MAX_RECEIPT_FILES);
  if (!formData) return formFailure({ errors: { receipts: ["gifts.validation.evidenceTooLarge"] }, formError: "validation.fixErrors", values: {} });
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(expenditureSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  const files = formData.getAll("receipts").filter((value): value is File => typeof value !== "string" && value.size > 0);
  if (files.length) {
    const wait = await consumeLimits(limitsFor(request, "upload", user.id));
    if (wait !== null) return limitedForm(wait, formValues(formData));
  }
  let receiptIds: string[] = [];
  let result;
  try {
    // Checked by content and stored first, under the expenditure's id (public once it is published).
    receiptIds = await storeEvidenceFiles(files, { institutionId: programme.institutionId, uploadedBy: user.id, field: "receipts", expenditureId: String(expenditureIdFor(parsed.data.clientToken)) });
    result = await recordExpenditure(user, programmeId, parsed.data, receiptIds);
  } catch (error) {
    await discardUploads(receiptIds);
    return serviceFailure(error, formValues(formData));
  }
  const t = await getFixedT(request);
  const to = `/manage/programmes/${programmeId}/expenditures`;
  if (result.duplicate) {
    await discardUploads(receiptIds);
    return redirectWithToast(to, { type: "info", message: t("expenditures.alreadySaved") });
  }
  return redirectWithToast(to, { type: "success", message: t("expenditures.saved", { amount: formatVnd(parsed.data.amount, await getLanguage(request)) }) });
}

export default function NewExpenditurePage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { programme, budgetLines, balance, threshold, clientToken, today } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const form = useValidatedForm(expenditureSchema);
  const errors = form.formState.errors;
  const vnd = (amount: number) => formatVnd(amount, lang);
  const value = (name: string, fallback?: string) => failure?.values[name] ?? fallback;
  const props = (name: string, fallback?: string) => ({ name, register: form.register, clientError: clientErrorAt(errors, name), serverErrors: failure?.errors, defaultValue: value(name, fallback) });
  const receipts = useEvidenceCheck(form.onSubmit);

  return (
    <section className="stack">
      <p>
        <Link to={`/manage/programmes/${programme.id}/expenditures`}>← {t("expenditures.backToList")}</Link>
      </p>
      <div>
        <p className="page-kicker">{programme.title}</p>
        <h1>{t("expenditures.newTitle")}</h1>
        <p className="lead-text muted">{t("expenditures.newLead")}</p>
      </div>
      <p className="card" data-testid="balance">
        {t("expenditures.balance")}: <strong>{vnd(balance)}</strong>
      </p>
      {programme.state === "draft" ? (
        <div className="card" role="status">
          <p>{t("expenditures.draftProgramme")}</p>
        </div>
      ) : budgetLines.length === 0 ? (
        <div className="card" role="status">
          <p>{t("expenditures.noBudgetLines")}</p>
        </div>
      ) : (
        <Form method="post" encType="multipart/form-data" noValidate onSubmit={receipts.onSubmit} className="card gift-form" data-testid="expenditure-form">
          <AuthenticityTokenInput />
          <input type="hidden" defaultValue={value("clientToken", clientToken)} {...form.register("clientToken")} />
          <FormError message={failure?.formError ?? form.clientFormError} />
          <p className="fieldset-hint">{t("expenditures.thresholdHint", { amount: vnd(threshold) })}</p>
          <SelectField
            {...props("budgetLineCode", "")}
            label={t("expenditures.budgetLine")}
            hint={t("expenditures.budgetLineHint")}
            options={[{ value: "", label: t("expenditures.chooseLine") }, ...budgetLines.map((line) => ({ value: line.code, label: `${line.code} — ${line.label} (${vnd(line.amount)})` }))]}
          />
          <Field {...props("amount")} inputMode="numeric" label={t("expenditures.amount")} autoComplete="off" />
          <Field {...props("spentAt", today)} type="date" max={today} label={t("expenditures.spentAt")} />
          <Field {...props("payee")} label={t("expenditures.payee")} hint={t("expenditures.payeeHint")} autoComplete="off" />
          <TextareaField {...props("description")} rows={3} maxLength={1000} label={t("expenditures.purpose")} hint={t("expenditures.purposeHint")} />
          <Field
            name="receipts"
            type="file"
            multiple
            accept={RECEIPT_TYPES.join(",")}
            label={t("expenditures.receipts")}
            hint={t("expenditures.receiptsHint")}
            clientError={receipts.error ?? undefined}
            serverErrors={failure?.errors}
            onChange={receipts.onChange}
          />
          <p>
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("expenditures.saveDraft")}
            </button>
          </p>
        </Form>
      )}
    </section>
  );
}
