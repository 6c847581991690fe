import { ConfigError } from "@wfc/core";
import { runWorker, workerConfig } from "@wfc/worker/launch";
import { registerBenchWorkflows } from "./workflows.js";

/** The product worker, exactly as deployed, plus the benchmark's instrumented workflows. */
Promise.resolve()
  .then(() => {
    registerBenchWorkflows();
    return runWorker(workerConfig());
  })
  .catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
