import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const BOOTSTRAP_SOURCE = fileURLToPath(new URL("./runtime/bootstrap.ts", import.meta.url));

/**
 * Builds the runtime bootstrap into `outfile`: plain JavaScript, Node built-ins only, so that
 * `node <outfile>` is the whole environment (kept apart from the task root, as Lambda keeps its
 * runtime apart from the function's code).
 */
export async function buildBootstrap(outfile: string): Promise<string> {
  await build({
    entryPoints: [BOOTSTRAP_SOURCE],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node.split(".")[0]}`,
    logLevel: "warning",
  });
  return outfile;
}
