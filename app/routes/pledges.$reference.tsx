import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { findBankByBin } from "#models/reference/banks";
import { canAccessInstitution } from "#services/access";
import { formatDate, formatVnd } from "#services/format";
import { HOME_COUNTRY } from "#services/validation/country";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { cancelPledge, pledgeDetails, vietQrPngDataUrl } from "~/utils/domain.server";
import { getFixedT, getLanguage } from "~/utils/i18n.server";
import { orRespond, refusalMessage } from "~/utils/service-errors.server";
import { redirectWithToast } from "~/utils/session.server";
import { STRIPE_MAX_VND, STRIPE_MIN_VND } from "#services/payment-limits";
import { cardAvailability, cardOptions, checkoutReturnOrigin, createCheckoutSession, findCardRates, stripeConfig } from "~/utils/stripe.server";
import { cardChargeLimits, formatMoney, isCardCurrency } from "#services/currencies";
import { readFormData } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "Cam kết · Pledge — Góp Sức" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const details = await orRespond(pledgeDetails(user, params.reference ?? "", (i) => canAccessInstitution(user, i)));
  const { pledge, programme, institution, donations, paid, due, vietQr, isOwner, canManage } = details;
  const card = cardAvailability(stripeConfig());
  const rates = due && isOwner ? await findCardRates() : null;
  // Đồng, and each currency with an indicative rate (issue 13), each checked against Stripe's limits in it.
  const options = due ? cardOptions(due.amount, rates) : [];
  const firstOk = options.find((o) => o.fits === "ok");
  const bank = institution?.bankAccount;
  return json({
    isOwner,
    canCancel: pledge.state !== "cancelled" && pledge.state !== "fulfilled" && ((isOwner && paid === 0) || canManage),
    cancelNeedsReason: canManage && !isOwner,
    cancelledReason: pledge.cancelledReason ?? null,
    demo: stripeConfig().demo && !stripeConfig().secretKey,
    pledge: {
      reference: pledge.reference,
      kind: pledge.kind,
      amount: pledge.amount,
      state: pledge.state,
      visibility: pledge.visibility,
      createdAt: pledge.createdAt as Date,
      instalments: pledge.instalments.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amount: i.amount, paidAmount: i.paidAmount, status: i.status })),
      inKindItems: pledge.inKindItems.map((i) => ({ item: i.item, quantity: i.quantity, unitValue: i.unitValue })),
    },
    programme: { title: programme.title, slug: programme.slug },
    institutionName: institution?.name ?? "",
    paid,
    // More received than pledged (an over-payment a manager confirmed): shown as such, never hidden.
    overpaid: Math.max(0, paid - pledge.amount),
    due,
    card: { available: card.available, amountOk: Boolean(firstOk), reason: card.available ? (firstOk ? null : (options[0]?.fits ?? null)) : card.reason },
    cardOptions: options.map((o) => ({ currency: o.currency, charge: o.charge, fits: o.fits })),
    rates: rates && options.length > 1 ? { asOf: rates.asOf, source: rates.source } : null,
    transfer: bank && vietQr
      ? { qr: await vietQrPngDataUrl(vietQr.payload), payload: vietQr.payload, amount: vietQr.amount, bank: findBankByBin(bank.bankBin)?.shortName ?? bank.bankBin, accountNumber: bank.accountNumber, accountName: bank.accountName, description: pledge.reference }
      : null,
    // From abroad (or too large for a card in the donor's currency): the institution's SWIFT details and the reference to quote.
    international:
      due && isOwner && ((pledge.donorSnapshot?.country ?? HOME_COUNTRY) !== HOME_COUNTRY || options.some((o) => o.currency !== "vnd" && o.fits === "above_maximum"))
        ? { details: institution?.internationalTransfer ?? null, contact: institution?.contact?.email ?? null, reference: pledge.reference, amount: due.amount }
        : null,
    donations: donations.map((d) => ({ receiptNumber: d.receiptNumber, amount: d.amount, method: d.method, receivedAt: d.receivedAt })),
    locale: await getLanguage(request),
  });
}

