import type { Toast } from "~/utils/session.server";

/** A flash message from the previous action, announced to screen readers. */
export function ToastMessage({ toast }: { toast: Toast }) {
  return (
    <div className={`toast toast-${toast.type}`} role={toast.type === "error" ? "alert" : "status"}>
      <div className="container">{toast.message}</div>
    </div>
  );
}
