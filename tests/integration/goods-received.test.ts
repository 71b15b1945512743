import { describe, expect, test } from "vitest";
import { Projection, projectionKey } from "#models/projection.server";
import type { SessionUser } from "#models/user.server";
import { requestCorrection } from "#services/corrections";
import { recordDonation } from "#services/money/donations";
import { rebuildProjections } from "#services/money/projections";
import { loader as programmeLoader } from "~/routes/programmes.$slug";
import { createInstitution, createOpenProgramme, formToken } from "#tests/fixtures/domain";
import { createTestUser, getRequest, responseOf } from "#tests/utils/requests";

/**
 * Decision 0042: the goods a programme received in kind, kept with its received total and shown on its
 * public page against its needs — added by an in-kind gift, taken away when a correction reverses the gift
 * in full (a partial one lowers the value only, decision 0009), and derived again by a rebuild.
 */
describe("goods received in kind, against the programme's needs", () => {
  test("each gift's items count, a partial correction leaves them, a full one takes them away; the rebuild agrees", async () => {
    const institution = await createInstitution({ provinceSlug: "hue" });
    const programme = await createOpenProgramme(institution, {
      title: "Phòng đọc số Huế",
      inKindNeeds: [
        { item: "Máy tính bảng", unit: "chiếc", quantity: 20, unitValue: 6_000_000 },
        { item: "Kệ sách gỗ", unit: "chiếc", quantity: 4, unitValue: 1_800_000 },
      ],
    });
    const user = await createTestUser({ role: "manager", institutionIds: [String(institution._id)] });
    const manager: SessionUser = { ...user };
    const slug = programme.slug;
    const publicPage = async () => (await responseOf(programmeLoader({ request: getRequest(`/programmes/${slug}`), params: { slug }, context: {} }))).json();
    let n = 0;
    const giveInKind = async (items: Array<{ item: string; quantity: number; unitValue: number }>) => {
      n += 1;
      const { donationId } = await recordDonation({
        idempotencyKey: `offline:goods-${slug}-${n}`,
        programmeId: programme._id,
        institutionId: institution._id,
        method: "in_kind",
        amount: items.reduce((sum, i) => sum + i.quantity * i.unitValue, 0),
        receivedAt: new Date(),
        inKind: { items, valuationBasis: "Hóa đơn" },
        recordedBy: manager.id,
      });
      return donationId;
    };
    const received = (page: { inKindNeeds: Array<{ item: string; received: number }> }) => page.inKindNeeds.map((need) => [need.item, need.received]);

    // Nothing yet: every need at 0, nothing else listed.
    const empty = await publicPage();
    expect(received(empty)).toEqual([
      ["Máy tính bảng", 0],
      ["Kệ sách gỗ", 0],
    ]);
    expect(empty.otherGoods).toEqual([]);

    // Two gifts of tablets (one spelled without diacritics), shelves, and chairs nobody listed.
    await giveInKind([{ item: "Máy tính bảng", quantity: 8, unitValue: 6_000_000 }]);
    const wrong = await giveInKind([
      { item: "may tinh bang", quantity: 5, unitValue: 6_000_000 },
      { item: "Kệ sách gỗ", quantity: 4, unitValue: 1_800_000 },
    ]);
    const chairs = await giveInKind([{ item: "Ghế nhựa", quantity: 30, unitValue: 150_000 }]);
    const given = await publicPage();
    expect(received(given)).toEqual([
      ["Máy tính bảng", 13],
      ["Kệ sách gỗ", 4],
    ]);
    expect(given.otherGoods).toEqual([{ item: "Ghế nhựa", quantity: 30 }]);

    // A partial correction of the chairs' value: the chairs were received all the same.
    await requestCorrection(manager, String(programme._id), chairs, { clientToken: formToken("goods"), amount: 1_000_000, reason: "Định giá lại ghế" });
    expect((await publicPage()).otherGoods).toEqual([{ item: "Ghế nhựa", quantity: 30 }]);

    // The second gift was recorded by mistake: corrected in full in two steps, its items go at the second.
    await requestCorrection(manager, String(programme._id), wrong, { clientToken: formToken("goods"), amount: 10_000_000, reason: "Ghi nhầm chương trình" });
    expect(received(await publicPage())).toEqual([
      ["Máy tính bảng", 13],
      ["Kệ sách gỗ", 4],
    ]);
    await requestCorrection(manager, String(programme._id), wrong, { clientToken: formToken("goods"), amount: 5 * 6_000_000 + 4 * 1_800_000 - 10_000_000, reason: "Ghi nhầm chương trình" });
    const corrected = await publicPage();
    expect(received(corrected)).toEqual([
      ["Máy tính bảng", 8],
      ["Kệ sách gỗ", 0],
    ]);
    expect(corrected.otherGoods).toEqual([{ item: "Ghế nhựa", quantity: 30 }]);

    // What the books kept equals what a rebuild derives from the ledger.
    const key = projectionKey("received", programme._id);
    const kept = await Projection.findById(key).lean();
    await rebuildProjections();
    expect(await Projection.findById(key).lean()).toEqual(kept);
    expect(kept!.items).toEqual([
      { item: "Ghế nhựa", quantity: 30 },
      { item: "Máy tính bảng", quantity: 8 },
    ]);
  });
});
