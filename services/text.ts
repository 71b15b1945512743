/** Removes Vietnamese diacritics (đ/Đ included) and lower-cases: "Thư viện Số" → "thu vien so". */
export function toSearchText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** A URL slug from Vietnamese text: "Thư viện Hà Nội" → "thu-vien-ha-noi". */
export function slugify(text: string): string {
  return toSearchText(text)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
}
