import { startOfVietnamDay, vietnamMidnight, vietnamWallClock } from "#services/calendar";

/** Days that fundraising campaigns tie into (domain.md §3). Dates are in Asia/Ho_Chi_Minh (UTC+7). */
export type CampaignDay = {
  slug: string;
  vi: string;
  en: string;
  month: number;
  day: number;
  /** Last day of a multi-day occasion (same month), e.g. the Lifelong Learning Week 1–7/10. */
  endDay?: number;
};

export const CAMPAIGN_DAYS = [
  { slug: "book-reading-day", vi: "Ngày Sách và Văn hóa đọc Việt Nam", en: "Vietnam Book and Reading Culture Day", month: 4, day: 21 },
  { slug: "world-book-day", vi: "Ngày Sách và Bản quyền thế giới", en: "World Book and Copyright Day", month: 4, day: 23 },
  { slug: "museum-day", vi: "Ngày Quốc tế Bảo tàng", en: "International Museum Day", month: 5, day: 18 },
  { slug: "lifelong-learning-week", vi: "Tuần lễ hưởng ứng học tập suốt đời", en: "Lifelong Learning Week", month: 10, day: 1, endDay: 7 },
  { slug: "study-promotion-day", vi: "Ngày Khuyến học Việt Nam", en: "Vietnam Study Promotion Day", month: 10, day: 2 },
  { slug: "digital-transformation-day", vi: "Ngày Chuyển đổi số quốc gia", en: "National Digital Transformation Day", month: 10, day: 10 },
  { slug: "cultural-heritage-day", vi: "Ngày Di sản văn hóa Việt Nam", en: "Vietnam Cultural Heritage Day", month: 11, day: 23 },
] as const satisfies readonly CampaignDay[];

export type CampaignDaySlug = (typeof CAMPAIGN_DAYS)[number]["slug"];

export const CAMPAIGN_DAY_SLUGS = CAMPAIGN_DAYS.map((d) => d.slug) as ReadonlyArray<CampaignDaySlug> as readonly [CampaignDaySlug, ...CampaignDaySlug[]];

export function isCampaignDaySlug(s: unknown): s is CampaignDaySlug {
  return typeof s === "string" && (CAMPAIGN_DAY_SLUGS as readonly string[]).includes(s);
}

/** Midnight of a calendar day in Asia/Ho_Chi_Minh, as an instant. */
const vnMidnight = vietnamMidnight;

export type CampaignDayOccurrence = {
  campaignDay: CampaignDay & { slug: CampaignDaySlug };
  /** Start of the occasion: 00:00 Asia/Ho_Chi_Minh on its (first) day. */
  date: Date;
  /** Start of the occasion's last day (same as `date` for a single day). */
  endDate: Date;
};

/**
 * The next occasion on or after `from`'s calendar day in Asia/Ho_Chi_Minh. An occasion that is under
 * way (today is its day, or within its week) still counts as upcoming. Ties go to the earlier start.
 */
export function nextCampaignDay(from: Date = new Date()): CampaignDayOccurrence {
  const local = vietnamWallClock(from);
  const today = startOfVietnamDay(from).getTime();
  const year = local.getUTCFullYear();
  const candidates: CampaignDayOccurrence[] = [];
  for (const y of [year, year + 1]) {
    for (const d of CAMPAIGN_DAYS) {
      const date = vnMidnight(y, d.month, d.day);
      const endDate = vnMidnight(y, d.month, "endDay" in d ? d.endDay : d.day);
      if (endDate.getTime() >= today) candidates.push({ campaignDay: d, date, endDate });
    }
  }
  candidates.sort((a, b) => a.date.getTime() - b.date.getTime());
  return candidates[0]!;
}
