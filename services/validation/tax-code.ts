/** Vietnamese enterprise tax code (mã số thuế), domain.md §6. */
const WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const;

export function taxCodeCheckDigit(firstNine: string): number {
  const sum = WEIGHTS.reduce((acc, weight, i) => acc + Number(firstNine[i]) * weight, 0);
  return (10 - (sum % 11) + 11) % 11;
}

/** "0100109106" or "0100109106-001" with a correct 10th digit. */
export function isValidEnterpriseTaxCode(value: string): boolean {
  const match = /^(\d{10})(-\d{3})?$/.exec(value.trim());
  if (!match) return false;
  const base = match[1]!;
  const check = taxCodeCheckDigit(base.slice(0, 9));
  return check < 10 && check === Number(base[9]);
}
