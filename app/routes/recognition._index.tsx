import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { PROVINCES, provinceName } from "#models/reference/provinces";
import { CERTIFICATE_TYPE_KEYS, RULE_DONOR_KINDS } from "#models/reference/recognition";
import { formatVnd } from "#services/format";
import { fillCitation } from "#services/recognition/citation";
import { CITATION_PLACEHOLDERS, recognitionRuleSchema } from "#services/validation/recognition";
import { clientErrorAt, Field, FormError, SelectField, TextareaField, useMessage, useValidatedForm } from "~/components/forms";
import { RecognitionNav } from "~/components/recognition-nav";
import recognitionStyles from "~/styles/recognition.css";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, formValues, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { createRule, rulesForViewer, setRuleActiveById } from "~/utils/recognition-officer.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: recognitionStyles }];
export const meta: MetaFunction = () => [{ title: "Quy tắc vinh danh · Recognition rules — Góp Sức" }];

/** Who sees the rules: the ministry keeps them; managers and province officers read them to nominate. */
const VIEWERS = ["ministry_officer", "province_officer", "manager"] as const;
/** Sample values a citation is previewed with. */
const SAMPLE = { name: "Công ty TNHH Sách Bình An", programmes: "Tủ sách cộng đồng", total: 50_000_000 };

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, VIEWERS);
  const view = await orRespond(rulesForViewer(user));
  return json(view, { headers: { "Cache-Control": "private, no-store" } });
}

/** The form's fields as the service reads them (a field sent several times, such as donorKinds, as a list). */
function fieldsOf(formData: FormData): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(formData.keys())) {
    if (key === "csrf" || key === "intent") continue;
    const all = formData.getAll(key).filter((v): v is string => typeof v === "string");
    raw[key] = all.length > 1 ? all : all[0];
  }
  return raw;
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, ["ministry_officer"]);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  const intent = formData.get("intent");
  if (intent === "retire" || intent === "activate") {
    try {
      await setRuleActiveById(user, String(formData.get("ruleId") ?? ""), intent === "activate");
    } catch (error) {
      return serviceFailure(error);
    }
    return redirectWithToast("/recognition", { type: "success", message: t(intent === "activate" ? "recognition.rules.activatedToast" : "recognition.rules.retiredToast") });
  }
  // What was typed comes back with the messages (the donor kinds ticked, as a list).
  const values = { ...formValues(formData), donorKinds: formData.getAll("donorKinds").filter((v) => typeof v === "string").join(" ") };
  const parsed = parseForm(recognitionRuleSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, values, formError: "validation.fixErrors" });
  let rule;
  try {
    rule = await createRule(user, fieldsOf(formData));
  } catch (error) {
    return serviceFailure(error, values);
  }
  const lang = await getLanguage(request);
  return redirectWithToast("/recognition", { type: "success", message: t("recognition.rules.createdToast", { name: rule.name?.[lang] || rule.name?.vi || "" }) });
}

type Rule = ReturnType<typeof useLoaderData<typeof loader>>["rules"][number];

/** Rules grouped by rule set and year, in the loader's order. */
function groupsOf(rules: Rule[]) {
  const groups = new Map<string, { ruleSet: string; year: number; rules: Rule[] }>();
  for (const rule of rules) {
    const key = `${rule.year}\u0000${rule.ruleSet}`;
    if (!groups.has(key)) groups.set(key, { ruleSet: rule.ruleSet, year: rule.year, rules: [] });
    groups.get(key)!.rules.push(rule);
  }
  return [...groups.values()];
}

const qualifyingHref = (ruleSet: string, year: number) => `/recognition/qualifying?${new URLSearchParams({ set: ruleSet, year: String(year) })}`;

export default function RecognitionRulesPage() {
  const { t } = useTranslation();
  const { canKeep, rules } = useLoaderData<typeof loader>();
  const groups = groupsOf(rules);
  // A new form after each rule added (the redirect is a new location); a refused one keeps what was typed.
  const { key } = useLocation();
  return (
    <section className="stack">
      <RecognitionNav />
      <div>
        <h1>{t("recognition.rules.title")}</h1>
        <p className="lead-text muted">{t(canKeep ? "recognition.rules.lead" : "recognition.rules.readOnlyLead")}</p>
      </div>
      {groups.length === 0 ? <p className="muted">{t("recognition.rules.none")}</p> : null}
      {groups.map((group) => (
        <RuleGroup key={`${group.year}-${group.ruleSet}`} group={group} canKeep={canKeep} />
      ))}
      {canKeep ? <NewRuleForm key={key} /> : null}
    </section>
  );
}

