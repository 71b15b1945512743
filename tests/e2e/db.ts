import mongoose from "mongoose";
import { inject } from "vitest";
import { createUser, type Role } from "#models/user.server";
import { hashPassword } from "~/utils/auth.server";

/** The e2e test talks to the same database as the app it drives, to set up accounts only it can't click into existence. */
export async function connectE2eDatabase() {
  if (mongoose.connection.readyState !== 1) await mongoose.connect(inject("e2eMongoUri"));
}

export async function createAccount(role: Role, email: string, password: string, name: string, provinceSlug: string | null = null) {
  await connectE2eDatabase();
  return createUser({ email, name, role, provinceSlug, passwordHash: await hashPassword(password) });
}
