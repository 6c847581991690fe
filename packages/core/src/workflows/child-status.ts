import { DBOS, type WorkflowStatus } from "@dbos-inc/dbos-sdk";

/**
 * A workflow's status, read inside a workflow without risking the worker's pool.
 *
 * DBOS 5.3.0's own `getWorkflowStatus` called from a workflow (and `handle.getStatus()`, which
 * calls it) holds one pooled connection in a transaction while it asks the same pool for a
 * second one to read the status. With as many workflows there at once as the pool has
 * connections, each holds one and waits for another forever: the worker stops running anything
 * while it still looks alive. Inside a step the SDK reads with one connection and records the
 * result afterwards with another, never holding both, and the step is checkpointed like the
 * SDK's own call, so a recovered workflow replays the status it saw.
 */
export const readStatusStep = DBOS.registerStep(
  (workflowId: string): Promise<WorkflowStatus | null> => DBOS.getWorkflowStatus(workflowId),
  { name: "wfc_workflow_status" },
);
