import { expect, test } from "vitest";
import { loader } from "~/routes/healthz";

test("/healthz answers 200 with the database up, and ok once every collection's reads by _id are index lookups", async () => {
  let response = await loader();
  expect(response.status).toBe(200);
  let body = await response.json();
  expect(body).toMatchObject({ database: "up" });
  // Collections made a moment ago get their index from the launcher within a second: wait for the answer.
  for (let i = 0; i < 50 && body.status !== "ok"; i += 1) {
    expect(body.status).toBe("degraded");
    await new Promise((resolve) => setTimeout(resolve, 200));
    response = await loader();
    body = await response.json();
  }
  expect(body).toMatchObject({ status: "ok", database: "up", indexes: "ok" });
});
