import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { baseUrl, launchBrowser, screenshot } from "./browser";

/**
 * The open data package (issue 12): reached from the ledger page in Vietnamese with JavaScript; then in
 * English without JavaScript, datapackage.json and a CSV it describes are downloaded and agree.
 */
describe("open data", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("Vietnamese, JavaScript on: from the ledger page to the data package", async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl()}/transparency/ledger`);
    await page.getByRole("link", { name: "Dữ liệu mở" }).click();
    await page.waitForURL(`${baseUrl()}/transparency/data`);
    await page.getByRole("heading", { level: 1, name: "Dữ liệu mở" }).waitFor();
    await page.getByRole("heading", { name: "programmes.csv" }).waitFor();
    expect(await page.getByTestId("download-expenditures").getAttribute("href")).toBe("/transparency/data/expenditures.csv");
    await screenshot(page, "open-data-e2e-vi");
  });

  test("English, JavaScript off: datapackage.json describes the CSV it points at", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false, locale: "en-GB" })).newPage();
    await page.goto(`${baseUrl()}/transparency/data`);
    await page.getByTestId("language-switch").click();
    await page.getByRole("heading", { level: 1, name: "Open data" }).waitFor();
    const described = await page.request.get(`${baseUrl()}/transparency/data/datapackage.json`);
    expect(described.status()).toBe(200);
    const pkg = (await described.json()) as { resources: Array<{ name: string; schema: { fields: Array<{ name: string }> } }> };
    const programmes = pkg.resources.find((r) => r.name === "programmes")!;
    const csv = await page.request.get(`${baseUrl()}/transparency/data/programmes.csv`);
    expect(csv.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    const header = (await csv.text()).split("\r\n")[0]!.split(",");
    expect(header).toEqual(programmes.schema.fields.map((f) => f.name));
  });
});