/** "Pay by card": a Stripe Checkout page for what is due now. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  const t = await getFixedT(request);
  if (formData.get("intent") === "cancel") {
    const reference = (params.reference ?? "").toUpperCase();
    const reason = String(formData.get("reason") ?? "").trim().slice(0, 1000) || null;
    try {
      await cancelPledge(user, reference, reason);
    } catch (error) {
      return redirectWithToast(`/pledges/${reference}`, { type: "error", message: t(refusalMessage(error)) });
    }
    return redirectWithToast(`/pledges/${reference}`, { type: "success", message: t("pledge.cancelled") });
  }
  const { pledge, programme, donor, due, isOwner } = await orRespond(pledgeDetails(user, params.reference ?? "", (i) => canAccessInstitution(user, i)));
  const back = `/pledges/${pledge.reference}`;
  if (!isOwner) throw new Response("errors.forbidden", { status: 403 });
  if (!due) return redirectWithToast(back, { type: "info", message: t("pledge.nothingDue") });
  if (!cardAvailability(stripeConfig()).available) return redirectWithToast(back, { type: "error", message: t("pledge.cardUnavailable") });
  const locale = await getLanguage(request);
  const currency = String(formData.get("currency") ?? "vnd");
  // The charge in the currency chosen, quoted now at the admin's indicative rate (issue 13).
  const option = isCardCurrency(currency) ? cardOptions(due.amount, currency === "vnd" ? null : await findCardRates()).find((o) => o.currency === currency) : undefined;
  if (!option) return redirectWithToast(back, { type: "error", message: t("pledge.cardCurrencyUnavailable") });
  if (option.fits !== "ok") {
    if (option.currency === "vnd") return redirectWithToast(back, { type: "error", message: t(option.fits === "above_maximum" ? "pledge.cardTooLarge" : "pledge.cardTooSmall", { max: formatVnd(STRIPE_MAX_VND, locale) }) });
    const limits = cardChargeLimits(option.currency, option.rate!, STRIPE_MIN_VND);
    const params = { currency: option.currency.toUpperCase(), max: formatMoney(limits.max, option.currency, locale), min: formatMoney(limits.min, option.currency, locale), reference: pledge.reference };
    return redirectWithToast(back, { type: "error", message: t(option.fits === "above_maximum" ? "pledge.cardTooLargeIn" : "pledge.cardTooSmallIn", params) });
  }
  try {
    const session = await createCheckoutSession(stripeConfig(), {
      amount: option.charge,
      ...(option.currency === "vnd" ? {} : { currency: option.currency, quote: { vnd: due.amount, rate: option.rate! } }),
      pledgeId: String(pledge._id),
      pledgeReference: pledge.reference,
      instalmentSeq: due.instalmentSeq,
      programmeTitle: programme.title,
      customerEmail: donor?.email ?? user.email,
      locale,
      returnOrigin: checkoutReturnOrigin(request),
    });
    return redirect(session.url);
  } catch (error) {
    console.warn(`Stripe checkout failed for ${pledge.reference}: ${(error as Error).message}`);
    return redirectWithToast(back, { type: "error", message: t("pledge.cardFailed") });
  }
}

export default function PledgeDetailPage() {
  const { t } = useTranslation();
  const data = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const lang = data.locale;
  return (
    <article className="stack pledge-detail">
      <p>
        <Link to={`/programmes/${data.programme.slug}`}>← {data.programme.title}</Link>
      </p>
      <header className="card-header">
        <h1>
          {t("pledge.detailTitle")} <span className="reference">{data.pledge.reference}</span>
        </h1>
        <span className={`badge badge-pledge-${data.pledge.state}`} data-testid="pledge-state">
          {t(`pledge.state.${data.pledge.state}`)}
        </span>
      </header>
      {params.get("paid") ? <p className="notice" role="status">{t("pledge.paidNotice")}</p> : null}
      {params.get("cancelled") ? <p className="notice" role="status">{t("pledge.cancelledNotice")}</p> : null}
      <dl className="facts card">
        <div><dt>{t("pledge.programme")}</dt><dd>{data.programme.title} · {data.institutionName}</dd></div>
        <div><dt>{t("pledge.kindLabel")}</dt><dd>{t(`pledge.kind.${data.pledge.kind}`)}</dd></div>
        <div><dt>{t("pledge.total")}</dt><dd data-testid="pledge-total">{formatVnd(data.pledge.amount, lang)}</dd></div>
        <div><dt>{t("pledge.paid")}</dt><dd data-testid="pledge-paid">{formatVnd(data.paid, lang)}</dd></div>
        {data.overpaid > 0 ? <div><dt>{t("pledge.overpaidLabel")}</dt><dd data-testid="pledge-overpaid">{t("pledge.overpaid", { amount: formatVnd(data.overpaid, lang) })}</dd></div> : null}
        <div><dt>{t("pledge.visibilityLabel")}</dt><dd>{t(`pledge.visibility.${data.pledge.visibility}`)}</dd></div>
      </dl>

      {data.pledge.instalments.length > 0 ? (
        <section aria-labelledby="instalments">
          <h2 id="instalments">{t("pledge.instalments")}</h2>
          <div className="table-wrap">
            <table>
              <thead><tr><th scope="col">#</th><th scope="col">{t("pledge.dueDate")}</th><th scope="col" className="num">{t("pledge.amount")}</th><th scope="col" className="num">{t("pledge.paid")}</th><th scope="col">{t("pledge.status")}</th></tr></thead>
              <tbody>
                {data.pledge.instalments.map((i) => (
                  <tr key={i.seq}>
                    <td>{i.seq}</td>
                    <td>{formatDate(i.dueDate, lang)}</td>
                    <td className="num">{formatVnd(i.amount, lang)}</td>
                    <td className="num">{formatVnd(i.paidAmount, lang)}</td>
                    <td>{t(`pledge.instalmentStatus.${i.status}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {data.due && data.isOwner ? (
        <section aria-labelledby="pay" className="stack">
          <h2 id="pay">{t("pledge.payTitle", { amount: formatVnd(data.due.amount, lang) })}</h2>
          <div className="two-columns">
            <div className="card stack">
              <h3>{t("pledge.payByCard")}</h3>
              {data.card.available && data.card.amountOk ? (
                <Form method="post" className="stack">
                  <AuthenticityTokenInput />
                  {data.cardOptions.length > 1 ? (
                    <div className="field">
                      <label htmlFor="card-currency">{t("pledge.payIn")}</label>
                      <select id="card-currency" name="currency" defaultValue={data.cardOptions.find((o) => o.fits === "ok")?.currency} aria-describedby={data.rates ? "card-rate-note" : undefined}>
                        {data.cardOptions.map((o) => (
                          <option key={o.currency} value={o.currency} disabled={o.fits !== "ok"}>
                            {t(`pledge.currencyName.${o.currency}`)} — {o.currency === "vnd" ? "" : "≈ "}{formatMoney(o.charge, o.currency, lang)}
                            {o.fits === "ok" ? "" : ` (${t(o.fits === "above_maximum" ? "pledge.optionAboveMaximum" : "pledge.optionBelowMinimum")})`}
                          </option>
                        ))}
                      </select>
                      {data.rates ? (
                        <p className="field-hint" id="card-rate-note">
                          {t("pledge.rateNote", { date: formatDate(data.rates.asOf, lang), source: data.rates.source })}
                        </p>
                      ) : null}
                    </div>
                  ) : null}
                  <p>
                    <button type="submit" className="button">{t("pledge.payByCardButton", { amount: formatVnd(data.due.amount, lang) })}</button>
                  </p>
                  {data.demo ? <p className="muted">{t("pledge.demoCard")}</p> : null}
                </Form>
              ) : (
                <p className="notice">{data.card.reason === "not_configured" ? t("pledge.cardUnavailable") : data.card.reason === "above_maximum" ? t("pledge.cardTooLarge", { max: formatVnd(STRIPE_MAX_VND, lang) }) : t("pledge.cardTooSmall")}</p>
              )}
            </div>
            {data.transfer ? (
              <div className="card stack" data-testid="vietqr">
                <h3>{t("pledge.payByTransfer")}</h3>
                <img src={data.transfer.qr} alt={t("pledge.qrAlt", { amount: formatVnd(data.transfer.amount, lang), reference: data.transfer.description })} width={220} height={220} />
                <dl className="facts">
                  <div><dt>{t("pledge.bank")}</dt><dd>{data.transfer.bank}</dd></div>
                  <div><dt>{t("pledge.accountNumber")}</dt><dd><code>{data.transfer.accountNumber}</code></dd></div>
                  <div><dt>{t("pledge.accountName")}</dt><dd>{data.transfer.accountName}</dd></div>
                  <div><dt>{t("pledge.amount")}</dt><dd>{formatVnd(data.transfer.amount, lang)}</dd></div>
                  <div><dt>{t("pledge.transferDescription")}</dt><dd><code data-testid="transfer-description">{data.transfer.description}</code></dd></div>
                </dl>
                <p className="muted">{t("pledge.transferHint")}</p>
              </div>
            ) : (
              <div className="card stack" data-testid="no-vietqr">
                <h3>{t("pledge.payByTransfer")}</h3>
                <p className="notice">{t("pledge.transferUnavailable", { institution: data.institutionName })}</p>
              </div>
            )}
          </div>
        </section>
      ) : null}

      {data.international ? (
        <section aria-labelledby="international" className="card stack" data-testid="international-transfer">
          <h2 id="international">{t("pledge.international.title")}</h2>
          {data.international.details ? (
            <>
              <p>{t("pledge.international.lead", { amount: formatVnd(data.international.amount, lang) })}</p>
              <p className="preserve-lines" data-testid="international-details">{data.international.details}</p>
            </>
          ) : (
            <p className="notice">{t(data.international.contact ? "pledge.international.askInstitution" : "pledge.international.askInstitutionNoEmail", { institution: data.institutionName, email: data.international.contact })}</p>
          )}
          <dl className="facts">
            <div><dt>{t("pledge.international.reference")}</dt><dd><code data-testid="international-reference">{data.international.reference}</code></dd></div>
          </dl>
          <p className="muted">{t("pledge.international.hint")}</p>
        </section>
      ) : null}

      {data.cancelledReason ? <p className="notice">{t("pledge.cancelledBecause", { reason: data.cancelledReason })}</p> : null}
      {data.canCancel ? (
        <details className="card cancel-pledge">
          <summary>{t("pledge.cancelTitle")}</summary>
          <Form method="post" className="stack">
            <AuthenticityTokenInput />
            <input type="hidden" name="intent" value="cancel" />
            <label htmlFor="cancel-reason">{t(data.cancelNeedsReason ? "pledge.cancelReasonRequired" : "pledge.cancelReason")}</label>
            <textarea id="cancel-reason" name="reason" rows={2} maxLength={1000} required={data.cancelNeedsReason} />
            <button type="submit" className="button button-secondary">{t("pledge.cancelButton")}</button>
          </Form>
        </details>
      ) : null}

      <section aria-labelledby="payments">
        <h2 id="payments">{t("pledge.payments")}</h2>
        {data.donations.length === 0 ? <p className="muted">{t("pledge.noPayments")}</p> : (
          <ul className="plain-list">
            {data.donations.map((d) => (
              <li key={d.receiptNumber} className="card payment-row">
                <span>
                  {formatDate(d.receivedAt, lang)} · {t(`pledge.method.${d.method}`)} · <strong>{formatVnd(d.amount, lang)}</strong> ·{" "}
                  <Link to={`/receipts/${d.receiptNumber}`} aria-label={t("pledge.receiptPageLabel", { number: d.receiptNumber })}>
                    <code>{d.receiptNumber}</code>
                  </Link>
                </span>
                <a href={`/receipts/${d.receiptNumber}/pdf${lang === "en" ? "?lang=en" : ""}`} className="button button-small button-secondary" download>
                  {t("pledge.receipt")}
                </a>
                {lang === "en" ? (
                  <a href={`/receipts/${d.receiptNumber}/pdf`} download>
                    {t("pledge.receiptOriginal")}
                  </a>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}

