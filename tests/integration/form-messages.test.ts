import { describe, expect, test } from "vitest";
import { createInstance } from "i18next";
import { Pledge } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { User } from "#models/user.server";
import { recordOfflineGift } from "#services/offline-gifts";
import { parseMessage } from "#services/validation/messages";
import { offlineGiftSchema } from "#services/validation/offline-gift";
import { i18nConfig } from "~/i18n";
import { action as adminSettings } from "~/routes/admin.settings";
import { action as adminUsers } from "~/routes/admin.users";
import { action as apply } from "~/routes/institutions.apply";
import { action as login } from "~/routes/login";
import { action as reconcile } from "~/routes/manage.institutions.$id.reconcile";
import { action as editProgramme } from "~/routes/manage.programmes.$id";
import { action as correct } from "~/routes/manage.programmes.$id_.gifts.$giftId.correct";
import { action as newGift } from "~/routes/manage.programmes.$id_.gifts.new";
import { action as newProgramme } from "~/routes/manage.programmes.new";
import { action as pledgePage } from "~/routes/pledges.$reference";
import { action as pledgeForm } from "~/routes/programmes.$slug_.pledge";
import { action as register } from "~/routes/register";
import { action as reviewCorrections } from "~/routes/review.corrections";
import { action as reviewInstitutions } from "~/routes/review.institutions";
import { createInstitution } from "#tests/fixtures/domain";
import { createTestUser, multipartRequest, responseOf, sessionCookieFor } from "#tests/utils/requests";

/**
 * Every form, sent the worst input we could think of, answers with its own messages: each one a
 * translation key that exists in Vietnamese and in English (so no raw library text can reach a page,
 * in either language), and nothing is written.
 */
const FIELDS = [
  "title", "summary", "description", "themes", "campaignDays", "startDate", "endDate", "goal", "budgetLines.0.code", "budgetLines.0.label", "budgetLines.0.amount",
  "inKindNeeds.0.item", "inKindNeeds.0.unit", "inKindNeeds.0.quantity", "inKindNeeds.0.unitValue", "name", "email", "password", "donorKind", "legalName", "taxCode",
  "representative", "fullName", "address", "provinceSlug", "phone", "kind", "amount", "instalmentCount", "frequency", "item", "quantity", "unitValue", "hours",
  "ratePerHour", "visibility", "consent", "method", "receivedAt", "voucher", "donorType", "pledgeReference", "valuationBasis", "items.0.item", "items.0.quantity",
  "items.0.unitValue", "clientToken", "reason", "decision", "institutionId", "userId", "maxAmount", "correctionApprovalThreshold", "requestId", "type", "level",
  "contactEmail", "contactPhone", "bankBin", "accountNumber", "accountName", "website", "formerDistrictName", "message", "role", "layout", "statement", "dateColumn",
  "creditColumn", "descriptionColumn", "csvText", "fileName", "lineId", "confirmOverpayment", "redirectTo", "search",
];
const WORST = ["", " ", "x".repeat(6000), "-1", "abc", "1.000.000.000.000.000", "2026-02-30", "<script>alert(1)</script>", "\u0000\u0007", "0100109107", "[object Object]"];

const vi = createInstance();
const en = createInstance();
await vi.init({ ...i18nConfig, lng: "vi" });
await en.init({ ...i18nConfig, lng: "en" });

type Action = (args: { request: Request; params: Record<string, string>; context: object }) => Promise<unknown>;

/** Every message a JSON reply carries for the page to show: each field error and the form's own. */
function messagesOf(body: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") Object.values(node).forEach(walk);
    else if (typeof node === "string") found.push(node);
  };
  const root = body as { errors?: unknown; formError?: unknown };
  walk(root.errors);
  if (typeof root.formError === "string") found.push(root.formError);
  return found;
}

