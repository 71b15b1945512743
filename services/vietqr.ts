/**
 * VietQR (NAPAS 247) bank-transfer codes: an EMVCo merchant-presented payload of TLV fields
 * (2-digit tag, 2-digit decimal length, value), ending in a CRC-16/CCITT-FALSE (domain.md §7).
 *
 * Pure: no database, no network. The QR images are drawn locally by the `qrcode` package.
 */
import QRCode from "qrcode";

/** NAPAS's application identifier for VietQR (tag 38 → 00). */
export const VIETQR_GUID = "A000000727";
/** Service code "transfer to an account" (tag 38 → 02). */
export const VIETQR_SERVICE_TO_ACCOUNT = "QRIBFTTA";
/** ISO 4217 numeric code of the đồng (tag 53). */
export const VIETQR_CURRENCY_VND = "704";
export const VIETQR_COUNTRY = "VN";
/** Bank apps cut the transfer description after 25 characters; we refuse rather than cut a reference. */
export const VIETQR_DESCRIPTION_MAX = 25;
const MAX_ACCOUNT_DIGITS = 19;
const MAX_AMOUNT_DIGITS = 13;

export type VietQrErrorReason =
  | "invalid_bank_bin"
  | "invalid_account_number"
  | "invalid_amount"
  | "description_empty"
  | "description_too_long"
  | "value_too_long"
  | "malformed_payload"
  | "crc_mismatch";

/** Why a VietQR payload could not be built or read. `field` names the offending input when there is one. */
export class VietQrError extends Error {
  constructor(
    public readonly reason: VietQrErrorReason,
    message: string,
    public readonly field?: "bankBin" | "accountNumber" | "amount" | "description",
  ) {
    super(message);
    this.name = "VietQrError";
  }
}

export type VietQrInput = {
  /** 6-digit NAPAS BIN (models/reference/banks.ts). */
  bankBin: string;
  /** The beneficiary's account number: digits only, at most 19. */
  accountNumber: string;
  /** Whole đồng; when given the code is "dynamic" (point of initiation 12) and the app pre-fills it. */
  amount?: number | null;
  /** Free text (Vietnamese allowed); transliterated to ≤ 25 ASCII characters — carry the pledge reference here. */
  description: string;
};

export type VietQrPayload = {
  pointOfInitiation: "11" | "12";
  bankBin: string;
  accountNumber: string;
  service: string;
  currency: string;
  amount?: number;
  country: string;
  description?: string;
};

/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR) of the string's UTF-8
 * bytes, as 4 uppercase hex digits. Check value: "123456789" → "29B1".
 */
export function crc16CcittFalse(text: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * Vietnamese text → what a bank statement line can carry: diacritics removed (đ → d), upper case,
 * only A–Z, 0–9 and single spaces kept. "Ủng hộ thư viện GS7K2M9QXA" → "UNG HO THU VIEN GS7K2M9QXA".
 * Other characters are dropped, not turned into spaces, so "GS-7K2M" stays matchable as "GS7K2M".
 * Does not check the length: see {@link vietQrDescription}.
 */
export function transliterateForVietQr(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .toUpperCase()
    .replace(/\s+/g, " ")
    .replace(/[^A-Z0-9 ]/g, "")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** The transfer description as it will go into tag 62 → 08; refuses an empty one or one over 25 characters. */
export function vietQrDescription(text: string): string {
  const description = transliterateForVietQr(text);
  if (description.length === 0) {
    throw new VietQrError("description_empty", "The transfer description has no letters or digits left after transliteration", "description");
  }
  if (description.length > VIETQR_DESCRIPTION_MAX) {
    throw new VietQrError(
      "description_too_long",
      `The transfer description "${description}" is ${description.length} characters; bank apps keep at most ${VIETQR_DESCRIPTION_MAX}`,
      "description",
    );
  }
  return description;
}

function tlv(tag: string, value: string): string {
  if (value.length > 99) throw new VietQrError("value_too_long", `VietQR field ${tag} would be ${value.length} characters; at most 99 fit`);
  return `${tag}${String(value.length).padStart(2, "0")}${value}`;
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || String(amount).length > MAX_AMOUNT_DIGITS) {
    throw new VietQrError("invalid_amount", `The amount must be a positive whole number of đồng with at most ${MAX_AMOUNT_DIGITS} digits: ${amount}`, "amount");
  }
}

/** The full payload string, CRC included, ready to be drawn as a QR code. */
export function buildVietQrPayload(input: VietQrInput): string {
  const { bankBin, accountNumber, amount } = input;
  if (!/^\d{6}$/.test(bankBin)) throw new VietQrError("invalid_bank_bin", `A bank BIN is 6 digits: "${bankBin}"`, "bankBin");
  if (!new RegExp(`^\\d{1,${MAX_ACCOUNT_DIGITS}}$`).test(accountNumber)) {
    throw new VietQrError("invalid_account_number", `An account number is 1–${MAX_ACCOUNT_DIGITS} digits: "${accountNumber}"`, "accountNumber");
  }
  const hasAmount = amount !== undefined && amount !== null;
  if (hasAmount) checkAmount(amount);
  const description = vietQrDescription(input.description);

  const beneficiary = tlv("00", bankBin) + tlv("01", accountNumber);
  const merchantAccount = tlv("00", VIETQR_GUID) + tlv("01", beneficiary) + tlv("02", VIETQR_SERVICE_TO_ACCOUNT);
  const body =
    tlv("00", "01") +
    tlv("01", hasAmount ? "12" : "11") +
    tlv("38", merchantAccount) +
    tlv("53", VIETQR_CURRENCY_VND) +
    (hasAmount ? tlv("54", String(amount)) : "") +
    tlv("58", VIETQR_COUNTRY) +
    tlv("62", tlv("08", description)) +
    "6304";
  return body + crc16CcittFalse(body);
}

/** Splits a TLV string into its fields; refuses truncated data and repeated tags. */
function readTlv(text: string, where: string): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < text.length) {
    const head = text.slice(at, at + 4);
    if (!/^\d{4}$/.test(head)) throw new VietQrError("malformed_payload", `${where}: expected a 2-digit tag and 2-digit length at position ${at}`);
    const tag = head.slice(0, 2);
    const length = Number(head.slice(2));
    const value = text.slice(at + 4, at + 4 + length);
    if (value.length !== length) throw new VietQrError("malformed_payload", `${where}: field ${tag} is cut short`);
    if (fields.has(tag)) throw new VietQrError("malformed_payload", `${where}: field ${tag} appears twice`);
    fields.set(tag, value);
    at += 4 + length;
  }
  return fields;
}

