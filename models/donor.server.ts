import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, searchTextOf } from "./fields";
import { PROVINCE_SLUGS } from "./reference/provinces";
import { HOME_COUNTRY, isCountryCode, normalisedRegistrationNumber, REGISTRATION_NUMBER_SHAPE } from "#services/validation/country";

export const DONOR_KINDS = ["organisation", "individual"] as const;
export type DonorKind = (typeof DONOR_KINDS)[number];

/**
 * Shape only: 10 digits, 13 for a dependent unit written "0100109106-001", or an individual's 12-digit
 * personal identification number (their tax code since 01/07/2025). The check digit is checked in services.
 */
export const TAX_CODE_SHAPE = /^(?:\d{10}(?:-\d{3})?|\d{12})$/;

/**
 * A donor: a business/organisation (legal name, tax code) or an individual. Offline donors recorded by a
 * manager may have no user account. On erasure (right to erasure, Law 91/2025/QH15) personal fields are
 * cleared and erasedAt set; the financial records that point here stay.
 *
 * uniqueKey is always present (FerretDB v1 has no sparse/partial indexes) and derived on validate:
 * `tax:<taxCode>` for a Vietnamese organisation with a tax code, `reg:<country>:<number>` for an organisation
 * abroad with its registration number (spacing and punctuation ignored), else `user:<userId>`, else `email:<email>`,
 * else `id:<_id>`. Hooks run on save()/create()/validate(), not on updateOne — change donors through save().
 */
const donorSchema = new Schema(
  {
    kind: { type: String, enum: DONOR_KINDS, required: true },
    userId: { type: objectId, ref: "User", default: null },
    /** Organisation's registered name (company names are not personal data). */
    legalName: { type: String, trim: true, maxlength: 200, default: null },
    /** Individual's name (personal data). */
    fullName: { type: String, trim: true, maxlength: 120, default: null },
    taxCode: { type: String, trim: true, match: [TAX_CODE_SHAPE, "Mã số thuế không đúng định dạng (tax code must be 10 digits, 10-3 or 12 digits)"], default: null },
    representative: {
      name: { type: String, trim: true, maxlength: 120, default: null },
      title: { type: String, trim: true, maxlength: 120, default: null },
    },
    /** Where the donor is (ISO 3166-1 alpha-2); records from before countries were kept are Vietnamese. */
    country: { type: String, default: HOME_COUNTRY, validate: { validator: isCountryCode, message: "Mã quốc gia không hợp lệ (country must be an ISO 3166-1 alpha-2 code)" } },
    /** An organisation abroad: its registration or tax number in its own country (no Vietnamese check digit). */
    registrationNumber: { type: String, trim: true, match: [REGISTRATION_NUMBER_SHAPE, "Số đăng ký không hợp lệ (registration number)"], default: null },
    address: { type: String, trim: true, maxlength: 300, default: null },
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, default: null },
    email: { type: String, trim: true, lowercase: true, maxlength: 254, match: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, default: null },
    phone: { type: String, trim: true, maxlength: 20, match: /^[+0-9 ().-]{6,20}$/, default: null },
    uniqueKey: { type: String, required: true, maxlength: 300 },
    searchText: { type: String, default: "", maxlength: 1000 },
    erasedAt: { type: Date, default: null },
  },
  { timestamps: true },
);

export function donorUniqueKey(d: { _id?: unknown; kind: string; taxCode?: string | null; country?: string | null; registrationNumber?: string | null; userId?: unknown; email?: string | null }): string {
  const abroad = Boolean(d.country) && d.country !== HOME_COUNTRY;
  if (d.kind === "organisation" && !abroad && d.taxCode) return `tax:${d.taxCode}`;
  if (d.kind === "organisation" && abroad && d.registrationNumber) return `reg:${d.country}:${normalisedRegistrationNumber(d.registrationNumber)}`;
  if (d.userId) return `user:${String(d.userId)}`;
  if (d.email) return `email:${d.email.trim().toLowerCase()}`;
  return `id:${String(d._id)}`;
}

donorSchema.pre("validate", function () {
  this.uniqueKey = donorUniqueKey(this);
  this.searchText = searchTextOf(this.legalName, this.fullName, this.taxCode, this.registrationNumber, this.email);
  if (!this.erasedAt) {
    if (this.kind === "organisation" && !this.legalName) this.invalidate("legalName", "Cần tên tổ chức (legal name is required)");
    if (this.kind === "individual" && !this.fullName) this.invalidate("fullName", "Cần họ và tên (full name is required)");
  }
});

donorSchema.index({ uniqueKey: 1 }, { unique: true });
donorSchema.index({ userId: 1 });
donorSchema.index({ taxCode: 1 });
donorSchema.index({ searchText: 1 });

export type DonorDoc = InferSchemaType<typeof donorSchema> & { _id: Types.ObjectId };
export const Donor = (mongoose.models.Donor as mongoose.Model<DonorDoc> | undefined) ?? mongoose.model<DonorDoc>("Donor", donorSchema);

/** The name to show for a donor (not applying visibility consent — that is the caller's job). */
export function donorName(d: Pick<DonorDoc, "kind" | "legalName" | "fullName">): string | null {
  return d.kind === "organisation" ? (d.legalName ?? null) : (d.fullName ?? null);
}
