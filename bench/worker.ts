import { ConfigError } from "@wfc/core";
import { workerConfig } from "../functions/worker/src/config.js";
import { runWorker } from "../functions/worker/src/worker.js";
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
