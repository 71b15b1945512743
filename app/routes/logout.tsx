import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { endSession } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { getFixedT } from "~/utils/i18n.server";
import { toastCookie } from "~/utils/session.server";
import { readFormData } from "~/utils/forms.server";

export async function loader() {
  return redirect("/");
}

export async function action({ request }: ActionFunctionArgs) {
  await validateCsrf(await readFormData(request), request.headers);
  const t = await getFixedT(request);
  const headers = new Headers();
  headers.append("Set-Cookie", await toastCookie({ type: "info", message: t("auth.loggedOut") }));
  headers.append("Set-Cookie", await endSession(request));
  return redirect("/", { headers });
}
