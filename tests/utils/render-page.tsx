import type { LoaderFunctionArgs } from "@remix-run/node";
import { renderToString } from "react-dom/server";
import { I18nextProvider } from "react-i18next";
import type { ComponentType } from "react";
import { AuthenticityTokenProvider } from "remix-utils/csrf/react";
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from "react-router-dom/server";
import type { Language } from "~/i18n";
import { i18nInstance } from "~/utils/i18n.server";

type PageModule = { loader: (args: LoaderFunctionArgs) => Promise<unknown>; default: ComponentType };

/**
 * Renders a route's page as the server would (its real loader, its component, the app's translations
 * in `lng`) for tests that check what a reader sees, not only the loader's data. `pattern` is the
 * route's path ("verify/:code"). Returns the status and the HTML; a Response the loader threw or
 * returned instead of data (a redirect) is given back as is.
 */
export async function renderPage(module: PageModule, pattern: string, request: Request, lng: Language): Promise<{ status: number; html: string; response?: Response }> {
  const routes = [
    {
      id: "root",
      path: "/",
      loader: () => ({ locale: lng }),
      children: [{ id: "page", path: pattern, loader: (args: { request: Request; params: Record<string, string | undefined> }) => module.loader({ ...args, context: {} }), Component: module.default }],
    },
  ];
  const handler = createStaticHandler(routes);
  const context = await handler.query(request);
  if (context instanceof Response) return { status: context.status, html: "", response: context };
  const router = createStaticRouter(handler.dataRoutes, context);
  const i18n = await i18nInstance(lng);
  const html = renderToString(
    <I18nextProvider i18n={i18n}>
      <AuthenticityTokenProvider token="test-page-token">
        <StaticRouterProvider router={router} context={context} hydrate={false} />
      </AuthenticityTokenProvider>
    </I18nextProvider>,
  );
  return { status: context.statusCode, html };
}

/** The text a reader sees (tags dropped, entities of the renderer decoded, spaces collapsed). */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}
