import mongoose from "mongoose";
import { afterAll, afterEach, beforeAll, beforeEach, inject, vi } from "vitest";
import { mailSettled } from "#services/mail";
import { upgradeProjections } from "#services/money/projections";
import { server } from "#tests/mocks/index";

// Every test file gets its own, empty database on the real server (never an in-memory imitation).
const serverUri = inject("mongoServerUri");
const dbName = `gopsuc_test_${process.env.VITEST_POOL_ID ?? "0"}_${Date.now().toString(36)}`;
const url = new URL(serverUri);
url.pathname = `/${dbName}`;
process.env.MONGODB_URI = url.toString();
// As `npm start` tells the app: where the embedded database keeps its files (/healthz reads its schema).
process.env.EMBEDDED_DATA_DIR = inject("embeddedDataDir");
process.env.NODE_ENV = "test";
process.env.SESSION_SECRET ??= "test-session-secret-at-least-32-characters";

beforeAll(async () => {
  await mongoose.connect(process.env.MONGODB_URI!, { serverSelectionTimeoutMS: 10_000, autoIndex: false });
  await mongoose.connection.dropDatabase();
  await Promise.all(Object.values(mongoose.models).map((model) => model.createIndexes()));
  // As the app does on its first connection to an empty database: its projections are current.
  await upgradeProjections(() => {});
  server.listen({ onUnhandledRequest: "error" });
});

afterAll(async () => {
  server.close();
  // Mail made after a response (a registration's confirmation) finishes before its database goes.
  await mailSettled();
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

// Any unexpected console.error fails the test (epic-stack setup-test-env).
let consoleError: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  consoleError = vi.spyOn(console, "error");
  consoleError.mockImplementation((...args: unknown[]) => {
    consoleError.mockRestore();
    throw new Error(`console.error was called: ${args.map(String).join(" ")}`);
  });
});
afterEach(() => {
  server.resetHandlers();
  consoleError.mockRestore();
});
