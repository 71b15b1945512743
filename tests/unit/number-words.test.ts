import { describe, expect, test } from "vitest";
import { vndInEnglishWords, vndInWords } from "#services/number-words";

describe("vndInWords (Vietnamese)", () => {
  test.each([
    [0, "Không đồng"],
    [5, "Năm đồng"],
    [10, "Mười đồng"],
    [11, "Mười một đồng"],
    [14, "Mười bốn đồng"],
    [15, "Mười lăm đồng"],
    [20, "Hai mươi đồng"],
    [21, "Hai mươi mốt đồng"],
    [24, "Hai mươi tư đồng"],
    [25, "Hai mươi lăm đồng"],
    [100, "Một trăm đồng"],
    [101, "Một trăm linh một đồng"],
    [105, "Một trăm linh năm đồng"],
    [115, "Một trăm mười lăm đồng"],
    [1_000, "Một nghìn đồng"],
    [1_005, "Một nghìn không trăm linh năm đồng"],
    [1_000_001, "Một triệu không trăm linh một đồng"],
    [10_000_001, "Mười triệu không trăm linh một đồng"],
    [50_000_000, "Năm mươi triệu đồng"],
    [1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"],
    [2_000_000_000, "Hai tỷ đồng"],
    [1_000_000_005, "Một tỷ không trăm linh năm đồng"],
    [1_000_000_000_000, "Một nghìn tỷ đồng"],
    [5_000_001_000_000, "Năm nghìn tỷ không trăm linh một triệu đồng"],
  ])("%i → %s", (amount, words) => {
    expect(vndInWords(amount)).toBe(words);
  });

  test("refuses negatives, fractions and unsafe integers", () => {
    for (const amount of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => vndInWords(amount)).toThrow(RangeError);
    }
    expect(vndInWords(Number.MAX_SAFE_INTEGER)).toMatch(/^Chín triệu .* tỷ .* chín mươi mốt đồng$/);
  });
});

describe("vndInEnglishWords", () => {
  test.each([
    [0, "Zero dong"],
    [21, "Twenty-one dong"],
    [105, "One hundred five dong"],
    [1_000_001, "One million one dong"],
    [50_000_000, "Fifty million dong"],
    [1_250_000, "One million two hundred fifty thousand dong"],
    [2_000_000_000, "Two billion dong"],
    [1_000_000_000_000, "One trillion dong"],
  ])("%i → %s", (amount, words) => {
    expect(vndInEnglishWords(amount)).toBe(words);
  });

  test("refuses negatives and fractions", () => {
    expect(() => vndInEnglishWords(-5)).toThrow(RangeError);
    expect(() => vndInEnglishWords(0.5)).toThrow(RangeError);
  });
});
