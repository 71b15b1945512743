/** Programme themes (what a learning programme is about), as data. */
export const THEMES = [
  { slug: "reading-culture", vi: "Văn hóa đọc", en: "Reading culture" },
  { slug: "digital-skills", vi: "Kỹ năng số", en: "Digital skills" },
  { slug: "heritage-education", vi: "Giáo dục di sản", en: "Heritage education" },
  { slug: "life-skills", vi: "Kỹ năng sống", en: "Life skills" },
  { slug: "languages", vi: "Ngoại ngữ", en: "Languages" },
  { slug: "science-technology", vi: "Khoa học và công nghệ", en: "Science and technology" },
  { slug: "arts-crafts", vi: "Nghệ thuật và thủ công", en: "Arts and crafts" },
  { slug: "local-history", vi: "Lịch sử địa phương", en: "Local history" },
] as const;

export type Theme = (typeof THEMES)[number];
export type ThemeSlug = Theme["slug"];

export const THEME_SLUGS = THEMES.map((t) => t.slug) as ReadonlyArray<ThemeSlug> as readonly [ThemeSlug, ...ThemeSlug[]];

export function isThemeSlug(s: unknown): s is ThemeSlug {
  return typeof s === "string" && (THEME_SLUGS as readonly string[]).includes(s);
}
