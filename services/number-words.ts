/**
 * Amounts of money in words, as a receipt writes them under the figures ("Bằng chữ: …").
 *
 * Vietnamese reading, as accounting documents write it:
 * - 10–19 use "mười" ("mười lăm"); 20+ use "<n> mươi" ("hai mươi").
 * - After a tens word, 5 is "lăm" ("mười lăm", "hai mươi lăm"); after "mươi" (tens ≥ 2), 1 is "mốt"
 *   ("hai mươi mốt") and 4 is "tư" ("hai mươi tư") — "tư" is a choice: "bốn" is also heard, but "tư" is
 *   the usual written form. After "mười" they stay "một" and "bốn" ("mười một", "mười bốn").
 * - A zero tens digit after hundreds is "linh" ("một trăm linh năm", "một trăm linh một").
 * - Inside a larger number a group of three is read in full: "không trăm" for zero hundreds
 *   ("một triệu không trăm linh một"); groups that are all zero are skipped ("hai tỷ", "một tỷ không
 *   trăm linh năm nghìn").
 * - Scales: "nghìn", "triệu", "tỷ"; above a tỷ the count of tỷ is read the same way, so 10^12 is
 *   "một nghìn tỷ" and 10^15 "một triệu tỷ".
 */

const DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"] as const;
const GROUP_SCALES = ["", "nghìn", "triệu"] as const;
const BILLION = 1_000_000_000;

function digit(n: number): string {
  return DIGITS[n] ?? "";
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`not a whole, non-negative number of đồng: ${amount}`);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** 0–999. `full` (inside a larger number): say "không trăm" and "linh" even without leading digits. */
function readTriple(n: number, full: boolean): string[] {
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor(n / 10) % 10;
  const units = n % 10;
  const words: string[] = [];
  const saysHundreds = full || hundreds > 0;
  if (saysHundreds) words.push(digit(hundreds), "trăm");
  if (tens === 0) {
    if (units > 0) {
      if (saysHundreds) words.push("linh");
      words.push(digit(units));
    }
  } else if (tens === 1) {
    words.push("mười");
    if (units === 5) words.push("lăm");
    else if (units > 0) words.push(digit(units));
  } else {
    words.push(digit(tens), "mươi");
    if (units === 1) words.push("mốt");
    else if (units === 4) words.push("tư");
    else if (units === 5) words.push("lăm");
    else if (units > 0) words.push(digit(units));
  }
  return words;
}

/** 1 – 999 999 999; `full` when something larger has already been said. */
function readBelowBillion(n: number, full: boolean): string[] {
  const groups = [Math.floor(n / 1_000_000), Math.floor(n / 1_000) % 1_000, n % 1_000];
  const words: string[] = [];
  let saidSomething = full;
  groups.forEach((group, index) => {
    if (group === 0) return;
    words.push(...readTriple(group, saidSomething));
    const scale = GROUP_SCALES[2 - index];
    if (scale) words.push(scale);
    saidSomething = true;
  });
  return words;
}

function readPositive(n: number, full: boolean): string[] {
  if (n < BILLION) return readBelowBillion(n, full);
  const billions = Math.floor(n / BILLION);
  const rest = n % BILLION;
  const words = [...readPositive(billions, full), "tỷ"];
  if (rest > 0) words.push(...readBelowBillion(rest, true));
  return words;
}

/** 50_000_000 → "Năm mươi triệu đồng"; 1_000_001 → "Một triệu không trăm linh một đồng"; 0 → "Không đồng". */
export function vndInWords(amount: number): string {
  checkAmount(amount);
  const words = amount === 0 ? ["không"] : readPositive(amount, false);
  return capitalise(`${words.join(" ")} đồng`);
}

const ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"] as const;
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"] as const;
const ENGLISH_SCALES = ["", "thousand", "million", "billion", "trillion", "quadrillion"] as const;

function englishBelowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (hundreds > 0) parts.push(`${ONES[hundreds]} hundred`);
  if (rest > 0 && rest < 20) parts.push(ONES[rest] ?? "");
  else if (rest >= 20) parts.push(rest % 10 === 0 ? (TENS[rest / 10] ?? "") : `${TENS[Math.floor(rest / 10)]}-${ONES[rest % 10]}`);
  return parts.join(" ");
}

/** 50_000_000 → "Fifty million dong"; 1_000_001 → "One million one dong" (short scale, no "and"). */
export function vndInEnglishWords(amount: number): string {
  checkAmount(amount);
  if (amount === 0) return "Zero dong";
  const parts: string[] = [];
  let rest = amount;
  for (let scale = 0; rest > 0; scale++) {
    const group = rest % 1000;
    if (group > 0) parts.unshift([englishBelowThousand(group), ENGLISH_SCALES[scale]].filter(Boolean).join(" "));
    rest = Math.floor(rest / 1000);
  }
  return capitalise(`${parts.join(" ")} dong`);
}
