import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { ProgrammeForm } from "~/components/programme-form";
import { forbidden, requireUser } from "~/utils/auth.server";
import { getFixedT } from "~/utils/i18n.server";
import { readProgrammeForm, saveProgrammeForm } from "~/utils/programme-form.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { getProgrammeForManagement, updateProgramme } from "~/utils/domain.server";
import { vietnamDateInput } from "#services/calendar";

export const meta: MetaFunction = () => [{ title: "Sửa chương trình · Edit programme — Góp Sức" }];

/** yyyy-mm-dd of a day in Vietnam (for date inputs). */
const dateInput = vietnamDateInput;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const { programme, canEdit, canReopen } = await orRespond(getProgrammeForManagement(user, params.id ?? ""));
  return json({
    canEdit,
    canReopen,
    programme: {
      id: String(programme._id),
      slug: programme.slug,
      state: programme.state,
      title: programme.title,
      summary: programme.summary,
      description: programme.description,
      themes: programme.themes,
      campaignDays: programme.campaignDays,
      startDate: dateInput(programme.startDate),
      endDate: dateInput(programme.endDate),
      goal: programme.goal,
      budgetLines: programme.budgetLines.map((l) => ({ code: l.code, label: l.label, amount: l.amount })),
      inKindNeeds: programme.inKindNeeds.map((n) => ({ item: n.item, unit: n.unit, quantity: n.quantity, unitValue: n.unitValue })),
      coverImageId: programme.coverImageId ? String(programme.coverImageId) : null,
    },
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const { programme, canEdit } = await orRespond(getProgrammeForManagement(user, params.id ?? ""));
  if (!canEdit) forbidden();
  const form = await readProgrammeForm(request, { institutionId: String(programme.institutionId), userId: user.id });
  if (!form.ok) return form.response;
  try {
    await saveProgrammeForm(form, () => updateProgramme(user, String(programme._id), form.input, form.coverImageId));
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  return redirectWithToast("/manage", { type: "success", message: t("programmes.saved") });
}

export default function EditProgrammePage() {
  const { t } = useTranslation();
  const { programme, canEdit, canReopen } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <section className="stack">
      <p>
        <Link to="/manage">← {t("manage.title")}</Link>
      </p>
      <h1>{programme.title}</h1>
      <p className="muted">
        {t(`programmes.state.${programme.state}`)}
        {programme.state !== "draft" ? (
          <>
            {" · "}
            <Link to={`/programmes/${programme.slug}`}>{t("programmes.viewPublic")}</Link>
          </>
        ) : null}
      </p>
      {canEdit && programme.state !== "closed" ? (
        <ProgrammeForm initial={programme} failure={actionData && !actionData.ok ? actionData : null} submitLabel={t("programmes.save")} />
      ) : canEdit && canReopen ? (
        <Form method="post" action="/manage" className="card stack">
          <p>{t("programmes.closedReopenable")}</p>
          <AuthenticityTokenInput />
          <input type="hidden" name="programmeId" value={programme.id} />
          <input type="hidden" name="to" value="open" />
          <p>
            <button type="submit" className="button">
              {t("programmes.reopen")}
            </button>
          </p>
        </Form>
      ) : canEdit ? (
        <p>{t("programmes.closedIsFinal")}</p>
      ) : (
        <p>{t("programmes.readOnly")}</p>
      )}
    </section>
  );
}
