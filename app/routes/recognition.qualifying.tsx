import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { z } from "zod";
import { formatVnd } from "#services/format";
import { nominationSchema } from "#services/validation/recognition";
import { clientErrorAt, FormError, TextareaField, useMessage, useValidatedForm } from "~/components/forms";
import { RecognitionNav } from "~/components/recognition-nav";
import recognitionStyles from "~/styles/recognition.css";
import { requireRole } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { formFailure, parseForm, readFormData } from "~/utils/forms.server";
import { donorNames, nominate, qualifyingDonors, rulesForViewer } from "~/utils/recognition-officer.server";
import { orRespond, ServiceError, serviceFailure } from "~/utils/service-errors.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: recognitionStyles }];
export const meta: MetaFunction = () => [{ title: "Nhà tài trợ đủ điều kiện · Who qualifies — Góp Sức" }];

const VIEWERS = ["ministry_officer", "province_officer", "manager"] as const;

/** A ticked row: `<ruleId>:<donorId>` (each donor is listed for one tier, so rows of several tiers go in one submission). */
const ROW = /^([a-f0-9]{24}):([a-f0-9]{24})$/;

/**
 * The bulk nomination form: the ticked rows and one justification (the justification's rule is the
 * service's, services/validation/recognition.ts).
 */
const nominateFormSchema = z.object({
  selected: z.preprocess((v) => (v === undefined || v === null || v === false ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().regex(ROW, "recognition.chooseDonors")).min(1, "recognition.chooseDonors").max(1000)),
  justification: nominationSchema.shape.justification,
});

function periodOf(url: URL): { set: string; year: number } | null {
  const set = (url.searchParams.get("set") ?? "").trim();
  const year = url.searchParams.get("year") ?? "";
  if (!set || set.length > 120 || !/^\d{4}$/.test(year)) return null;
  return { set, year: Number(year) };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, VIEWERS);
  const url = new URL(request.url);
  const { rules } = await orRespond(rulesForViewer(user));
  const sets = [...new Map(rules.filter((r) => r.active).map((r) => [`${r.year}\u0000${r.ruleSet}`, { set: r.ruleSet, year: r.year }])).values()];
  const period = periodOf(url);
  const rows = period ? await orRespond(qualifyingDonors(user, period.set, period.year)) : [];
  return json({ sets, period, rows, all: url.searchParams.get("all") === "1" }, { headers: { "Cache-Control": "private, no-store" } });
}

export type NominationResult = { donorId: string; name: string | null; result: "nominated" | "already" | "not_qualified" | "out_of_scope" };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, VIEWERS);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(nominateFormSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: "validation.fixErrors" });
  // One nomination call per tier, with the same justification.
  const byRule = new Map<string, string[]>();
  for (const row of parsed.data.selected) {
    const [, ruleId, donorId] = ROW.exec(row)!;
    byRule.set(ruleId!, [...(byRule.get(ruleId!) ?? []), donorId!]);
  }
  const outcomes: Array<{ donorId: string; result: NominationResult["result"] }> = [];
  for (const [ruleId, donorIds] of byRule) {
    try {
      outcomes.push(...(await nominate(user, { ruleId, donorIds, justification: parsed.data.justification })));
    } catch (error) {
      // A tier retired meanwhile, or one outside the nominator's reach: its donors are reported, the other tiers go on.
      if (error instanceof ServiceError && (error.code === "not_found" || error.code === "forbidden")) {
        outcomes.push(...donorIds.map((donorId) => ({ donorId, result: error.code === "forbidden" ? ("out_of_scope" as const) : ("not_qualified" as const) })));
        continue;
      }
      return serviceFailure(error, { justification: parsed.data.justification });
    }
  }
  // Names only of donors within the nominator's scope (an id from elsewhere is not named back).
  const names = await donorNames(outcomes.filter((o) => o.result !== "out_of_scope").map((o) => o.donorId));
  const results: NominationResult[] = outcomes.map((o) => ({ ...o, name: o.result === "out_of_scope" ? null : (names[o.donorId] ?? null) }));
  return json({ ok: true as const, results });
}