describe("every form's worst input", () => {
  test("gets messages that exist in Vietnamese and English, and writes nothing", async () => {
    const institution = await createInstitution({ name: "Thư viện Mọi Biểu Mẫu" });
    const manager = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    await User.updateOne({ _id: manager.id }, { $set: { institutionIds: [institution._id] } });
    const officer = await createTestUser({ role: "province_officer", provinceSlug: "ha-noi" });
    const admin = await createTestUser({ role: "admin" });
    const donor = await createTestUser();
    const slug = `moi-bieu-mau-${String(institution._id).slice(-6)}`;
    const programme = await Programme.create({ institutionId: institution._id, slug, title: "Mọi biểu mẫu", startDate: new Date("2026-01-01"), endDate: new Date("2028-12-31"), goal: 100_000_000, state: "open", provinceSlug: "ha-noi", institutionType: "library", institutionName: institution.name, institutionSlug: institution.slug, institutionApproved: true });
    const pledge = await Pledge.create({ programmeId: programme._id, institutionId: institution._id, donorId: (await import("mongoose")).default.Types.ObjectId.createFromTime(1), pledgedBy: donor.id, kind: "cash_once", amount: 1_000_000 });
    const actor = { id: manager.id, role: "manager" as const, institutionIds: [String(institution._id)], provinceSlug: null, name: manager.name, email: manager.email };
    const gift = await recordOfflineGift(actor as never, String(programme._id), offlineGiftSchema.parse({ clientToken: "every-form-token-000000", method: "cash", amount: "2.000.000", receivedAt: "2026-11-20", donorType: "anonymous" }));

    const cookies = { anonymous: undefined, donor: await sessionCookieFor(donor.id), manager: await sessionCookieFor(manager.id), officer: await sessionCookieFor(officer.id), admin: await sessionCookieFor(admin.id) };
    const forms: Array<[string, Action, keyof typeof cookies, Record<string, string>, string[]]> = [
      ["/register", register as Action, "anonymous", {}, [""]],
      ["/login", login as Action, "anonymous", {}, [""]],
      [`/programmes/${slug}/pledge`, pledgeForm as Action, "donor", { slug }, [""]],
      [`/pledges/${pledge.reference}`, pledgePage as Action, "donor", { reference: pledge.reference }, ["cancel", ""]],
      [`/manage/programmes/new?institution=${institution._id}`, newProgramme as Action, "manager", {}, ["", "draft", "publish"]],
      [`/manage/programmes/${programme._id}`, editProgramme as Action, "manager", { id: String(programme._id) }, ["", "save"]],
      [`/manage/programmes/${programme._id}/gifts/new`, newGift as Action, "manager", { id: String(programme._id) }, [""]],
      [`/manage/programmes/${programme._id}/gifts/${gift.donationId}/correct`, correct as Action, "manager", { id: String(programme._id), giftId: gift.donationId }, [""]],
      [`/manage/institutions/${institution._id}/reconcile`, reconcile as Action, "manager", { id: String(institution._id) }, ["preview", "confirm", "assign", "ignore"]],
      ["/institutions/apply", apply as Action, "donor", {}, ["apply", "join"]],
      ["/review/institutions", reviewInstitutions as Action, "officer", {}, ["", "join"]],
      ["/review/corrections", reviewCorrections as Action, "officer", {}, [""]],
      ["/admin/settings", adminSettings as Action, "admin", {}, [""]],
      ["/admin/users", adminUsers as Action, "admin", {}, [""]],
    ];

    const before = { programmes: await Programme.countDocuments(), pledges: await Pledge.countDocuments() };
    const seen = new Map<string, string>();
    let answered = 0;
    for (const [path, action, who, params, intents] of forms) {
      for (const intent of intents) {
        // Each bad value once per field, and each sent twice (a list where one value is expected).
        for (const value of [...WORST, ...WORST.slice(1, 4).map((v) => [v, v])]) {
          const fields: Record<string, string | string[]> = Object.fromEntries(FIELDS.map((name) => [name, value]));
          if (intent) fields.intent = intent;
          const response = await responseOf(action({ request: await multipartRequest(path, fields, { cookie: cookies[who] }), params, context: {} }));
          expect(response.status, `${path} ${intent} ${JSON.stringify(value).slice(0, 30)}`).toBeLessThan(500);
          if (!response.headers.get("Content-Type")?.includes("json")) continue;
          answered += 1;
          for (const message of messagesOf(await response.json())) seen.set(message, path);
        }
      }
    }
    expect(answered).toBeGreaterThan(50);
    expect(seen.size).toBeGreaterThan(10);
    for (const [message, path] of seen) {
      const { key } = parseMessage(message);
      expect(key, `raw text from ${path}: ${message}`).toMatch(/^[a-z][A-Za-z]*(\.[A-Za-z0-9_]+)+$/);
      expect(vi.exists(key), `${key} (vi) from ${path}`).toBe(true);
      expect(en.exists(key), `${key} (en) from ${path}`).toBe(true);
    }
    expect({ programmes: await Programme.countDocuments(), pledges: await Pledge.countDocuments() }).toEqual(before);
  }, 180_000);
});
