import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";

/** One request to join an institution's managers, with approve / reject buttons (intent "join"). */
export function JoinRequestDecision({ institutionId, request }: { institutionId: string; request: { userId: string; name: string; email: string; message?: string } }) {
  const { t } = useTranslation();
  return (
    <Form method="post" className="inline-form">
      <AuthenticityTokenInput />
      <input type="hidden" name="intent" value="join" />
      <input type="hidden" name="institutionId" value={institutionId} />
      <input type="hidden" name="userId" value={request.userId} />
      <span>
        {request.name} &lt;{request.email}&gt; {request.message ? `— “${request.message}”` : ""}
      </span>
      <button type="submit" name="decision" value="approve" className="button button-small">
        {t("review.approve")}
      </button>
      <button type="submit" name="decision" value="reject" className="button button-small button-secondary">
        {t("review.reject")}
      </button>
    </Form>
  );
}
