import { join } from "node:path";
import { buildBootstrap } from "@wfc/lambda-emulator";
import { buildApi, type ApiBundle } from "../../scripts/build-api.js";

/** What an environment runs: the function's bundle (its task root) and the runtime bootstrap. */
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
  const [api, bootstrap] = await Promise.all([
    buildApi(join(workDir, "task")),
    buildBootstrap(join(workDir, "runtime", "bootstrap.mjs")),
  ]);
  return { api, bootstrap };
}
