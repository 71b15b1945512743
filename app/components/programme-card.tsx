import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { Locale } from "#services/format";
import { CoverImage, institutionTypeName, provinceLabel, themeName } from "./catalogue-helpers";
import { ProgressBar } from "./progress-bar";

export type ProgrammeCardData = {
  slug: string;
  title: string;
  summary: string;
  institutionName: string;
  institutionType: string;
  provinceSlug: string;
  themes: string[];
  goal: number;
  pledgedTotal: number;
  receivedTotal: number;
  state: string;
  coverImageId: string | null;
  daysLeft: number;
};

/** How long a programme still runs, or that it is over. */
export function TimeLeft({ state, daysLeft }: { state: string; daysLeft: number }) {
  const { t } = useTranslation();
  if (state === "closed") return <span className="badge badge-closed">{t("catalogue.time.closed")}</span>;
  if (daysLeft < 0) return <span className="badge badge-closed">{t("catalogue.time.ended")}</span>;
  if (daysLeft === 0) return <span className="badge badge-urgent">{t("catalogue.time.lastDay")}</span>;
  return <span className={`badge ${daysLeft <= 30 ? "badge-urgent" : "badge-open"}`}>{t("catalogue.time.daysLeft", { count: daysLeft })}</span>;
}

/** A programme in a grid of cards: the whole card is one link (its title), the rest is description. */
export function ProgrammeCard({ programme, locale, headingLevel = 3 }: { programme: ProgrammeCardData; locale: Locale; headingLevel?: 2 | 3 }) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <article className="programme-card" data-testid="programme-card">
      <CoverImage coverImageId={programme.coverImageId} institutionType={programme.institutionType} className="programme-card-cover" />
      <div className="programme-card-body">
        <p className="programme-card-meta">
          <span>{institutionTypeName(programme.institutionType, locale)}</span>
          <span aria-hidden="true"> · </span>
          <span>{provinceLabel(programme.provinceSlug)}</span>
        </p>
        <Heading className="programme-card-title">
          <Link to={`/programmes/${programme.slug}`} className="stretched-link">
            {programme.title}
          </Link>
        </Heading>
        <p className="programme-card-institution">{programme.institutionName}</p>
        {programme.summary ? <p className="programme-card-summary">{programme.summary}</p> : null}
        {programme.themes.length > 0 ? (
          <ul className="tags">
            {programme.themes.map((theme) => (
              <li key={theme}>{themeName(theme, locale)}</li>
            ))}
          </ul>
        ) : null}
        <div className="programme-card-footer">
          <ProgressBar goal={programme.goal} received={programme.receivedTotal} pledged={programme.pledgedTotal} locale={locale} />
          <TimeLeft state={programme.state} daysLeft={programme.daysLeft} />
        </div>
      </div>
    </article>
  );
}

export function ProgrammeGrid({ programmes, locale, headingLevel = 3 }: { programmes: ProgrammeCardData[]; locale: Locale; headingLevel?: 2 | 3 }) {
  return (
    <ul className="programme-grid">
      {programmes.map((programme) => (
        <li key={programme.slug}>
          <ProgrammeCard programme={programme} locale={locale} headingLevel={headingLevel} />
        </li>
      ))}
    </ul>
  );
}
