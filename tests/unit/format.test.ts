import { describe, expect, test } from "vitest";
import { formatDate, formatDateTime, formatLongVietnameseDate, formatNumber, formatVnd } from "#services/format";

describe("money", () => {
  test("Vietnamese: dots group thousands and ₫ follows after a no-break space", () => {
    expect(formatVnd(1_000_000, "vi")).toBe("1.000.000\u00a0₫");
    expect(formatVnd(1_234_568, "vi")).toBe("1.234.568\u00a0₫");
    expect(formatVnd(0, "vi")).toBe("0\u00a0₫");
  });
  test("English: ₫ leads and commas group thousands", () => {
    expect(formatVnd(1_000_000, "en")).toBe("₫1,000,000");
  });
  test("a fraction of a đồng is refused, not rounded", () => {
    expect(() => formatVnd(1000.5)).toThrow(RangeError);
  });
  test("Vietnamese decimals use a comma", () => {
    expect(formatNumber(70.5, "vi")).toBe("70,5");
    expect(formatNumber(70.5, "en")).toBe("70.5");
  });
});

describe("dates, in Vietnam's time zone", () => {
  test("dd/mm/yyyy with two-digit day and month", () => {
    expect(formatDate(new Date("2025-07-01T00:00:00+07:00"), "vi")).toBe("01/07/2025");
  });
  test("an instant late on 30 June UTC is already 1 July in Hà Nội", () => {
    expect(formatDate(new Date("2025-06-30T18:30:00Z"), "vi")).toBe("01/07/2025");
  });
  test("English shows the month's name", () => {
    expect(formatDate(new Date("2025-07-01T00:00:00+07:00"), "en")).toBe("1 Jul 2025");
  });
  test("certificate dates: leading zero for days below 10 and for months 1–2 only", () => {
    expect(formatLongVietnameseDate(new Date("2025-01-05T09:00:00+07:00"), "Hà Nội")).toBe("Hà Nội, ngày 05 tháng 01 năm 2025");
    expect(formatLongVietnameseDate(new Date("2025-11-23T09:00:00+07:00"), "Hà Nội")).toBe("Hà Nội, ngày 23 tháng 11 năm 2025");
    expect(formatLongVietnameseDate(new Date("2025-03-09T09:00:00+07:00"))).toBe("ngày 09 tháng 3 năm 2025");
  });
});

describe("moments (the session list)", () => {
  test("hour and minute in Vietnam's time zone, 24-hour, with the day", () => {
    expect(formatDateTime(new Date("2025-06-30T18:30:00Z"), "vi")).toBe("01:30 01/07/2025");
    expect(formatDateTime(new Date("2025-07-01T14:05:00+07:00"), "en")).toBe("1 Jul 2025, 14:05");
  });
});
