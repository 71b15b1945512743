import { PassThrough } from "node:stream";
import type { AppLoadContext, EntryContext, HandleErrorFunction } from "@remix-run/node";
import { createReadableStreamFromReadable } from "@remix-run/node";
import { isRouteErrorResponse, RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { I18nextProvider } from "react-i18next";
import { connectDb } from "./utils/db.server";
import { env } from "./utils/env.server";
import { getLanguage, i18nInstance } from "./utils/i18n.server";
import { NonceContext } from "./utils/nonce";
import { startDemoStripe } from "./utils/stripe.server";

// Configuration is checked once, when the server loads: a missing or bad value stops start-up here
// with a message naming it. Then the one database connection is opened.
env();
connectDb().catch((error: Error) => console.error(`Database connection failed: ${error.message}`));
void startDemoStripe();

const ABORT_DELAY = 5_000;

export const handleError: HandleErrorFunction = (error, { request }) => {
  if (request.signal.aborted) return;
  // Expected outcomes (thrown Responses, unknown URLs) are not errors worth logging.
  if (error instanceof Response || isRouteErrorResponse(error)) return;
  console.error(error);
};

export default async function handleRequest(request: Request, responseStatusCode: number, responseHeaders: Headers, remixContext: EntryContext, loadContext: AppLoadContext) {
  const instance = await i18nInstance(await getLanguage(request));
  // This response's CSP nonce (scripts/serve.mjs); none when another server runs the build (tests, remix dev).
  const nonce = typeof loadContext?.cspNonce === "string" ? loadContext.cspNonce : "";
  const callbackName = isbot(request.headers.get("user-agent")) ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    let shellRendered = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <I18nextProvider i18n={instance}>
          <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY} />
        </I18nextProvider>
      </NonceContext.Provider>,
      {
        nonce: nonce || undefined,
        [callbackName]: () => {
          shellRendered = true;
          const body = new PassThrough();
          // The security headers are scripts/serve.mjs's, on every response (not only pages).
          responseHeaders.set("Content-Type", "text/html; charset=utf-8");
          resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError: reject,
        onError(error: unknown) {
          responseStatusCode = 500;
          if (shellRendered) console.error(error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY);
  });
}
