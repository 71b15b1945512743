/// <reference types="vite/client" />
import { describe, expect, test } from "vitest";
import { createInstance } from "i18next";
import { z } from "zod";
import { parseMessage } from "#services/validation/messages";
import { i18nConfig } from "~/i18n";
import { translateMessage } from "~/utils/messages";

/**
 * Every message a form can show is the app's own, in the reader's language: each schema in
 * services/validation gets the worst input we can think of, and every message it produces must be a
 * translation key that exists in Vietnamese and in English — never zod's own English text.
 */
const modules = import.meta.glob<Record<string, unknown>>("../../services/validation/*.ts", { eager: true });
const schemas = Object.entries(modules).flatMap(([file, exports]) =>
  Object.entries(exports)
    .filter((entry): entry is [string, z.ZodTypeAny] => entry[1] instanceof z.ZodType)
    .map(([name, schema]) => ({ name: `${file.split("/").pop()}:${name}`, schema })),
);

const huge = "x".repeat(20_000);
const nasty = ["", " ", huge, "\u0000", "<script>alert(1)</script>", "-1", "1e309", "NaN", "1.000.000.000.000.000", "0100109107", "2026-02-30", "not-an-email", "🙂".repeat(500)];
const shapesOf = (value: unknown) => [value, [value, value], { nested: value }, 12.5, -3, true, false, null];

/** Inputs: nothing; every known field with each nasty string; every field with wrong types. */
function worstInputs(schema: z.ZodTypeAny): unknown[] {
  const keys = new Set<string>(["donorKind", "kind", "method", "visibility", "consent", "amount", "email", "password", "name", "taxCode", "items", "budgetLines", "inKindNeeds", "startDate", "endDate", "goal", "themes", "reason", "decision"]);
  let inner: z.ZodTypeAny = schema;
  while (inner instanceof z.ZodEffects) inner = inner.innerType();
  if (inner instanceof z.ZodObject) for (const key of Object.keys(inner.shape)) keys.add(key);
  const inputs: unknown[] = [undefined, null, {}, [], "text", 42];
  for (const value of nasty) inputs.push(Object.fromEntries([...keys].map((key) => [key, value])));
  for (const shape of shapesOf("x")) inputs.push(Object.fromEntries([...keys].map((key) => [key, shape])));
  return inputs;
}

const vi = createInstance();
const en = createInstance();
await vi.init({ ...i18nConfig, lng: "vi" });
await en.init({ ...i18nConfig, lng: "en" });

describe("validation messages", () => {
  test("there are schemas to check", () => {
    expect(schemas.map((s) => s.name)).toEqual(expect.arrayContaining(["pledge.ts:pledgeSchema", "offline-gift.ts:offlineGiftSchema", "programme.ts:programmeSchema", "account.ts:registerSchema"]));
  });

  for (const { name, schema } of schemas) {
    test(`${name}: every message for the worst input is a key translated in both languages`, () => {
      const messages = new Set<string>();
      for (const input of worstInputs(schema)) {
        const result = schema.safeParse(input);
        if (!result.success) for (const issue of result.error.issues) messages.add(issue.message);
      }
      for (const message of messages) {
        const { key } = parseMessage(message);
        expect(key, `raw message from ${name}: ${message}`).toMatch(/^[a-z][A-Za-z]*(\.[A-Za-z0-9_]+)+$/);
        expect(vi.exists(key), `${key} (vi)`).toBe(true);
        expect(en.exists(key), `${key} (en)`).toBe(true);
        // A message with values is shown with them filled in, never with a {{placeholder}} left.
        expect(translateMessage(vi.t, vi, message)).not.toMatch(/\{\{|\}\}/);
        expect(translateMessage(en.t, en, message)).not.toMatch(/\{\{|\}\}/);
      }
    });
  }

  test("an unchecked checkbox (false in the browser, missing on the server) is 'not ticked', not an error", async () => {
    const { pledgeSchema } = await import("#services/validation/pledge");
    const business = { donorKind: "organisation", legalName: "Công ty Sách Vina", taxCode: "0100109106", email: "csr@sachvina.vn", kind: "cash_once", amount: "1.000.000", visibility: "name_and_amount" };
    expect(pledgeSchema.safeParse({ ...business, consent: false }).success).toBe(true);
    expect(pledgeSchema.safeParse(business).success).toBe(true);
    const anonymous = { donorKind: "individual", fullName: "Lê Thị Hoa", email: "hoa@example.vn", kind: "cash_once", amount: "500.000", visibility: "anonymous", consent: false };
    expect(pledgeSchema.safeParse(anonymous).success).toBe(true);
    const named = pledgeSchema.safeParse({ ...anonymous, visibility: "name_only" });
    expect(named.success ? [] : named.error.issues.map((i) => i.message)).toEqual(["pledge.validation.consentRequired"]);
  });

  test("the pledge form reports every mistake at once: a bad email, the missing tax code and a missing consent together", async () => {
    const { pledgeSchema } = await import("#services/validation/pledge");
    const messages = (input: Record<string, unknown>) => {
      const result = pledgeSchema.safeParse(input);
      // The first message of each field is the one shown beside it.
      return result.success ? {} : Object.fromEntries(result.error.issues.reverse().map((i) => [i.path.join("."), i.message]));
    };
    expect(messages({ donorKind: "organisation", legalName: "Công ty Sách Vina", taxCode: "", email: "khong-phai-email", kind: "cash_once", amount: "", visibility: "name_only" })).toEqual({ email: "validation.email", taxCode: "validation.required", amount: "validation.required" });
    expect(messages({ donorKind: "individual", fullName: "", email: "x@", kind: "cash_instalments", amount: "1.000,5", instalmentCount: "", frequency: "monthly", visibility: "name_and_amount", consent: false })).toEqual({ email: "validation.email", amount: "validation.amountWholeDong", fullName: "validation.required", instalmentCount: "validation.required", consent: "pledge.validation.consentRequired" });
  });

  test("text that is not a known key is shown as the generic message, in the reader's language", () => {
    expect(translateMessage(vi.t, vi, 'Invalid literal value, expected "yes"')).toBe("Giá trị không hợp lệ.");
    expect(translateMessage(en.t, en, "Required")).toBe("This value is not valid.");
    expect(translateMessage(vi.t, vi, 'validation.amountAboveLimit|{"maxVnd":100000000000}')).toContain("100.000.000.000\u00a0₫");
    expect(translateMessage(en.t, en, 'validation.amountAboveLimit|{"maxVnd":100000000000}')).toContain("₫100,000,000,000");
    expect(translateMessage(vi.t, vi, 'limits.tryAgainMinutes|{"minutes":15}')).toMatch(/thử lại sau 15 phút/);
  });

  test("harmless angle brackets are ordinary text ('Sách <5 tuổi>')", async () => {
    const { plainText } = await import("#services/validation/fields");
    expect(plainText(200).safeParse("Sách <5 tuổi>").success).toBe(true);
  });
});
