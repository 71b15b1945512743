import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Fragment } from "react";
import { useTranslation } from "react-i18next";
import { vietnamWallClock } from "#services/calendar";
import { formatDate } from "#services/format";
import { requireRole } from "~/utils/auth.server";
import { getLanguage } from "~/utils/i18n.server";
import { latestMails, outboxEnabled } from "~/utils/mail.server";

export const meta: MetaFunction = () => [{ title: "Hộp thư demo (không gửi) · Demo outbox (not sent) — Góp Sức" }, { name: "robots", content: "noindex" }];

const SHOWN = 50;

/** dd/mm/yyyy hh:mm in Vietnam's time (the same on the server and in the browser). */
function when(date: string | Date, locale: "vi" | "en") {
  return `${formatDate(date, locale)} ${vietnamWallClock(new Date(date)).toISOString().slice(11, 16)}`;
}

/**
 * The demo outbox (decision 0019): mail kept, not sent, where no SMTP is configured — development, tests
 * and the labelled demo on this machine. It does not exist where mail is really sent (production), and
 * only admins may read it: it holds other people's reset links.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  if (!outboxEnabled()) throw new Response("errors.notFound", { status: 404 });
  await requireRole(request, ["admin"]);
  const mails = await latestMails(SHOWN);
  return json({
    locale: await getLanguage(request),
    mails: mails.map((m) => ({ id: m._id, kind: m.kind, to: m.to, subject: m.subject, text: m.text, status: m.status, createdAt: m.createdAt, locale: m.locale })),
  });
}

/** Plain text with its web addresses as links (a reset link is followed from here). */
function LinkedText({ text }: { text: string }) {
  const parts = text.split(/(https?:\/\/[^\s]+)/g);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>{i % 2 === 1 ? <a href={part}>{part}</a> : part}</Fragment>
      ))}
    </>
  );
}

const STATUS_LABEL = { outbox: "outbox.statusOutbox", sent: "outbox.statusSent", sending: "outbox.statusSending", failed: "outbox.statusFailed" } as const;

export default function OutboxPage() {
  const { t } = useTranslation();
  const { mails, locale } = useLoaderData<typeof loader>();
  return (
    <section className="stack">
      <h1>{t("outbox.title")}</h1>
      <p className="notice" role="note" data-testid="outbox-banner">
        <strong>{t("outbox.banner")}</strong>
      </p>
      {mails.length === 0 ? (
        <p className="muted">{t("outbox.empty")}</p>
      ) : (
        <>
          <p className="muted">{t("outbox.latest", { count: mails.length })}</p>
          {mails.map((mail) => (
            <article key={mail.id} className="card stack outbox-mail" data-testid="outbox-mail" aria-labelledby={`mail-${mail.id}`}>
              <h2 id={`mail-${mail.id}`} className="outbox-subject">
                {mail.subject}
              </h2>
              <dl className="facts">
                <div>
                  <dt>{t("outbox.to")}</dt>
                  <dd data-testid="outbox-to">{mail.to}</dd>
                </div>
                <div>
                  <dt>{t("outbox.date")}</dt>
                  <dd>{when(mail.createdAt, locale)}</dd>
                </div>
                <div>
                  <dt>{t("outbox.kind")}</dt>
                  <dd>
                    <code>{mail.kind}</code> · {mail.locale}
                  </dd>
                </div>
                <div>
                  <dt>{t("outbox.status")}</dt>
                  <dd>{t(STATUS_LABEL[mail.status])}</dd>
                </div>
              </dl>
              <pre className="outbox-text" lang={mail.locale} style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", fontFamily: "inherit", background: "#f7f6f3", padding: "0.75rem 1rem", borderRadius: 6, margin: 0 }}>
                <LinkedText text={mail.text} />
              </pre>
            </article>
          ))}
        </>
      )}
    </section>
  );
}
