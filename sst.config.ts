/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The whole system on AWS: `npx sst deploy --stage <name>`. The resources live in `infra/`, one
 * concern a file, imported inside `run()` because SST evaluates this file before it can resolve
 * top-level imports. README "Deploy" says what to set first.
 */
export default $config({
  app(input) {
    const production = input?.stage === "production";
    return {
      name: "workflow-communication",
      home: "aws",
      // Production keeps its database, VPC and data when removed, and cannot be removed by
      // `sst remove` at all; every other stage is disposable.
      removal: production ? "retain" : "remove",
      protect: production,
    };
  },
  async run() {
    // The lists of kinds the functions bundle are generated from packages/core/src/kinds/.
    // Bundled into .sst/platform, the generator cannot find its directory by its own URL.
    const { generateKinds } = await import("./scripts/generate-kinds");
    generateKinds(`${$cli.paths.root}/packages/core/src/kinds`);
    const { deploy } = await import("./infra/deploy");
    return deploy();
  },
});
