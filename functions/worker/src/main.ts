import { ConfigError } from "@wfc/core";
import { workerConfig } from "./config.js";
import { runWorker } from "./worker.js";

/** The container's entry: the worker, configured from the environment. */
Promise.resolve()
  .then(() => runWorker(workerConfig()))
  .catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
