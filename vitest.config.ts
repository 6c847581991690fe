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
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
