import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId, searchTextOf } from "./fields";
import { isBankBin } from "./reference/banks";
import { INSTITUTION_LEVEL_SLUGS, INSTITUTION_TYPE_SLUGS } from "./reference/institution-types";
import { PROVINCE_SLUGS, provinceName } from "./reference/provinces";

export const INSTITUTION_STATUSES = ["pending", "approved", "rejected"] as const;
export type InstitutionStatus = (typeof INSTITUTION_STATUSES)[number];

/** Where VietQR transfers go: NAPAS BIN + account number + account holder as the bank prints it. */
const bankAccountSchema = new Schema(
  {
    bankBin: {
      type: String,
      required: true,
      trim: true,
      validate: { validator: (v: string) => isBankBin(v), message: "Mã ngân hàng (BIN) không có trong danh sách NAPAS (unknown bank BIN)" },
    },
    accountNumber: { type: String, required: true, trim: true, match: [/^\d{6,19}$/, "Số tài khoản gồm 6–19 chữ số (account number: 6–19 digits)"] },
    accountName: {
      type: String,
      required: true,
      trim: true,
      maxlength: 100,
      match: [/^[A-Z0-9 .,&()'-]+$/, "Tên tài khoản viết hoa không dấu (account name: upper-case ASCII)"],
    },
  },
  { _id: false },
);

const institutionSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, maxlength: 200 },
    slug: { type: String, required: true, trim: true, lowercase: true, maxlength: 100, match: /^[a-z0-9]+(?:-[a-z0-9]+)*$/ },
    /** Diacritics-free copy of name, address and province, for search (see searchTextOf). */
    searchText: { type: String, default: "", maxlength: 1000 },
    type: { type: String, enum: INSTITUTION_TYPE_SLUGS, required: true },
    level: { type: String, enum: INSTITUTION_LEVEL_SLUGS, required: true },
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, required: true },
    /** For level "former_district": the name of the district it belonged to before 01/07/2025. */
    formerDistrictName: { type: String, trim: true, maxlength: 120, default: null },
    address: { type: String, trim: true, maxlength: 300, default: "" },
    contact: {
      email: { type: String, trim: true, lowercase: true, maxlength: 254, match: /^[^\s@]+@[^\s@]+\.[^\s@]+$/, default: null },
      phone: { type: String, trim: true, maxlength: 20, match: /^[+0-9 ().-]{6,20}$/, default: null },
      website: { type: String, trim: true, maxlength: 300, match: /^https?:\/\/\S+$/, default: null },
    },
    bankAccount: { type: bankAccountSchema, default: null },
    /**
     * How to send money from abroad, as the institution's bank gives it (bank, SWIFT/BIC, account,
     * beneficiary, address): shown to donors abroad and to gifts too large for a card (issue 13).
     */
    internationalTransfer: { type: String, trim: true, maxlength: 1000, default: null },
    description: { type: String, trim: true, maxlength: 5000, default: "" },
    status: { type: String, enum: INSTITUTION_STATUSES, required: true, default: "pending" },
    statusReason: { type: String, trim: true, maxlength: 1000, default: null },
    managerIds: { type: [{ type: objectId, ref: "User" }], default: [] },
    /** People asking to join as managers; an officer or a current manager decides. */
    joinRequests: {
      type: [
        new Schema(
          {
            userId: { type: objectId, ref: "User", required: true },
            name: { type: String, trim: true, maxlength: 120, required: true },
            email: { type: String, trim: true, maxlength: 254, required: true },
            message: { type: String, trim: true, maxlength: 1000, default: "" },
            requestedAt: { type: Date, required: true, default: Date.now },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    decidedBy: { type: objectId, ref: "User", default: null },
    decidedAt: { type: Date, default: null },
  },
  { timestamps: true },
);

institutionSchema.pre("validate", function () {
  this.searchText = searchTextOf(this.name, this.address, provinceName(this.provinceSlug));
});

institutionSchema.index({ slug: 1 }, { unique: true });
institutionSchema.index({ status: 1, provinceSlug: 1, type: 1 });
institutionSchema.index({ searchText: 1 });
institutionSchema.index({ managerIds: 1 });
institutionSchema.index({ "joinRequests.userId": 1 });

export type InstitutionDoc = InferSchemaType<typeof institutionSchema> & { _id: Types.ObjectId };
export const Institution =
  (mongoose.models.Institution as mongoose.Model<InstitutionDoc> | undefined) ?? mongoose.model<InstitutionDoc>("Institution", institutionSchema);

export async function findInstitutionBySlug(slug: string) {
  return Institution.findOne({ slug: slug.trim().toLowerCase() }).lean();
}
