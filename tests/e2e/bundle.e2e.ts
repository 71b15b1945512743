import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

// Routes reach services and models only through app/utils/*.server.ts, which Remix keeps out of the
// browser. If a route imported them directly, mongoose (and the database code) would ship to browsers.
test("the browser bundle carries no database or server code", () => {
  const dir = path.resolve("public/build");
  const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));
  expect(files.length).toBeGreaterThan(5);
  const offenders = files.filter((f) => /GridFSBucket|mongooseCollection|argon2|SESSION_SECRET/.test(fs.readFileSync(path.join(dir, f), "utf8")));
  expect(offenders).toEqual([]);
});
