import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { vietnamMidnight } from "#services/calendar";
import { formatDate, formatDateTime, formatVnd } from "#services/format";
import { findByAmountSchema } from "#services/validation/find-gift";
import { clientIp } from "~/utils/client-ip.server";
import { enforceLimits, keepRetryAfter } from "~/utils/rate-limit.server";
import { translateMessage } from "~/utils/messages";
import { findGift, findGiftsByAmount } from "~/utils/transparency.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Tìm khoản đóng góp · Find my gift — Góp Sức" }];

/** A 429 (too many look-ups) keeps its Retry-After on the page. */
export const headers: HeadersFunction = keepRetryAfter;

/**
 * /transparency/find — "find my gift" (issue 12): a receipt number opens that gift's public receipt page
 * (with its place in the transparency log); a transfer reference lists the gifts paid on that pledge, each
 * to its receipt page; an amount and a day list the gifts of exactly that amount received that day in
 * Vietnam (decision 0040), each to its receipt page, with its programme and time and no donor. GET forms:
 * they work without JavaScript and change nothing. Key lookups only, limited per address like the other
 * public look-ups; bad input is answered before any look-up is counted.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const typed = (params.get("q") ?? "").slice(0, 60);
  if (params.has("amount") || params.has("date")) {
    const answer = await byAmount(request, params);
    return json({ typed: "", found: null as null | { kind: "none" } | { kind: "pledge"; reference: string; gifts: Array<{ receiptNumber: string; receivedAt: string }> }, byAmount: answer.byAmount as ByAmount | null }, { status: answer.status });
  }
  if (!typed.trim()) return json({ typed, found: null, byAmount: null as ByAmount | null });
  // The limit is counted while the keys are read (reads only): a limited look-up still answers 429 alone.
  const [, found] = await Promise.all([enforceLimits([["verify-ip", clientIp(request)]]), findGift(typed)]);
  if (found.kind === "receipt") throw redirect(`/receipts/${found.receiptNumber}`);
  if (found.kind === "none") return json({ typed, found: { kind: "none" as const }, byAmount: null as ByAmount | null }, { status: 404 });
  return json({ typed, found: { kind: "pledge" as const, reference: found.reference, gifts: found.gifts.map((g) => ({ receiptNumber: g.receiptNumber, receivedAt: g.receivedAt.toISOString() })) }, byAmount: null as ByAmount | null });
}

/** The amount-and-day search: its fields as typed, their messages (translation keys), or what it found. */
type FoundByAmount = Omit<Awaited<ReturnType<typeof findGiftsByAmount>>, "gifts"> & { gifts: Array<{ receiptNumber: string; receivedAt: string; programme: { title: string; slug: string } | null }> };
type ByAmount = { typed: { amount: string; date: string }; errors: { amount?: string; date?: string }; result: FoundByAmount | null };

async function byAmount(request: Request, params: URLSearchParams): Promise<{ byAmount: ByAmount; status: number }> {
  const typed = { amount: (params.get("amount") ?? "").slice(0, 40), date: (params.get("date") ?? "").slice(0, 40) };
  const parsed = findByAmountSchema().safeParse(typed);
  if (!parsed.success) {
    const errors: { amount?: string; date?: string } = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] === "date" ? "date" : "amount";
      errors[field] ??= issue.message;
    }
    return { byAmount: { typed, errors, result: null }, status: 400 };
  }
  const [, found] = await Promise.all([enforceLimits([["verify-ip", clientIp(request)]]), findGiftsByAmount({ amount: parsed.data.amount, day: parsed.data.date }, Number(params.get("page") ?? "1"))]);
  const result = { ...found, gifts: found.gifts.map((g) => ({ ...g, receivedAt: g.receivedAt.toISOString() })) };
  // The day as the date input takes it back (whatever way it was typed).
  return { byAmount: { typed: { ...typed, date: parsed.data.date }, errors: {}, result }, status: found.gifts.length === 0 ? 404 : 200 };
}

