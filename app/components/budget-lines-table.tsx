import { useTranslation } from "react-i18next";
import { formatVnd } from "#services/format";

/** Spent against planned per budget line (also on the programme's public page). */
export function BudgetLinesTable({ lines }: { lines: Array<{ code: string; label: string; planned: number; spent: number }> }) {
  const { t, i18n } = useTranslation();
  const vnd = (amount: number) => formatVnd(amount, i18n.language === "en" ? "en" : "vi");
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
