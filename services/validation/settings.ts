import { z } from "zod";
import { HARD_MAX_AMOUNT } from "../payment-limits";
import { positiveVndAmountField } from "./fields";

/**
 * The admin's platform limits form (app/routes/admin.settings.tsx): the largest single pledge or
 * gift and the correction approval threshold, neither above HARD_MAX_AMOUNT (the model refuses it
 * too), the threshold not above the largest gift.
 */
const limitAmount = z.preprocess(
  (value) => (value == null ? "" : value),
  positiveVndAmountField.refine((amount) => amount <= HARD_MAX_AMOUNT, "admin.settings.aboveCeiling"),
);

export const limitsSchema = z
  .object({
    maxAmount: limitAmount,
    correctionApprovalThreshold: limitAmount,
  })
  .refine((value) => value.correctionApprovalThreshold <= value.maxAmount, { path: ["correctionApprovalThreshold"], message: "admin.settings.thresholdAboveMax" });
export type LimitsInput = z.output<typeof limitsSchema>;
