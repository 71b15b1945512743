import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { hasLegacyIds, objectIdFromName } from "./projection.server";
import { isDuplicateKeyError } from "./duplicate-key";

export const WEBHOOK_PROVIDERS = ["stripe"] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];
export const WEBHOOK_OUTCOMES = ["processed", "ignored", "failed"] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** A webhook event already handled; {provider, eventId} is unique so a retried delivery is counted once. */
const processedWebhookEventSchema = new Schema(
  {
    provider: { type: String, enum: WEBHOOK_PROVIDERS, required: true, default: "stripe" },
    eventId: { type: String, required: true, trim: true, maxlength: 200 },
    type: { type: String, required: true, trim: true, maxlength: 200 },
    processedAt: { type: Date, required: true, default: Date.now },
    outcome: { type: String, enum: WEBHOOK_OUTCOMES, required: true, default: "processed" },
    note: { type: String, trim: true, maxlength: 1000, default: null },
  },
  { timestamps: true },
);

// Found by `_id` from {provider, eventId} (webhookEventId): "was this delivery handled?" is one read by `_id`.
processedWebhookEventSchema.pre("validate", function () {
  if (this.isNew && this.eventId) this._id = webhookEventId(this.provider ?? "stripe", this.eventId);
});
processedWebhookEventSchema.index({ provider: 1, eventId: 1 }, { unique: true });
processedWebhookEventSchema.index({ processedAt: -1 });

export type ProcessedWebhookEventDoc = InferSchemaType<typeof processedWebhookEventSchema> & { _id: Types.ObjectId };
export const ProcessedWebhookEvent =
  (mongoose.models.ProcessedWebhookEvent as mongoose.Model<ProcessedWebhookEventDoc> | undefined) ??
  mongoose.model<ProcessedWebhookEventDoc>("ProcessedWebhookEvent", processedWebhookEventSchema);


/**
 * Records that an event is being handled. Returns false when it was handled before (so the caller
 * skips it), true when this call claimed it.
 */
export async function claimWebhookEvent(input: { provider?: WebhookProvider; eventId: string; type: string; outcome?: WebhookOutcome }) {
  try {
    await ProcessedWebhookEvent.create({ provider: input.provider ?? "stripe", eventId: input.eventId, type: input.type, outcome: input.outcome ?? "processed" });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

export function webhookEventId(provider: string, eventId: string): Types.ObjectId {
  return objectIdFromName(`webhook:${provider}:${eventId}`);
}

/** Whether a delivery was already handled: by `_id` (older databases: by its fields). */
export async function isWebhookEventHandled(provider: WebhookProvider, eventId: string): Promise<boolean> {
  if (await ProcessedWebhookEvent.exists({ _id: webhookEventId(provider, eventId) })) return true;
  return (await hasLegacyIds()) ? Boolean(await ProcessedWebhookEvent.exists({ provider, eventId })) : false;
}
