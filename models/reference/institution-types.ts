/** Kinds of institution the programme covers (Decision 1520/QĐ-TTg). */
export const INSTITUTION_TYPES = [
  { slug: "library", vi: "Thư viện", en: "Library" },
  { slug: "museum", vi: "Bảo tàng", en: "Museum" },
  { slug: "cultural_centre", vi: "Trung tâm văn hóa", en: "Cultural centre" },
] as const;

/**
 * Administrative level of an institution. The district level was abolished on 01/07/2025; institutions
 * that were at district level keep "former_district" so the programme's indicators still compute.
 */
export const INSTITUTION_LEVELS = [
  { slug: "national", vi: "Trung ương", en: "National" },
  { slug: "provincial", vi: "Cấp tỉnh", en: "Provincial" },
  { slug: "former_district", vi: "Cấp huyện (cũ)", en: "Former district" },
  { slug: "commune", vi: "Cấp xã", en: "Commune" },
  { slug: "village", vi: "Thôn, bản, tổ dân phố", en: "Village" },
] as const;

export type InstitutionType = (typeof INSTITUTION_TYPES)[number]["slug"];
export type InstitutionLevel = (typeof INSTITUTION_LEVELS)[number]["slug"];

export const INSTITUTION_TYPE_SLUGS = INSTITUTION_TYPES.map((t) => t.slug) as ReadonlyArray<InstitutionType> as readonly [InstitutionType, ...InstitutionType[]];
export const INSTITUTION_LEVEL_SLUGS = INSTITUTION_LEVELS.map((l) => l.slug) as ReadonlyArray<InstitutionLevel> as readonly [InstitutionLevel, ...InstitutionLevel[]];

export function isInstitutionType(s: unknown): s is InstitutionType {
  return typeof s === "string" && (INSTITUTION_TYPE_SLUGS as readonly string[]).includes(s);
}

export function isInstitutionLevel(s: unknown): s is InstitutionLevel {
  return typeof s === "string" && (INSTITUTION_LEVEL_SLUGS as readonly string[]).includes(s);
}
