import { ConfigError, DbosContractError, StartupLockError } from "@wfc/core";
import { workerConfig } from "./config.js";
import { runWorker } from "./worker.js";

/** The container's entry: the worker, configured from the environment. */
Promise.resolve()
  .then(() => runWorker(workerConfig()))
  .catch((error: unknown) => {
    if (error instanceof StartupLockError)
      console.error(
        JSON.stringify({ level: "error", msg: error.message, cause: String(error.cause) }),
      );
    else if (error instanceof DbosContractError)
      console.error(JSON.stringify({ level: "error", msg: error.message }));
    else console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
