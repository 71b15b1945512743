import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/** Page numbers to show: the first, the last, and the current one with its neighbours; null = a gap. */
export function pageWindow(page: number, pageCount: number): Array<number | null> {
  const wanted = new Set([1, pageCount, page - 1, page, page + 1].filter((p) => p >= 1 && p <= pageCount));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: Array<number | null> = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (typeof last === "number" && p - last === 2) out.push(last + 1);
    else if (typeof last === "number" && p - last > 2) out.push(null);
    out.push(p);
  }
  return out;
}

/** Previous / numbered / next links; the current page is marked with aria-current="page". */
export function Pagination({ page, pageCount, hrefFor }: { page: number; pageCount: number; hrefFor: (page: number) => string }) {
  const { t } = useTranslation();
  if (pageCount <= 1) return null;
  const current = Math.min(page, pageCount);
  return (
    <nav className="pagination" aria-label={t("catalogue.pagination.label")}>
      <ul>
        <li>
          {page > 1 ? (
            <Link to={hrefFor(Math.min(page - 1, pageCount))} rel="prev" className="pagination-step">
              <span aria-hidden="true">‹ </span>
              {t("catalogue.pagination.previous")}
            </Link>
          ) : (
            <span className="pagination-step pagination-disabled" aria-disabled="true">
              <span aria-hidden="true">‹ </span>
              {t("catalogue.pagination.previous")}
            </span>
          )}
        </li>
        {pageWindow(current, pageCount).map((p, index) =>
          p === null ? (
            <li key={`gap-${index}`} className="pagination-gap" aria-hidden="true">
              …
            </li>
          ) : (
            <li key={p}>
              <Link
                to={hrefFor(p)}
                aria-current={p === page ? "page" : undefined}
                aria-label={t("catalogue.pagination.page", { page: p })}
                className="pagination-number"
              >
                {p}
              </Link>
            </li>
          ),
        )}
        <li>
          {page < pageCount ? (
            <Link to={hrefFor(page + 1)} rel="next" className="pagination-step">
              {t("catalogue.pagination.next")}
              <span aria-hidden="true"> ›</span>
            </Link>
          ) : (
            <span className="pagination-step pagination-disabled" aria-disabled="true">
              {t("catalogue.pagination.next")}
              <span aria-hidden="true"> ›</span>
            </span>
          )}
        </li>
      </ul>
    </nav>
  );
}
