import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { isLanguage } from "~/i18n";
import { validateCsrf } from "~/utils/csrf.server";
import { serializeLanguageCookie } from "~/utils/i18n.server";
import { safeRedirect } from "~/utils/session.server";
import { readFormData } from "~/utils/forms.server";
import { getUser } from "~/utils/auth.server";
import { setUserLocale } from "~/utils/mail.server";

export async function loader() {
  return redirect("/");
}

/**
 * The language switch: remembers the choice in a cookie and returns to the same page; signed in, on the
 * account too, so the mails and letters it gets (reminders, thank-you letters, receipts) are in it.
 */
export async function action({ request }: ActionFunctionArgs) {
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const lng = formData.get("lng");
  if (!isLanguage(lng)) throw new Response("validation.invalidChoice", { status: 400 });
  const user = await getUser(request);
  if (user) await setUserLocale(user.id, lng);
  const back = safeRedirect(formData.get("redirectTo"), "/");
  // A ?lng= in the page address would override the cookie, so it is dropped.
  const url = new URL(back, "http://x");
  url.searchParams.delete("lng");
  return redirect(`${url.pathname}${url.search}`, { headers: { "Set-Cookie": await serializeLanguageCookie(lng) } });
}
