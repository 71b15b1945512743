import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { saveFile } from "#models/file.server";
import { baseUrl } from "./browser";
import { connectE2eDatabase } from "./db";

/**
 * The built app as production serves it (scripts/serve.mjs): the security headers on every kind of
 * response — a page, a 404 page, route data, a static file, a resource route (PDF, CSV), JSON, a
 * refused form, a redirect — and a Content-Security-Policy whose only inline scripts are Remix's own,
 * carrying this response's nonce.
 */
const root = path.resolve(import.meta.dirname, "../..");

function expectSecurityHeaders(response: Response, what: string) {
  const h = (name: string) => [what, name, response.headers.get(name)];
  const csp = response.headers.get("content-security-policy") ?? "";
  expect([what, csp]).toEqual([what, expect.stringMatching(/default-src 'self'/)]);
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self' https://checkout.stripe.com"]) expect([what, csp.includes(directive)]).toEqual([what, true]);
  expect([what, /script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'/.test(csp)]).toEqual([what, true]);
  expect([what, csp.includes("unsafe-inline'") && /script-src[^;]*unsafe-inline/.test(csp)]).toEqual([what, false]);
  // A file response says nosniff itself too (app/routes/files.$id.ts, for servers without helmet): browsers read the first value.
  const nosniff = [...new Set((response.headers.get("x-content-type-options") ?? "").split(/,\s*/))].join(", ");
  expect([what, nosniff]).toEqual([what, "nosniff"]);
  expect(h("x-frame-options")).toEqual([what, "x-frame-options", "DENY"]);
  expect(h("referrer-policy")).toEqual([what, "referrer-policy", "strict-origin-when-cross-origin"]);
  expect(h("cross-origin-opener-policy")).toEqual([what, "cross-origin-opener-policy", "same-origin"]);
  expect(h("permissions-policy")).toEqual([what, "permissions-policy", expect.stringContaining("camera=()")]);
  expect(h("x-powered-by")).toEqual([what, "x-powered-by", null]);
  // HSTS only on an https address (the tests run on http://localhost, where it would be wrong).
  expect(h("strict-transport-security")).toEqual([what, "strict-transport-security", null]);
}

describe("security headers on every response", () => {
  test("pages, 404s, data, files, PDF and CSV routes, JSON, refused forms and redirects all carry them", async () => {
    const asset = fs.readdirSync(path.join(root, "public/build")).find((name) => name.endsWith(".js"))!;
    const responses: Array<[string, Response]> = [
      ["page", await fetch(`${baseUrl()}/`)],
      ["programme list", await fetch(`${baseUrl()}/programmes?q=th%C6%B0+vi%E1%BB%87n`)],
      ["404 page", await fetch(`${baseUrl()}/khong-co-trang-nay`)],
      ["route data", await fetch(`${baseUrl()}/?_data=root`)],
      ["static file", await fetch(`${baseUrl()}/favicon.svg`)],
      ["built script", await fetch(`${baseUrl()}/build/${asset}`)],
      ["PDF route (unknown receipt)", await fetch(`${baseUrl()}/receipts/GS-0000-000000/pdf`)],
      ["CSV route (not signed in)", await fetch(`${baseUrl()}/manage/institutions/000000000000000000000000/export.csv`, { redirect: "manual" })],
      ["JSON", await fetch(`${baseUrl()}/healthz`)],
      ["refused form", await fetch(`${baseUrl()}/login`, { method: "POST", body: '{"email":{"$gt":""}}', headers: { "Content-Type": "application/json" } })],
      ["redirect", await fetch(`${baseUrl()}/account`, { redirect: "manual" })],
    ];
    for (const [what, response] of responses) expectSecurityHeaders(response, `${what} (${response.status})`);
    expect(responses.find(([what]) => what === "404 page")![1].status).toBe(404);
    expect(responses.find(([what]) => what === "refused form")![1].status).toBe(400);
  });

  test("a stored file keeps the site's headers and adds its own policy; one stored as SVG is an attachment (decision 0020)", async () => {
    await connectE2eDatabase();
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const meta = { kind: "cover" as const, institutionId: null, uploadedBy: null };
    const pngId = await saveFile(png, "bia.png", { ...meta, contentType: "image/png", originalName: "bia.png" });
    const svgId = await saveFile(svg, "bia.svg", { ...meta, contentType: "image/svg+xml", originalName: "bia.svg" });
    const image = await fetch(`${baseUrl()}/files/${pngId}`);
    expectSecurityHeaders(image, "file (png)");
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(image.headers.get("content-security-policy")).toContain("default-src 'none'; frame-ancestors 'none'; sandbox");
    const markup = await fetch(`${baseUrl()}/files/${svgId}`);
    expect(markup.status).toBe(200);
    expect(markup.headers.get("content-type")).toBe("application/octet-stream");
    expect(markup.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(markup.headers.get("content-security-policy")).toContain("sandbox");
  });

  test("a page's inline scripts are Remix's, each with the nonce of its own response; a new response, a new nonce", async () => {
    const first = await fetch(`${baseUrl()}/`);
    const second = await fetch(`${baseUrl()}/`);
    const nonceOf = (r: Response) => /'nonce-([^']+)'/.exec(r.headers.get("content-security-policy") ?? "")![1]!;
    expect(nonceOf(first)).not.toBe(nonceOf(second));
    const html = await first.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) {
      if (/\bsrc=/.test(attributes)) continue; // loaded from 'self'
      expect(attributes).toContain(`nonce="${nonceOf(first)}"`);
    }
  });
});
