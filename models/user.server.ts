import mongoose, { Schema, type InferSchemaType, type Types } from "mongoose";
import { objectId } from "./fields";

import { ROLES, type Role } from "./reference/roles";

export { ROLES, type Role };

const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 254, match: /^[^\s@]+@[^\s@]+\.[^\s@]+$/ },
    name: { type: String, required: true, trim: true, maxlength: 120 },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ROLES, required: true, default: "donor" },
    /** Institutions a manager may act for. */
    institutionIds: { type: [{ type: objectId, ref: "Institution" }], default: [] },
    /** Province a province officer is scoped to (a slug from models/reference/provinces). */
    provinceSlug: { type: String, default: null },
    locale: { type: String, enum: ["vi", "en"], default: "vi" },
    /** When the person proved the address is theirs (a verification link, or a password reset link); null: not yet. */
    emailVerifiedAt: { type: Date, default: null },
    /** Pledge reminders by mail (services/reminders.ts); the person turns them off on /account or from a reminder. */
    pledgeReminders: { type: Boolean, default: true },
  },
  { timestamps: true },
);
userSchema.index({ email: 1 }, { unique: true });
userSchema.index({ role: 1, provinceSlug: 1 });

export type UserDoc = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };
export const User = (mongoose.models.User as mongoose.Model<UserDoc> | undefined) ?? mongoose.model<UserDoc>("User", userSchema);

/** What the rest of the app knows about the signed-in user (no hash, no counters). */
export type SessionUser = {
  id: string;
  email: string;
  name: string;
  role: Role;
  institutionIds: string[];
  provinceSlug: string | null;
};

export function toSessionUser(user: Pick<UserDoc, "_id" | "email" | "name" | "role" | "institutionIds" | "provinceSlug">): SessionUser {
  return {
    id: String(user._id),
    email: user.email,
    name: user.name,
    role: user.role,
    institutionIds: (user.institutionIds ?? []).map(String),
    provinceSlug: user.provinceSlug ?? null,
  };
}

export async function findUserByEmail(email: string) {
  return User.findOne({ email: email.trim().toLowerCase() }).lean();
}

export async function getSessionUserById(id: string): Promise<SessionUser | null> {
  if (!mongoose.isValidObjectId(id)) return null;
  const user = await User.findById(id).select("email name role institutionIds provinceSlug").lean();
  return user ? toSessionUser(user) : null;
}

/** What a password check needs: the hash (never leaves the server). */
export async function findUserPasswordById(id: string) {
  if (!mongoose.isValidObjectId(id)) return null;
  return User.findById(id).select("passwordHash").lean();
}

export async function createUser(input: { email: string; name: string; passwordHash: string; role?: Role; locale?: "vi" | "en"; institutionIds?: string[]; provinceSlug?: string | null }) {
  const user = await User.create({ ...input, email: input.email.trim().toLowerCase() });
  return toSessionUser(user);
}

/** What the mail features need to know about a user (services/mail, services/account-mail.ts, services/reminders.ts). */
export async function getMailProfile(id: string | Types.ObjectId) {
  if (!mongoose.isValidObjectId(id)) return null;
  const user = await User.findById(id).select("email name locale emailVerifiedAt pledgeReminders").lean();
  return user
    ? { id: String(user._id), email: user.email, name: user.name, locale: (user.locale ?? "vi") as "vi" | "en", emailVerified: Boolean(user.emailVerifiedAt), pledgeReminders: user.pledgeReminders !== false }
    : null;
}

/** The language a user reads (the language switch, signed in): their mails and letters follow it. */
export async function setUserLocale(userId: string | Types.ObjectId, locale: "vi" | "en") {
  await User.updateOne({ _id: userId, locale: { $ne: locale } }, { $set: { locale } });
}

/** A new password hash (a change on /account/password, or a reset). */
export async function setPasswordHash(userId: string | Types.ObjectId, passwordHash: string) {
  await User.updateOne({ _id: userId }, { $set: { passwordHash } });
}

/** Marks the address verified, only if the account still has that address. True when it does. */
export async function markEmailVerified(userId: string | Types.ObjectId, email: string, at = new Date()) {
  const user = await User.findById(userId).select("email emailVerifiedAt").lean();
  if (!user || user.email !== email) return false;
  if (!user.emailVerifiedAt) await User.updateOne({ _id: userId }, { $set: { emailVerifiedAt: at } });
  return true;
}

export async function setPledgeReminders(userId: string | Types.ObjectId, on: boolean) {
  await User.updateOne({ _id: userId }, { $set: { pledgeReminders: on } });
}

export async function listUsers({ page = 1, perPage = 50 }: { page?: number; perPage?: number } = {}) {
  const [users, total] = await Promise.all([
    User.find().sort({ createdAt: -1 }).skip((page - 1) * perPage).limit(perPage).select("email name role provinceSlug institutionIds createdAt").lean(),
    User.countDocuments(),
  ]);
  return { users: users.map((u) => ({ ...toSessionUser(u), createdAt: u.createdAt })), total };
}

/** Sets a user's role (and province, for province officers); returns the updated user or null. */
export async function setUserRole(id: string, update: { role: Role; provinceSlug: string | null }) {
  if (!mongoose.isValidObjectId(id)) return null;
  return User.findByIdAndUpdate(id, { $set: update }, { new: true }).lean();
}
