import { describe, expect, test } from "vitest";
import { emailField, vndAmountField } from "#services/validation/fields";
import { isValidEnterpriseTaxCode } from "#services/validation/tax-code";
import { toSearchText, slugify } from "#services/text";

function amount(input: string | number) {
  const result = vndAmountField.safeParse(input);
  return result.success ? result.data : result.error.issues[0]!.message;
}

describe("amounts of đồng typed into forms", () => {
  test("plain and grouped whole numbers are read", () => {
    expect(amount("1000000")).toBe(1_000_000);
    expect(amount("1.000.000")).toBe(1_000_000);
    expect(amount("1,000,000")).toBe(1_000_000);
    expect(amount("50.000.000 ₫")).toBe(50_000_000);
    expect(amount(250_000)).toBe(250_000);
  });
  test("decimals, negatives and nonsense are refused with their own message", () => {
    expect(amount("1000,5")).toBe("validation.amountWholeDong");
    expect(amount("25.000.000,5")).toBe("validation.amountWholeDong");
    expect(amount("1,000.50")).toBe("validation.amountWholeDong");
    expect(amount(1000.5)).toBe("validation.amountWholeDong");
    expect(amount("-5000")).toBe("validation.amountNegative");
    expect(amount("1.0000")).toBe("validation.amountNotNumber");
    expect(amount("một triệu")).toBe("validation.amountNotNumber");
    expect(amount("")).toBe("validation.required");
    expect(amount("99999999999999999999")).toBe('validation.amountTooLarge|{"maxVnd":1000000000000}');
    expect(amount("1.000.000.000.001")).toBe('validation.amountTooLarge|{"maxVnd":1000000000000}');
    expect(amount("1.000.000.000.000")).toBe(1_000_000_000_000);
  });
});

describe("tax codes (mã số thuế)", () => {
  test("the check digit decides", () => {
    expect(isValidEnterpriseTaxCode("0100109106")).toBe(true);
    expect(isValidEnterpriseTaxCode("0100109107")).toBe(false);
    expect(isValidEnterpriseTaxCode("0100109106-001")).toBe(true);
    expect(isValidEnterpriseTaxCode("010010910")).toBe(false);
    expect(isValidEnterpriseTaxCode("0100109106-01")).toBe(false);
  });
});

describe("email", () => {
  test("is trimmed and lower-cased", () => {
    expect(emailField.parse("  An.Nguyen@Example.VN ")).toBe("an.nguyen@example.vn");
    expect(emailField.safeParse("an@").success).toBe(false);
  });
});

describe("search text", () => {
  test("Vietnamese diacritics and case are ignored", () => {
    expect(toSearchText("Thư viện Số Đà Nẵng")).toBe("thu vien so da nang");
    expect(slugify("Bảo tàng Lịch sử Quốc gia!")).toBe("bao-tang-lich-su-quoc-gia");
  });
});
