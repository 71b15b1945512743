import net from "node:net";
import mongoose from "mongoose";
import { expect, test, vi } from "vitest";
import { loader } from "~/routes/healthz";
import { databaseReachable } from "~/utils/db.server";
import { whenIdLookupsIndexed } from "#tests/utils/id-indexes";

// Polls /healthz until it says "ok": on a busy machine its checks of every collection may overrun their second for a while.
test("/healthz answers 200 with the database up, and ok once every collection's reads by _id are index lookups", { timeout: 120_000 }, async () => {
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

/**
 * A TCP relay in front of the test database, whose traffic can be held (a database that hangs: the
 * connection stays open, nothing answers) or cut (a database that is down), and restored.
 */
async function relay(target: URL) {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let state: "open" | "held" | "cut" = "open";
  const server = net.createServer((client) => {
    if (state === "cut") return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (chunk) => {
      if (state === "open") upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (state === "open") client.write(chunk);
    });
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const dropAll = () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
  };
  return {
    uri: `mongodb://127.0.0.1:${(server.address() as net.AddressInfo).port}${target.pathname}`,
    hold: () => void (state = "held"),
    cut: () => {
      state = "cut";
      dropAll();
    },
    // Bytes held back are gone: the connections start again, as after a database restart.
    restore: () => {
      dropAll();
      state = "open";
    },
    close: () => new Promise<void>((resolve) => {
      dropAll();
      server.close(() => resolve());
    }),
  };
}

test("/healthz's database check answers within a second when the database hangs or is down, with no error text, logs the cause once, and is up again when the database is back", async () => {
  const path = await relay(new URL(process.env.MONGODB_URI!));
  // directConnection: one server, as the app's URI to the embedded database; a short heartbeat so the
  // driver finds the server again quickly once it is back.
  const connection = await mongoose.createConnection(path.uri, { directConnection: true, serverSelectionTimeoutMS: 30_000, heartbeatFrequencyMS: 500 }).asPromise();
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    expect(await databaseReachable({ connection, timeoutMs: 500 })).toMatchObject({ up: true });

    for (const fault of ["hold", "cut"] as const) {
      path[fault]();
      for (let probe = 0; probe < 2; probe += 1) {
        const started = Date.now();
        const answer = await databaseReachable({ connection, timeoutMs: 500 });
        // The driver alone would wait for its server selection (30 s here): the check gives up after 0.5 s.
        expect({ fault, answer, withinASecond: Date.now() - started < 1000 }).toEqual({ fault, answer: { up: false }, withinASecond: true });
      }
      path.restore();
      // Up again once the database answers: the driver reconnects on its own (a wait for that answer).
      let answer = await databaseReachable({ connection, timeoutMs: 500 });
      for (const deadline = Date.now() + 60_000; !answer.up && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await databaseReachable({ connection, timeoutMs: 500 });
      }
      expect({ fault, up: answer.up }).toEqual({ fault, up: true });
    }
    // The cause went to the log, once per outage (not on every probe).
    const lines = logged.mock.calls.map((call) => String(call[0]));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\[db\] the database does not answer: /);
  } finally {
    logged.mockRestore();
    await connection.close(true);
    await path.close();
  }
});
