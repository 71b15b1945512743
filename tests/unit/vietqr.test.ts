import { describe, expect, test } from "vitest";
import {
  buildVietQrPayload,
  crc16CcittFalse,
  parseVietQrPayload,
  transliterateForVietQr,
  VietQrError,
  vietQrDescription,
  vietQrPngDataUrl,
  vietQrSvg,
} from "#services/vietqr";

/** An independent CRC-16/CCITT-FALSE (bitwise, over char codes — the payload is ASCII). */
function referenceCrc(text: string): string {
  let crc = 0xffff;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VietQrError);
    return (error as VietQrError).reason;
  }
  throw new Error("expected a VietQrError");
}

const sample = { bankBin: "970415", accountNumber: "113366668888", amount: 50_000, description: "GS7K2M9QXA" };

describe("CRC-16/CCITT-FALSE", () => {
  test("the standard check value", () => {
    expect(crc16CcittFalse("123456789")).toBe("29B1");
    expect(referenceCrc("123456789")).toBe("29B1");
  });
  test("the empty string gives the initial value", () => {
    expect(crc16CcittFalse("")).toBe("FFFF");
  });
  test("a built payload ends in 6304 and the CRC of everything before its last 4 characters", () => {
    const payload = buildVietQrPayload(sample);
    expect(payload.slice(-8, -4)).toBe("6304");
    expect(payload.slice(-4)).toBe(referenceCrc(payload.slice(0, -4)));
  });
});

