import { test } from "vitest";
import { Programme } from "#models/programme.server";
import { publicProgrammeTotals } from "#models/catalogue.server";
test("dbg", async () => {
  await Programme.collection.insertMany([{ institutionApproved: true, state: "open", receivedTotal: 5 }, { institutionApproved: true, state: "closed", receivedTotal: 7 }]);
  console.log(await publicProgrammeTotals());
  console.log(JSON.stringify(await Programme.aggregate([{ $match: { institutionApproved: true } }, { $group: { _id: null, n: { $sum: 1 }, r: { $sum: "$receivedTotal" } } }])));
  console.log(JSON.stringify(await Programme.aggregate([{ $group: { _id: null, r: { $sum: "$receivedTotal" } } }])));
});
