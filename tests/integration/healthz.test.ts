import { expect, test } from "vitest";
import { loader } from "~/routes/healthz";
import { whenIdLookupsIndexed } from "#tests/utils/id-indexes";

test("/healthz answers 200 with the database up, and ok once every collection's reads by _id are index lookups", async () => {
  const response = await loader();
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ database: "up" });
  // Collections made a moment ago get their index from the launcher's upkeep; until then it is "degraded".
  expect(["ok", "degraded"]).toContain(body.status);
  // Asked through /healthz itself: FerretDB's pooled connections see the new index when they next read the schema.
  const [last] = await whenIdLookupsIndexed(async () => {
    const answer = await (await loader()).json();
    return [{ indexed: answer.status === "ok", body: answer }];
  });
  expect(last!.body).toMatchObject({ status: "ok", database: "up", indexes: "ok" });
});

test("/healthz answers 503 when a unique index the money events rely on is missing, and 200 once the server builds it again", async () => {
  const { Donation } = await import("#models/donation.server");
  const { ensureModelIndexes } = await import("#services/database-indexes");
  await Donation.createIndexes();
  const unique = (await Donation.collection.indexes()).find((index) => index.unique && JSON.stringify(index.key) === JSON.stringify({ idempotencyKey: 1 }));
  expect(unique).toBeDefined();
  await Donation.collection.dropIndex(unique!.name!);
  const response = await loader();
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ status: "error", database: "up", uniqueIndexes: { missing: [`${Donation.collection.collectionName}: [["idempotencyKey",1]]`] } });
  await ensureModelIndexes(); // what the server does before it serves (app/utils/db.server.ts)
  expect((await loader()).status).toBe(200);
});
