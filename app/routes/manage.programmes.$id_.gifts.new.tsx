import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { FieldValues, UseFormRegister } from "react-hook-form";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { useHydrated } from "remix-utils/use-hydrated";
import { countryOptions } from "#services/countries";
import { formatVnd } from "#services/format";
import { HOME_COUNTRY } from "#services/validation/country";
import {
  EVIDENCE_TYPES,
  GOODS_CURRENCIES,
  HOURS_MODES,
  MAX_EVIDENCE_BYTES,
  MAX_EVIDENCE_FILES,
  OFFLINE_DONOR_TYPES,
  OFFLINE_METHODS,
  offlineGiftSchema,
  previewGiftAmount,
} from "#services/validation/offline-gift";
import { useEvidenceCheck } from "~/components/evidence-files";
import { clientErrorAt, Field, FormError, SelectField, TextareaField, useMessage, useValidatedForm } from "~/components/forms";
import giftStyles from "~/styles/gifts.css";
import { forbidden, requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { getProgrammeForManagement } from "~/utils/domain.server";
import { formFailure, formValues, parseForm } from "~/utils/forms.server";
import { discardUploads, newClientToken, recordOfflineGift, storeEvidenceFiles } from "~/utils/gifts.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { readMultipartForm } from "~/utils/uploads.server";
import { consumeLimits, limitedForm, limitsFor } from "~/utils/rate-limit.server";
import { vietnamDateInput } from "#services/calendar";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: giftStyles }];
export const meta: MetaFunction = () => [{ title: "Ghi nhận đóng góp · Record a gift — Góp Sức" }];

/** yyyy-mm-dd of a day in Vietnam (for date inputs). */
const dateInput = vietnamDateInput;

/** Who may record: the institution's managers (canEdit). Officers who can see the programme only look. */
async function managedProgramme(request: Request, programmeId: string) {
  const user = await requireUser(request);
  const { programme, canEdit } = await orRespond(getProgrammeForManagement(user, programmeId));
  if (!canEdit) forbidden();
  return { user, programme };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { programme } = await managedProgramme(request, params.id ?? "");
  return json({
    programme: { id: String(programme._id), title: programme.title, state: programme.state, institutionName: programme.institutionName },
    needs: programme.inKindNeeds.map((n) => ({ item: n.item, unit: n.unit })),
    // A fresh token per rendering of the form: the same form posted twice records one gift.
    clientToken: newClientToken(),
    today: dateInput(new Date()),
    countries: countryOptions(await getLanguage(request)),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, programme } = await managedProgramme(request, params.id ?? "");
  const formData = await readMultipartForm(request, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES);
  if (!formData) return formFailure({ errors: { evidence: ["gifts.validation.evidenceTooLarge"] }, formError: "validation.fixErrors", values: {} });
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(offlineGiftSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });

  const files = formData.getAll("evidence").filter((value): value is File => typeof value !== "string" && value.size > 0);
  if (files.length) {
    const wait = await consumeLimits(limitsFor(request, "upload", user.id));
    if (wait !== null) return limitedForm(wait, formValues(formData));
  }
  let evidenceIds: string[] = [];
  let result;
  try {
    // Checked by content and stored first (the gift points at them); removed again if the gift is not recorded.
    evidenceIds = await storeEvidenceFiles(files, { institutionId: String(programme.institutionId), uploadedBy: user.id });
    result = await recordOfflineGift(user, String(programme._id), parsed.data, evidenceIds);
  } catch (error) {
    await discardUploads(evidenceIds);
    return serviceFailure(error, formValues(formData));
  }
  const t = await getFixedT(request);
  const to = `/manage/programmes/${programme._id}/finance`;
  if (result.duplicate) {
    await discardUploads(evidenceIds);
    return redirectWithToast(to, { type: "info", message: t("gifts.alreadyRecorded", { receipt: result.receiptNumber }) });
  }
  const amount = formatVnd(parsed.data.amount, await getLanguage(request));
  return redirectWithToast(to, { type: "success", message: t("gifts.recorded", { amount, receipt: result.receiptNumber }) });
}

const ITEM_ROWS = 5;

function ChoiceGroup({
  name,
  legend,
  options,
  checked,
  register,
  error,
}: {
  name: string;
  legend: string;
  options: Array<{ value: string; label: string }>;
  checked: string;
  register: UseFormRegister<FieldValues>;
  error?: string;
}) {
  const message = useMessage();
  const errorId = `${name}-error`;
  return (
    <fieldset aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      <div className="choice-group">
        {options.map((option) => (
          <label key={option.value} className="choice">
            <input type="radio" value={option.value} defaultChecked={checked === option.value} {...register(name)} />
            {option.label}
          </label>
        ))}
      </div>
      {error ? (
        <p className="field-error" id={errorId} role="alert">
          {message(error)}
        </p>
      ) : null}
    </fieldset>
  );
}

