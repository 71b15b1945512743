#!/usr/bin/env node
// The production server: Express in front of the Remix build (what remix-serve does), plus the security
// headers on every response — pages, data, files, CSV, PDF, errors and static assets (decision 0017).
//   node scripts/serve.mjs [build/index.js]     PORT (default 3000), HOST (default: every interface)
import crypto from "node:crypto";
import path from "node:path";
import url from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import compression from "compression";
import express from "express";
import helmet from "helmet";

const buildPath = path.resolve(process.argv[2] ?? "build/index.js");
const build = await import(url.pathToFileURL(buildPath).href);
installGlobals({ nativeFetch: build.future.v3_singleFetch });

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST || undefined;
const https = (process.env.APP_URL ?? "").startsWith("https://");

/**
 * What the pages load: their own scripts (Remix's inline ones carry this response's nonce), styles
 * (React sets style attributes: 'unsafe-inline' for styles only), images from here or data: URLs (QR
 * codes); forms post here, or are sent on to Stripe Checkout after a POST.
 */
function securityHeaders({ https }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", (_req, res) => `'nonce-${res.locals.cspNonce}'`],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'", "https://checkout.stripe.com"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 365 * 24 * 3600, includeSubDomains: true } : false,
    referrerPolicy: { policy: "strict-origin-when-cross-origin" },
    xFrameOptions: { action: "deny" },
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
  });
}

const app = express();
app.disable("x-powered-by");
// Behind a reverse proxy, TRUST_PROXY says which hops to believe (express's setting: "loopback", a hop
// count, addresses); by default none, so X-Forwarded-For from a client is ignored.
if (process.env.TRUST_PROXY) app.set("trust proxy", /^\d+$/.test(process.env.TRUST_PROXY) ? Number(process.env.TRUST_PROXY) : process.env.TRUST_PROXY);
app.use((req, res, next) => {
  // The one address the app keys its abuse limits and session list by (app/utils/client-ip.server.ts):
  // whatever a client sent under this name is replaced.
  req.headers["x-client-ip"] = req.ip ?? req.socket.remoteAddress ?? "unknown";
  res.locals.cspNonce = crypto.randomBytes(16).toString("base64");
  // Not set by helmet: nothing here needs the camera, the microphone, the location or payment handlers.
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()");
  next();
});
app.use(securityHeaders({ https }));
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));
app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV, getLoadContext: (_req, res) => ({ cspNonce: res.locals.cspNonce }) }));

const server = host ? app.listen(port, host, onListen) : app.listen(port, onListen);
function onListen() {
  console.log(`[serve] http://${host ?? "localhost"}:${port}`);
}

// Stop promptly: no new connections, idle keep-alive ones closed now, the rest given 10 seconds.
let closing = false;
function shutdown(reason) {
  if (closing) return;
  closing = true;
  if (reason) console.error(`[serve] ${reason}: stopping`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, 10_000).unref();
}
for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => shutdown());
// Started by `npm start` (scripts/start.mjs) with an IPC channel: it closes when that supervisor ends in
// any way, kill -9 included, and a server nobody supervises stops rather than run on (decision 0018).
if (process.send) process.once("disconnect", () => shutdown("the supervisor (npm start) is gone"));
