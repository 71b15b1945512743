import { solveChallenge } from "altcha-lib";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "@remix-run/react";

export type PowChallenge = { algorithm: string; challenge: string; maxnumber?: number; salt: string; signature: string };

/**
 * Solves the login's proof-of-work challenge (altcha-lib, in this page's own script: nothing loaded
 * from elsewhere, no eval, no worker) and puts the solution in the hidden `altcha` field. Rendered on
 * the server it says what to do without JavaScript: wait, or reset the password.
 */
export function ProofOfWork({ challenge, waitMinutes, onSolving }: { challenge: PowChallenge; waitMinutes: number; onSolving?: (solving: boolean) => void }) {
  const { t } = useTranslation();
  const [state, setState] = useState<{ status: "idle" | "solving" | "solved" | "failed"; payload: string }>({ status: "idle", payload: "" });
  const onSolvingRef = useRef(onSolving);
  onSolvingRef.current = onSolving;
  useEffect(() => onSolvingRef.current?.(state.status === "solving"), [state.status]);

  useEffect(() => {
    setState({ status: "solving", payload: "" });
    const { promise, controller } = solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber);
    promise
      .then((solution) => {
        if (controller.signal.aborted) return;
        if (!solution) return setState({ status: "failed", payload: "" });
        const payload = btoa(JSON.stringify({ algorithm: challenge.algorithm, challenge: challenge.challenge, number: solution.number, salt: challenge.salt, signature: challenge.signature }));
        setState({ status: "solved", payload });
      })
      .catch(() => setState({ status: "failed", payload: "" }));
    return () => controller.abort();
  }, [challenge]);

  return (
    <div className="proof-of-work" data-status={state.status}>
      <input type="hidden" name="altcha" value={state.payload} />
      <p role="status" aria-live="polite">
        {state.status === "idle" ? (
          <>
            {t("limits.challengeNoScript", { minutes: waitMinutes })} <Link to="/forgot-password">{t("limits.resetPassword")}</Link>.
          </>
        ) : state.status === "solving" ? (
          t("limits.challengeSolving")
        ) : state.status === "solved" ? (
          t("limits.challengeSolved")
        ) : (
          t("limits.challengeFailed")
        )}
      </p>
    </div>
  );
}
