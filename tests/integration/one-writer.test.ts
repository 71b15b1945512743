import mongoose from "mongoose";
import { expect, test } from "vitest";
import { allInTurn, asIdleWork, configureIdleWork, hurryIdleWork, oneWriter } from "#models/one-writer";
import { isEmbeddedDatabase } from "#models/projection.server";

/**
 * The embedded database's one writer (decisions 0032, 0033): writes go one at a time, and a background
 * write (the catalogue's copies that follow gifts) never goes ahead of a write somebody is waiting for —
 * a gift waits for at most the one background write already under way, not for a whole flush of them.
 */
const scratch = () => mongoose.connection.collection(`onewriter_${new mongoose.Types.ObjectId()}`);

test("background writes go after the writes sent with them, each write alone, and a failed write fails only its caller", async () => {
  const collection = scratch();
  const started: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const write = (name: string, id: string) => async () => {
    started.push(name);
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    try {
      return await collection.insertOne({ _id: id as never, name });
    } finally {
      running -= 1;
    }
  };
  // Sent in this order, in the same turn: two background writes first, then three a caller waits for
  // (the second of which meets a duplicate key).
  const sent = [
    oneWriter(write("background 1", "b1"), { background: true }),
    oneWriter(write("background 2", "b2"), { background: true }),
    oneWriter(write("now 1", "n1")),
    oneWriter(write("now 2 (duplicate)", "n1")),
    oneWriter(write("now 3", "n3")),
  ];
  const outcomes = await Promise.allSettled(sent);
  expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled"]);
  expect(((outcomes[3] as PromiseRejectedResult).reason as { code?: number }).code).toBe(11000);
  expect(await collection.countDocuments()).toBe(4);
  if (await isEmbeddedDatabase()) {
    expect(started).toEqual(["now 1", "now 2 (duplicate)", "now 3", "background 1", "background 2"]);
    expect(mostAtOnce).toBe(1);
  }
  await collection.drop();
});

test("allInTurn answers every task's result in order, one task at a time on the embedded database", async () => {
  const collection = scratch();
  let running = 0;
  let mostAtOnce = 0;
  const results = await allInTurn(
    [3, 1, 2].map((n) => async () => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await collection.insertOne({ _id: `t${n}` as never });
      const found = await collection.findOne({ _id: `t${n}` as never });
      running -= 1;
      return `${found?._id}`;
    }),
  );
  expect(results).toEqual(["t3", "t1", "t2"]);
  expect(mostAtOnce).toBe((await isEmbeddedDatabase()) ? 1 : 3);
  await collection.drop();
});

test("idle work waits while a caller's writes keep coming with reads between them, and goes when somebody waits for it", async () => {
  const collection = scratch();
  const order: string[] = [];
  const write = (name: string) => async () => {
    order.push(name);
    return collection.insertOne({ _id: name as never });
  };
  // Long windows, so that what follows does not depend on how fast this machine is: the idle write
  // cannot go on its own during the test.
  const previous = configureIdleWork({ quietMs: 60_000, maxHoldMs: 60_000 });
  try {
    await oneWriter(write("gift write 1"));
    const idle = asIdleWork(() => oneWriter(write("catalogue copy"), { background: true }));
    // A gift: a read, a write, a read, a write — the queue is empty between them.
    for (const n of [2, 3]) {
      await collection.findOne({ _id: `gift write ${n - 1}` as never });
      await oneWriter(write(`gift write ${n}`));
    }
    // A background write outside idle work (a mark somebody awaits) is not held.
    await oneWriter(write("awaited mark"), { background: true });
    if (await isEmbeddedDatabase()) expect(order).toEqual(["gift write 1", "gift write 2", "gift write 3", "awaited mark"]);
    await hurryIdleWork(() => idle);
    if (await isEmbeddedDatabase()) expect(order).toEqual(["gift write 1", "gift write 2", "gift write 3", "awaited mark", "catalogue copy"]);
    expect(await collection.countDocuments()).toBe(5);
  } finally {
    configureIdleWork(previous);
    await collection.drop();
  }
});
