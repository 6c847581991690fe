import { defineConfig } from "vitest/config";

// `npm run test:infra`: the infrastructure's resource graph, evaluated under Pulumi's mocks.
// Needs `.sst/platform`, which the script generates first; no database.
export default defineConfig({
  test: {
    include: ["test/infra/graph/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
