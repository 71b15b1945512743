import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { readFormData } from "~/utils/forms.server";
import { checkToken, getMailProfile, setPledgeReminders } from "~/utils/mail.server";

export const meta: MetaFunction = () => [{ title: "Tắt thư nhắc · Turn reminders off — Góp Sức" }, { name: "robots", content: "noindex" }];

/** The link's token is the authority (it came in a reminder mailed to the account): no sign-in needed. */
async function accountOf(token: string) {
  const check = await checkToken("reminders-off", token);
  if (!check.ok) return null;
  return getMailProfile(check.token.userId);
}

/** Shows what the button will do; opening the link changes nothing (mail scanners open links). */
export async function loader({ params }: LoaderFunctionArgs) {
  const account = await accountOf(params.token ?? "");
  if (!account) return json({ ok: false as const }, { status: 404 });
  return json({ ok: true as const, email: account.email });
}

/**
 * Turns reminders off. Also the one-click unsubscribe of RFC 8058 (List-Unsubscribe-Post), which mail
 * clients send without cookies — so no CSRF token here: the secret in the address is what authorises it.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  await readFormData(request);
  const account = await accountOf(params.token ?? "");
  if (!account) return json({ ok: false as const }, { status: 404 });
  await setPledgeReminders(account.id, false);
  return json({ ok: true as const, done: true, email: account.email });
}

export default function RemindersOffPage() {
  const { t } = useTranslation();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <section className="narrow card stack">
      <h1>{t("reminders.offPageTitle")}</h1>
      {!data.ok || (actionData && !actionData.ok) ? (
        <p className="form-error" role="alert">
          {t("reminders.offPageInvalid")}
        </p>
      ) : actionData?.ok ? (
        <p role="status" data-testid="reminders-off-done">
          {t("reminders.offPageDone", { email: actionData.email })}
        </p>
      ) : (
        <>
          <p>{t("reminders.offPageIntro", { email: data.email })}</p>
          <Form method="post">
            <button type="submit" className="button">
              {t("reminders.offPageConfirm")}
            </button>
          </Form>
        </>
      )}
      <p>
        <Link to="/account">{t("emailVerification.toAccount")}</Link>
      </p>
    </section>
  );
}
