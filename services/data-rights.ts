import mongoose, { type Types } from "mongoose";
import { randomBytes } from "node:crypto";
import { recordAudit } from "#models/audit-event.server";
import { Certificate } from "#models/certificate.server";
import { DataRequest, type DataRequestDoc, type DataRequestKind } from "#models/data-request.server";
import { Donation, findGiftsOfPledge } from "#models/donation.server";
import { Donor, type DonorDoc } from "#models/donor.server";
import { addToLookup, findLookup } from "#models/lookup.server";
import { Pledge, type PledgeDoc } from "#models/pledge.server";
import { Programme } from "#models/programme.server";
import { deleteSessionsOfUser, listSessionsOfUser } from "#models/session.server";
import { User, type SessionUser } from "#models/user.server";
import { forbidden, invalid } from "./errors";
import { ownPledges } from "./pledges";

/**
 * A donor's rights over their own data (issue 12; Law 91/2025/QH15): a copy of everything held about
 * them, public consent withdrawn, erasure. Each request is recorded with its time (DataRequest).
 *
 * What "about them" means: their account, the donor records they own (an individual's own; an
 * organisation's that they created), the pledges they made or that those donors made, the gifts paid on
 * them, their certificates and their sessions. Read by key: the user's pledges through their key
 * document, each pledge's gifts through its paid total, each programme by `_id`.
 *
 * Withdrawing consent makes every pledge of theirs anonymous from now on: visibility "anonymous", the
 * consent's withdrawnAt set. Public pages, CSVs and the open data read those at each request, so the
 * name disappears everywhere public at once; published reports and certificates already issued are
 * snapshots and are not rewritten.
 *
 * Erasure removes personal fields and keeps the money: an individual donor's name, e-mail, phone,
 * address are cleared (erasedAt set), and the copies of them on pledges and gifts; an organisation keeps
 * its legal name and tax code (not personal data, and receipts must keep them — Law on Accounting
 * 88/2015/QH13 art. 41), losing only its representative's name and contact details; the account can no
 * longer sign in and its e-mail is replaced. Receipts then show an anonymous donor (services/receipt-document.ts);
 * ledger entries never held a name (the transparency log's leaves commit to entries, not to names).
 */

const oid = (id: string | Types.ObjectId) => new mongoose.Types.ObjectId(String(id));

async function donorsOf(actor: SessionUser): Promise<DonorDoc[]> {
  return Donor.find({ userId: oid(actor.id) }).lean<DonorDoc[]>();
}

async function record(actor: SessionUser, kind: DataRequestKind, details: Record<string, unknown>) {
  const request = await DataRequest.create({ userId: oid(actor.id), kind, at: new Date(), details });
  await addToLookup("user-data-requests", actor.id, request._id);
  await recordAudit({ actor, action: `data_request.${kind}`, subjectType: "User", subjectId: oid(actor.id), details });
  return request;
}

/** The requests a person made, newest first. */
export async function dataRequestsOf(actor: SessionUser): Promise<Array<Pick<DataRequestDoc, "kind" | "at"> & { id: string }>> {
  const ids = await findLookup("user-data-requests", actor.id);
  const found = await Promise.all(ids.map((id) => DataRequest.findById(id).lean<DataRequestDoc>()));
  return found
    .filter((r): r is DataRequestDoc => r !== null && String(r.userId) === actor.id)
    .map((r) => ({ id: String(r._id), kind: r.kind, at: r.at }))
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}

const donorView = (d: DonorDoc) => ({
  id: String(d._id),
  kind: d.kind,
  legalName: d.legalName ?? null,
  fullName: d.fullName ?? null,
  taxCode: d.taxCode ?? null,
  country: d.country ?? null,
  registrationNumber: d.registrationNumber ?? null,
  representative: d.representative ?? null,
  address: d.address ?? null,
  provinceSlug: d.provinceSlug ?? null,
  email: d.email ?? null,
  phone: d.phone ?? null,
  erasedAt: d.erasedAt ?? null,
});

const pledgeView = (p: PledgeDoc, programme: { title: string; slug: string } | null) => ({
  reference: p.reference,
  programme: programme ? { title: programme.title, slug: programme.slug } : null,
  kind: p.kind,
  amount: p.amount,
  state: p.state,
  createdAt: (p as { createdAt?: Date }).createdAt ?? null,
  visibility: p.visibility,
  consent: p.consent ? { text: p.consent.text, givenAt: p.consent.givenAt, withdrawnAt: p.consent.withdrawnAt ?? null } : null,
  donorSnapshot: p.donorSnapshot ?? null,
  instalments: p.instalments.map((i) => ({ seq: i.seq, dueDate: i.dueDate, amount: i.amount })),
});

/**
 * Everything held about the signed-in person, as one document (the JSON download and the readable page
 * show the same). Recording the request is the caller's choice (`record`: the download does, the page
 * view does not).
 */
