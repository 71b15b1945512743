import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const alias = {
  "~": path.join(root, "app"),
  "#models": path.join(root, "models"),
  "#services": path.join(root, "services"),
  "#tests": path.join(root, "tests"),
};

export default defineConfig({
  root,
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "integration",
          root,
          include: ["tests/unit/**/*.test.{ts,tsx}", "tests/integration/**/*.test.{ts,tsx}"],
          environment: "node",
          globals: true,
          globalSetup: ["tests/setup/global-database.ts"],
          setupFiles: ["tests/setup/setup-test-env.ts"],
          testTimeout: 20_000,
          hookTimeout: 60_000,
          pool: "forks",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          root,
          include: ["tests/e2e/**/*.e2e.ts"],
          environment: "node",
          globals: true,
          globalSetup: ["tests/setup/global-e2e.ts"],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          pool: "forks",
        },
      },
    ],
  },
});
