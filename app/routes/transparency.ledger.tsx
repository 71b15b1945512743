import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Pagination } from "~/components/pagination";
import { formatDateTime, formatNumber } from "#services/format";
import { latestCheckpoint, ledgerChains, logIdentity } from "~/utils/transparency.server";
import { useLocale } from "~/components/catalogue-helpers";

export const meta: MetaFunction = () => [{ title: "Sổ cái minh bạch · A ledger anyone can check — Góp Sức" }];

/**
 * /transparency/ledger — the transparency log's latest signed checkpoint, its key, how anyone checks it,
 * and each institution's chain with the sweeper's last walk along it (issue 12). Public: it shows
 * hashes and counts, no donor. Reads one document per institution and the log's state, never the ledger.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const page = Number(new URL(request.url).searchParams.get("page") ?? "1");
  const [checkpoint, chains] = await Promise.all([latestCheckpoint(), ledgerChains(Number.isSafeInteger(page) ? page : 1)]);
  return json({
    checkpoint: checkpoint ? { note: checkpoint.note, size: checkpoint._id, root: checkpoint.root, time: checkpoint.time.toISOString() } : null,
    identity: logIdentity(),
    chains: { ...chains, rows: chains.rows.map((row) => ({ ...row, check: row.check ? { ...row.check, checkedAt: row.check.checkedAt.toISOString() } : null })) },
  });
}

export default function TransparencyLedger() {
  const { checkpoint, identity, chains } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const lang = useLocale();
  return (
    <section className="stack">
      <h1>{t("transparency.ledgerTitle")}</h1>
      <p>{t("transparency.ledgerIntro")}</p>
      <p className="inline-form">
        <Link to="/transparency/find">{t("transparency.findTitle")}</Link>
        <Link to="/transparency/data">{t("openData.title")}</Link>
      </p>

      <section className="card stack" aria-labelledby="checkpoint-title" data-testid="checkpoint">
        <h2 id="checkpoint-title">{t("transparency.checkpointTitle")}</h2>
        {checkpoint ? (
          <>
            <dl className="facts">
              <div>
                <dt>{t("transparency.size")}</dt>
                <dd data-testid="checkpoint-size">{formatNumber(checkpoint.size, lang, 0)}</dd>
              </div>
              <div>
                <dt>{t("transparency.root")}</dt>
                <dd>
                  <code className="hash">{checkpoint.root}</code>
                </dd>
              </div>
              <div>
                <dt>{t("transparency.signedAt")}</dt>
                <dd>{formatDateTime(checkpoint.time, lang)}</dd>
              </div>
            </dl>
            <p>{t("transparency.noteLabel")}</p>
            <pre className="note" data-testid="checkpoint-note">{checkpoint.note}</pre>
            <p>
              <a href="/transparency/checkpoint" download="checkpoint.txt">
                {t("transparency.download")}
              </a>
            </p>
          </>
        ) : (
          <p>{t("transparency.checkpointNone")}</p>
        )}
      </section>

      <section className="card stack" aria-labelledby="key-title">
        <h2 id="key-title">{t("transparency.keyTitle")}</h2>
        {identity ? (
          <>
            <p>{t("transparency.keyIntro", { jwks: "/.well-known/jwks.json" })}</p>
            <pre className="note" data-testid="verifier-key">{identity.verifierKey}</pre>
          </>
        ) : (
          <p>{t("transparency.keyNone")}</p>
        )}
      </section>

      <section className="stack" aria-labelledby="how-title">
        <h2 id="how-title">{t("transparency.howTitle")}</h2>
        <ol className="stack">
          <li>{t("transparency.how1")}</li>
          <li>{t("transparency.how2")}</li>
          <li>{t("transparency.how3")}</li>
          <li>{t("transparency.how4")}</li>
        </ol>
      </section>

      <section className="stack" aria-labelledby="chains-title">
        <h2 id="chains-title">{t("transparency.chainsTitle")}</h2>
        <p>
          {t("transparency.chainsIntro")} {t("transparency.chainsCount", { count: chains.total })}.
        </p>
        {chains.rows.length === 0 ? (
          <p>{t("transparency.noChains")}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="chains">
              <thead>
                <tr>
                  <th scope="col">{t("transparency.colInstitution")}</th>
                  <th scope="col">{t("transparency.colEntries")}</th>
                  <th scope="col">{t("transparency.colLogged")}</th>
                  <th scope="col">{t("transparency.colHead")}</th>
                  <th scope="col">{t("transparency.colCheck")}</th>
                </tr>
              </thead>
              <tbody>
                {chains.rows.map((row) => (
                  <tr key={row.institutionId}>
                    <th scope="row">
                      <a href={`/institutions/${row.slug}`}>{row.name}</a>
                      <br />
                      <small>{row.province}</small>
                    </th>
                    <td>{formatNumber(row.entries, lang, 0)}</td>
                    <td>{formatNumber(row.logged, lang, 0)}</td>
                    <td>
                      <code className="hash" title={row.headHash}>
                        {row.headHash.slice(0, 16)}…
                      </code>
                    </td>
                    <td>
                      {row.check
                        ? row.check.ok
                          ? t("transparency.checkOk", { count: row.check.entries, entries: formatNumber(row.check.entries, lang, 0), at: formatDateTime(row.check.checkedAt, lang) })
                          : t("transparency.checkBroken", { sequence: row.check.sequence, at: formatDateTime(row.check.checkedAt, lang) })
                        : t("transparency.checkNone")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pagination page={chains.page} pageCount={chains.pages} hrefFor={(p) => `/transparency/ledger?page=${p}`} />
      </section>
    </section>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