export default function QualifyingPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const message = useMessage();
  const { sets, period, rows, all } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const results = actionData && actionData.ok ? actionData.results : null;
  const navigation = useNavigation();
  const form = useValidatedForm(nominateFormSchema);
  const vnd = (amount: number) => formatVnd(amount, lang);
  const open = rows.filter((row) => !row.nomination);
  const listHref = (extra: Record<string, string> = {}) => (period ? `?${new URLSearchParams({ set: period.set, year: String(period.year), ...extra })}` : "?");
  const selectedError = clientErrorAt(form.formState.errors, "selected") ?? failure?.errors.selected?.[0];
  const nominatedCount = results?.filter((r) => r.result === "nominated").length ?? 0;

  return (
    <section className="stack">
      <RecognitionNav />
      <div>
        <h1>{t("recognition.qualifying.title")}</h1>
        <p className="lead-text muted">{t("recognition.qualifying.lead")}</p>
      </div>

      <Form method="get" className="card inline-form" aria-label={t("recognition.qualifying.choose")}>
        <div className="field">
          <label htmlFor="qualifying-set">{t("recognition.qualifying.set")}</label>
          <select id="qualifying-set" name="set" defaultValue={period?.set ?? sets[0]?.set ?? ""}>
            {[...new Set(sets.map((s) => s.set))].map((set) => (
              <option key={set} value={set}>
                {set}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="qualifying-year">{t("recognition.qualifying.year")}</label>
          <select id="qualifying-year" name="year" defaultValue={String(period?.year ?? sets[0]?.year ?? new Date().getFullYear())}>
            {[...new Set(sets.map((s) => s.year))].sort((a, b) => b - a).map((year) => (
              <option key={year} value={year}>
                {year}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-secondary">
          {t("recognition.qualifying.show")}
        </button>
      </Form>
      {sets.length === 0 ? <p className="muted">{t("recognition.qualifying.noSets")}</p> : null}

      {results ? (
        <div className="card" role="status" data-testid="nomination-results">
          <h2>{t("recognition.qualifying.results")}</h2>
          <p>{t("recognition.qualifying.summary", { count: nominatedCount })}</p>
          <ul className="plain-list">
            {results.map((r) => (
              <li key={r.donorId} data-result={r.result}>
                <strong>{r.name ?? t("recognition.qualifying.unknownDonor")}</strong>: {t(`recognition.qualifying.outcomes.${r.result}`)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {period ? (
        <>
          <h2>{t("recognition.qualifying.heading", { set: period.set, year: period.year })}</h2>
          {rows.length === 0 ? (
            <p className="muted">{t("recognition.qualifying.none")}</p>
          ) : (
            <Form method="post" noValidate onSubmit={form.onSubmit} className="stack" data-testid="nominate-form">
              <AuthenticityTokenInput />
              <FormError message={failure?.formError ?? form.clientFormError} />
              <p className="inline-form">
                <span>{t("recognition.qualifying.count", { count: rows.length })}</span>
                {open.length > 0 ? (
                  <Link
                    to={listHref({ all: "1" })}
                    preventScrollReset
                    onClick={(event) => {
                      // With JavaScript: tick every row in place (what was typed stays); without, the link draws the list ticked.
                      event.preventDefault();
                      form.setValue("selected", open.map((row) => `${row.ruleId}:${row.donorId}`), { shouldValidate: form.formState.submitCount > 0 });
                    }}
                  >
                    {t("recognition.qualifying.selectAll")}
                  </Link>
                ) : null}
              </p>
              {selectedError ? (
                <p className="field-error" role="alert">
                  {message(selectedError)}
                </p>
              ) : null}
              <div className="table-wrap">
                <table className="recognition-table" data-testid="qualifying-donors">
                  <thead>
                    <tr>
                      <th scope="col" className="select-column">{t("recognition.qualifying.select")}</th>
                      <th scope="col">{t("recognition.qualifying.name")}</th>
                      <th scope="col">{t("recognition.qualifying.kind")}</th>
                      <th scope="col">{t("recognition.qualifying.tier")}</th>
                      <th scope="col" className="num">{t("recognition.qualifying.contribution")}</th>
                      <th scope="col">{t("recognition.qualifying.nomination")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => (
                      <tr key={row.donorId} data-testid="qualifying-donor">
                        <td className="select-column">
                          {row.nomination ? null : (
                            <input
                              key={all ? "all" : "some"}
                              type="checkbox"
                              value={`${row.ruleId}:${row.donorId}`}
                              defaultChecked={all}
                              aria-label={t("recognition.qualifying.selectDonor", { name: row.name })}
                              {...form.register("selected")}
                            />
                          )}
                        </td>
                        <td>
                          <strong>{row.name}</strong>
                          <div>
                            <Link to={`/recognition/qualifying/${row.ruleId}/${row.donorId}`} aria-label={t("recognition.qualifying.detailsOf", { name: row.name })}>
                              {t("recognition.qualifying.details")}
                            </Link>
                          </div>
                        </td>
                        <td>{t(`recognition.kinds.${row.kind}`)}</td>
                        <td>
                          {row.ruleName[lang] || row.ruleName.vi}
                          <div className="muted">{t(`recognition.types.${row.type}`)}</div>
                        </td>
                        <td className="num">
                          {vnd(row.contribution)}
                          <div className="muted">/ {vnd(row.minTotal)}</div>
                        </td>
                        <td>{row.nomination ? <span className={`badge badge-${row.nomination.status === "rejected" ? "rejected" : row.nomination.status === "proposed" ? "pending" : "approved"}`}>{t(`recognition.statuses.${row.nomination.status}`)}</span> : <span className="muted">{t("recognition.qualifying.notNominated")}</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {open.length > 0 ? (
                <>
                  <TextareaField
                    name="justification"
                    register={form.register}
                    clientError={clientErrorAt(form.formState.errors, "justification")}
                    serverErrors={failure?.errors}
                    defaultValue={failure?.values.justification}
                    rows={3}
                    maxLength={2000}
                    label={t("recognition.qualifying.justification")}
                    hint={t("recognition.qualifying.justificationHint")}
                  />
                  <p>
                    <button type="submit" className="button" disabled={navigation.state === "submitting"}>
                      {t("recognition.qualifying.submit")}
                    </button>
                  </p>
                </>
              ) : null}
            </Form>
          )}
        </>
      ) : null}
    </section>
  );
}
