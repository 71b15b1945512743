import { expect, test } from "vitest";
import { restartBackoff } from "../../scripts/lib/database.mjs";

test("a database that keeps dying is started again after 0.5 s, then twice as long each time up to 30 s, and after 0.5 s again once it had run a minute", () => {
  const next = restartBackoff();
  // Dies at once, again and again (or does not start at all: 0 ms run).
  expect(Array.from({ length: 9 }, () => next(0))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  // Ran for a minute: its next death is a new incident.
  expect(next(60_000)).toBe(500);
  expect(next(59_999)).toBe(1000);
  expect(next(1_000)).toBe(2000);
});
