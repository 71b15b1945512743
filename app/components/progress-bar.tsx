import { useId } from "react";
import { useTranslation } from "react-i18next";
import { formatNumber, formatVnd, type Locale } from "#services/format";

function percentOf(part: number, goal: number) {
  return goal > 0 ? (part / goal) * 100 : 0;
}

/**
 * Money received (solid) and pledged but not yet received (hatched) against a goal. The bar is a
 * progressbar for assistive technology (value = received), with a text equivalent in aria-valuetext
 * and the same figures written out beside it.
 */
export function ProgressBar({
  goal,
  received,
  pledged,
  locale,
  variant = "card",
}: {
  goal: number;
  received: number;
  pledged: number;
  locale: Locale;
  variant?: "card" | "full";
}) {
  const { t } = useTranslation();
  const id = useId();
  const receivedPercent = percentOf(received, goal);
  const receivedWidth = Math.min(100, receivedPercent);
  const pledgedWidth = Math.min(100 - receivedWidth, percentOf(Math.max(0, pledged - received), goal));
  const percent = formatNumber(Math.floor(receivedPercent), locale, 0);
  const money = { received: formatVnd(received, locale), pledged: formatVnd(pledged, locale), goal: formatVnd(goal, locale), percent };
  const valueText = t("catalogue.progress.valueText", money);
  return (
    <div className={`progress progress-${variant}`}>
      <div
        className="progress-track"
        role="progressbar"
        aria-labelledby={`${id}-label`}
        aria-valuemin={0}
        aria-valuemax={Math.max(goal, 1)}
        aria-valuenow={Math.min(received, Math.max(goal, 1))}
        aria-valuetext={valueText}
      >
        <span className="progress-received" style={{ width: `${receivedWidth}%` }} />
        <span className="progress-pledged" style={{ width: `${pledgedWidth}%` }} />
      </div>
      <span id={`${id}-label`} className="visually-hidden">
        {t("catalogue.progress.label")}
      </span>
      {variant === "card" ? (
        <div className="progress-summary">
          <p>
            <strong>{money.received}</strong> <span className="muted">{t("catalogue.progress.ofGoal", { goal: money.goal })}</span>
            <span className="progress-percent">{t("catalogue.progress.percent", { percent })}</span>
          </p>
          <p className="muted">{t("catalogue.progress.pledgedShort", { pledged: money.pledged })}</p>
        </div>
      ) : (
        <dl className="progress-figures">
          <div>
            <dt>
              <span className="swatch swatch-received" aria-hidden="true" />
              {t("catalogue.progress.received")}
            </dt>
            <dd>
              <strong>{money.received}</strong> <span className="muted">({t("catalogue.progress.percent", { percent })})</span>
            </dd>
          </div>
          <div>
            <dt>
              <span className="swatch swatch-pledged" aria-hidden="true" />
              {t("catalogue.progress.pledged")}
            </dt>
            <dd>
              <strong>{money.pledged}</strong>
            </dd>
          </div>
          <div>
            <dt>{t("catalogue.progress.goal")}</dt>
            <dd>
              <strong>{money.goal}</strong>
            </dd>
          </div>
          <div>
            <dt>{t("catalogue.progress.remaining")}</dt>
            <dd>
              <strong>{formatVnd(Math.max(0, goal - received), locale)}</strong>
            </dd>
          </div>
        </dl>
      )}
    </div>
  );
}
