import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDate } from "#services/format";
import { clientIp } from "~/utils/client-ip.server";
import { enforceLimits, keepRetryAfter } from "~/utils/rate-limit.server";
import { findGift } from "~/utils/transparency.server";

export const meta: MetaFunction = () => [{ title: "Tìm khoản đóng góp · Find my gift — Góp Sức" }];

/** A 429 (too many look-ups) keeps its Retry-After on the page. */
export const headers: HeadersFunction = keepRetryAfter;

/**
 * /transparency/find — "find my gift" (issue 12): a receipt number opens that gift's public receipt page
 * (with its place in the transparency log); a transfer reference lists the gifts paid on that pledge, each
 * to its receipt page. A GET form: works without JavaScript, changes nothing. Key lookups only, limited
 * per address like the other public look-ups.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const typed = (new URL(request.url).searchParams.get("q") ?? "").slice(0, 60);
  if (!typed.trim()) return json({ typed, found: null });
  await enforceLimits([["verify-ip", clientIp(request)]]);
  const found = await findGift(typed);
  if (found.kind === "receipt") throw redirect(`/receipts/${found.receiptNumber}`);
  if (found.kind === "none") return json({ typed, found: { kind: "none" as const } }, { status: 404 });
  return json({ typed, found: { kind: "pledge" as const, reference: found.reference, gifts: found.gifts.map((g) => ({ receiptNumber: g.receiptNumber, receivedAt: g.receivedAt.toISOString() })) } });
}

export default function FindMyGift() {
  const { typed, found } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const lang = i18n.language === "en" ? "en" : "vi";
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
      <p>
        <Link to="/transparency/ledger">{t("transparency.ledgerTitle")}</Link>
      </p>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