export default function NewOfflineGiftPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { programme, needs, clientToken, today, countries } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const hydrated = useHydrated();
  const value = (name: string, fallback?: string) => failure?.values[name] ?? fallback;
  const initialMethod = value("method", "cash")!;
  const initialDonorType = value("donorType", "organisation")!;
  const form = useValidatedForm(offlineGiftSchema, { method: initialMethod, donorType: initialDonorType });
  const errors = form.formState.errors;

  const values = form.watch();
  const method = (values.method as string | undefined) ?? initialMethod;
  const donorType = (values.donorType as string | undefined) ?? initialDonorType;
  const home = ((values.country as string | undefined) ?? value("country", HOME_COUNTRY)) === HOME_COUNTRY;
  // Goods declared abroad in another currency need the rate they are converted at, its day and its source.
  const valueCurrency = String((values.valueCurrency as string | undefined) ?? value("valueCurrency", "vnd"));
  const pledgeGiven = hydrated && String(values.pledgeReference ?? "").trim() !== "";
  const total = hydrated ? previewGiftAmount(values) : null;
  // Without JavaScript every section shows (the server uses the ones the method needs); with it, only the chosen one.
  const hide = (show: boolean) => hydrated && !show;

  const props = (name: string, fallback?: string) => ({
    name,
    register: form.register,
    clientError: clientErrorAt(errors, name),
    serverErrors: failure?.errors,
    defaultValue: value(name, fallback),
  });
  const groupError = (name: string) => clientErrorAt(errors, name) ?? failure?.errors[name]?.[0];
  const failedRows = Object.keys(failure?.values ?? {}).filter((key) => /^items\.\d+\.item$/.test(key)).length;
  const rows = Array.from({ length: Math.max(ITEM_ROWS, failedRows) }, (_, i) => i);

  const evidence = useEvidenceCheck(form.onSubmit);

  return (
    <section className="stack">
      <p>
        <Link to={`/manage/programmes/${programme.id}/finance`}>← {t("gifts.backToFinance")}</Link>
      </p>
      <div>
        <p className="page-kicker">{programme.title}</p>
        <h1>{t("gifts.newTitle")}</h1>
        <p className="lead-text muted">{t("gifts.lead")}</p>
      </div>
      {programme.state === "draft" ? (
        <div className="card">
          <p>{t("gifts.draftProgramme")}</p>
        </div>
      ) : (
        <Form method="post" encType="multipart/form-data" noValidate onSubmit={evidence.onSubmit} className="card gift-form">
          <AuthenticityTokenInput />
          <input type="hidden" defaultValue={value("clientToken", clientToken)} {...form.register("clientToken")} />
          <FormError message={failure?.formError ?? form.clientFormError} />

          <ChoiceGroup
            name="method"
            legend={t("gifts.methodLegend")}
            options={OFFLINE_METHODS.map((m) => ({ value: m, label: t(`gifts.methods.${m}`) }))}
            checked={initialMethod}
            register={form.register}
            error={groupError("method")}
          />
          <div className="two-columns">
            <Field {...props("receivedAt", today)} type="date" max={today} label={t("gifts.receivedAt")} required />
            <Field {...props("voucher")} label={t("gifts.voucher")} hint={t("gifts.voucherHint")} autoComplete="off" />
          </div>

          <fieldset hidden={hide(method === "cash" || method === "bank_transfer")}>
            <legend>{t("gifts.moneyLegend")}</legend>
            <Field {...props("amount")} inputMode="numeric" label={t("gifts.amount")} hint={t("gifts.amountHint")} autoComplete="off" />
          </fieldset>

          <fieldset hidden={hide(method === "in_kind")}>
            <legend>{t("gifts.inKindLegend")}</legend>
            <p className="fieldset-hint">{t("gifts.itemsHint")}</p>
            {groupError("items") ? (
              <p className="field-error" role="alert">
                {t(groupError("items")!)}
              </p>
            ) : null}
            <SelectField
              {...props("valueCurrency", "vnd")}
              label={t("gifts.valueCurrency")}
              hint={t("gifts.valueCurrencyHint")}
              options={GOODS_CURRENCIES.map((c) => ({ value: c, label: t(`pledge.currencyName.${c}`) }))}
            />
            <div className="item-rows">
              {rows.map((i) => (
                <div className="item-row" key={i}>
                  <Field {...props(`items.${i}.item`)} label={t("gifts.item")} list="programme-needs" autoComplete="off" />
                  <Field {...props(`items.${i}.quantity`)} inputMode="numeric" label={t("gifts.quantity")} autoComplete="off" />
                  <Field {...props(`items.${i}.unitValue`)} inputMode="decimal" label={hydrated && valueCurrency !== "vnd" ? t("gifts.unitValueIn", { currency: valueCurrency.toUpperCase() }) : t("gifts.unitValue")} autoComplete="off" />
                </div>
              ))}
            </div>
            <div className="stack" hidden={hide(valueCurrency !== "vnd")}>
              <p className="fieldset-hint">{t("gifts.declaredRateHint")}</p>
              <div className="row-fields">
                <Field {...props("rate")} inputMode="decimal" label={t("gifts.rate", { currency: hydrated ? valueCurrency.toUpperCase() : "…" })} autoComplete="off" />
                <Field {...props("rateDate")} type="date" max={today} label={t("gifts.rateDate")} />
                <Field {...props("rateSource")} label={t("gifts.rateSource")} hint={t("gifts.rateSourceHint")} autoComplete="off" />
              </div>
            </div>
            <datalist id="programme-needs">
              {needs.map((need) => (
                <option key={need.item} value={need.item}>
                  {need.unit}
                </option>
              ))}
            </datalist>
            <TextareaField {...props("valuationBasis")} rows={2} label={t("gifts.valuationBasis")} hint={t("gifts.valuationHint")} />
          </fieldset>

          <fieldset hidden={hide(method === "volunteer_hours")}>
            <legend>{t("gifts.hoursLegend")}</legend>
            <div className="two-columns">
              <Field {...props("hours")} inputMode="decimal" label={t("gifts.hours")} hint={t("gifts.hoursHint")} autoComplete="off" />
              <Field {...props("ratePerHour")} inputMode="numeric" label={t("gifts.ratePerHour")} hint={t("gifts.rateHint")} autoComplete="off" />
            </div>
            <SelectField {...props("hoursMode", "in_person")} label={t("gifts.hoursMode")} options={HOURS_MODES.map((m) => ({ value: m, label: t(`gifts.hoursModes.${m}`) }))} />
          </fieldset>

          {total !== null && (method === "in_kind" || method === "volunteer_hours") ? (
            <p className="gift-total" role="status">
              {t("gifts.total", { amount: formatVnd(total, lang) })}
            </p>
          ) : null}

          <fieldset>
            <legend>{t("gifts.donorLegend")}</legend>
            <Field {...props("pledgeReference")} label={t("gifts.pledgeReference")} hint={t("gifts.pledgeHint")} autoComplete="off" spellCheck={false} />
            <div hidden={pledgeGiven}>
              <ChoiceGroup
                name="donorType"
                legend={t("gifts.donorTypeLegend")}
                options={OFFLINE_DONOR_TYPES.map((d) => ({ value: d, label: t(`gifts.donorTypes.${d}`) }))}
                checked={initialDonorType}
                register={form.register}
                error={groupError("donorType")}
              />
              <div hidden={hide(donorType !== "anonymous")}>
                <SelectField {...props("country", HOME_COUNTRY)} label={t("pledge.country")} options={countries.map((c) => ({ value: c.code, label: c.name }))} />
              </div>
              <div hidden={hide(donorType === "organisation")}>
                <div className="two-columns">
                  <Field {...props("legalName")} label={t("gifts.legalName")} autoComplete="organization" />
                  <div hidden={hide(home)}>
                    <Field {...props("taxCode")} inputMode="numeric" label={t("gifts.taxCode")} hint={t("gifts.taxCodeHint")} autoComplete="off" />
                  </div>
                  <div hidden={hide(!home)}>
                    <Field {...props("registrationNumber")} label={t("pledge.registrationNumber")} hint={t("pledge.registrationNumberHintAbroad")} autoComplete="off" />
                  </div>
                </div>
              </div>
              <div hidden={hide(donorType === "individual")}>
                <Field {...props("fullName")} label={t("gifts.fullName")} autoComplete="name" />
              </div>
              <div className="two-columns" hidden={hide(donorType !== "anonymous")}>
                <Field {...props("email")} type="email" label={t("gifts.email")} autoComplete="email" />
                <Field {...props("phone")} type="tel" label={t("gifts.phone")} autoComplete="tel" />
              </div>
            </div>
          </fieldset>

          <fieldset>
            <legend>{t("gifts.evidenceLegend")}</legend>
            <Field
              name="evidence"
              type="file"
              multiple
              accept={EVIDENCE_TYPES.join(",")}
              label={t("gifts.evidenceFile")}
              hint={t("gifts.evidenceHint", { count: MAX_EVIDENCE_FILES })}
              clientError={evidence.error ?? undefined}
              serverErrors={failure?.errors}
              onChange={evidence.onChange}
            />
          </fieldset>

          <p>
            <button type="submit" className="button" disabled={navigation.state === "submitting"}>
              {t("gifts.submit")}
            </button>
          </p>
        </Form>
      )}
    </section>
  );
}
