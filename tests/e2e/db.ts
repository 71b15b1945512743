import { createPrivateKey } from "node:crypto";
import mongoose from "mongoose";
import { inject } from "vitest";
import { createUser, type Role } from "#models/user.server";
import { runSweep, SWEEPER_LEASE_MS } from "#services/money/sweeper";
import { configureLogSigner } from "#services/transparency/log";
import { hashPassword } from "~/utils/auth.server";
import { markProgrammesChanged } from "#services/catalogue-index";

/** The e2e test talks to the same database as the app it drives, to set up accounts only it can't click into existence. */
export async function connectE2eDatabase() {
  if (mongoose.connection.readyState !== 1) await mongoose.connect(inject("e2eMongoUri"));
}

export async function createAccount(role: Role, email: string, password: string, name: string, provinceSlug: string | null = null) {
  await connectE2eDatabase();
  return createUser({ email, name, role, provinceSlug, passwordHash: await hashPassword(password) });
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * A manager (who signs in with `email` / `password`) of an approved provincial library in `province`,
 * with one open programme running from 20 days ago to 120 days from now. Returns the programme's id.
 */
export async function createManagerWithProgramme(input: {
  email: string;
  password: string;
  managerName: string;
  province: { slug: string; name: string };
  programme: { slug: string; title: string; summary: string; goal: number; inKindNeeds?: Array<{ item: string; unit: string; quantity: number; unitValue: number }> };
  stamp: string;
}) {
  const { Institution } = await import("#models/institution.server");
  const { Programme } = await import("#models/programme.server");
  const { User } = await import("#models/user.server");
  const manager = await createAccount("manager", input.email, input.password, input.managerName);
  const institution = await Institution.create({
    name: `Thư viện tỉnh ${input.province.name} ${input.stamp}`,
    slug: `thu-vien-tinh-${input.province.slug}-${input.stamp}`,
    type: "library",
    level: "provincial",
    provinceSlug: input.province.slug,
    address: input.province.name,
    status: "approved",
    managerIds: [manager.id],
    bankAccount: { bankBin: "970405", accountNumber: `33002${String(Date.now()).slice(-8)}`, accountName: `THU VIEN TINH ${input.province.slug.toUpperCase().replace(/-/g, " ")}` },
  });
  await User.updateOne({ _id: manager.id }, { $set: { institutionIds: [institution._id] } });
  const programme = await Programme.create({
    institutionId: institution._id,
    ...input.programme,
    inKindNeeds: input.programme.inKindNeeds ?? [],
    startDate: new Date(Date.now() - 20 * DAY),
    endDate: new Date(Date.now() + 120 * DAY),
    state: "open",
    provinceSlug: input.province.slug,
    institutionType: "library",
    institutionName: institution.name,
    institutionSlug: institution.slug,
    institutionApproved: true,
    themes: ["reading-culture"],
    publishedAt: new Date(),
  });
  // Written around the services: tell the catalogue, as the services do (services/catalogue-index.ts).
  await markProgrammesChanged([programme._id]);
  return String(programme._id);
}

/**
 * The sweep that adds what is new to the transparency log and signs a checkpoint with the server's key, as
 * the server's own sweeper does every five minutes (one instance holds a lease term, so a free term is
 * taken). The caller sets the signer back to null when done (configureLogSigner(null)).
 */
export async function sweepIntoLog(appUrl: string) {
  configureLogSigner({ appUrl, privateKey: createPrivateKey(inject("signingKey")) });
  for (let term = 1; term < 10; term += 1) {
    if ((await runSweep({ now: () => new Date(Date.now() + term * SWEEPER_LEASE_MS) })).ran) return;
  }
}
