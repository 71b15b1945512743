import { expect, test } from "vitest";
import { loader } from "~/routes/healthz";

test("/healthz answers 200 with the database up", async () => {
  const response = await loader();
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ status: "ok", database: "up" });
});
