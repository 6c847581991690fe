import { DBOS } from "@dbos-inc/dbos-sdk";
import { createReceive } from "@wfc/core/workflows";
import pg from "pg";
import { workerConfig } from "../../functions/worker/src/config.js";
import { runWorker } from "../../functions/worker/src/worker.js";
import { RECEIVING_WORKFLOW } from "./receiving-workflow.js";

/**
 * The real worker, plus one workflow that goes on running after a receive has timed out, so a
 * send can be tried against the closed topic: it receives on `notification` briefly (nothing
 * comes), then waits on `release`, then on `notification` again. The kinds' own `recv` tool,
 * on a pool of its own.
 */
const config = workerConfig();
const receive = createReceive(
  new pg.Pool({ connectionString: config.DBOS_SYSTEM_DATABASE_URL, max: 2 }),
);
DBOS.registerWorkflow(
  async () => {
    const first = await receive("notification", 0.2);
    const release = await receive("release", 60);
    const second = await receive("notification", 60);
    return { first, release, second };
  },
  { name: RECEIVING_WORKFLOW },
);

await runWorker(config);