function required(fields: Map<string, string>, tag: string, where: string): string {
  const value = fields.get(tag);
  if (value === undefined) throw new VietQrError("malformed_payload", `${where}: field ${tag} is missing`);
  return value;
}

/**
 * Reads a VietQR payload back. The CRC is verified first (a mismatch throws `crc_mismatch`), then the
 * fields this app writes are checked; fields it does not use (merchant name, city, …) are ignored.
 */
export function parseVietQrPayload(payload: string): VietQrPayload {
  const crcAt = payload.length - 8;
  if (crcAt < 0 || payload.slice(crcAt, crcAt + 4) !== "6304" || !/^[0-9A-Fa-f]{4}$/.test(payload.slice(-4))) {
    throw new VietQrError("malformed_payload", "A VietQR payload ends with the CRC field 6304XXXX");
  }
  const expected = crc16CcittFalse(payload.slice(0, -4));
  if (payload.slice(-4).toUpperCase() !== expected) {
    throw new VietQrError("crc_mismatch", `CRC mismatch: the payload says ${payload.slice(-4)}, its content gives ${expected}`);
  }

  const fields = readTlv(payload.slice(0, crcAt), "payload");
  if (required(fields, "00", "payload") !== "01") throw new VietQrError("malformed_payload", "payload: format indicator (00) must be 01");
  const pointOfInitiation = required(fields, "01", "payload");
  if (pointOfInitiation !== "11" && pointOfInitiation !== "12") {
    throw new VietQrError("malformed_payload", `payload: point of initiation (01) must be 11 or 12, not ${pointOfInitiation}`);
  }

  const merchant = readTlv(required(fields, "38", "payload"), "merchant account (38)");
  if (required(merchant, "00", "merchant account (38)") !== VIETQR_GUID) {
    throw new VietQrError("malformed_payload", "merchant account (38): not a VietQR (NAPAS) account");
  }
  const beneficiary = readTlv(required(merchant, "01", "merchant account (38)"), "beneficiary (38/01)");
  const bankBin = required(beneficiary, "00", "beneficiary (38/01)");
  const accountNumber = required(beneficiary, "01", "beneficiary (38/01)");

  const result: VietQrPayload = {
    pointOfInitiation,
    bankBin,
    accountNumber,
    service: merchant.get("02") ?? "",
    currency: required(fields, "53", "payload"),
    country: required(fields, "58", "payload"),
  };
  const amountText = fields.get("54");
  if (amountText !== undefined) {
    if (!/^\d+$/.test(amountText)) throw new VietQrError("malformed_payload", `payload: amount (54) is not a whole number: ${amountText}`);
    result.amount = Number(amountText);
    checkAmount(result.amount);
  }
  const additional = fields.get("62");
  if (additional !== undefined) {
    const description = readTlv(additional, "additional data (62)").get("08");
    if (description !== undefined) result.description = description;
  }
  return result;
}

const QR_OPTIONS = { errorCorrectionLevel: "M", margin: 4 } as const;

/** The payload as a PNG data URL (`data:image/png;base64,…`), for an <img> or pdfkit's `image()`. */
export async function vietQrPngDataUrl(payload: string, width = 320): Promise<string> {
  return QRCode.toDataURL(payload, { ...QR_OPTIONS, type: "image/png", width });
}

/** The payload as a standalone SVG document (scales cleanly for print). */
export async function vietQrSvg(payload: string): Promise<string> {
  return QRCode.toString(payload, { ...QR_OPTIONS, type: "svg" });
}
