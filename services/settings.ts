import { findLimits, saveLimits, type Limits } from "#models/setting.server";
import type { SessionUser } from "#models/user.server";
import { recordAudit } from "#models/audit-event.server";
import { forbidden, invalid } from "./errors";
import { messageWithParams } from "./validation/messages";

/** The platform's limits (largest pledge or gift, correction approval threshold). */
export async function getLimits(): Promise<Limits> {
  return findLimits();
}

/** Refuses an amount above the platform's limit with a message for the field named `field`. */
export async function assertWithinLimit(amount: number, field = "amount") {
  const { maxAmount } = await findLimits();
  if (amount > maxAmount) {
    const message = messageWithParams("validation.amountAboveLimit", { maxVnd: maxAmount });
    throw invalid({ [field]: [message] }, message);
  }
}

/** Admins change the limits; audited. */
export async function updateLimits(actor: SessionUser, limits: Limits) {
  if (actor.role !== "admin") throw forbidden();
  const before = await findLimits();
  await saveLimits(limits, actor.id);
  await recordAudit({ actor, action: "settings.update_limits", subjectType: "Setting", subjectId: "limits", details: { before, after: limits } });
}
