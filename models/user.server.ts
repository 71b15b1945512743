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

export async function createUser(input: { email: string; name: string; passwordHash: string; role?: Role; locale?: "vi" | "en"; institutionIds?: string[]; provinceSlug?: string | null }) {
  const user = await User.create({ ...input, email: input.email.trim().toLowerCase() });
  return toSessionUser(user);
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