function RuleGroup({ group, canKeep }: { group: { ruleSet: string; year: number; rules: Rule[] }; canKeep: boolean }) {
  const { t } = useTranslation();
  const lang = useLocale();
  const headingId = `set-${group.year}-${group.ruleSet.replace(/[^\p{L}\p{N}]+/gu, "-")}`;
  const counts = (rule: Rule) =>
    [t("recognition.counts.cash"), rule.countInKind ? t("recognition.counts.inKind") : null, rule.countVolunteerHours ? t("recognition.counts.volunteer") : null].filter(Boolean).join(", ");
  return (
    <article className="card stack" aria-labelledby={headingId} data-testid="rule-set">
      <div className="card-header">
        <h2 id={headingId}>{t("recognition.rules.setHeading", { set: group.ruleSet, year: group.year })}</h2>
        <Link to={qualifyingHref(group.ruleSet, group.year)}>{t("recognition.rules.openQualifying", { set: group.ruleSet, year: group.year })}</Link>
      </div>
      <div className="table-wrap">
        <table className="recognition-table">
          <thead>
            <tr>
              <th scope="col">{t("recognition.rules.name")}</th>
              <th scope="col">{t("recognition.rules.type")}</th>
              <th scope="col">{t("recognition.rules.donorKinds")}</th>
              <th scope="col" className="num">{t("recognition.rules.threshold")}</th>
              <th scope="col">{t("recognition.rules.counts")}</th>
              <th scope="col">{t("recognition.rules.scope")}</th>
              <th scope="col">{t("recognition.rules.citation")}</th>
              {canKeep ? <th scope="col">{t("recognition.rules.status")}</th> : null}
            </tr>
          </thead>
          <tbody>
            {group.rules.map((rule) => (
              <tr key={rule.id} data-testid="rule">
                <td>
                  <strong>{rule.name[lang] || rule.name.vi}</strong>
                  {lang === "en" ? null : <div className="muted" lang="en">{rule.name.en}</div>}
                </td>
                <td>{t(`recognition.types.${rule.type}`)}</td>
                <td>{rule.donorKinds.map((kind) => t(`recognition.donorKinds.${kind}`)).join("; ")}</td>
                <td className="num">{formatVnd(rule.minTotal, lang)}</td>
                <td>{counts(rule)}</td>
                <td>{rule.scope === "national" ? t("recognition.national") : (provinceName(rule.scope) ?? rule.scope)}</td>
                <td>
                  <p lang="vi" className="citation">{rule.citation.vi}</p>
                  <p lang="en" className="citation muted">{rule.citation.en}</p>
                </td>
                {canKeep ? (
                  <td>
                    <span className={`badge ${rule.active ? "badge-approved" : "badge-rejected"}`}>{t(rule.active ? "recognition.rules.active" : "recognition.rules.retired")}</span>
                    <Form method="post" className="rule-toggle">
                      <AuthenticityTokenInput />
                      <input type="hidden" name="ruleId" value={rule.id} />
                      <button
                        type="submit"
                        name="intent"
                        value={rule.active ? "retire" : "activate"}
                        className="button button-small button-secondary"
                        aria-label={t(rule.active ? "recognition.rules.retireLabel" : "recognition.rules.activateLabel", { name: rule.name[lang] || rule.name.vi })}
                      >
                        {t(rule.active ? "recognition.rules.retire" : "recognition.rules.activate")}
                      </button>
                    </Form>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}

/** Whole đồng from what was typed ("50.000.000"), or null. */
function typedAmount(value: unknown): number | null {
  const digits = String(value ?? "").replace(/[^\d]/g, "");
  const amount = digits ? Number(digits) : NaN;
  return Number.isSafeInteger(amount) && amount > 0 ? amount : null;
}

function NewRuleForm() {
  const { t } = useTranslation();
  const lang = useLocale();
  const message = useMessage();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const thisYear = new Date().getFullYear();
  const value = (name: string, fallback?: string) => failure?.values[name] ?? fallback;
  const initial = {
    citationVi: value("citationVi", "Đã có thành tích đóng góp {tổng} cho hoạt động học tập suốt đời năm {năm}.")!,
    citationEn: value("citationEn", "For contributing {total} to lifelong learning in {year}.")!,
    minTotal: value("minTotal", "")!,
    year: value("year", String(thisYear))!,
    scope: value("scope", "national")!,
  };
  const form = useValidatedForm(recognitionRuleSchema, initial);
  const errors = form.formState.errors;
  const props = (name: string, fallback?: string) => ({
    name,
    register: form.register,
    clientError: clientErrorAt(errors, name),
    serverErrors: failure?.errors,
    defaultValue: value(name, fallback),
  });
  const [citationVi, citationEn, minTotal, year, scope] = form.watch(["citationVi", "citationEn", "minTotal", "year", "scope"]) as string[];
  const sample = {
    name: SAMPLE.name,
    programmes: SAMPLE.programmes,
    total: typedAmount(minTotal) ?? SAMPLE.total,
    year: /^\d{4}$/.test(String(year ?? "")) ? Number(year) : thisYear,
    province: provinceName(scope) ?? "Hà Nội",
  };
  const ticked = failure ? (failure.values.donorKinds ?? "").split(" ").filter(Boolean) : ["organisation", "individual"];
  const kindsError = clientErrorAt(errors, "donorKinds") ?? failure?.errors.donorKinds?.[0];
  const checked = (name: string, fallback: boolean) => (failure ? failure.values[name] === "on" : fallback);
  return (
    <article className="card stack" aria-labelledby="new-rule-title">
      <h2 id="new-rule-title">{t("recognition.form.title")}</h2>
      <Form method="post" noValidate onSubmit={form.onSubmit} className="stack" data-testid="rule-form">
        <AuthenticityTokenInput />
        <input type="hidden" name="intent" value="create" />
        <FormError message={failure?.formError ?? form.clientFormError} />
        <Field {...props("ruleSet")} label={t("recognition.form.ruleSet")} hint={t("recognition.form.ruleSetHint")} autoComplete="off" maxLength={120} />
        <div className="two-columns">
          <SelectField {...props("type", "certificate")} label={t("recognition.form.type")} hint={t("recognition.form.typeHint")} options={CERTIFICATE_TYPE_KEYS.map((key) => ({ value: key, label: t(`recognition.types.${key}`) }))} />
          <Field {...props("year", String(thisYear))} inputMode="numeric" label={t("recognition.form.year")} autoComplete="off" maxLength={4} />
        </div>
        <div className="two-columns">
          <Field {...props("nameVi")} lang="vi" label={t("recognition.form.nameVi")} autoComplete="off" maxLength={200} />
          <Field {...props("nameEn")} lang="en" label={t("recognition.form.nameEn")} autoComplete="off" maxLength={200} />
        </div>
        <fieldset aria-describedby={kindsError ? "donor-kinds-error" : undefined}>
          <legend>{t("recognition.form.donorKinds")}</legend>
          <div className="checkbox-grid">
            {RULE_DONOR_KINDS.map((kind) => (
              <label key={kind} className="checkbox">
                <input type="checkbox" value={kind} defaultChecked={ticked.includes(kind)} {...form.register("donorKinds")} />
                {t(`recognition.donorKinds.${kind}`)}
              </label>
            ))}
          </div>
          {kindsError ? (
            <p className="field-error" id="donor-kinds-error" role="alert">
              {message(kindsError)}
            </p>
          ) : null}
        </fieldset>
        <div className="two-columns">
          <Field {...props("minTotal")} inputMode="numeric" label={t("recognition.form.minTotal")} hint={t("recognition.form.minTotalHint")} autoComplete="off" />
          <SelectField
            {...props("scope", "national")}
            label={t("recognition.form.scope")}
            options={[{ value: "national", label: t("recognition.national") }, ...PROVINCES.map((p) => ({ value: p.slug, label: p.name }))]}
          />
        </div>
        <label className="checkbox">
          <input type="checkbox" defaultChecked={checked("countInKind", true)} {...form.register("countInKind")} />
          {t("recognition.form.countInKind")}
        </label>
        <label className="checkbox">
          <input type="checkbox" defaultChecked={checked("countVolunteerHours", false)} {...form.register("countVolunteerHours")} />
          {t("recognition.form.countVolunteerHours")}
        </label>
        <TextareaField
          {...props("citationVi", initial.citationVi)}
          lang="vi"
          rows={3}
          maxLength={400}
          label={t("recognition.form.citationVi")}
          hint={t("recognition.form.placeholders", { list: CITATION_PLACEHOLDERS.vi.map((p) => `{${p}}`).join(" ") })}
        />
        <TextareaField
          {...props("citationEn", initial.citationEn)}
          lang="en"
          rows={3}
          maxLength={400}
          label={t("recognition.form.citationEn")}
          hint={t("recognition.form.placeholders", { list: CITATION_PLACEHOLDERS.en.map((p) => `{${p}}`).join(" ") })}
        />
        <section className="notice citation-preview" aria-labelledby="citation-preview-title" aria-live="polite" data-testid="citation-preview">
          <h3 id="citation-preview-title">{t("recognition.form.preview")}</h3>
          <p className="field-hint">{t("recognition.form.previewLead", { name: sample.name, total: formatVnd(sample.total, lang) })}</p>
          <dl className="facts">
            <div>
              <dt>{t("recognition.form.previewVi")}</dt>
              <dd lang="vi" data-testid="preview-vi">{fillCitation(String(citationVi ?? ""), sample, "vi")}</dd>
            </div>
            <div>
              <dt>{t("recognition.form.previewEn")}</dt>
              <dd lang="en" data-testid="preview-en">{fillCitation(String(citationEn ?? ""), sample, "en")}</dd>
            </div>
          </dl>
          <p className="field-hint">{t("recognition.form.previewNoJs")}</p>
        </section>
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("recognition.form.submit")}
          </button>
        </p>
      </Form>
    </article>
  );
}
