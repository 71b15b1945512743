import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId } from "./fields";
import { PROVINCE_SLUGS } from "./reference/provinces";
import type { SessionUser } from "./user.server";

/** Who did what to which record, and when. actorId null means the system (webhook, job). */
const auditEventSchema = new Schema(
  {
    actorId: { type: objectId, ref: "User", default: null },
    actorRole: { type: String, trim: true, maxlength: 40, default: null },
    /** Dotted verb, e.g. "institution.approve", "certificate.revoke". */
    action: { type: String, required: true, trim: true, maxlength: 100, match: /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/ },
    subjectType: { type: String, required: true, trim: true, maxlength: 60 },
    /** Usually an ObjectId's hex string; kept as a string so any id (e.g. a Stripe event id) fits. */
    subjectId: { type: String, trim: true, maxlength: 200, default: null },
    institutionId: { type: objectId, ref: "Institution", default: null },
    provinceSlug: { type: String, enum: PROVINCE_SLUGS, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
    at: { type: Date, required: true, default: Date.now },
  },
  { timestamps: true },
);

auditEventSchema.index({ subjectType: 1, subjectId: 1, at: -1 });
auditEventSchema.index({ at: -1 });
auditEventSchema.index({ institutionId: 1, at: -1 });
auditEventSchema.index({ actorId: 1, at: -1 });

export type AuditEventDoc = InferSchemaType<typeof auditEventSchema> & { _id: Types.ObjectId };
export const AuditEvent =
  (mongoose.models.AuditEvent as mongoose.Model<AuditEventDoc> | undefined) ?? mongoose.model<AuditEventDoc>("AuditEvent", auditEventSchema);

/** Appends one audit event; actor null means the system (webhook, job). */
export async function recordAudit(input: {
  actor: Pick<SessionUser, "id" | "role"> | null;
  action: string;
  subjectType: string;
  subjectId?: string | Types.ObjectId | null;
  institutionId?: string | Types.ObjectId | null;
  provinceSlug?: string | null;
  details?: Record<string, unknown>;
}) {
  await AuditEvent.create({
    actorId: input.actor?.id ?? null,
    actorRole: input.actor?.role ?? "system",
    action: input.action,
    subjectType: input.subjectType,
    subjectId: input.subjectId == null ? null : String(input.subjectId),
    institutionId: input.institutionId ?? null,
    provinceSlug: input.provinceSlug ?? null,
    details: input.details ?? {},
  });
}
