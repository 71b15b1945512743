import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { canManageProgrammes } from "#services/access";
import { ProgrammeForm } from "~/components/programme-form";
import { forbidden, requireRole } from "~/utils/auth.server";
import { getFixedT } from "~/utils/i18n.server";
import { readProgrammeForm, saveProgrammeForm } from "~/utils/programme-form.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { createProgramme } from "~/utils/domain.server";

export const meta: MetaFunction = () => [{ title: "Chương trình mới · New programme — Góp Sức" }];

function institutionParam(request: Request) {
  return new URL(request.url).searchParams.get("institution") ?? "";
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, ["manager"]);
  const institutionId = institutionParam(request);
  if (!canManageProgrammes(user, institutionId)) forbidden();
  return json({ institutionId });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, ["manager"]);
  const institutionId = institutionParam(request);
  if (!canManageProgrammes(user, institutionId)) forbidden();
  const form = await readProgrammeForm(request, { institutionId, userId: user.id });
  if (!form.ok) return form.response;
  try {
    await saveProgrammeForm(form, () => createProgramme(user, institutionId, form.input, form.coverImageId ?? null));
  } catch (error) {
    return serviceFailure(error);
  }
  const t = await getFixedT(request);
  return redirectWithToast("/manage", { type: "success", message: t("programmes.created") });
}

export default function NewProgrammePage() {
  const { t } = useTranslation();
  useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <section className="stack">
      <h1>{t("programmes.newTitle")}</h1>
      <p className="muted">{t("programmes.newLead")}</p>
      <ProgrammeForm initial={{}} failure={actionData && !actionData.ok ? actionData : null} submitLabel={t("programmes.saveDraft")} />
    </section>
  );
}
