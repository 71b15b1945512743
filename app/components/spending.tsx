import { useTranslation } from "react-i18next";
import type { ReactNode } from "react";
import { formatDate, formatVnd } from "#services/format";
import { useLocale } from "~/components/catalogue-helpers";

/** Spent against planned per budget line (also on the programme's public page). */
export function BudgetLinesTable({ lines }: { lines: Array<{ code: string; label: string; planned: number; spent: number }> }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const vnd = (amount: number) => formatVnd(amount, locale);
  return (
    <div className="table-wrap">
      <table data-testid="budget-lines-table">
        <thead>
          <tr>
            <th scope="col">{t("expenditures.line")}</th>
            <th scope="col" className="num">
              {t("expenditures.planned")}
            </th>
            <th scope="col" className="num">
              {t("expenditures.spent")}
            </th>
            <th scope="col" className="num">
              {t("expenditures.left")}
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.code}>
              <td>
                {line.code} — {line.label}
              </td>
              <td className="num">{vnd(line.planned)}</td>
              <td className="num">{vnd(line.spent)}</td>
              <td className="num">{line.spent > line.planned ? <strong>{t("expenditures.overPlan")}: {vnd(line.spent - line.planned)}</strong> : vnd(line.planned - line.spent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An expenditure's receipts, as links (public once it is published; /files checks). */
export function ReceiptLinks({ ids }: { ids: string[] }) {
  const { t } = useTranslation();
  return (
    <>
      {ids.map((id, i) => (
        <a key={id} href={`/files/${id}`} target="_blank" rel="noreferrer">
          {t("expenditures.file", { n: i + 1 })}{" "}
        </a>
      ))}
    </>
  );
}

type ExpenditureRowView = { id: string; spentAt: string | Date; budgetLineLabel: string; payee: string; description: string; amount: number; receiptFileIds: string[]; reversedAt: string | Date | null; reversalReason: string | null };

/**
 * Expenditures, newest first: day, budget line, payee, purpose (with a reversal's reason), amount (struck
 * through once reversed) and receipts — on the programme's public page, and with a last column (`last`:
 * its state and what the viewer may do) on the managers' page.
 */
export function ExpendituresTable<R extends ExpenditureRowView>({ rows, testId, last }: { rows: R[]; testId: string; last?: { header: string; cell: (row: R) => ReactNode } }) {
  const { t } = useTranslation();
  const lang = useLocale();
  const vnd = (amount: number) => formatVnd(amount, lang);
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption className="visually-hidden">{t("expenditures.listTitle")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("expenditures.date")}</th>
            <th scope="col">{t("expenditures.line")}</th>
            <th scope="col">{t("expenditures.payee")}</th>
            <th scope="col">{t("expenditures.purpose")}</th>
            <th scope="col" className="num">
              {t("expenditures.amount")}
            </th>
            <th scope="col">{t("expenditures.files")}</th>
            {last ? <th scope="col">{last.header}</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid={`expenditure-${row.id}`} className={row.reversedAt ? "muted" : undefined}>
              <td className="nowrap">{formatDate(row.spentAt, lang)}</td>
              <td>{row.budgetLineLabel}</td>
              <td>{row.payee}</td>
              <td>
                {row.description}
                {row.reversedAt ? <p className="field-hint">{t("expenditures.reversedBecause", { date: formatDate(row.reversedAt, lang), reason: row.reversalReason })}</p> : null}
              </td>
              <td className="num">{row.reversedAt ? <s>{vnd(row.amount)}</s> : vnd(row.amount)}</td>
              <td>
                <ReceiptLinks ids={row.receiptFileIds} />
              </td>
              {last ? <td className="stack-tight">{last.cell(row)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
