import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { paidInLine } from "#services/currencies";
import { formatDate, formatNumber, formatVnd } from "#services/format";
import { useLocale } from "~/components/catalogue-helpers";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { getUser } from "~/utils/auth.server";
import { publicReceipt } from "~/utils/domain.server";
import { orRespond } from "~/utils/service-errors.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Biên nhận · Receipt ${data?.receipt.receiptNumber ?? ""} — Góp Sức` }];

const NUMBER = /^R-[0-9A-F]{16}$/;

/**
 * /receipts/R-XXXX — the public page a receipt's QR code opens: what the receipt proves, the donor
 * shown only as they consented, and whether the gift is still on the books. Anyone may read it.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const raw = (params.number ?? "").toUpperCase();
  // The PDF's older address (/receipts/R-XXXX.pdf) is kept working.
  const pdf = /^(R-[0-9A-F]{16})\.PDF$/.exec(raw);
  if (pdf) throw redirect(`/receipts/${pdf[1]}/pdf`);
  if (!NUMBER.test(raw)) throw new Response("errors.notFound", { status: 404 });
  // With its place in the platform's transparency log (issue 12), with where to get the proof.
  const { logPlace: place, ...receipt } = await orRespond(publicReceipt(raw, await getUser(request)));
  const inLog = place ? { leafIndex: place.leafIndex, checkpoint: place.checkpoint ? { size: place.checkpoint.size, time: place.checkpoint.time.toISOString() } : null } : null;
  // Who may download the PDF depends on the viewer: never cached for another one.
  return json({ receipt, inLog }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function ReceiptPage() {
  const { receipt, inLog } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const locale = useLocale();
  const vnd = (amount: number) => formatVnd(amount, locale);
  const instalment = receipt.instalment;
  return (
    <article className="stack receipt-page narrow">
      <header className="card-header">
        <h1>
          {t("receipt.title")} <span className="reference" data-testid="receipt-number">{receipt.receiptNumber}</span>
        </h1>
        <span className={`badge ${receipt.standing === "on_books" ? "badge-pledge-fulfilled" : receipt.standing === "reversed" ? "badge-pledge-cancelled" : "badge-pledge-overdue"}`} data-testid="receipt-standing">
          {t(`receipt.standing.${receipt.standing}`)}
        </span>
      </header>
      <p className={receipt.standing === "on_books" ? "muted" : "notice"} role="status">
        {receipt.standing === "on_books"
          ? t("receipt.onBooksExplained")
          : receipt.reversedAmount !== null
            ? t(`receipt.${receipt.standing}Explained`, { amount: vnd(receipt.reversedAmount) })
            : t(`receipt.${receipt.standing}ExplainedNoAmount`)}
      </p>
      <dl className="facts card">
        <div><dt>{t("receipt.number")}</dt><dd>{receipt.receiptNumber}</dd></div>
        <div><dt>{t("receipt.programme")}</dt><dd><Link to={`/programmes/${receipt.programme.slug}`}>{receipt.programme.title}</Link></dd></div>
        <div><dt>{t("receipt.institution")}</dt><dd><Link to={`/institutions/${receipt.institution.slug}`}>{receipt.institution.name}</Link></dd></div>
        <div>
          <dt>{t("receipt.donor")}</dt>
          <dd data-testid="receipt-donor" className={receipt.donorName === null ? "muted" : undefined}>{receipt.donorName ?? t("receipt.anonymous")}</dd>
        </div>
        <div>
          <dt>{t(`receipt.amountLabel.${receipt.method}`)}</dt>
          <dd data-testid="receipt-amount">{receipt.amount === null ? <span className="muted">{t("receipt.amountNotPublic")}</span> : <strong>{vnd(receipt.amount)}</strong>}</dd>
        </div>
        {receipt.paidIn ? (
          <div>
            <dt>{t("receipt.paidIn")}</dt>
            <dd data-testid="receipt-paid-in">{paidInLine(receipt.paidIn, locale)}</dd>
          </div>
        ) : null}
        {instalment ? (
          <div>
            <dt>{t("receipt.instalment")}</dt>
            <dd>
              {t("receipt.instalmentOf", { seq: instalment.from === instalment.to ? formatNumber(instalment.from, locale) : `${instalment.from}–${instalment.to}`, count: instalment.count })}
            </dd>
          </div>
        ) : null}
        <div><dt>{t("receipt.receivedAt")}</dt><dd>{formatDate(receipt.receivedAt, locale)}</dd></div>
        <div><dt>{t("receipt.method")}</dt><dd>{t(`pledge.method.${receipt.method}`)}</dd></div>
      </dl>
      {receipt.reversals.length > 0 ? (
        <section aria-labelledby="reversals" className="stack">
          <h2 id="reversals">{t("receipt.reversalsTitle")}</h2>
          <ul className="plain-list">
            {receipt.reversals.map((reversal, index) => (
              <li key={index}>
                {formatDate(reversal.occurredAt, locale)} · {t(`receipt.reversalKind.${reversal.kind}`)}
                {reversal.amount !== null ? <> · <strong>{reversal.amount < 0 ? `+${vnd(-reversal.amount)}` : `−${vnd(reversal.amount)}`}</strong></> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <p className="muted">{t("receipt.whatItProves")}</p>
      <section aria-labelledby="in-log" className="stack" data-testid="receipt-in-log">
        <h2 id="in-log">{t("receipt.inLogTitle")}</h2>
        {inLog?.checkpoint ? (
          <p>
            {t("receipt.inLog", { position: formatNumber(inLog.leafIndex + 1, locale), leaf: inLog.leafIndex, size: formatNumber(inLog.checkpoint.size, locale), at: formatDate(inLog.checkpoint.time, locale) })}{" "}
            <a href={`/transparency/proof/inclusion?entry=${receipt.receiptNumber}`}>{t("receipt.inLogProof")}</a> · <Link to="/transparency/ledger">{t("receipt.inLogHow")}</Link>
          </p>
        ) : (
          <p className="muted">{t("receipt.notInLogYet")}</p>
        )}
      </section>
      {receipt.canDownload ? (
        <p className="inline-form">
          <a href={`/receipts/${receipt.receiptNumber}/pdf${locale === "en" ? "?lang=en" : ""}`} className="button button-secondary" download>
            {t("pledge.receipt")}
          </a>
          {locale === "en" ? (
            <a href={`/receipts/${receipt.receiptNumber}/pdf`} download>
              {t("pledge.receiptOriginal")}
            </a>
          ) : null}
        </p>
      ) : null}
    </article>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
