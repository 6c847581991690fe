import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildApi, type ApiBundle } from "../../build-api.js";

const BOOTSTRAP_SOURCE = fileURLToPath(new URL("./runtime/bootstrap.ts", import.meta.url));

/** What an environment runs: the function's bundle (its task root) and our runtime bootstrap. */
export interface FunctionBundle {
  api: ApiBundle;
  /** Plain JavaScript, Node built-ins only: `node <bootstrap>` is the whole environment. */
  bootstrap: string;
}

/**
 * Builds the API function as `sst deploy` does (`<workDir>/task`, the task root) and the runtime
 * bootstrap next to it (`<workDir>/runtime`, as Lambda keeps its runtime apart from the task).
 */
export async function buildFunctionBundle(workDir: string): Promise<FunctionBundle> {
  const bootstrap = join(workDir, "runtime", "bootstrap.mjs");
  const [api] = await Promise.all([
    buildApi(join(workDir, "task")),
    build({
      entryPoints: [BOOTSTRAP_SOURCE],
      outfile: bootstrap,
      bundle: true,
      platform: "node",
      format: "esm",
      target: `node${process.versions.node.split(".")[0]}`,
      logLevel: "warning",
    }),
  ]);
  return { api, bootstrap };
}
