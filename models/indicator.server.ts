import mongoose, { Schema, type Types } from "mongoose";
import { objectId } from "./fields";
import { INDICATOR_MEASURES, LIBRARY_SECTOR_SLUGS, LIFELONG_SERVICE_SLUGS, type IndicatorMeasure, type LibrarySector, type LifelongService } from "./reference/indicators";
import { INSTITUTION_LEVEL_SLUGS, INSTITUTION_TYPE_SLUGS } from "./reference/institution-types";
import { PROVINCE_SLUGS } from "./reference/provinces";

/**
 * The programme's indicators and their targets (domain.md §1), as data the ministry edits (issue 12).
 * `_id` is the indicator's fixed slug (models/reference/indicators.ts seeds them). A target is a percent
 * (one decimal at most); for a "growth" indicator, the yearly increase.
 */
const percent = {
  type: Number,
  required: true,
  min: 0,
  max: 1000,
  validate: { validator: (v: number) => Number.isFinite(v) && Math.round(v * 10) === v * 10, message: "target: a percent with at most one decimal" },
};

const indicatorSchema = new Schema(
  {
    _id: { type: String, required: true },
    order: { type: Number, required: true },
    name: { vi: { type: String, required: true, trim: true, maxlength: 300 }, en: { type: String, required: true, trim: true, maxlength: 300 } },
    measure: { type: String, enum: INDICATOR_MEASURES, required: true },
    institutionType: { type: String, enum: INSTITUTION_TYPE_SLUGS, required: true },
    levels: { type: [{ type: String, enum: INSTITUTION_LEVEL_SLUGS }], default: [] },
    sector: { type: String, enum: [...LIBRARY_SECTOR_SLUGS, null], default: null },
    target2025: percent,
    target2030: percent,
    updatedBy: { type: objectId, ref: "User", default: null },
  },
  { timestamps: true, versionKey: false }
);

export type IndicatorDoc = {
  _id: string;
  order: number;
  name: { vi: string; en: string };
  measure: IndicatorMeasure;
  institutionType: "library" | "museum" | "cultural_centre";
  levels: string[];
  sector: LibrarySector | null;
  target2025: number;
  target2030: number;
  updatedBy?: Types.ObjectId | null;
  updatedAt?: Date;
};
export const Indicator = (mongoose.models.Indicator as mongoose.Model<IndicatorDoc> | undefined) ?? mongoose.model<IndicatorDoc>("Indicator", indicatorSchema);

/**
 * What one institution did for lifelong learning in one year, as its manager records it: the services
 * it offered and how many learners / visitors came. `_id` = "<institutionId>:<year>" (one read by `_id`;
 * recording again replaces it). Its type, level and province are copied from the institution when
 * recorded, so the indicators of a year are computed from these documents and the list of institutions.
 */
const institutionYearSchema = new Schema(
  {
    _id: { type: String, required: true },
    institutionId: { type: objectId, ref: "Institution", required: true },
    year: { type: Number, required: true, min: 2023, max: 2100 },
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, required: true },
    institutionType: { type: String, enum: INSTITUTION_TYPE_SLUGS, required: true },
    level: { type: String, enum: INSTITUTION_LEVEL_SLUGS, required: true },
    sector: { type: String, enum: LIBRARY_SECTOR_SLUGS, required: true, default: "public" },
    services: { type: [{ type: String, enum: LIFELONG_SERVICE_SLUGS }], default: [] },
    learners: { type: Number, required: true, min: 0, validate: { validator: Number.isSafeInteger, message: "learners: a whole number" } },
    /** Museums: people who came to study or research. */
    visitors: { type: Number, required: true, min: 0, validate: { validator: Number.isSafeInteger, message: "visitors: a whole number" } },
    recordedBy: { type: objectId, ref: "User", required: true },
  },
  { timestamps: true, versionKey: false }
);
institutionYearSchema.index({ year: 1, provinceSlug: 1 });

export type InstitutionYearDoc = {
  _id: string;
  institutionId: Types.ObjectId;
  year: number;
  provinceSlug: string;
  institutionType: string;
  level: string;
  sector: LibrarySector;
  services: LifelongService[];
  learners: number;
  visitors: number;
  recordedBy: Types.ObjectId;
  updatedAt?: Date;
};
export const InstitutionYear = (mongoose.models.InstitutionYear as mongoose.Model<InstitutionYearDoc> | undefined) ?? mongoose.model<InstitutionYearDoc>("InstitutionYear", institutionYearSchema);
export const institutionYearId = (institutionId: string | Types.ObjectId, year: number) => `${String(institutionId)}:${year}`;
