import { describe, expect, test } from "vitest";
import { cardChargeLimits, chargeForVnd, formatMoney, paidInLine } from "#services/currencies";
import { parseRate } from "#services/validation/exchange-rates";
import { dongOfPaidCurrency } from "#services/money/donations";

describe("card currencies (issue 13)", () => {
  test("a charge is the đồng at the rate, rounded up to the minor unit; zero-decimal currencies have none", () => {
    expect(chargeForVnd(1_000_000, "usd", 25_403)).toBe(3937); // US$39.3654… → US$39.37
    expect(chargeForVnd(1_000_000, "jpy", 168.6)).toBe(5932); // ¥5931.2… → ¥5932
    expect(chargeForVnd(1_000_000, "krw", 18.2)).toBe(54_946); // ₩54,945.05… → ₩54,946
    expect(chargeForVnd(2_540_000, "usd", 25_400)).toBe(10_000); // exactly US$100.00, not a cent more
    expect(chargeForVnd(1_000_000, "vnd", 1)).toBe(1_000_000);
  });

  test("Stripe's limits per currency: its listed minimum or the đồng floor, whichever is more; eight digits at most", () => {
    expect(cardChargeLimits("usd", 25_400, 20_000)).toEqual({ min: 79, max: 99_999_999 }); // 20.000 ₫ = US$0.79 > US$0.50
    expect(cardChargeLimits("jpy", 168.6, 20_000)).toEqual({ min: 119, max: 99_999_999 });
    expect(cardChargeLimits("usd", 100_000, 20_000).min).toBe(50); // a rate where the floor is below Stripe's US$0.50
  });

  test("amounts in the reader's way of writing them", () => {
    expect(formatMoney(3937, "usd", "en")).toBe("US$39.37");
    expect(formatMoney(5932, "jpy", "en")).toBe("JP¥5,932");
    expect(formatMoney(5932, "jpy", "vi")).toBe("5.932\u00a0¥");
    expect(paidInLine({ currency: "usd", amount: 3937, exchangeRate: 25_403.17 }, "vi")).toBe("39,37\u00a0US$ — quy đổi 25.403,17 ₫/USD");
  });

  test("rates typed as admins type them", () => {
    expect(parseRate("25.403")).toBe(25_403);
    expect(parseRate("25,403")).toBe(25_403);
    expect(parseRate("168,6")).toBe(168.6);
    expect(parseRate("168.60")).toBe(168.6);
    expect(parseRate("19.650,5")).toBe(19_650.5);
    expect(parseRate("1,234,567.5")).toBe(1_234_567.5);
    expect(parseRate("")).toBeNull();
    for (const bad of ["abc", "-5", "0", "1.2.3,4,5", "25.40.3"]) expect(parseRate(bad)).toBe("invalid");
  });

  test("a refund in the payment's currency takes its share of the đồng booked; the last part takes what is left", () => {
    expect(dongOfPaidCurrency(1_000_123, 3937, 1000, 1_000_123)).toBe(254_032);
    expect(dongOfPaidCurrency(505_801, 3000, 1000, 505_801 - 2 * 168_600)).toBe(168_601);
    expect(dongOfPaidCurrency(505_801, 3000, 1000, 505_801)).toBe(168_600);
  });
});
