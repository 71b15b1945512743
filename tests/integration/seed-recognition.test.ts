/**
 * The demo data's recognition journey (issue 11: "the demo business donor has at least one [issued and
 * one revoked certificate] so that `npm start` shows this journey at once"): the seed, run on an empty
 * database with the key the app signs with, leaves certificates the app's own pages verify.
 */
import { expect, test } from "vitest";
import { Certificate } from "#models/certificate.server";
import { User } from "#models/user.server";
import { renderPage, textOf } from "#tests/utils/render-page";
import { getRequest, sessionCookieFor } from "#tests/utils/requests";
import * as accountRoute from "~/routes/account";
import * as verifyCodeRoute from "~/routes/verify.$code";
import { env } from "~/utils/env.server";
import { recognitionConfig } from "~/utils/recognition.server";
import { seed, seedRecognitionConfig } from "../../scripts/seed";

test("the seed gives the demo business donor a certificate in force and a revoked one, which the app's pages verify", async () => {
  // The seed reads the key and address as `npm start` hands them to it (the same the server gets).
  const config = await seedRecognitionConfig({ SIGNING_KEY: env().SIGNING_KEY, APP_URL: env().APP_URL });
  expect(config!.keys.current.kid).toBe((await recognitionConfig()).keys.current.kid);

  expect(await seed(config)).toBe(true);
  const demo = (await User.findOne({ email: "tai.tro@vinabook.vn" }).lean())!;
  const account = textOf((await renderPage(accountRoute, "account", getRequest("/account", await sessionCookieFor(String(demo._id))), "vi")).html);
  expect(account).toContain("Giấy chứng nhận của tôi");
  expect(account).toContain("Đang có hiệu lực");
  expect(account).toContain("Lý do: Cấp trùng");

  const certificates = await Certificate.find({ printedName: "Công ty Cổ phần Sách Vina" }).lean();
  const issued = certificates.find((c) => c.status === "issued")!;
  const revoked = certificates.find((c) => c.status === "revoked")!;
  expect(textOf((await renderPage(verifyCodeRoute, "verify/:code", getRequest(`/verify/${issued._id}`), "vi")).html)).toContain("Giấy chứng nhận THẬT và ĐANG CÓ HIỆU LỰC");
  expect(textOf((await renderPage(verifyCodeRoute, "verify/:code", getRequest(`/verify/${revoked._id}`), "en")).html)).toContain("This certificate has been REVOKED");
  // Other demo donors were recognised too (the officer's pages have something to show).
  expect(await Certificate.countDocuments()).toBeGreaterThan(2);
});
