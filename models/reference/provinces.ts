/**
 * The 34 provincial-level administrative units of Vietnam from 01/07/2025 (6 centrally-run cities,
 * 28 provinces). There is no district level any more; see institution levels for "former district".
 * Slugs are diacritics-free, lower-case and hyphenated, and are what the database stores.
 */
export const PROVINCES = [
  { slug: "ha-noi", name: "Hà Nội", kind: "city" },
  { slug: "hue", name: "Huế", kind: "city" },
  { slug: "hai-phong", name: "Hải Phòng", kind: "city" },
  { slug: "da-nang", name: "Đà Nẵng", kind: "city" },
  { slug: "tp-ho-chi-minh", name: "TP Hồ Chí Minh", kind: "city" },
  { slug: "can-tho", name: "Cần Thơ", kind: "city" },
  { slug: "cao-bang", name: "Cao Bằng", kind: "province" },
  { slug: "lang-son", name: "Lạng Sơn", kind: "province" },
  { slug: "dien-bien", name: "Điện Biên", kind: "province" },
  { slug: "lai-chau", name: "Lai Châu", kind: "province" },
  { slug: "son-la", name: "Sơn La", kind: "province" },
  { slug: "quang-ninh", name: "Quảng Ninh", kind: "province" },
  { slug: "thanh-hoa", name: "Thanh Hóa", kind: "province" },
  { slug: "nghe-an", name: "Nghệ An", kind: "province" },
  { slug: "ha-tinh", name: "Hà Tĩnh", kind: "province" },
  { slug: "tuyen-quang", name: "Tuyên Quang", kind: "province" },
  { slug: "lao-cai", name: "Lào Cai", kind: "province" },
  { slug: "thai-nguyen", name: "Thái Nguyên", kind: "province" },
  { slug: "phu-tho", name: "Phú Thọ", kind: "province" },
  { slug: "bac-ninh", name: "Bắc Ninh", kind: "province" },
  { slug: "hung-yen", name: "Hưng Yên", kind: "province" },
  { slug: "ninh-binh", name: "Ninh Bình", kind: "province" },
  { slug: "quang-tri", name: "Quảng Trị", kind: "province" },
  { slug: "quang-ngai", name: "Quảng Ngãi", kind: "province" },
  { slug: "gia-lai", name: "Gia Lai", kind: "province" },
  { slug: "dak-lak", name: "Đắk Lắk", kind: "province" },
  { slug: "khanh-hoa", name: "Khánh Hòa", kind: "province" },
  { slug: "lam-dong", name: "Lâm Đồng", kind: "province" },
  { slug: "dong-nai", name: "Đồng Nai", kind: "province" },
  { slug: "tay-ninh", name: "Tây Ninh", kind: "province" },
  { slug: "dong-thap", name: "Đồng Tháp", kind: "province" },
  { slug: "vinh-long", name: "Vĩnh Long", kind: "province" },
  { slug: "an-giang", name: "An Giang", kind: "province" },
  { slug: "ca-mau", name: "Cà Mau", kind: "province" },
] as const;

export type Province = (typeof PROVINCES)[number];
export type ProvinceSlug = Province["slug"];
export type ProvinceKind = Province["kind"];

export const PROVINCE_SLUGS = PROVINCES.map((p) => p.slug) as ReadonlyArray<ProvinceSlug> as readonly [ProvinceSlug, ...ProvinceSlug[]];

const bySlug: ReadonlyMap<string, Province> = new Map(PROVINCES.map((p) => [p.slug, p]));

export function isProvinceSlug(s: unknown): s is ProvinceSlug {
  return typeof s === "string" && bySlug.has(s);
}

/** The Vietnamese name of a province ("dak-lak" → "Đắk Lắk"); undefined for an unknown slug. */
export function provinceName(slug: string | null | undefined): string | undefined {
  return slug ? bySlug.get(slug)?.name : undefined;
}
