import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { formatDate, formatVnd } from "#services/format";
import { correctionSchema } from "#services/validation/correction";
import { clientErrorAt, Field, FormError, TextareaField, useValidatedForm } from "~/components/forms";
import giftStyles from "~/styles/gifts.css";
import { requireUser } from "~/utils/auth.server";
import { correctionForm, newClientToken, requestCorrection } from "~/utils/corrections.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, formValues, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: giftStyles }];
export const meta: MetaFunction = () => [{ title: "Điều chỉnh khoản đóng góp · Correct a gift — Góp Sức" }];

/**
 * A manager corrects a gift the institution recorded: a reversing ledger entry with a reason, booked
 * at once below the approval threshold, otherwise sent to the province officer (services/corrections.ts).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await orRespond(correctionForm(user, params.id ?? "", params.giftId ?? ""));
  // A fresh token per rendering: the same form posted twice is one correction.
  return json({ ...view, clientToken: newClientToken() }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const programmeId = params.id ?? "";
  // Who may correct this gift is checked before anything is read from the form.
  await orRespond(correctionForm(user, programmeId, params.giftId ?? ""));
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(correctionSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  let result;
  try {
    result = await requestCorrection(user, programmeId, params.giftId ?? "", parsed.data);
  } catch (error) {
    return serviceFailure(error, formValues(formData));
  }
  const t = await getFixedT(request);
  const amount = formatVnd(result.amount, await getLanguage(request));
  const to = `/manage/programmes/${programmeId}/finance`;
  if (result.duplicate) return redirectWithToast(to, { type: "info", message: t("corrections.alreadyRecorded") });
  if (result.state === "requested") return redirectWithToast(to, { type: "info", message: t("corrections.requested", { amount }) });
  return redirectWithToast(to, { type: "success", message: t("corrections.booked", { amount }) });
}

export default function CorrectGiftPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { programme, gift, correctable, reversed, pending, left, threshold, clientToken } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const form = useValidatedForm(correctionSchema);
  const errors = form.formState.errors;
  const vnd = (amount: number) => formatVnd(amount, lang);
  const value = (name: string, fallback?: string) => failure?.values[name] ?? fallback;
  const props = (name: string, fallback?: string) => ({
    name,
    register: form.register,
    clientError: clientErrorAt(errors, name),
    serverErrors: failure?.errors,
    defaultValue: value(name, fallback),
  });

  return (
    <section className="stack">
      <p>
        <Link to={`/manage/programmes/${programme.id}/finance`}>← {t("gifts.backToFinance")}</Link>
      </p>
      <div>
        <p className="page-kicker">{programme.title}</p>
        <h1>{t("corrections.title")}</h1>
        <p className="lead-text muted">{t("corrections.lead")}</p>
      </div>

      <dl className="facts card" data-testid="gift-facts">
        <div>
          <dt>{t("finance.receipt")}</dt>
          <dd>
            <code>{gift.receiptNumber}</code>
          </dd>
        </div>
        <div>
          <dt>{t("finance.date")}</dt>
          <dd>{formatDate(gift.receivedAt, lang)}</dd>
        </div>
        <div>
          <dt>{t("finance.donor")}</dt>
          <dd>{gift.donorName ?? t("finance.anonymous")}</dd>
        </div>
        <div>
          <dt>{t("finance.method")}</dt>
          <dd>{t(`gifts.methods.${gift.method}`, { defaultValue: gift.method })}</dd>
        </div>
        <div>
          <dt>{t("corrections.giftAmount")}</dt>
          <dd>{vnd(gift.amount)}</dd>
        </div>
        {gift.reference ? (
          <div>
            <dt>{t("finance.reference")}</dt>
            <dd>{gift.reference}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t("corrections.reversedSoFar")}</dt>
          <dd>{vnd(reversed)}</dd>
        </div>
        {pending > 0 ? (
          <div>
            <dt>{t("corrections.pendingSoFar")}</dt>
            <dd>{vnd(pending)}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t("corrections.left")}</dt>
          <dd data-testid="correction-left">{vnd(left)}</dd>
        </div>
      </dl>

      {!correctable ? (
        <div className="card" role="status">
          <p>{t("corrections.cardRefundInStripe")}</p>
        </div>
      ) : left <= 0 ? (
        <div className="card" role="status">
          <p>{t("corrections.validation.nothingLeft")}</p>
        </div>
      ) : (
        <Form method="post" noValidate onSubmit={form.onSubmit} className="card gift-form" data-testid="correction-form">
          <AuthenticityTokenInput />
          <input type="hidden" defaultValue={value("clientToken", clientToken)} {...form.register("clientToken")} />
          <FormError message={failure?.formError ?? form.clientFormError} />
          <p className="fieldset-hint">{t("corrections.thresholdHint", { amount: vnd(threshold) })}</p>
          <Field {...props("amount", String(left))} inputMode="numeric" label={t("corrections.amount")} hint={t("corrections.amountHint", { amount: vnd(left) })} autoComplete="off" />
          <TextareaField {...props("reason")} rows={3} maxLength={500} label={t("corrections.reason")} hint={t("corrections.reasonHint")} />
          <p className="field-hint">{t("corrections.rerecordHint")}</p>
          <p>
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("corrections.submit")}
            </button>
          </p>
        </Form>
      )}
    </section>
  );
}
