import mongoose, { Schema, type InferSchemaType } from "mongoose";
import { objectId } from "./fields";

/**
 * The indicative rates a card gift in another currency is quoted at (issue 13, decision 0045): đồng for
 * one unit of each currency, the day they are of and where they come from, as an admin last saved them.
 * One document, `_id: "card"`, read by `_id`. What a gift is booked at is what Stripe settles (0044).
 */
const rateField = { type: Number, min: 0.0001, max: 10_000_000, default: null } as const;

const cardRatesSchema = new Schema(
  {
    _id: { type: String, required: true },
    rates: {
      usd: rateField,
      eur: rateField,
      jpy: rateField,
      krw: rateField,
      aud: rateField,
      sgd: rateField,
    },
    asOf: { type: Date, required: true },
    source: { type: String, required: true, trim: true, maxlength: 200 },
    updatedBy: { type: objectId, ref: "User", default: null },
  },
  { timestamps: true },
);

export type CardRatesDoc = InferSchemaType<typeof cardRatesSchema>;
export const CardRates = (mongoose.models.CardRates as mongoose.Model<CardRatesDoc> | undefined) ?? mongoose.model<CardRatesDoc>("CardRates", cardRatesSchema);
export const CARD_RATES_ID = "card";