export default function FindMyGift() {
  const { typed, found } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const lang = useLocale();
  return (
    <section className="stack narrow">
      <h1>{t("transparency.findTitle")}</h1>
      <p>{t("transparency.findIntro")}</p>
      <Form method="get" action="/transparency/find" className="card stack" noValidate>
        <div className={`field${found?.kind === "none" ? " field-invalid" : ""}`}>
          <label htmlFor="q">{t("transparency.findLabel")}</label>
          <input id="q" name="q" defaultValue={typed} autoComplete="off" autoCapitalize="characters" spellCheck={false} maxLength={60} aria-describedby={found?.kind === "none" ? "q-error q-hint" : "q-hint"} aria-invalid={found?.kind === "none" ? true : undefined} />
          <p className="field-hint" id="q-hint">{t("transparency.findHint")}</p>
          {found?.kind === "none" ? (
            <p className="field-error" id="q-error" role="alert" data-testid="find-none">
              {t("transparency.findNone")}
            </p>
          ) : null}
        </div>
        <p>
          <button type="submit" className="button">
            {t("transparency.findSubmit")}
          </button>
        </p>
      </Form>
      {found?.kind === "pledge" ? (
        <section className="stack" aria-labelledby="found-title" data-testid="find-gifts">
          <h2 id="found-title">{t("transparency.findPledge", { reference: found.reference, count: found.gifts.length })}</h2>
          {found.gifts.length === 0 ? (
            <p>{t("transparency.findNoGiftsYet")}</p>
          ) : (
            <ul className="plain-list">
              {found.gifts.map((g) => (
                <li key={g.receiptNumber}>
                  {formatDate(g.receivedAt, lang)} · <Link to={`/receipts/${g.receiptNumber}`}>{g.receiptNumber}</Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
      <FindByAmount />
      <p>
        <Link to="/transparency/ledger">{t("transparency.ledgerTitle")}</Link>
      </p>
    </section>
  );
}

/** Today in Vietnam as a date input takes it (the latest day a gift can have been received). */
function todayInVietnam() {
  return new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
}

function FindByAmount() {
  const { byAmount } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const lang = useLocale();
  const errors: { amount?: string; date?: string } = byAmount?.errors ?? {};
  const result = byAmount?.result ?? null;
  const field = (name: "amount" | "date") => ({
    "aria-invalid": errors[name] ? true : undefined,
    "aria-describedby": errors[name] ? `${name}-error ${name}-hint` : `${name}-hint`,
  });
  const [year, month, date] = (result?.day ?? "1970-01-01").split("-").map(Number) as [number, number, number];
  const day = result ? formatDate(vietnamMidnight(year, month, date), lang) : "";
  const pageLink = (page: number) => `/transparency/find?${new URLSearchParams({ amount: String(result!.amount), date: result!.day, page: String(page) })}`;
  return (
    <section className="stack" aria-labelledby="by-amount-title">
      <h2 id="by-amount-title">{t("transparency.findByAmountTitle")}</h2>
      <p>{t("transparency.findByAmountIntro")}</p>
      <Form method="get" action="/transparency/find" className="card stack" noValidate data-testid="find-by-amount">
        <div className={`field${errors.amount ? " field-invalid" : ""}`}>
          <label htmlFor="amount">{t("transparency.findAmountLabel")}</label>
          <input id="amount" name="amount" defaultValue={byAmount?.typed.amount ?? ""} inputMode="numeric" autoComplete="off" maxLength={40} {...field("amount")} />
          <p className="field-hint" id="amount-hint">{t("transparency.findAmountHint")}</p>
          {errors.amount ? (
            <p className="field-error" id="amount-error" role="alert" data-testid="amount-error">
              {translateMessage(t, i18n, errors.amount)}
            </p>
          ) : null}
        </div>
        <div className={`field${errors.date ? " field-invalid" : ""}`}>
          <label htmlFor="date">{t("transparency.findDateLabel")}</label>
          <input id="date" name="date" type="date" defaultValue={byAmount?.typed.date ?? ""} max={todayInVietnam()} {...field("date")} />
          <p className="field-hint" id="date-hint">{t("transparency.findDateHint")}</p>
          {errors.date ? (
            <p className="field-error" id="date-error" role="alert" data-testid="date-error">
              {translateMessage(t, i18n, errors.date)}
            </p>
          ) : null}
        </div>
        <p>
          <button type="submit" className="button">
            {t("transparency.findByAmountSubmit")}
          </button>
        </p>
      </Form>
      {result ? (
        <section className="stack" aria-labelledby="by-amount-found" data-testid="find-by-amount-result">
          <h3 id="by-amount-found">{t("transparency.findByAmountFound", { amount: formatVnd(result.amount, lang), day })}</h3>
          {result.gifts.length === 0 ? (
            <p role="status" data-testid="find-by-amount-none">{t("transparency.findByAmountNone", { amount: formatVnd(result.amount, lang), day })}</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="find-by-amount-gifts">
                <thead>
                  <tr>
                    <th scope="col">{t("transparency.colReceipt")}</th>
                    <th scope="col">{t("transparency.colProgramme")}</th>
                    <th scope="col">{t("transparency.colReceivedAt")}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.gifts.map((g) => (
                    <tr key={g.receiptNumber}>
                      <th scope="row">
                        <Link to={`/receipts/${g.receiptNumber}`} className="reference">
                          {g.receiptNumber}
                        </Link>
                      </th>
                      <td>{g.programme ? <Link to={`/programmes/${g.programme.slug}`}>{g.programme.title}</Link> : "—"}</td>
                      <td>{formatDateTime(g.receivedAt, lang)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted">{t("transparency.findByAmountNoNames")}</p>
          {result.full ? <p className="notice">{t("transparency.findByAmountFull", { count: result.total })}</p> : null}
          {result.pages > 1 ? (
            <nav aria-label={t("transparency.findByAmountPages")} className="pager">
              {result.page > 1 ? <Link to={pageLink(result.page - 1)}>{t("transparency.findPrevious")}</Link> : null}{" "}
              <span>{t("transparency.findPageOf", { page: result.page, pages: result.pages })}</span>{" "}
              {result.page < result.pages ? <Link to={pageLink(result.page + 1)}>{t("transparency.findNext")}</Link> : null}
            </nav>
          ) : null}
        </section>
      ) : null}
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
