import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { formatVnd } from "#services/format";
import { expenditureActionSchema } from "#services/validation/expenditure";
import { BudgetLinesTable, ExpendituresTable } from "~/components/spending";
import { FormError } from "~/components/forms";
import giftStyles from "~/styles/gifts.css";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { actOnExpenditure, programmeSpending } from "~/utils/expenditures.server";
import { formFailure, formValues, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: giftStyles }];
export const meta: MetaFunction = () => [{ title: "Chi tiêu · Spending — Góp Sức" }];

/**
 * A programme's money out for the people who keep and check its books (services/expenditures.ts): the
 * balance, spent against planned per budget line, every expenditure in every state, and what this
 * viewer may do with each — publish, approve or send back (a second person), delete a draft, reverse.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await orRespond(programmeSpending(user, params.id ?? ""));
  return json(view, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const programmeId = params.id ?? "";
  // Whoever may not see the institution's books is refused before the form is read.
  const view = await orRespond(programmeSpending(user, programmeId));
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const expenditureId = String(formData.get("expenditureId") ?? "");
  const parsed = parseForm(expenditureActionSchema, formData);
  if (!parsed.ok) return formFailure({ ...parsed, formError: parsed.errors.reason?.[0] ?? "validation.fixErrors", values: { ...parsed.values, expenditureId } });
  let result;
  try {
    result = await actOnExpenditure(user, programmeId, expenditureId, parsed.data);
  } catch (error) {
    return serviceFailure(error, formValues(formData));
  }
  const t = await getFixedT(request);
  const amount = view.expenditures.find((e) => e.id === expenditureId)?.amount ?? 0;
  const done = parsed.data.intent === "reverse" ? "reversed" : result.state;
  return redirectWithToast(`/manage/programmes/${programmeId}/expenditures`, {
    type: done === "awaiting_approval" || done === "draft" ? "info" : "success",
    message: t(`expenditures.done.${done}`, { amount: formatVnd(amount, await getLanguage(request)) }),
  });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>["expenditures"][number];

/** One action on one expenditure: a small form (it works without JavaScript), with a reason where one is needed. */
function ActionForm({ row, intent, withReason, secondary }: { row: Row; intent: string; withReason?: boolean; secondary?: boolean }) {
  const { t } = useTranslation();
  const navigation = useNavigation();
  return (
    <Form method="post" className="decision-form" data-testid={`${intent}-${row.id}`}>
      <AuthenticityTokenInput />
      <input type="hidden" name="expenditureId" value={row.id} />
      <input type="hidden" name="intent" value={intent} />
      {withReason ? (
        <label>
          {t("expenditures.reason")}
          <input name="reason" maxLength={500} required minLength={5} />
        </label>
      ) : null}
      <button type="submit" className={secondary ? "button button-secondary" : "button"} disabled={navigation.state === "submitting"}>
        {t(`expenditures.${intent}`)}
      </button>
    </Form>
  );
}

export default function ProgrammeSpendingPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { programme, budgetLines, received, spent, balance, threshold, canManage, expenditures } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const vnd = (amount: number) => formatVnd(amount, lang);

  return (
    <section className="stack">
      <p>
        <Link to={`/manage/programmes/${programme.id}/finance`}>← {t("expenditures.backToFinance")}</Link>
      </p>
      <div>
        <p className="page-kicker">{programme.title}</p>
        <h1>{t("expenditures.title")}</h1>
        <p className="lead-text muted">{t("expenditures.lead")}</p>
      </div>
      <FormError message={failure?.formError ?? null} />

      <dl className="finance-cards" data-testid="spending-figures">
        <div className="finance-card">
          <dt>{t("expenditures.received")}</dt>
          <dd className="figure">{vnd(received)}</dd>
        </div>
        <div className="finance-card" data-testid="figure-spent">
          <dt>{t("expenditures.spent")}</dt>
          <dd className="figure">{vnd(spent)}</dd>
        </div>
        <div className="finance-card" data-testid="figure-balance">
          <dt>{t("expenditures.balance")}</dt>
          <dd className="figure">{vnd(balance)}</dd>
        </div>
      </dl>
      <p className="field-hint">{t("expenditures.thresholdHint", { amount: vnd(threshold) })}</p>
      {canManage && programme.state !== "draft" ? (
        <div className="page-actions">
          <Link to={`/manage/programmes/${programme.id}/expenditures/new`} className="button" data-testid="record-expenditure">
            {t("expenditures.newButton")}
          </Link>
        </div>
      ) : null}

      <section className="finance-section" aria-labelledby="lines-title">
        <h2 id="lines-title">{t("expenditures.byLineTitle")}</h2>
        <BudgetLinesTable lines={budgetLines} />
      </section>

      <section className="finance-section" aria-labelledby="list-title">
        <h2 id="list-title">{t("expenditures.listTitle")}</h2>
        {expenditures.length === 0 ? (
          <p className="muted">{t("expenditures.none")}</p>
        ) : (
          <ExpendituresTable
            rows={expenditures}
            testId="expenditures-table"
            last={{
              header: t("expenditures.state"),
              cell: (row) => (
                <>
                  <span className={`badge badge-${row.reversedAt ? "closed" : row.state === "published" ? "open" : "draft"}`} data-testid="expenditure-state">
                    {t(`expenditures.states.${row.reversedAt ? "reversed" : row.state}`)}
                  </span>
                  {row.state === "draft" && row.rejectionReason ? <p className="field-hint">{t("expenditures.rejected", { reason: row.rejectionReason })}</p> : null}
                  {canManage && row.state === "draft" ? (
                    <>
                      <ActionForm row={row} intent="publish" />
                      <ActionForm row={row} intent="delete" secondary />
                    </>
                  ) : null}
                  {row.canApprove ? (
                    <>
                      <ActionForm row={row} intent="approve" />
                      <ActionForm row={row} intent="reject" withReason secondary />
                    </>
                  ) : null}
                  {canManage && row.state === "published" && !row.reversedAt ? <ActionForm row={row} intent="reverse" withReason secondary /> : null}
                </>
              ),
            }}
          />
        )}
      </section>
    </section>
  );
}
