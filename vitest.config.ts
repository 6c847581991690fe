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
    // Two files at a time, whatever the cores: a test file spends most of its time waiting on its
    // worker, its API and the database, not on CPU, so on CI's 2 cores (where vitest's default
    // would be 1) two halve the run (479 -> 260 s); timing assertions leave room for the company.
    maxWorkers: 2,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
