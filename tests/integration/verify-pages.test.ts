/**
 * The public side of certificates (issue 11 "Verifying and revoking", "Stable public addresses"): the
 * verification pages as a reader sees them (vi and en), the credential and the keys as a verifier
 * downloads them, the PDF for its donor only, and the donor's own list on /account. Certificates are
 * issued and revoked through the services, signed with the app's own configuration.
 */
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, test } from "vitest";
import { Certificate } from "#models/certificate.server";
import { Donor } from "#models/donor.server";
import { Nomination } from "#models/nomination.server";
import type { SessionUser } from "#models/user.server";
import { vietnamDateInput } from "#services/calendar";
import { verifyCredentialJwt } from "#services/certificates/credential";
import type { Jwks } from "#services/certificates/keys";
import { recordDonation } from "#services/money/donations";
import { issueCertificate, revokeCertificate } from "#services/recognition/certificates";
import { createRule, nominate, review } from "#services/recognition/nominations";
import { createInstitution, createOpenProgramme } from "#tests/fixtures/domain";
import { renderPage, textOf } from "#tests/utils/render-page";
import { createTestUser, getRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";
import { loader as didLoader } from "~/routes/[.well-known].did[.]json";
import { loader as jwksLoader } from "~/routes/[.well-known].jwks[.]json";
import * as accountRoute from "~/routes/account";
import { loader as issuerLoader } from "~/routes/certificates.issuer";
import { loader as typeLoader } from "~/routes/certificates.types.$ruleId";
import { loader as statusLoader } from "~/routes/status.$list";
import * as verifyCodeRoute from "~/routes/verify.$code";
import { loader as credentialLoader } from "~/routes/verify.$code.credential";
import { loader as pdfLoader } from "~/routes/verify.$code.pdf";
import * as verifyFormRoute from "~/routes/verify._index";
import { recognitionConfig } from "~/utils/recognition.server";

const YEAR = Number(vietnamDateInput(new Date()).slice(0, 4));
const REVOKE_REASON = "Cấp nhầm đơn vị nhận giấy chứng nhận";

let ministry: SessionUser;
let donorA: SessionUser;
let donorB: SessionUser;
let cookieA: string;
let cookieB: string;
/** Donor A's certificate in force, donor A's revoked one, donor B's. */
const codes = { genuine: "", revoked: "", other: "", anonymous: "" };
const serials = { genuine: "", revoked: "", other: "" };
let ruleId = "";

const args = (path: string, params: Record<string, string> = {}, cookie?: string) => ({ request: getRequest(path, cookie), params, context: {} });
const page = (code: string, lng: "vi" | "en", cookie?: string) => renderPage(verifyCodeRoute, "verify/:code", getRequest(`/verify/${code}`, cookie), lng);

beforeAll(async () => {
  const config = await recognitionConfig();
  const institution = await createInstitution({ provinceSlug: "ha-noi" });
  const programme = await createOpenProgramme(institution, { title: "Tủ sách kiểm tra giấy chứng nhận" });
  ministry = await createTestUser({ role: "ministry_officer", name: "Cán bộ Bộ Kiểm Thử" });
  const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
  donorA = await createTestUser({ role: "donor", name: "Người đại diện Sách Kiểm Thử" });
  donorB = await createTestUser({ role: "donor", name: "Người đại diện Bí Mật Bình" });
  cookieA = await sessionCookieFor(donorA.id);
  cookieB = await sessionCookieFor(donorB.id);
  const orgA = await Donor.create({ kind: "organisation", legalName: "Công ty Cổ phần Sách Kiểm Thử", taxCode: "1000000509", address: "1 Tràng Tiền, Hà Nội", userId: donorA.id });
  const orgB = await Donor.create({ kind: "organisation", legalName: "Công ty TNHH Bí Mật Bình", taxCode: "1000000516", address: "2 Hàng Bài, Hà Nội", userId: donorB.id });
  // A person who never chose to be named publicly.
  const person = await Donor.create({ kind: "individual", fullName: "Trần Văn Kín Tiếng", email: "kin.tieng@example.vn" });
  for (const [i, donor] of [orgA, orgB, person].entries()) {
    await recordDonation({ idempotencyKey: `verify-pages:${i}`, programmeId: programme._id, institutionId: institution._id, donorId: String(donor._id), method: "cash", amount: 30_000_000, receivedAt: new Date(Date.now() - 60 * 60 * 1000) });
  }
  const rules: Awaited<ReturnType<typeof createRule>>[] = [];
  for (const [ruleSet, type] of [["Bộ kiểm tra trang 1", "certificate"], ["Bộ kiểm tra trang 2", "thanks"]] as const) {
    rules.push(
      await createRule(ministry, {
        ruleSet,
        type,
        nameVi: `Hạng ${ruleSet}`,
        nameEn: `Tier ${ruleSet}`,
        donorKinds: ["organisation", "individual"],
        minTotal: "10.000.000",
        year: String(YEAR),
        countInKind: "on",
        scope: "national",
        citationVi: "Đã đóng góp {tổng} cho học tập suốt đời năm {năm}.",
        citationEn: "For contributing {total} to lifelong learning in {year}.",
      }),
    );
  }
  ruleId = String(rules[0]!._id);
  const issue = async (rule: (typeof rules)[number], donorId: unknown) => {
    await nominate(manager, { ruleId: String(rule._id), donorIds: [String(donorId)], justification: "Nhà tài trợ thường xuyên của thư viện." });
    const nomination = (await Nomination.findOne({ ruleId: rule._id, donorId }).lean())!;
    await review(ministry, { nominationIds: [nomination._id], decision: "approve" });
    const outcome = await issueCertificate(ministry, { nominationIds: [nomination._id], signerName: "Nguyễn Văn Hùng", signerTitle: "Bộ trưởng", place: "Hà Nội" }, config);
    expect(outcome.result).toBe("issued");
    return { code: outcome.code!, serial: outcome.serial! };
  };
  ({ code: codes.genuine, serial: serials.genuine } = await issue(rules[0]!, orgA._id));
  ({ code: codes.revoked, serial: serials.revoked } = await issue(rules[1]!, orgA._id));
  ({ code: codes.other, serial: serials.other } = await issue(rules[0]!, orgB._id));
  ({ code: codes.anonymous } = await issue(rules[0]!, person._id));
  await revokeCertificate(ministry, { code: codes.revoked, reason: REVOKE_REASON });
});

describe("/verify/<code>", () => {
  test("a genuine certificate says genuine and in force, what it was given for, and how it was checked (Vietnamese and English)", async () => {
    const { keys } = await recognitionConfig();
    const vi = await page(codes.genuine, "vi");
    expect(vi.status).toBe(200);
    const text = textOf(vi.html);
    expect(text).toContain("Giấy chứng nhận THẬT và ĐANG CÓ HIỆU LỰC");
    expect(text).not.toContain("THU HỒI");
    for (const expected of ["Công ty Cổ phần Sách Kiểm Thử", serials.genuine, "Đã đóng góp 30.000.000 ₫ cho học tập suốt đời", "Nguyễn Văn Hùng", "Hà Nội, ngày", "Bộ Văn hóa, Thể thao và Du lịch"]) expect(text).toContain(expected);
    // It says it checked the signature against the published key (named) and the revocation list.
    expect(text).toContain("không chỉ dựa vào cơ sở dữ liệu");
    expect(text).toContain(keys.current.kid);
    expect(text).toContain("http://localhost:3000/.well-known/jwks.json");
    expect(text).toContain("http://localhost:3000/status/1");
    expect(vi.html).toContain(`href="/verify/${codes.genuine}/credential?format=json"`);
    expect(vi.html).toContain('href="/.well-known/jwks.json"');

    const en = textOf((await page(codes.genuine, "en")).html);
    expect(en).toContain("GENUINE and IN FORCE");
    expect(en).toContain("For contributing ₫30,000,000 to lifelong learning");
    expect(en).toContain("Certificate of recognition");
    expect(en).toContain("not just our database");
  });

  test("a revoked certificate says revoked, when and why", async () => {
    const revokedAt = (await Certificate.findById(codes.revoked).lean())!.revokedAt!;
    const vi = textOf((await page(codes.revoked, "vi")).html);
    expect(vi).toContain("Giấy chứng nhận ĐÃ BỊ THU HỒI");
    expect(vi).toContain(`Lý do: ${REVOKE_REASON}`);
    expect(vi).toContain(`Thu hồi ngày ${vietnamDateInput(revokedAt).split("-").reverse().join("/")}`);
    expect(vi).not.toContain("ĐANG CÓ HIỆU LỰC");
    const en = textOf((await page(codes.revoked, "en")).html);
    expect(en).toContain("This certificate has been REVOKED");
    expect(en).toContain(`Reason: ${REVOKE_REASON}`);
    expect(en).not.toContain("IN FORCE");
  });

  test("a stored credential changed after signing says not genuine, and why; so does a stored record that no longer matches what was signed", async () => {
    const stored = (await Certificate.findById(codes.other).lean())!;
    const [header, payload, signature] = stored.credential.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
    claims.description = claims.description.replace("30.000.000", "300.000.000");
    await Certificate.updateOne({ _id: codes.other }, { $set: { credential: [header, Buffer.from(JSON.stringify(claims)).toString("base64url"), signature].join(".") } });
    try {
      const vi = textOf((await page(codes.other, "vi")).html);
      expect(vi).toContain("KHÔNG PHẢI giấy chứng nhận thật");
      expect(vi).toContain("đã bị sửa đổi sau khi ký");
      expect(vi).toContain("KHÔNG được chữ ký số xác nhận");
      expect(vi).not.toContain("ĐANG CÓ HIỆU LỰC");
      const en = textOf((await page(codes.other, "en")).html);
      expect(en).toContain("NOT GENUINE: the signature check failed");
      expect(en).toContain("changed after it was signed");
    } finally {
      await Certificate.updateOne({ _id: codes.other }, { $set: { credential: stored.credential } });
    }
    // The credential intact, the record changed (a citation edited in the database): not shown as genuine.
    await Certificate.updateOne({ _id: codes.other }, { $set: { "citation.vi": "Đã đóng góp 3.000.000.000 ₫ cho học tập suốt đời." } });
    try {
      const vi = textOf((await page(codes.other, "vi")).html);
      expect(vi).toContain("KHÔNG PHẢI giấy chứng nhận thật");
      expect(vi).toContain("Thông tin lưu trên hệ thống khác với nội dung đã được ký.");
    } finally {
      await Certificate.updateOne({ _id: codes.other }, { $set: { "citation.vi": stored.citation!.vi } });
    }
    expect(textOf((await page(codes.other, "vi")).html)).toContain("ĐANG CÓ HIỆU LỰC");
  });

  test("a recipient who did not consent to be named is an anonymous benefactor, never named", async () => {
    const vi = textOf((await page(codes.anonymous, "vi")).html);
    expect(vi).toContain("Tặng Nhà hảo tâm (người nhận chọn không công khai tên)");
    expect(vi).not.toContain("Kín Tiếng");
    const en = textOf((await page(codes.anonymous, "en")).html);
    expect(en).toContain("Awarded to Anonymous benefactor");
    expect(en).not.toContain("Kín Tiếng");
  });

  test("an unknown code is a 404; a code typed in lower case with dashes goes to its one address", async () => {
    expect((await responseOf(verifyCodeRoute.loader(args(`/verify/${"A".repeat(32)}`, { code: "A".repeat(32) })))).status).toBe(404);
    expect((await responseOf(verifyCodeRoute.loader(args("/verify/abc", { code: "abc" })))).status).toBe(404);
    const typed = codes.genuine.toLowerCase().replace(/(.{4})(?!$)/g, "$1-");
    const response = await responseOf(verifyCodeRoute.loader(args(`/verify/${typed}`, { code: typed })));
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe(`/verify/${codes.genuine}`);
  });

  test("the PDF link is shown to the donor it was given to, not to another donor or a visitor", async () => {
    expect((await page(codes.genuine, "vi", cookieA)).html).toContain(`href="/verify/${codes.genuine}/pdf"`);
    expect((await page(codes.genuine, "vi", cookieB)).html).not.toContain("/pdf");
    expect((await page(codes.genuine, "vi")).html).not.toContain("/pdf");
  });
});

describe("/verify (the form)", () => {
  test("a code typed with spaces, dashes and lower case goes to its page; a wrong shape is told what is wrong, in the reader's language", async () => {
    const typed = ` ${codes.genuine.slice(0, 16).toLowerCase()} - ${codes.genuine.slice(16)} `;
    const going = await responseOf(verifyFormRoute.loader(args(`/verify?code=${encodeURIComponent(typed)}`)));
    expect(going.status).toBe(302);
    expect(going.headers.get("Location")).toBe(`/verify/${codes.genuine}`);

    const short = await renderPage(verifyFormRoute, "verify", getRequest("/verify?code=ABCD-EFGH"), "vi");
    expect(short.status).toBe(400);
    expect(textOf(short.html)).toContain("Mã kiểm tra có đúng 32 chữ cái và chữ số; mã vừa nhập có 8 ký tự.");
    const shortEn = await renderPage(verifyFormRoute, "verify", getRequest("/verify?code=ABCD-EFGH"), "en");
    expect(textOf(shortEn.html)).toContain("A verification code has exactly 32 letters and digits; the one typed has 8.");
    const letters = await renderPage(verifyFormRoute, "verify", getRequest(`/verify?code=${"O".repeat(32)}`), "vi");
    expect(letters.status).toBe(400);
    expect(textOf(letters.html)).toContain("không có I, O");
    const empty = await renderPage(verifyFormRoute, "verify", getRequest("/verify"), "vi");
    expect(empty.status).toBe(200);
    expect(textOf(empty.html)).toContain("node scripts/verify-credential.mjs credential.jwt jwks.json status.jwt");
  });
});

describe("machine-readable addresses", () => {
  test("the credential is the JWT as application/vc+jwt, or enveloped as JSON named after its serial; both readable from any origin", async () => {
    const stored = (await Certificate.findById(codes.genuine).lean())!.credential;
    const jwt = await credentialLoader(args(`/verify/${codes.genuine}/credential`, { code: codes.genuine }));
    expect(jwt.status).toBe(200);
    expect(jwt.headers.get("Content-Type")).toBe("application/vc+jwt");
    expect(jwt.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await jwt.text()).toBe(stored);

    const expectedName = `chung-nhan-${serials.genuine.replace(/\//g, "-")}.json`;
    for (const request of [getRequest(`/verify/${codes.genuine}/credential?format=json`), new Request(`http://localhost:3000/verify/${codes.genuine}/credential`, { headers: { Accept: "application/json" } })]) {
      const json = await credentialLoader({ request, params: { code: codes.genuine }, context: {} });
      expect(json.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(json.headers.get("Content-Disposition")).toBe(`attachment; filename="${expectedName}"`);
      expect(json.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(await json.json()).toEqual({ "@context": "https://www.w3.org/ns/credentials/v2", id: `data:application/vc+jwt,${stored}`, type: "EnvelopedVerifiableCredential" });
    }
    expect((await credentialLoader(args(`/verify/${"B".repeat(32)}/credential`, { code: "B".repeat(32) }))).status).toBe(404);
  });

  test("did.json, jwks.json, the status list and the issuer profile answer with the key that verifies the credential, and the list that says which is revoked", async () => {
    const { keys } = await recognitionConfig();
    const jwksResponse = await jwksLoader();
    expect(jwksResponse.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(jwksResponse.headers.get("Cache-Control")).toBe("public, max-age=3600");
    const jwks = (await jwksResponse.json()) as Jwks;
    expect(jwks.keys.map((k) => k.kid)).toContain(keys.current.kid);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);

    const did = await (await didLoader()).json();
    expect(did.id).toBe("did:web:localhost%3A3000");
    expect(did.verificationMethod.map((m: { id: string }) => m.id)).toEqual(jwks.keys.map((k) => k.kid));
    expect(did.assertionMethod).toContain(keys.current.kid);

    // Only what the public addresses give: the credential verifies with the published key.
    const credential = await (await credentialLoader(args(`/verify/${codes.genuine}/credential`, { code: codes.genuine }))).text();
    expect(decodeProtectedHeader(credential).kid).toBe(keys.current.kid);
    const { payload } = await compactVerify(credential, createLocalJWKSet(jwks));
    expect(JSON.parse(new TextDecoder().decode(payload)).credentialStatus.statusListCredential).toBe("http://localhost:3000/status/1");

    const list = await statusLoader(args("/status/1", { list: "1" }));
    expect(list.headers.get("Content-Type")).toBe("application/vc+jwt");
    expect(list.headers.get("Cache-Control")).toBe("public, max-age=60");
    expect(list.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const listJwt = await list.text();
    expect(await verifyCredentialJwt(credential, jwks, listJwt)).toMatchObject({ valid: true, revoked: false });
    const revoked = await (await credentialLoader(args(`/verify/${codes.revoked}/credential`, { code: codes.revoked }))).text();
    expect(await verifyCredentialJwt(revoked, jwks, listJwt)).toMatchObject({ valid: false, revoked: true });
    expect((await statusLoader(args("/status/2", { list: "2" }))).status).toBe(404);

    const issuer = await (await issuerLoader()).json();
    expect(issuer).toMatchObject({ id: "did:web:localhost%3A3000", type: ["Profile"], name: "Bộ Văn hóa, Thể thao và Du lịch", url: "http://localhost:3000/certificates/issuer" });

    const achievement = await typeLoader(args(`/certificates/types/${ruleId}`, { ruleId }));
    expect(achievement.status).toBe(200);
    expect(await achievement.json()).toMatchObject({ id: `http://localhost:3000/certificates/types/${ruleId}`, type: ["Achievement"], achievementType: "Certificate", name: "Hạng Bộ kiểm tra trang 1" });
    expect(JSON.parse(new TextDecoder().decode(payload)).credentialSubject.achievement.id).toBe(`http://localhost:3000/certificates/types/${ruleId}`);
    expect((await typeLoader(args("/certificates/types/650000000000000000000000", { ruleId: "650000000000000000000000" }))).status).toBe(404);
    expect((await typeLoader(args("/certificates/types/x", { ruleId: "x" }))).status).toBe(404);
  });
});

describe("the PDF", () => {
  test("its donor downloads it; another donor is refused; a visitor is asked to log in", async () => {
    const path = `/verify/${codes.genuine}/pdf`;
    const anonymous = await responseOf(pdfLoader(args(path, { code: codes.genuine })));
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("Location")).toMatch(/^\/login\?redirectTo=/);
    expect((await responseOf(pdfLoader(args(path, { code: codes.genuine }, cookieB)))).status).toBe(403);
    const own = await responseOf(pdfLoader(args(path, { code: codes.genuine }, cookieA)));
    expect(own.status).toBe(200);
    expect(own.headers.get("Content-Type")).toBe("application/pdf");
    expect(own.headers.get("Content-Disposition")).toBe(`attachment; filename="chung-nhan-${serials.genuine.replace(/\//g, "-")}.pdf"`);
    expect(Buffer.from(await own.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
  });
});

describe("/account", () => {
  test("a donor sees their own certificates (the revoked one with its reason), never another donor's", async () => {
    const a = textOf((await renderPage(accountRoute, "account", getRequest("/account", cookieA), "vi")).html);
    expect(a).toContain("Giấy chứng nhận của tôi");
    expect(a).toContain(serials.genuine);
    expect(a).toContain(serials.revoked);
    expect(a).toContain(`Lý do: ${REVOKE_REASON}`);
    expect(a).not.toContain(serials.other);
    const aHtml = (await renderPage(accountRoute, "account", getRequest("/account", cookieA), "en")).html;
    expect(textOf(aHtml)).toContain("My certificates");
    expect(aHtml).toContain(`href="/verify/${codes.genuine}"`);
    expect(aHtml).toContain(`href="/verify/${codes.genuine}/pdf"`);
    expect(aHtml).toContain(`href="/verify/${codes.genuine}/credential?format=json"`);
    expect(aHtml).not.toContain(codes.other);

    const b = (await renderPage(accountRoute, "account", getRequest("/account", cookieB), "vi")).html;
    expect(b).toContain(serials.other);
    expect(b).not.toContain(codes.genuine);
    expect(b).not.toContain(codes.revoked);
  });
});
