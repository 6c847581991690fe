import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const platform = join(root, ".sst", "platform");

/** The `sst` version package.json pins: SST refuses a platform built by another version. */
const pinned = (
  JSON.parse(readFileSync(join(root, "node_modules/sst/package.json"), "utf8")) as {
    version: string;
  }
).version;

const installed = () =>
  existsSync(join(platform, "node_modules/@pulumi/pulumi")) &&
  existsSync(join(platform, "version")) &&
  readFileSync(join(platform, "version"), "utf8").trim() === pinned;

/**
 * A bun binary that runs. npm does not run the `bun` package's install script (denied in
 * package.json: all it does is move the binary), so `bun/bin/bun.exe` is a placeholder after a
 * clean install; the binary itself sits in the platform package (`@oven/bun-linux-x64`, ...).
 */
function findBun(): string | undefined {
  const oven = join(root, "node_modules/@oven");
  const candidates = [
    join(root, "node_modules/bun/bin/bun.exe"),
    ...(existsSync(oven) ? readdirSync(oven).map((dir) => join(oven, dir, "bin/bun")) : []),
  ];
  return candidates.find((path) => existsSync(path) && spawnSync(path, ["--version"]).status === 0);
}

/**
 * Generates `.sst/platform` (SST's platform sources and types, and their dependencies from the
 * npm registry) with no AWS account and no GitHub: `sst install` normally downloads Pulumi, and
 * skips that with SST_SKIP_DEPENDENCY_CHECK. It installs the platform's dependencies with bun from
 * the npm package `bun`, or with npm if no bun runs here. Does nothing when the platform of the
 * pinned version is already there.
 */
function main() {
  if (installed()) return;
  const bun = findBun();
  const started = performance.now();
  execFileSync(join(root, "node_modules/.bin/sst"), ["install", "--stage", "ci"], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      SST_SKIP_DEPENDENCY_CHECK: "1",
      SST_TELEMETRY_DISABLED: "1",
      DO_NOT_TRACK: "1",
      // Without a working bun, SST installs the platform's dependencies with npm (slower).
      ...(bun ? { SST_BUN_PATH: bun } : { SST_NO_BUN: "1" }),
    },
  });
  if (!installed()) throw new Error(`sst install did not produce ${platform} for sst ${pinned}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`.sst/platform for sst ${pinned} generated in ${seconds}s`);
}

main();
