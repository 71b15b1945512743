import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { internationalTransferSchema } from "#services/validation/institution";
import { FormError, TextareaField } from "~/components/forms";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { internationalTransferOf, setInternationalTransfer } from "~/utils/domain.server";
import { formFailure, formValues, parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { orRespond, serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Chuyển khoản quốc tế · International transfers — Góp Sức" }];

/**
 * /manage/institutions/:id/international — the institution's details for a transfer from abroad (its
 * bank, SWIFT/BIC, account, beneficiary), as its bank gives them. Donors abroad, and gifts too large for
 * a card, are shown them with their pledge's reference to quote. Its own managers only (and admins).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const institution = await orRespond(internationalTransferOf(user, params.id ?? ""));
  return json({ institution }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const parsed = parseForm(internationalTransferSchema, formData);
  if (!parsed.ok) {
    // Refused before anything is read: a manager of another institution still gets a 403 for it.
    await orRespond(internationalTransferOf(user, params.id ?? ""));
    return formFailure({ ...parsed, formError: "validation.fixErrors" });
  }
  try {
    await setInternationalTransfer(user, params.id ?? "", parsed.data.internationalTransfer);
  } catch (error) {
    return serviceFailure(error, formValues(formData));
  }
  const t = await getFixedT(request);
  return redirectWithToast(`/manage/institutions/${params.id}/international`, { type: "success", message: t("institutions.international.saved") });
}

export default function InternationalTransferPage() {
  const { institution } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const { t } = useTranslation();
  return (
    <section className="stack narrow">
      <p>
        <Link to="/manage">← {t("nav.manage")}</Link>
      </p>
      <div>
        <p className="page-kicker">{institution.name}</p>
        <h1>{t("institutions.international.title")}</h1>
        <p className="lead-text muted">{t("institutions.international.lead")}</p>
      </div>
      <Form method="post" className="card stack">
        <AuthenticityTokenInput />
        <FormError message={failure?.formError} />
        <TextareaField
          name="internationalTransfer"
          rows={7}
          label={t("institutions.international.details")}
          hint={t("institutions.international.hint")}
          defaultValue={failure?.values.internationalTransfer ?? institution.internationalTransfer}
          serverErrors={failure?.errors}
        />
        <p>
          <button type="submit" className="button" disabled={navigation.state === "submitting"}>
            {t("institutions.international.save")}
          </button>
        </p>
      </Form>
    </section>
  );
}
