import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { readFormData } from "~/utils/forms.server";
import { getFixedT } from "~/utils/i18n.server";
import { ensureMailConfigured, sendVerificationMail, setPledgeReminders } from "~/utils/mail.server";
import { redirectWithToast } from "~/utils/session.server";

/** The account page's mail settings (decision 0019): the forms live on /account; this only acts. */
export function loader() {
  return redirect("/account");
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  const intent = formData.get("intent");
  if (intent === "send-verification") {
    ensureMailConfigured();
    const result = await sendVerificationMail(user.id);
    if (result === "already-verified") return redirectWithToast("/account", { type: "info", message: t("emailVerification.alreadyVerified") });
    if (result === "already-sent") return redirectWithToast("/account", { type: "info", message: t("emailVerification.recentlySent", { email: user.email }) });
    return redirectWithToast("/account", { type: "success", message: t("emailVerification.sent", { email: user.email }) });
  }
  if (intent === "reminders-on" || intent === "reminders-off") {
    await setPledgeReminders(user.id, intent === "reminders-on");
    return redirectWithToast("/account", { type: "success", message: t(intent === "reminders-on" ? "reminders.turnedOn" : "reminders.turnedOff") });
  }
  return redirectWithToast("/account", { type: "error", message: t("errors.badForm") });
}
