import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthenticityTokenInput } from "remix-utils/csrf/react";
import { formatMoney, type CardCurrency } from "#services/currencies";
import { useLocale } from "~/components/catalogue-helpers";
import { checkoutSessionObject, decodeDemoSession, demoPaymentIntentId, settleDemoPayment, stripeEvent } from "~/demo/stripe.server";
import { requireUser } from "~/utils/auth.server";
import { validateCsrf } from "~/utils/csrf.server";
import { getPledgeForViewer } from "~/utils/domain.server";
import { env } from "~/utils/env.server";
import { ServiceError } from "~/utils/service-errors.server";
import { DEMO_STRIPE, isAllowedReturnUrl, signWebhookPayload, stripeConfig } from "~/utils/stripe.server";
import { readFormData } from "~/utils/forms.server";

export const meta: MetaFunction = () => [{ title: "DEMO Stripe Checkout — Góp Sức" }];

const notFound = () => new Response("errors.notFound", { status: 404 });

/**
 * The labelled demo stand-in for Stripe's hosted Checkout page (DEMO_MODE only, never with real keys).
 * "Pay" sends our own webhook endpoint a checkout.session.completed event signed exactly as Stripe
 * signs it, so the money path is the real one from the webhook on. The page is the pledge owner's
 * alone (signed in; anyone else gets 404, as for an unknown session), its form carries the CSRF token,
 * and its session was created by this server (sealed: app/demo/stripe.server.ts) — the amount and the
 * return address are the server's, never the request's.
 */
async function demoSession(request: Request, id: string | undefined) {
  const config = stripeConfig();
  if (!config.demo || config.secretKey) throw notFound();
  const session = id ? decodeDemoSession(id) : null;
  if (!session || !isAllowedReturnUrl(session.successUrl) || !isAllowedReturnUrl(session.cancelUrl)) throw notFound();
  const user = await requireUser(request);
  try {
    await getPledgeForViewer(user, session.metadata.pledgeReference ?? "", () => false);
  } catch (error) {
    if (error instanceof ServiceError) throw notFound(); // not theirs, or no such pledge
    throw error;
  }
  return session;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const session = await demoSession(request, params.id);
  return json({ amount: session.amount, currency: session.currency as CardCurrency, reference: session.reference, cancelUrl: session.cancelUrl });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const session = await demoSession(request, params.id);
  const formData = await readFormData(request);
  await validateCsrf(formData, request.headers);
  if (formData.get("outcome") !== "pay") return redirect(session.cancelUrl);
  // One payment per checkout session, as at Stripe (never shared by the instalments of one pledge).
  const paymentIntent = demoPaymentIntentId(params.id!);
  settleDemoPayment(session, paymentIntent); // a payment in another currency: what the demo's Stripe settles it at
  const payload = JSON.stringify(stripeEvent("checkout.session.completed", checkoutSessionObject(session, { id: params.id!, paymentIntent })));
  const response = await fetch(`${env().APP_URL}/webhooks/stripe`, {
    method: "POST",
    body: payload,
    headers: { "Content-Type": "application/json", "Stripe-Signature": signWebhookPayload(DEMO_STRIPE.webhookSecret, payload) },
  });
  if (!response.ok) throw new Response(`demo webhook failed: ${response.status}`, { status: 502 });
  return redirect(session.successUrl);
}

export default function DemoCheckout() {
  const { t } = useTranslation();
  const { amount, currency, reference } = useLoaderData<typeof loader>();
  const charged = formatMoney(amount, currency, useLocale());
  return (
    <section className="card narrow stack demo-checkout">
      <p className="demo-label">{t("pledge.demoCheckoutLabel")}</p>
      <h1>{t("pledge.demoCheckoutTitle")}</h1>
      <p>
        {reference} · <strong data-testid="demo-charge">{charged}</strong>
      </p>
      <p className="muted">{t("pledge.demoCheckoutHint")}</p>
      <Form method="post" className="inline-form">
        <AuthenticityTokenInput />
        <button type="submit" name="outcome" value="pay" className="button">
          {t("pledge.demoPay", { amount: charged })}
        </button>
        <button type="submit" name="outcome" value="cancel" className="button button-secondary">
          {t("pledge.demoCancel")}
        </button>
      </Form>
    </section>
  );
}
