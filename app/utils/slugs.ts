/** How a programme's or an institution's address is written: lower-case words of letters and digits joined by hyphens. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The 404 every public page answers for what is not there (or not public); the message is a translation key. */
export function notFound(): never {
  throw new Response("errors.notFound", { status: 404, statusText: "Not Found" });
}

/** A slug from the address, lower-cased; anything that cannot be one (or longer than `max`) is a 404 before any read. */
export function slugOr404(value: string | undefined, max = 120): string {
  const slug = (value ?? "").toLowerCase();
  if (!SLUG.test(slug) || slug.length > max) notFound();
  return slug;
}