describe("building a payload", () => {
  test("the exact payload for a fixed input, field by field (CRC from the TLV rules, checked by hand)", () => {
    const expected =
      "000201" + // 00 payload format 01
      "010212" + // 01 dynamic: an amount is given
      "3856" + "0010A000000727" + "0126" + "0006970415" + "0112113366668888" + "0208QRIBFTTA" + // 38 merchant account
      "5303704" + // 53 VND
      "540550000" + // 54 amount
      "5802VN" + // 58 country
      "6214" + "0810GS7K2M9QXA" + // 62 → 08 description
      "63047187"; // 63 CRC
    expect(buildVietQrPayload(sample)).toBe(expected);
  });

  test("without an amount: static code (11) and no tag 54", () => {
    const payload = buildVietQrPayload({ ...sample, amount: undefined });
    expect(payload).toBe("00020101021138560010A0000007270126000697041501121133666688880208QRIBFTTA53037045802VN62140810GS7K2M9QXA6304F465");
    expect(parseVietQrPayload(payload).pointOfInitiation).toBe("11");
    expect(parseVietQrPayload(payload).amount).toBeUndefined();
    expect(parseVietQrPayload(buildVietQrPayload({ ...sample, amount: null })).pointOfInitiation).toBe("11");
  });

  test("refuses a bad bank BIN, account number or amount", () => {
    expect(reasonOf(() => buildVietQrPayload({ ...sample, bankBin: "97041" }))).toBe("invalid_bank_bin");
    expect(reasonOf(() => buildVietQrPayload({ ...sample, bankBin: "97041A" }))).toBe("invalid_bank_bin");
    expect(reasonOf(() => buildVietQrPayload({ ...sample, accountNumber: "" }))).toBe("invalid_account_number");
    expect(reasonOf(() => buildVietQrPayload({ ...sample, accountNumber: "1133-6666" }))).toBe("invalid_account_number");
    expect(reasonOf(() => buildVietQrPayload({ ...sample, accountNumber: "1".repeat(20) }))).toBe("invalid_account_number");
    expect(buildVietQrPayload({ ...sample, accountNumber: "1".repeat(19) })).toContain("1".repeat(19));
    for (const amount of [0, -1, 1000.5, 10_000_000_000_000, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(reasonOf(() => buildVietQrPayload({ ...sample, amount }))).toBe("invalid_amount");
    }
    expect(parseVietQrPayload(buildVietQrPayload({ ...sample, amount: 9_999_999_999_999 })).amount).toBe(9_999_999_999_999);
  });
});

describe("the transfer description", () => {
  test("Vietnamese is transliterated to upper-case ASCII (đ → D)", () => {
    expect(transliterateForVietQr("Ủng hộ thư viện GS7K2M9QXA")).toBe("UNG HO THU VIEN GS7K2M9QXA");
    expect(transliterateForVietQr("Đọc sách  đi")).toBe("DOC SACH DI");
    // NFD input (as some keyboards send it) gives the same result.
    expect(transliterateForVietQr("Ủng hộ".normalize("NFD"))).toBe("UNG HO");
  });
  test("anything outside A–Z, 0–9 and space is dropped, spaces collapse", () => {
    expect(transliterateForVietQr("  GS-7K2M / quà tặng!  ")).toBe("GS7K2M QUA TANG");
  });
  test("up to 25 characters are kept whole; longer, or empty, is refused — never cut", () => {
    expect(vietQrDescription("Ủng hộ GS7K2M9QXA")).toBe("UNG HO GS7K2M9QXA");
    expect(vietQrDescription("A".repeat(25))).toHaveLength(25);
    expect(reasonOf(() => vietQrDescription("A".repeat(26)))).toBe("description_too_long");
    // "UNG HO THU VIEN GS7K2M9QXA" is 26 characters.
    expect(reasonOf(() => buildVietQrPayload({ ...sample, description: "Ủng hộ thư viện GS7K2M9QXA" }))).toBe("description_too_long");
    expect(reasonOf(() => buildVietQrPayload({ ...sample, description: " ?!— " }))).toBe("description_empty");
  });
  test("the transliterated description is what goes into the payload", () => {
    const payload = buildVietQrPayload({ ...sample, description: "Ủng hộ GS7K2M9QXA" });
    expect(payload).toContain("62210817UNG HO GS7K2M9QXA6304");
    expect(parseVietQrPayload(payload).description).toBe("UNG HO GS7K2M9QXA");
  });
});

describe("parsing a payload", () => {
  test("round trip returns the same fields", () => {
    expect(parseVietQrPayload(buildVietQrPayload(sample))).toEqual({
      pointOfInitiation: "12",
      bankBin: "970415",
      accountNumber: "113366668888",
      service: "QRIBFTTA",
      currency: "704",
      amount: 50_000,
      country: "VN",
      description: "GS7K2M9QXA",
    });
  });

  test("one changed digit fails the CRC check", () => {
    const payload = buildVietQrPayload(sample);
    const tampered = payload.replace("540550000", "540590000");
    expect(tampered).not.toBe(payload);
    expect(reasonOf(() => parseVietQrPayload(tampered))).toBe("crc_mismatch");
    const tamperedAccount = payload.replace("113366668888", "113366668889");
    expect(reasonOf(() => parseVietQrPayload(tamperedAccount))).toBe("crc_mismatch");
  });

  test("a wrong CRC, a missing CRC and a truncated field are refused", () => {
    const payload = buildVietQrPayload(sample);
    expect(reasonOf(() => parseVietQrPayload(payload.slice(0, -4) + "0000"))).toBe("crc_mismatch");
    expect(reasonOf(() => parseVietQrPayload(payload.slice(0, -8)))).toBe("malformed_payload");
    // A consistent CRC, but tag 58 claims 3 characters where only 2 are left before the CRC field.
    const broken = "00020101021138560010A0000007270126000697041501121133666688880208QRIBFTTA53037045803VN6304";
    expect(reasonOf(() => parseVietQrPayload(broken + referenceCrc(broken)))).toBe("malformed_payload");
  });

  test("fields this app does not write (merchant name, city) are ignored", () => {
    const body = "00020101021138560010A0000007270126000697041501121133666688880208QRIBFTTA53037045802VN5907GOP SUC6006HA NOI62140810GS7K2M9QXA6304";
    const parsed = parseVietQrPayload(body + referenceCrc(body));
    expect(parsed.bankBin).toBe("970415");
    expect(parsed.description).toBe("GS7K2M9QXA");
  });
});

describe("QR images, drawn locally", () => {
  test("PNG data URL", async () => {
    const url = await vietQrPngDataUrl(buildVietQrPayload(sample));
    expect(url.startsWith("data:image/png;base64,")).toBe(true);
    const png = Buffer.from(url.slice("data:image/png;base64,".length), "base64");
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  });
  test("SVG", async () => {
    const svg = await vietQrSvg(buildVietQrPayload(sample));
    expect(svg).toContain("<svg");
    expect(svg).toContain("</svg>");
  });
});
