import { useRouteLoaderData } from "@remix-run/react";
import { CAMPAIGN_DAYS } from "#models/reference/campaign-days";
import { INSTITUTION_LEVELS, INSTITUTION_TYPES } from "#models/reference/institution-types";
import { provinceName } from "#models/reference/provinces";
import { THEMES } from "#models/reference/themes";
import type { Locale } from "#services/format";
import catalogueStyles from "~/styles/catalogue.css";
import type { RootLoader } from "~/root";

/** The catalogue's stylesheet, for routes' `links`. */
export const catalogueLinks = () => [{ rel: "stylesheet", href: catalogueStyles }];

/** The reader's language, from the root loader (the same value the server rendered with). */
export function useLocale(): Locale {
  return useRouteLoaderData<RootLoader>("root")?.locale === "en" ? "en" : "vi";
}

type Named = { slug: string; vi: string; en: string };

function nameIn(list: readonly Named[], slug: string, locale: Locale): string {
  const item = list.find((entry) => entry.slug === slug);
  return item ? item[locale] : slug;
}

export const themeName = (slug: string, locale: Locale) => nameIn(THEMES, slug, locale);
export const campaignDayName = (slug: string, locale: Locale) => nameIn(CAMPAIGN_DAYS, slug, locale);
export const institutionTypeName = (slug: string, locale: Locale) => nameIn(INSTITUTION_TYPES, slug, locale);
export const institutionLevelName = (slug: string, locale: Locale) => nameIn(INSTITUTION_LEVELS, slug, locale);
/** Provinces have one (Vietnamese) name, used in both languages. */
export const provinceLabel = (slug: string) => provinceName(slug) ?? slug;

/** Sorts reference entries by their name in the reader's language (Vietnamese collation for vi). */
export function byName<T>(items: readonly T[], name: (item: T) => string, locale: Locale): T[] {
  const collator = new Intl.Collator(locale === "vi" ? "vi" : "en");
  return [...items].sort((a, b) => collator.compare(name(a), name(b)));
}

/**
 * Plain text with its paragraphs kept: blank lines separate paragraphs, single line breaks stay
 * (CSS white-space: pre-line). Never rendered as HTML.
 */
export function Paragraphs({ text, className }: { text: string; className?: string }) {
  const paragraphs = text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  return (
    <div className={className ? `prose ${className}` : "prose"}>
      {paragraphs.map((paragraph, index) => (
        <p key={index}>{paragraph}</p>
      ))}
    </div>
  );
}

function TypeGlyph({ type }: { type: string }) {
  if (type === "museum") {
    return (
      <svg viewBox="0 0 64 64" aria-hidden="true" focusable="false">
        <path d="M32 6 6 20v4h52v-4L32 6Zm-20 22v20h6V28h-6Zm11 0v20h6V28h-6Zm12 0v20h6V28h-6Zm11 0v20h6V28h-6ZM6 52v6h52v-6H6Z" />
      </svg>
    );
  }
  if (type === "cultural_centre") {
    return (
      <svg viewBox="0 0 64 64" aria-hidden="true" focusable="false">
        <path d="M32 4 20 16h24L32 4ZM14 20v4h36v-4H14Zm4 8v22h8V38a6 6 0 0 1 12 0v12h8V28H18Zm-8 26v6h44v-6H10Z" />
      </svg>
    );
  }
  return (
    <svg viewBox="0 0 64 64" aria-hidden="true" focusable="false">
      <path d="M8 12c8-2 16-1 22 4v38c-6-5-14-6-22-4V12Zm48 0c-8-2-16-1-22 4v38c6-5 14-6 22-4V12Z" />
    </svg>
  );
}

/** A programme's cover image when it has one (served by /files/:id), else a placeholder by institution type. */
export function CoverImage({ coverImageId, institutionType, className = "" }: { coverImageId: string | null; institutionType: string; className?: string }) {
  if (coverImageId) {
    return (
      <div className={`cover ${className}`}>
        <img src={`/files/${coverImageId}`} alt="" loading="lazy" />
      </div>
    );
  }
  return (
    <div className={`cover cover-placeholder cover-${institutionType} ${className}`}>
      <TypeGlyph type={institutionType} />
    </div>
  );
}
