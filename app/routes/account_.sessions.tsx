import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { deleteSessionOfUser, deleteSessionsOfUser, listSessionsOfUser } from "#models/session.server";
import { formatDateTime } from "#services/format";
import { sessionActionSchema } from "#services/validation/account";
import { requireUserSession } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { parseForm, readFormData } from "~/utils/forms.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { redirectWithToast } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Phiên đăng nhập · Sessions — Góp Sức" }];

/** No user-agent parser is installed (decision 0022): the browser's own description, cut to a readable length. */
const DEVICE_CHARS = 90;
function deviceOf(userAgent: string) {
  const text = userAgent.trim();
  return text.length > DEVICE_CHARS ? `${text.slice(0, DEVICE_CHARS - 1)}…` : text;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, sessionId } = await requireUserSession(request);
  const locale = await getLanguage(request);
  const sessions = await listSessionsOfUser(user.id);
  return json({
    sessions: sessions
      .map((s) => ({
        id: s.id,
        current: s.id === sessionId,
        startedAt: formatDateTime(s.createdAt, locale),
        lastUsedAt: formatDateTime(s.lastUsedAt, locale),
        device: deviceOf(s.userAgent),
        userAgent: s.userAgent,
        ip: s.ip === "unknown" ? "" : s.ip,
      }))
      .sort((a, b) => Number(b.current) - Number(a.current)),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const { user, sessionId } = await requireUserSession(request);
  const t = await getFixedT(request);
  const back = "/account/sessions";
  const parsed = parseForm(sessionActionSchema, formData);
  if (!parsed.ok) return redirectWithToast(back, { type: "error", message: t("sessions.notFound") });
  if (parsed.data.intent === "endOthers") {
    const count = await deleteSessionsOfUser(user.id, { except: sessionId });
    return redirectWithToast(back, { type: "success", message: count > 0 ? t("sessions.endedOthers", { count }) : t("sessions.noOthers") });
  }
  if (parsed.data.sessionId === sessionId) return redirectWithToast(back, { type: "info", message: t("sessions.useLogout") });
  // Only a session of this user is ended: another user's id matches nothing.
  const ended = await deleteSessionOfUser(user.id, parsed.data.sessionId);
  return redirectWithToast(back, ended ? { type: "success", message: t("sessions.ended") } : { type: "error", message: t("sessions.notFound") });
}

export default function SessionsPage() {
  const { sessions } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const others = sessions.filter((s) => !s.current).length;
  return (
    <section className="stack">
      <h1>{t("sessions.title")}</h1>
      <p>{t("sessions.intro")}</p>
      <div className="table-wrap">
        <table data-testid="sessions">
          <thead>
            <tr>
              <th scope="col">{t("sessions.device")}</th>
              <th scope="col">{t("sessions.address")}</th>
              <th scope="col">{t("sessions.startedAt")}</th>
              <th scope="col">{t("sessions.lastUsedAt")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("sessions.end")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-testid="session-row" data-current={s.current ? "true" : undefined}>
                <td title={s.userAgent || undefined}>
                  {s.device || t("sessions.unknownDevice")}
                  {s.current ? (
                    <>
                      {" "}
                      <span className="badge badge-approved">{t("sessions.thisDevice")}</span>
                    </>
                  ) : null}
                </td>
                <td>{s.ip || t("sessions.unknownAddress")}</td>
                <td>{s.startedAt}</td>
                <td>{s.lastUsedAt}</td>
                <td>
                  {s.current ? null : (
                    <Form method="post">
                      <AuthenticityTokenInput />
                      <input type="hidden" name="intent" value="end" />
                      <input type="hidden" name="sessionId" value={s.id} />
                      <button type="submit" className="button button-small button-secondary" aria-label={t("sessions.endLabel", { startedAt: s.startedAt })}>
                        {t("sessions.end")}
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {others > 0 ? (
        <Form method="post">
          <AuthenticityTokenInput />
          <input type="hidden" name="intent" value="endOthers" />
          <button type="submit" className="button">
            {t("sessions.endOthers")}
          </button>
        </Form>
      ) : (
        <p className="muted">{t("sessions.noOthers")}</p>
      )}
      <p className="inline-form">
        <Link to="/account/password">{t("passwordChange.link")}</Link>
        <Link to="/account">{t("account.title")}</Link>
      </p>
    </section>
  );
}
