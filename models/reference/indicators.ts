/**
 * The programme's indicators (Decision 1520/QĐ-TTg, domain.md §1) as they are first seeded: afterwards
 * they are data the ministry edits (models/indicator.server.ts), and this list is only where a new
 * database starts. Each `_id` is fixed, so seeding twice changes nothing and reports name them stably.
 */
export const INDICATOR_MEASURES = ["share", "growth"] as const;
export type IndicatorMeasure = (typeof INDICATOR_MEASURES)[number];

/** What kind of library an institution is (the indicators count them apart); other institutions: "public". */
export const LIBRARY_SECTORS = [
  { slug: "public", vi: "Thư viện công cộng", en: "Public library" },
  { slug: "university", vi: "Thư viện đại học, chuyên ngành", en: "University or specialised library" },
  { slug: "armed_forces", vi: "Thư viện lực lượng vũ trang", en: "Armed-forces library" },
  { slug: "school", vi: "Thư viện trường học, giáo dục nghề nghiệp, cơ sở giáo dục khác", en: "School, vocational or other education library" },
] as const;
export type LibrarySector = (typeof LIBRARY_SECTORS)[number]["slug"];
export const LIBRARY_SECTOR_SLUGS = LIBRARY_SECTORS.map((s) => s.slug) as ReadonlyArray<LibrarySector> as readonly [LibrarySector, ...LibrarySector[]];

/** Lifelong-learning services an institution may offer (what it records per year). */
export const LIFELONG_SERVICES = [
  { slug: "reading", vi: "Phát triển văn hóa đọc, câu lạc bộ đọc", en: "Reading promotion and reading clubs" },
  { slug: "digital", vi: "Lớp kỹ năng số, tra cứu thông tin", en: "Digital and information skills classes" },
  { slug: "courses", vi: "Lớp học, khóa bồi dưỡng ngắn hạn", en: "Classes and short courses" },
  { slug: "talks", vi: "Tọa đàm, nói chuyện chuyên đề", en: "Talks and lectures" },
  { slug: "education_programmes", vi: "Chương trình giáo dục cho công chúng", en: "Education programmes for the public" },
  { slug: "exhibitions", vi: "Triển lãm, trưng bày có hướng dẫn", en: "Guided exhibitions and displays" },
  { slug: "online", vi: "Tài nguyên học tập trực tuyến", en: "Online learning resources" },
] as const;
export type LifelongService = (typeof LIFELONG_SERVICES)[number]["slug"];
export const LIFELONG_SERVICE_SLUGS = LIFELONG_SERVICES.map((s) => s.slug) as ReadonlyArray<LifelongService> as readonly [LifelongService, ...LifelongService[]];

export type IndicatorSeed = {
  _id: string;
  order: number;
  name: { vi: string; en: string };
  measure: IndicatorMeasure;
  institutionType: "library" | "museum" | "cultural_centre";
  /** Empty: every level. */
  levels: string[];
  /** Libraries only: which kind; null: any. */
  sector: LibrarySector | null;
  target2025: number;
  target2030: number;
};

/** domain.md §1, in its order. Targets in percent (growth: per year). */
export const INDICATOR_SEEDS: IndicatorSeed[] = [
  {
    _id: "provincial-public-libraries",
    order: 1,
    name: { vi: "Thư viện công cộng cấp tỉnh cung cấp dịch vụ học tập suốt đời", en: "Provincial public libraries offering lifelong-learning services" },
    measure: "share",
    institutionType: "library",
    levels: ["provincial"],
    sector: "public",
    target2025: 100,
    target2030: 100,
  },
  {
    _id: "district-public-libraries",
    order: 2,
    name: { vi: "Thư viện công cộng cấp huyện (cũ) cung cấp dịch vụ học tập suốt đời", en: "Former-district public libraries offering them" },
    measure: "share",
    institutionType: "library",
    levels: ["former_district"],
    sector: "public",
    target2025: 70,
    target2030: 90,
  },
  {
    _id: "commune-public-libraries",
    order: 3,
    name: { vi: "Thư viện công cộng cấp xã cung cấp dịch vụ học tập suốt đời", en: "Commune public libraries offering them" },
    measure: "share",
    institutionType: "library",
    levels: ["commune"],
    sector: "public",
    target2025: 40,
    target2030: 60,
  },
  {
    _id: "university-libraries",
    order: 4,
    name: { vi: "Thư viện đại học, thư viện chuyên ngành", en: "University and specialised libraries" },
    measure: "share",
    institutionType: "library",
    levels: [],
    sector: "university",
    target2025: 90,
    target2030: 100,
  },
  {
    _id: "armed-forces-libraries",
    order: 5,
    name: { vi: "Thư viện lực lượng vũ trang nhân dân", en: "Armed-forces libraries" },
    measure: "share",
    institutionType: "library",
    levels: [],
    sector: "armed_forces",
    target2025: 80,
    target2030: 100,
  },
  {
    _id: "school-libraries",
    order: 6,
    name: { vi: "Thư viện trường học, cơ sở giáo dục nghề nghiệp và cơ sở giáo dục khác", en: "School, vocational and other education libraries" },
    measure: "share",
    institutionType: "library",
    levels: [],
    sector: "school",
    target2025: 70,
    target2030: 90,
  },
  {
    _id: "museums-education",
    order: 7,
    name: { vi: "Bảo tàng tổ chức chương trình giáo dục cho công chúng", en: "Museums running education programmes for the public" },
    measure: "share",
    institutionType: "museum",
    levels: [],
    sector: null,
    target2025: 70,
    target2030: 100,
  },
  {
    _id: "cultural-centres",
    order: 8,
    name: {
      vi: "Trung tâm văn hóa cấp tỉnh, trung tâm văn hóa - thể thao cấp huyện (cũ) tổ chức hoạt động học tập suốt đời",
      en: "Provincial cultural centres and former-district culture-sports centres running lifelong-learning activities",
    },
    measure: "share",
    institutionType: "cultural_centre",
    levels: ["provincial", "former_district"],
    sector: null,
    target2025: 80,
    target2030: 100,
  },
  {
    _id: "museum-visitors-growth",
    order: 9,
    name: { vi: "Số lượt người đến bảo tàng học tập, nghiên cứu (tăng mỗi năm)", en: "People visiting museums to study or research (growth a year)" },
    measure: "growth",
    institutionType: "museum",
    levels: [],
    sector: null,
    target2025: 10,
    target2030: 10,
  },
];
