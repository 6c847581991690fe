import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The infra graph runs in `npm run test:infra`: it needs the generated .sst/platform.
    exclude: ["test/infra/graph/**", "**/node_modules/**"],
    globalSetup: ["test/support/global-setup.ts"],
    // Each integration file starts its own worker process on its own database.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // At least two files at a time: a test file spends most of its time waiting on its worker,
    // its API and the database, not on CPU, so on CI's 2 cores (where vitest's default, cores - 1,
    // is one) two halve the run (479 -> 260 s); timing assertions leave room for the company.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
