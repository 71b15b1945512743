import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { formatDate, formatNumber, formatVnd } from "#services/format";
import { catalogueLinks } from "~/components/catalogue-helpers";
import { ProgressBar } from "~/components/progress-bar";
import giftStyles from "~/styles/gifts.css";
import { requireUser } from "~/utils/auth.server";
import { programmeCorrections } from "~/utils/corrections.server";
import { programmeFinance } from "~/utils/gifts.server";
import { orRespond } from "~/utils/service-errors.server";
import { useLocale } from "~/components/catalogue-helpers";

export const links: LinksFunction = () => [...catalogueLinks(), { rel: "stylesheet", href: giftStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.programme.title ?? "Tài chính"} · Tài chính · Finances — Góp Sức` }];

/** A programme's money for its managers (and the officers who oversee the institution, read-only). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await orRespond(programmeFinance(user, params.id ?? ""));
  // Corrections: reversing entries with their reasons, and requests waiting for the province officer.
  const corrections = await orRespond(programmeCorrections(user, params.id ?? ""));
  return json({ ...view, ...corrections }, { headers: { "Cache-Control": "private, no-store" } });
}

export default function ProgrammeFinancePage() {
  const { t } = useTranslation();
  const lang = useLocale();
  const { programme, canRecord, totals, overdue, overpaid, inKind, recent, giftCount, corrections, reversedByGift, pendingByGift, correctableMethods } = useLoaderData<typeof loader>();
  const vnd = (amount: number) => formatVnd(amount, lang);
  const quantity = (n: number) => formatNumber(n, lang, 0);

  return (
    <section className="stack">
      <p>
        <Link to="/manage">← {t("manage.title")}</Link>
      </p>
      <div>
        <p className="page-kicker">{t("finance.kicker")}</p>
        <h1>{programme.title}</h1>
        <p className="muted">
          {programme.institutionName} · <span className={`badge badge-${programme.state}`}>{t(`programmes.state.${programme.state}`)}</span>
          {" · "}
          <Link to={`/manage/programmes/${programme.id}`}>{t("finance.editProgramme")}</Link>
          {programme.state !== "draft" ? (
            <>
              {" · "}
              <Link to={`/programmes/${programme.slug}`}>{t("finance.viewPublic")}</Link>
            </>
          ) : null}
        </p>
      </div>

      <div className="page-actions">
        {canRecord ? (
          <Link to={`/manage/programmes/${programme.id}/gifts/new`} className="button" data-testid="record-gift">
            {t("finance.recordGift")}
          </Link>
        ) : null}
        <Link to={`/manage/programmes/${programme.id}/expenditures`} className="button button-secondary" data-testid="expenditures-link">
          {t("expenditures.title")}
        </Link>
        <a href={`/manage/institutions/${programme.institutionId}/export.csv`} className="button button-secondary" download data-testid="export-csv">
          {t("finance.exportCsv")}
        </a>
      </div>
      <p className="field-hint">{t("finance.exportHint", { institution: programme.institutionName })}</p>

      <h2 className="visually-hidden">{t("finance.figures")}</h2>
      <dl className="finance-cards" data-testid="finance-figures">
        <div className="finance-card" data-testid="figure-goal">
          <dt>{t("finance.goal")}</dt>
          <dd className="figure">{vnd(totals.goal)}</dd>
          <dd className="note">{t("finance.goalNote", { amount: vnd(totals.remaining) })}</dd>
        </div>
        <div className="finance-card" data-testid="figure-pledged">
          <dt>{t("finance.pledged")}</dt>
          <dd className="figure">{vnd(totals.pledged)}</dd>
          <dd className="note">{t("finance.pledgedNote")}</dd>
        </div>
        <div className="finance-card" data-testid="figure-received">
          <dt>{t("finance.received")}</dt>
          <dd className="figure">{vnd(totals.received)}</dd>
          <dd className="note">{t("finance.receivedNote", { money: vnd(totals.receivedMoney), inKind: vnd(totals.receivedInKind), hours: vnd(totals.receivedHours) })}</dd>
        </div>
        <div className="finance-card" data-testid="figure-outstanding">
          <dt>{t("finance.outstanding")}</dt>
          <dd className="figure">{vnd(totals.outstanding)}</dd>
          <dd className="note">{t("finance.outstandingNote")}</dd>
        </div>
      </dl>
      <ProgressBar goal={totals.goal} received={totals.received} pledged={totals.pledged} locale={lang} variant="card" />

      <section className="finance-section" aria-labelledby="overdue-title">
        <h2 id="overdue-title">{t("finance.overdueTitle")}</h2>
        {overdue.length === 0 ? (
          <p className="muted">{t("finance.overdueNone")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="overdue-table">
              <thead>
                <tr>
                  <th scope="col">{t("finance.pledge")}</th>
                  <th scope="col">{t("finance.donor")}</th>
                  <th scope="col" className="num">{t("finance.seq")}</th>
                  <th scope="col">{t("finance.dueDate")}</th>
                  <th scope="col" className="num">{t("finance.instalmentAmount")}</th>
                  <th scope="col" className="num">{t("finance.paid")}</th>
                  <th scope="col" className="num">{t("finance.due")}</th>
                </tr>
              </thead>
              <tbody>
                {overdue.map((row) => (
                  <tr key={`${row.pledgeId}-${row.seq}`}>
                    <td>
                      <code>{row.reference}</code>
                    </td>
                    <td>{row.donorName}</td>
                    <td className="num">{row.seq}</td>
                    <td>{formatDate(row.dueDate, lang)}</td>
                    <td className="num">{vnd(row.amount)}</td>
                    <td className="num">{vnd(row.paid)}</td>
                    <td className="num">
                      <strong>{vnd(row.outstanding)}</strong>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {overpaid.length > 0 ? (
        <section className="finance-section" aria-labelledby="overpaid-title">
          <h2 id="overpaid-title">{t("finance.overpaidTitle")}</h2>
          <p className="muted">{t("finance.overpaidLead")}</p>
          <div className="table-wrap">
            <table data-testid="overpaid-table">
              <thead>
                <tr>
                  <th scope="col">{t("finance.pledge")}</th>
                  <th scope="col">{t("finance.donor")}</th>
                  <th scope="col" className="num">{t("finance.pledged")}</th>
                  <th scope="col" className="num">{t("finance.paid")}</th>
                  <th scope="col">{t("finance.overpaidTitle")}</th>
                </tr>
              </thead>
              <tbody>
                {overpaid.map((row) => (
                  <tr key={row.pledgeId}>
                    <td>
                      <code>{row.reference}</code>
                    </td>
                    <td>{row.donorName}</td>
                    <td className="num">{vnd(row.amount)}</td>
                    <td className="num">{vnd(row.paid)}</td>
                    <td>
                      <strong>{t("finance.overpaidAmount", { amount: vnd(row.overpaid) })}</strong>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section className="finance-section" aria-labelledby="in-kind-title">
        <h2 id="in-kind-title">{t("finance.inKindTitle")}</h2>
        {inKind.length === 0 ? (
          <p className="muted">{t("finance.inKindNone")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="in-kind-table">
              <thead>
                <tr>
                  <th scope="col">{t("finance.item")}</th>
                  <th scope="col">{t("finance.unit")}</th>
                  <th scope="col" className="num">{t("finance.needed")}</th>
                  <th scope="col" className="num">{t("finance.receivedQuantity")}</th>
                  <th scope="col">{t("finance.coverage")}</th>
                </tr>
              </thead>
              <tbody>
                {inKind.map((row) => {
                  const percent = row.needed ? Math.min(100, Math.floor((row.received / row.needed) * 100)) : null;
                  return (
                    <tr key={row.item}>
                      <td>{row.item}</td>
                      <td>{row.unit ?? ""}</td>
                      <td className="num">{row.needed === null ? "—" : quantity(row.needed)}</td>
                      <td className="num">{quantity(row.received)}</td>
                      <td>
                        {percent === null ? (
                          <span className="muted">{t("finance.notNeeded")}</span>
                        ) : (
                          <span className="coverage">
                            <span className="coverage-track" aria-hidden="true">
                              <span className="coverage-fill" style={{ width: `${percent}%` }} />
                            </span>
                            <span>{formatNumber(percent, lang, 0)}%</span>
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="finance-section" aria-labelledby="recent-title">
        <h2 id="recent-title">{t("finance.recentTitle")}</h2>
        {recent.length === 0 ? (
          <p className="muted">{t("finance.recentNone")}</p>
        ) : (
          <>
            {giftCount > recent.length ? <p className="muted">{t("finance.recentCount", { shown: recent.length, total: giftCount })}</p> : null}
            <div className="table-wrap">
              <table data-testid="recent-gifts">
                <thead>
                  <tr>
                    <th scope="col">{t("finance.date")}</th>
                    <th scope="col">{t("finance.donor")}</th>
                    <th scope="col">{t("finance.method")}</th>
                    <th scope="col" className="num">{t("finance.amount")}</th>
                    <th scope="col">{t("finance.receipt")}</th>
                    <th scope="col">{t("finance.reference")}</th>
                    <th scope="col">{t("finance.evidence")}</th>
                    <th scope="col">{t("corrections.column")}</th>
                  </tr>
                </thead>
                <tbody>
                  {recent.map((gift) => (
                    <tr key={gift.id}>
                      <td>{formatDate(gift.receivedAt, lang)}</td>
                      <td>{gift.donorName ?? <span className="muted">{t("finance.anonymous")}</span>}</td>
                      <td>
                        {t(`gifts.methods.${gift.method}`)}
                        {gift.items.map((item, i) => (
                          <span key={i} className="cell-sub">
                            {item.item} × {quantity(item.quantity)} ({vnd(item.unitValue)})
                          </span>
                        ))}
                        {gift.valuationBasis ? <span className="cell-sub">{t("finance.valuation", { basis: gift.valuationBasis })}</span> : null}
                      </td>
                      <td className="num">{vnd(gift.amount)}</td>
                      <td>
                        <code>{gift.receiptNumber}</code>
                      </td>
                      <td>
                        {gift.reference ?? ""}
                        {gift.pledgeReference && gift.pledgeReference !== gift.reference ? <span className="cell-sub">{t("finance.pledgeRef", { reference: gift.pledgeReference })}</span> : null}
                      </td>
                      <td>
                        <span className="evidence-links">
                          {gift.evidenceFileIds.map((fileId, i) => (
                            <a key={fileId} href={`/files/${fileId}`} aria-label={t("finance.evidenceLinkLabel", { n: i + 1, receipt: gift.receiptNumber })}>
                              {t("finance.evidenceLink", { n: i + 1 })}
                            </a>
                          ))}
                        </span>
                      </td>
                      <td data-testid={`gift-corrections-${gift.receiptNumber}`}>
                        {reversedByGift[gift.id] ? <span className="cell-sub">{t("corrections.reversedCell", { amount: vnd(reversedByGift[gift.id]!) })}</span> : null}
                        {pendingByGift[gift.id] ? <span className="cell-sub">{t("corrections.pendingCell", { amount: vnd(pendingByGift[gift.id]!) })}</span> : null}
                        {canRecord && correctableMethods.includes(gift.method) && (reversedByGift[gift.id] ?? 0) + (pendingByGift[gift.id] ?? 0) < gift.amount ? (
                          <Link
                            to={`/manage/programmes/${programme.id}/gifts/${gift.id}/correct`}
                            aria-label={t("corrections.correctLinkLabel", { receipt: gift.receiptNumber })}
                            data-testid={`correct-${gift.receiptNumber}`}
                          >
                            {t("corrections.correctLink")}
                          </Link>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        {canRecord ? <p className="field-hint">{t("corrections.financeHint")}</p> : null}
      </section>

      <section className="finance-section" aria-labelledby="corrections-title">
        <h2 id="corrections-title">{t("corrections.sectionTitle")}</h2>
        {corrections.length === 0 ? (
          <p className="muted">{t("corrections.none")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="corrections">
              <thead>
                <tr>
                  <th scope="col">{t("corrections.requestedAt")}</th>
                  <th scope="col">{t("finance.receipt")}</th>
                  <th scope="col" className="num">{t("corrections.amount")}</th>
                  <th scope="col">{t("corrections.reason")}</th>
                  <th scope="col">{t("corrections.state")}</th>
                  <th scope="col">{t("corrections.requestedBy")}</th>
                </tr>
              </thead>
              <tbody>
                {corrections.map((c) => (
                  <tr key={c.id}>
                    <td>{formatDate(c.requestedAt, lang)}</td>
                    <td>
                      <code>{c.receiptNumber}</code>
                    </td>
                    <td className="num">−{vnd(c.amount)}</td>
                    <td>{c.reason}</td>
                    <td>
                      <span className={`badge badge-correction-${c.state}`}>{t(c.needsApproval ? `corrections.states.${c.state}` : "corrections.states.booked")}</span>
                      {c.decidedBy ? <span className="cell-sub">{t("corrections.decidedBy", { name: c.decidedBy })}</span> : null}
                      {c.decisionReason ? <span className="cell-sub">{c.decisionReason}</span> : null}
                    </td>
                    <td>{c.requestedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
