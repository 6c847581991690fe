import { DBOS } from "@dbos-inc/dbos-sdk";
import { workerConfig } from "../../functions/worker/src/config.js";
import { runWorker } from "../../functions/worker/src/worker.js";
import { STALLING_WORKFLOW } from "./stalling-workflow.js";

/**
 * The real worker, plus one workflow that reads its own status the way DBOS 5.3.0 deadlocks on:
 * from the workflow, holding a pooled connection in a transaction while it asks the pool for
 * another. A pool's worth of them at once starves the worker for good: what the stall watchdog
 * must notice.
 */
DBOS.registerWorkflow(
  async () => {
    // Not as the first operation: the SDK takes its nested path only for a function ID above 0.
    await DBOS.now();
    await DBOS.getWorkflowStatus(DBOS.workflowID!);
  },
  { name: STALLING_WORKFLOW },
);

await runWorker(workerConfig());
