import { Donation } from "#models/donation.server";
import { Donor, donorName } from "#models/donor.server";
import { Institution } from "#models/institution.server";
import { Programme } from "#models/programme.server";
import { provinceName } from "#models/reference/provinces";
import type { SessionUser } from "#models/user.server";
import { canAccessInstitution } from "./access";
import { forbidden, notFound } from "./errors";
import { renderDonationReceiptPdf } from "./receipts";

/** The receipt PDF of a confirmed gift, for its donor or for those who may see the institution's books. */
export async function receiptPdfFor(actor: SessionUser, receiptNumber: string, appUrl: string) {
  const donation = await Donation.findOne({ receiptNumber }).lean();
  if (!donation) throw notFound();
  const [donor, institution, programme] = await Promise.all([
    donation.donorId ? Donor.findById(donation.donorId).lean() : null,
    Institution.findById(donation.institutionId).lean(),
    Programme.findById(donation.programmeId).select("title").lean(),
  ]);
  if (!institution || !programme) throw notFound();
  const ownGift = Boolean(donor?.userId && String(donor.userId) === actor.id);
  if (!ownGift && !canAccessInstitution(actor, { id: String(institution._id), provinceSlug: institution.provinceSlug })) throw forbidden();
  return renderDonationReceiptPdf({
    receiptNumber: donation.receiptNumber,
    issuedAt: donation.receivedAt,
    donor: { name: (donor && !donor.erasedAt && donorName(donor)) || "Nhà hảo tâm", taxCode: donor?.taxCode ?? null, address: donor?.address ?? null },
    institution: { name: institution.name, address: institution.address, provinceName: provinceName(institution.provinceSlug) ?? "" },
    programme: { title: programme.title },
    amount: donation.amount,
    method: donation.method,
    receivedAt: donation.receivedAt,
    reference: donation.reference ?? donation.receiptNumber,
    inKindItems: donation.inKind?.items?.map((i) => ({ item: i.item, quantity: i.quantity, unitValue: i.unitValue })) ?? [],
    valuationBasis: donation.inKind?.valuationBasis ?? null,
    verifyUrl: `${appUrl}/programmes`,
  });
}
