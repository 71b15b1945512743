import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { formatDate, formatDateTime, formatVnd } from "#services/format";
import { Field, FormError } from "~/components/forms";
import { endSession, requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { eraseMe, personalData, withdrawPublicConsent } from "~/utils/data-rights.server";
import { formFailure, readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { serviceFailure } from "~/utils/service-errors.server";
import { redirectWithToast, toastCookie } from "~/utils/session.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Dữ liệu của tôi · My data — Góp Sức" }];

/**
 * /account/data — the signed-in person's rights over their data (services/data-rights.ts): what is held
 * (readable here, and as JSON at /account/data.json), withdrawing consent to be named, erasure.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  // The requests listed are the ones the data already holds (read once, with everything else).
  const data = await personalData(user);
  return json({ data, requests: data.requests, isDonor: user.role === "donor" }, { headers: { "Cache-Control": "private, no-store" } });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const intent = String(formData.get("intent") ?? "");
  const t = await getFixedT(request);
  try {
    if (intent === "withdraw") {
      if (formData.get("confirm") !== "yes") return formFailure({ errors: { confirm: ["dataRights.mustConfirm"] }, formError: "dataRights.mustConfirm", values: {} });
      const { pledges } = await withdrawPublicConsent(user);
      return redirectWithToast("/account/data", { type: "success", message: t("dataRights.withdrawn", { count: pledges }) });
    }
    if (intent === "erase") {
      await eraseMe(user, String(formData.get("confirmWord") ?? ""));
      const headers = new Headers();
      headers.append("Set-Cookie", await toastCookie({ type: "info", message: t("dataRights.erased") }));
      headers.append("Set-Cookie", await endSession(request));
      return redirect("/", { headers });
    }
  } catch (error) {
    return serviceFailure(error);
  }
  return formFailure({ errors: {}, formError: "validation.invalidChoice", values: {} });
}

export default function MyDataPage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { data, requests, isDonor } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const failure = actionData && !actionData.ok ? actionData : null;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";

  return (
    <section className="stack">
      <p>
        <Link to="/account">← {t("account.title")}</Link>
      </p>
      <div>
        <h1>{t("dataRights.title")}</h1>
        <p className="lead-text muted">{t("dataRights.lead")}</p>
      </div>
      <FormError message={failure?.formError ?? null} />

      <section className="card stack" aria-labelledby="download-title">
        <h2 id="download-title">{t("dataRights.downloadTitle")}</h2>
        <p>{t("dataRights.downloadLead")}</p>
        <p>
          <a className="button" href="/account/data.json" download data-testid="download-data">
            {t("dataRights.download")}
          </a>
        </p>
        <h3>{t("dataRights.account")}</h3>
        <p data-testid="data-account">
          {data.account.name} · {data.account.email}
        </p>
        <h3>{t("dataRights.donors")}</h3>
        {data.donors.length === 0 ? (
          <p className="muted">{t("dataRights.none")}</p>
        ) : (
          <ul data-testid="data-donors">
            {data.donors.map((d) => (
              <li key={d.id}>{[d.legalName ?? d.fullName, d.taxCode, d.registrationNumber, d.email, d.phone, d.address, d.country].filter(Boolean).join(" · ")}</li>
            ))}
          </ul>
        )}
        <h3>{t("dataRights.pledges")}</h3>
        {data.pledges.length === 0 ? (
          <p className="muted">{t("dataRights.none")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="data-pledges">
              <thead>
                <tr>
                  <th scope="col">{t("dataRights.reference")}</th>
                  <th scope="col">{t("dataRights.programme")}</th>
                  <th scope="col" className="num">
                    {t("dataRights.amount")}
                  </th>
                  <th scope="col">{t("dataRights.shownAs")}</th>
                </tr>
              </thead>
              <tbody>
                {data.pledges.map((p) => (
                  <tr key={p.reference}>
                    <td>
                      <Link to={`/pledges/${p.reference}`}>{p.reference}</Link>
                    </td>
                    <td>{p.programme?.title ?? ""}</td>
                    <td className="num">{formatVnd(p.amount, lang)}</td>
                    <td data-testid="shown-as">{t(`dataRights.visibility.${p.visibility}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h3>{t("dataRights.gifts")}</h3>
        {data.gifts.length === 0 ? (
          <p className="muted">{t("dataRights.none")}</p>
        ) : (
          <ul data-testid="data-gifts">
            {data.gifts.map((g) => (
              <li key={g.receiptNumber}>
                {formatDate(g.receivedAt, lang)} · {formatVnd(g.amount, lang)} · {t("dataRights.receipt")} <Link to={`/receipts/${g.receiptNumber}`}>{g.receiptNumber}</Link>
              </li>
            ))}
          </ul>
        )}
        <h3>{t("dataRights.certificates")}</h3>
        {data.certificates.length === 0 ? <p className="muted">{t("dataRights.none")}</p> : <ul>{data.certificates.map((c) => <li key={c.code ?? c.serial}>{c.serial}</li>)}</ul>}
        <h3>{t("dataRights.sessions")}</h3>
        <p>
          <Link to="/account/sessions">{t("sessions.link")}</Link> ({data.sessions.length})
        </p>
      </section>

      <section className="card stack" aria-labelledby="withdraw-title">
        <h2 id="withdraw-title">{t("dataRights.withdrawTitle")}</h2>
        <p>{t("dataRights.withdrawLead")}</p>
        <Form method="post" className="stack" data-testid="withdraw-form">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="withdraw" />
          <label className="choice">
            <input type="checkbox" name="confirm" value="yes" /> {t("dataRights.withdrawConfirm")}
          </label>
          <p>
            <button type="submit" className="button button-secondary" disabled={busy}>
              {t("dataRights.withdraw")}
            </button>
          </p>
        </Form>
      </section>

      {isDonor ? (
        <section className="card stack" aria-labelledby="erase-title">
          <h2 id="erase-title">{t("dataRights.eraseTitle")}</h2>
          <p>{t("dataRights.eraseLead")}</p>
          <Form method="post" className="stack" data-testid="erase-form">
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="erase" />
            <Field name="confirmWord" label={t("dataRights.confirmWordLabel")} autoComplete="off" serverErrors={failure?.errors} />
            <p>
              <button type="submit" className="button" disabled={busy}>
                {t("dataRights.erase")}
              </button>
            </p>
          </Form>
        </section>
      ) : null}

      <section className="stack" aria-labelledby="requests-title">
        <h2 id="requests-title">{t("dataRights.requestsTitle")}</h2>
        {requests.length === 0 ? (
          <p className="muted">{t("dataRights.none")}</p>
        ) : (
          <ul data-testid="data-requests">
            {requests.map((r) => (
              <li key={`${r.kind}-${String(r.at)}`}>
                {formatDateTime(r.at, lang)} — {t(`dataRights.requestKinds.${r.kind}`)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