export async function personalData(actor: SessionUser, options: { record?: boolean } = {}) {
  const [user, donors, pledges, sessions, requests] = await Promise.all([
    User.findById(actor.id).select("email name role locale emailVerifiedAt pledgeReminders createdAt").lean(),
    donorsOf(actor),
    ownPledges(actor),
    listSessionsOfUser(actor.id),
    dataRequestsOf(actor),
  ]);
  if (!user) throw forbidden();
  const programmeIds = [...new Set(pledges.map((p) => String(p.programmeId)))];
  const programmes = new Map(
    (await Promise.all(programmeIds.map((id) => Programme.findById(id).select("title slug").lean()))).flatMap((p) => (p ? [[String(p._id), p] as const] : [])),
  );
  const gifts = (await Promise.all(pledges.map((p) => findGiftsOfPledge(p._id)))).flat();
  const certificates = (await Promise.all(donors.map((d) => Certificate.find({ donorId: d._id }).select("serial code issuedAt recipientName revokedAt").lean()))).flat();
  const data = {
    generatedAt: new Date(),
    law: "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15",
    account: { id: actor.id, email: user.email, name: user.name, role: user.role, locale: (user as { locale?: string }).locale ?? null, createdAt: (user as { createdAt?: Date }).createdAt ?? null },
    donors: donors.map(donorView),
    pledges: pledges.map((p) => pledgeView(p, programmes.get(String(p.programmeId)) ?? null)),
    gifts: gifts.map((g) => ({ receiptNumber: g.receiptNumber, amount: g.amount, method: g.method, receivedAt: g.receivedAt, reference: g.reference ?? null, donorSnapshot: g.donorSnapshot ?? null })),
    certificates: certificates.map((c) => ({ serial: (c as { serial?: string }).serial ?? null, code: (c as { code?: string }).code ?? null, issuedAt: (c as { issuedAt?: Date }).issuedAt ?? null, recipientName: c.recipientName ?? null, revokedAt: (c as { revokedAt?: Date | null }).revokedAt ?? null })),
    sessions: sessions.map((s) => ({ createdAt: s.createdAt, lastUsedAt: s.lastUsedAt, userAgent: s.userAgent, ip: s.ip })),
    requests: requests.map((r) => ({ kind: r.kind, at: r.at })),
  };
  if (options.record) await record(actor, "export", { pledges: data.pledges.length, gifts: data.gifts.length });
  return data;
}

/** Every pledge of theirs becomes anonymous from now on, everywhere public. Idempotent. */
export async function withdrawPublicConsent(actor: SessionUser, now = new Date()) {
  const pledges = await ownPledges(actor);
  let changed = 0;
  for (const pledge of pledges) {
    if (pledge.visibility === "anonymous" && (!pledge.consent || pledge.consent.withdrawnAt)) continue;
    await Pledge.updateOne({ _id: pledge._id }, { $set: { visibility: "anonymous", ...(pledge.consent && !pledge.consent.withdrawnAt ? { "consent.withdrawnAt": now } : {}) } });
    changed += 1;
  }
  await record(actor, "withdraw_consent", { pledges: changed });
  return { pledges: changed };
}

/** The words a person types to confirm an erasure (in their language). */
export const ERASURE_CONFIRMATIONS = ["XÓA", "XOA", "ERASE"];

/**
 * Removes the signed-in person's personal data and keeps the money records (see above). Their sessions
 * end; the account cannot sign in again. Staff accounts (managers, officers, admins) are refused: an
 * administrator removes those, so that nobody erases the trail of what they approved.
 */
export async function eraseMe(actor: SessionUser, confirmation: string, now = new Date()) {
  if (!ERASURE_CONFIRMATIONS.includes(confirmation.trim().toUpperCase())) throw invalid({ confirm: ["dataRights.confirmWord"] }, "dataRights.confirmWord");
  if (actor.role !== "donor") throw invalid({}, "dataRights.staffErasure");
  const donors = await donorsOf(actor);
  const pledges = await ownPledges(actor);
  const erasedDonors: string[] = [];
  for (const donor of donors) {
    if (donor.kind === "individual") {
      await Donor.updateOne({ _id: donor._id }, { $set: { fullName: null, email: null, phone: null, address: null, "representative.name": null, "representative.title": null, searchText: "", erasedAt: now } });
      erasedDonors.push(String(donor._id));
    } else {
      // An organisation's legal name and tax code stay (not personal data; its receipts need them); the person acting for it goes.
      await Donor.updateOne({ _id: donor._id }, { $set: { "representative.name": null, "representative.title": null, email: null, phone: null, userId: null } });
    }
  }
  let gifts = 0;
  for (const pledge of pledges) {
    const individual = pledge.donorSnapshot?.kind === "individual" || erasedDonors.includes(String(pledge.donorId));
    await Pledge.updateOne(
      { _id: pledge._id },
      { $set: { visibility: "anonymous", ...(pledge.consent && !pledge.consent.withdrawnAt ? { "consent.withdrawnAt": now } : {}), ...(individual ? { "donorSnapshot.name": null, "donorSnapshot.address": null, "donorSnapshot.taxCode": null } : { "donorSnapshot.representative": null }) } },
    );
    for (const gift of await findGiftsOfPledge(pledge._id)) {
      await Donation.updateOne({ _id: gift._id }, { $set: individual ? { "donorSnapshot.name": null, "donorSnapshot.address": null, "donorSnapshot.taxCode": null } : { "donorSnapshot.representative": null } });
      gifts += 1;
    }
  }
  await record(actor, "erasure", { donors: donors.length, pledges: pledges.length, gifts });
  const erasedEmail = `xoa-${actor.id}@erased.invalid`;
  await User.updateOne({ _id: oid(actor.id) }, { $set: { email: erasedEmail, name: "", passwordHash: `erased:${randomBytes(16).toString("hex")}` } });
  await deleteSessionsOfUser(actor.id);
  return { donors: donors.length, pledges: pledges.length, gifts };
}
