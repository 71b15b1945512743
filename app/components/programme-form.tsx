import { Form, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { CAMPAIGN_DAYS } from "#models/reference/campaign-days";
import { THEMES } from "#models/reference/themes";
import { programmeSchema } from "#services/validation/programme";
import { clientErrorAt, Field, FormError, TextareaField, useValidatedForm } from "./forms";
import { useLocale } from "~/components/catalogue-helpers";

export type ProgrammeFormValues = {
  title?: string;
  summary?: string;
  description?: string;
  themes?: string[];
  campaignDays?: string[];
  startDate?: string;
  endDate?: string;
  goal?: string | number;
  budgetLines?: Array<{ code: string; label: string; amount: number | string }>;
  inKindNeeds?: Array<{ item: string; unit: string; quantity: number | string; unitValue: number | string }>;
  coverImageId?: string | null;
};

type Failure = { errors: Record<string, string[]>; formError?: string; values: Record<string, string> } | null;

const EXTRA_ROWS = 3;

/** Create and edit share this form: multipart (for the cover image), rows that work without JavaScript. */
export function ProgrammeForm({ initial, failure, submitLabel }: { initial: ProgrammeFormValues; failure: Failure; submitLabel: string }) {
  const { t } = useTranslation();
  const lang = useLocale();
  const navigation = useNavigation();
  const form = useValidatedForm(programmeSchema);
  const errors = form.formState.errors;
  const value = (name: string, fallback?: string | number | null) => failure?.values[name] ?? (fallback == null ? undefined : String(fallback));
  const props = (name: string, fallback?: string | number | null) => ({
    name,
    register: form.register,
    clientError: clientErrorAt(errors, name),
    serverErrors: failure?.errors,
    defaultValue: value(name, fallback),
  });
  const chosen = (name: "themes" | "campaignDays", slug: string) => (failure ? Object.entries(failure.values).some(([k, v]) => k === name && v === slug) : (initial[name] ?? []).includes(slug));
  const budgetRows = [...(initial.budgetLines ?? []), ...Array.from({ length: EXTRA_ROWS }, () => ({ code: "", label: "", amount: "" }))];
  const needRows = [...(initial.inKindNeeds ?? []), ...Array.from({ length: EXTRA_ROWS }, () => ({ item: "", unit: "", quantity: "", unitValue: "" }))];
  const groupError = (name: string) => clientErrorAt(errors, name) ?? failure?.errors[name]?.[0];

  return (
    <Form method="post" encType="multipart/form-data" noValidate onSubmit={form.onSubmit} className="card programme-form">
      <AuthenticityTokenInput />
      <FormError message={failure?.formError ?? form.clientFormError} />
      <Field {...props("title", initial.title)} label={t("programmes.title")} required />
      <TextareaField {...props("summary", initial.summary)} label={t("programmes.summary")} hint={t("programmes.summaryHint")} rows={2} />
      <TextareaField {...props("description", initial.description)} label={t("programmes.description")} rows={8} />

      <fieldset aria-describedby={groupError("themes") ? "themes-error" : undefined}>
        <legend>{t("programmes.themes")}</legend>
        <div className="checkbox-grid">
          {THEMES.map((theme) => (
            <label key={theme.slug} className="checkbox">
              <input type="checkbox" value={theme.slug} defaultChecked={chosen("themes", theme.slug)} {...form.register("themes")} />
              {theme[lang]}
            </label>
          ))}
        </div>
        {groupError("themes") ? <p className="field-error" id="themes-error" role="alert">{t(groupError("themes")!)}</p> : null}
      </fieldset>

      <fieldset>
        <legend>{t("programmes.campaignDays")}</legend>
        <div className="checkbox-grid">
          {CAMPAIGN_DAYS.map((day) => (
            <label key={day.slug} className="checkbox">
              <input type="checkbox" value={day.slug} defaultChecked={chosen("campaignDays", day.slug)} {...form.register("campaignDays")} />
              {day[lang]} ({day.day}/{day.month})
            </label>
          ))}
        </div>
      </fieldset>

      <div className="two-columns">
        <Field {...props("startDate", initial.startDate)} type="date" label={t("programmes.startDate")} required />
        <Field {...props("endDate", initial.endDate)} type="date" label={t("programmes.endDate")} required />
      </div>
      <Field {...props("goal", initial.goal)} inputMode="numeric" label={t("programmes.goal")} hint={t("programmes.goalHint")} required />

      <fieldset>
        <legend>{t("programmes.budgetLines")}</legend>
        <p className="field-hint">{t("programmes.budgetHint")}</p>
        {groupError("budgetLines") ? <p className="field-error" role="alert">{t(groupError("budgetLines")!)}</p> : null}
        {budgetRows.map((row, i) => (
          <div className="row-fields" key={`b${i}`}>
            <Field {...props(`budgetLines.${i}.code`, row.code)} label={t("programmes.budgetCode")} />
            <Field {...props(`budgetLines.${i}.label`, row.label)} label={t("programmes.budgetLabel")} />
            <Field {...props(`budgetLines.${i}.amount`, row.amount)} inputMode="numeric" label={t("programmes.budgetAmount")} />
          </div>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t("programmes.inKindNeeds")}</legend>
        {needRows.map((row, i) => (
          <div className="row-fields row-fields-4" key={`n${i}`}>
            <Field {...props(`inKindNeeds.${i}.item`, row.item)} label={t("programmes.needItem")} />
            <Field {...props(`inKindNeeds.${i}.unit`, row.unit)} label={t("programmes.needUnit")} />
            <Field {...props(`inKindNeeds.${i}.quantity`, row.quantity)} inputMode="numeric" label={t("programmes.needQuantity")} />
            <Field {...props(`inKindNeeds.${i}.unitValue`, row.unitValue)} inputMode="numeric" label={t("programmes.needUnitValue")} />
          </div>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t("programmes.cover")}</legend>
        {initial.coverImageId ? <img src={`/files/${initial.coverImageId}`} alt={t("programmes.currentCover")} className="cover-preview" /> : null}
        <Field name="cover" type="file" accept="image/jpeg,image/png,image/webp" label={t("programmes.coverFile")} hint={t("programmes.coverHint")} serverErrors={failure?.errors} />
      </fieldset>

      <button type="submit" className="button" disabled={navigation.state === "submitting"}>
        {submitLabel}
      </button>
    </Form>
  );
}
