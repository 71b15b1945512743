/**
 * Banks reachable through NAPAS 247 / VietQR, keyed by their 6-digit NAPAS BIN (the value that goes
 * into VietQR tag 38 → 01 → 00). NAPAS publishes the full list (about 60); this is the subset we are
 * sure of. Where a bank was renamed, `formerly` keeps the name people may still look for.
 */
export type Bank = {
  /** 6-digit NAPAS BIN. */
  bin: string;
  shortName: string;
  /** Full legal name in Vietnamese. */
  name: string;
  formerly?: string;
};

export const BANKS: readonly Bank[] = [
  { bin: "970436", shortName: "Vietcombank", name: "Ngân hàng TMCP Ngoại thương Việt Nam" },
  { bin: "970415", shortName: "VietinBank", name: "Ngân hàng TMCP Công thương Việt Nam" },
  { bin: "970418", shortName: "BIDV", name: "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam" },
  { bin: "970405", shortName: "Agribank", name: "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam" },
  { bin: "970422", shortName: "MB", name: "Ngân hàng TMCP Quân đội" },
  { bin: "970407", shortName: "Techcombank", name: "Ngân hàng TMCP Kỹ thương Việt Nam" },
  { bin: "970416", shortName: "ACB", name: "Ngân hàng TMCP Á Châu" },
  { bin: "970432", shortName: "VPBank", name: "Ngân hàng TMCP Việt Nam Thịnh Vượng" },
  { bin: "970423", shortName: "TPBank", name: "Ngân hàng TMCP Tiên Phong" },
  { bin: "970403", shortName: "Sacombank", name: "Ngân hàng TMCP Sài Gòn Thương Tín" },
  { bin: "970441", shortName: "VIB", name: "Ngân hàng TMCP Quốc tế Việt Nam" },
  { bin: "970427", shortName: "VietABank", name: "Ngân hàng TMCP Việt Á" },
  { bin: "970433", shortName: "VietBank", name: "Ngân hàng TMCP Việt Nam Thương Tín" },
  { bin: "970443", shortName: "SHB", name: "Ngân hàng TMCP Sài Gòn - Hà Nội" },
  { bin: "970437", shortName: "HDBank", name: "Ngân hàng TMCP Phát triển Thành phố Hồ Chí Minh" },
  { bin: "970448", shortName: "OCB", name: "Ngân hàng TMCP Phương Đông" },
  { bin: "970440", shortName: "SeABank", name: "Ngân hàng TMCP Đông Nam Á" },
  { bin: "970426", shortName: "MSB", name: "Ngân hàng TMCP Hàng Hải Việt Nam" },
  { bin: "970431", shortName: "Eximbank", name: "Ngân hàng TMCP Xuất Nhập khẩu Việt Nam" },
  { bin: "970449", shortName: "LPBank", name: "Ngân hàng TMCP Lộc Phát Việt Nam", formerly: "LienVietPostBank" },
  { bin: "970428", shortName: "Nam A Bank", name: "Ngân hàng TMCP Nam Á" },
  { bin: "970409", shortName: "Bac A Bank", name: "Ngân hàng TMCP Bắc Á" },
  { bin: "970412", shortName: "PVcomBank", name: "Ngân hàng TMCP Đại Chúng Việt Nam" },
  { bin: "970452", shortName: "KienlongBank", name: "Ngân hàng TMCP Kiên Long" },
  { bin: "970429", shortName: "SCB", name: "Ngân hàng TMCP Sài Gòn" },
  { bin: "970425", shortName: "ABBANK", name: "Ngân hàng TMCP An Bình" },
  { bin: "970438", shortName: "BaoViet Bank", name: "Ngân hàng TMCP Bảo Việt" },
  { bin: "970419", shortName: "NCB", name: "Ngân hàng TMCP Quốc Dân" },
  { bin: "970454", shortName: "BVBank", name: "Ngân hàng TMCP Bản Việt", formerly: "Viet Capital Bank" },
  { bin: "970430", shortName: "PGBank", name: "Ngân hàng TMCP Thịnh vượng và Phát triển" },
  { bin: "970400", shortName: "Saigonbank", name: "Ngân hàng TMCP Sài Gòn Công Thương" },
  { bin: "970439", shortName: "Public Bank", name: "Ngân hàng TNHH MTV Public Việt Nam" },
  { bin: "970408", shortName: "GPBank", name: "Ngân hàng Thương mại TNHH MTV Dầu Khí Toàn Cầu" },
  { bin: "970446", shortName: "Co-opBank", name: "Ngân hàng Hợp tác xã Việt Nam" },
  { bin: "970414", shortName: "MBV", name: "Ngân hàng TNHH MTV Việt Nam Hiện Đại", formerly: "OceanBank" },
  { bin: "970444", shortName: "CBBank", name: "Ngân hàng Thương mại TNHH MTV Xây dựng Việt Nam" },
  { bin: "970434", shortName: "Indovina", name: "Ngân hàng TNHH Indovina" },
  { bin: "970457", shortName: "Woori", name: "Ngân hàng TNHH MTV Woori Việt Nam" },
  { bin: "970424", shortName: "Shinhan Bank", name: "Ngân hàng TNHH MTV Shinhan Việt Nam" },
  { bin: "970458", shortName: "UOB", name: "Ngân hàng TNHH MTV United Overseas Bank (Việt Nam)" },
  { bin: "970410", shortName: "Standard Chartered", name: "Ngân hàng TNHH MTV Standard Chartered Bank (Việt Nam)" },
  { bin: "458761", shortName: "HSBC", name: "Ngân hàng TNHH MTV HSBC (Việt Nam)" },
  { bin: "422589", shortName: "CIMB", name: "Ngân hàng TNHH MTV CIMB Việt Nam" },
  { bin: "668888", shortName: "KBank", name: "Ngân hàng Đại chúng TNHH Kasikornbank - Chi nhánh TP Hồ Chí Minh" },
  { bin: "970421", shortName: "VRB", name: "Ngân hàng Liên doanh Việt - Nga" },
];

export const BANK_BINS: readonly string[] = BANKS.map((b) => b.bin);

const byBin: ReadonlyMap<string, Bank> = new Map(BANKS.map((b) => [b.bin, b]));

export function findBankByBin(bin: string | null | undefined): Bank | undefined {
  return bin ? byBin.get(bin.trim()) : undefined;
}

export function isBankBin(bin: unknown): bin is string {
  return typeof bin === "string" && byBin.has(bin);
}
