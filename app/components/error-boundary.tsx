import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { translateMessage } from "~/utils/messages";

/**
 * The one error boundary. Expected failures are thrown Responses whose body is a translation key
 * ("errors.forbidden"); anything else is shown as an unexpected error, never as a stack trace.
 */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const { t, i18n } = useTranslation();
  let status = 500;
  let message = t("errors.unexpected");
  if (isRouteErrorResponse(error)) {
    status = error.status;
    // A key, maybe with values ("limits.tryAgainMinutes|{\"minutes\":3}" on a 429).
    const key = typeof error.data === "string" && /^(errors|limits)\./.test(error.data) ? error.data : null;
    if (key) message = translateMessage(t, i18n, key);
    else if (status === 404) message = t("errors.notFound");
    else if (status === 403) message = t("errors.forbidden");
    else if (status === 401) message = t("errors.unauthorized");
    else if (status === 503) message = t("errors.unavailable");
  }
  return (
    <section className="error-page" role="alert">
      <p className="error-status">{t("errors.status", { status })}</p>
      <h1>{t("errors.title")}</h1>
      <p>{message}</p>
      <p>
        <Link to="/">{t("errors.backHome")}</Link>
      </p>
    </section>
  );
}
