import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useChangeLanguage } from "remix-i18next/react";
import { AuthenticityTokenProvider } from "remix-utils/csrf/react";
import { GeneralErrorBoundary } from "./components/error-boundary";
import { SiteFooter, SiteHeader } from "./components/layout";
import { ToastMessage } from "./components/toast";
import stylesUrl from "./styles/app.css";
import { getUser } from "./utils/auth.server";
import { commitCsrfToken } from "./utils/csrf.server";
import { publicEnv } from "./utils/env.server";
import { getLanguage } from "./utils/i18n.server";
import { getToast } from "./utils/session.server";
import { useNonce } from "./utils/nonce";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesUrl },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Góp Sức" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const [user, locale, { toast, setCookie: toastSetCookie }, [csrfToken, csrfCookie]] = await Promise.all([
    getUser(request),
    getLanguage(request),
    getToast(request),
    commitCsrfToken(request),
  ]);
  const headers = new Headers();
  if (toastSetCookie) headers.append("Set-Cookie", toastSetCookie);
  if (csrfCookie) headers.append("Set-Cookie", csrfCookie);
  const url = new URL(request.url);
  return json({ user, locale, toast, csrfToken, ENV: publicEnv(), path: `${url.pathname}${url.search}` }, { headers });
}

export type RootLoader = typeof loader;

/** The signed-in user from the root loader, for any component. */
export function useOptionalUser() {
  return useRouteLoaderData<RootLoader>("root")?.user ?? null;
}

export function Document({ children, lang }: { children: React.ReactNode; lang: string }) {
  const nonce = useNonce();
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  const { locale, toast, csrfToken, ENV } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  useChangeLanguage(locale);
  return (
    <Document lang={locale}>
      <AuthenticityTokenProvider token={csrfToken}>
        <a className="skip-link" href="#main">
          {t("app.skipToContent")}
        </a>
        {ENV.DEMO_MODE ? <div className="demo-banner">{t("app.demoBanner")}</div> : null}
        <SiteHeader />
        {toast ? <ToastMessage toast={toast} /> : null}
        <main id="main" className="container" tabIndex={-1}>
          <Outlet />
        </main>
        <SiteFooter />
      </AuthenticityTokenProvider>
    </Document>
  );
}

export function ErrorBoundary() {
  const data = useRouteLoaderData<RootLoader>("root");
  return (
    <Document lang={data?.locale ?? "vi"}>
      <main id="main" className="container">
        <GeneralErrorBoundary />
      </main>
    </Document>
  );
}
