/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The whole system on AWS: `npx sst deploy --stage <name>`. The resources live in `infra/`, one
 * concern a file, imported inside `run()` because SST evaluates this file before it can resolve
 * top-level imports. docs/operations/deploy.md says what to set first.
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
    // What the functions bundle but git does not hold (the kinds' lists, the dashboard's script)
    // is generated first, by the repository's own pre-step: bundled into .sst/platform, the
    // generators could neither find their files by their own URLs nor load esbuild.
    const { execFileSync } = await import("node:child_process");
    execFileSync(process.execPath, ["--import", "tsx", "scripts/generate.ts"], {
      cwd: $cli.paths.root,
      stdio: "inherit",
    });
    const { deploy } = await import("./infra/deploy");
    return deploy();
  },
});
