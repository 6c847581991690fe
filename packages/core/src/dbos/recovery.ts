import { DBOSExecutor } from "./internals.js";

/**
 * Hands the PENDING workflows of `executorIds` (other processes, declared dead) back to the
 * queue, as DBOS does for its own executor at launch: the SDK has no public call for another
 * executor's workflows, so this calls its executor's `recoverPendingWorkflows`. The worker
 * refuses to start on an SDK without it (`assertDbosContract`), so takeover never silently stops.
 * Re-enqueues only workflows of DBOS's own application version.
 * @returns the IDs of the workflows re-enqueued.
 */
export async function recoverPendingWorkflows(executorIds: string[]): Promise<string[]> {
  const executor = DBOSExecutor.globalInstance;
  if (!executor) throw new Error("DBOS is not launched");
  const handles = await executor.recoverPendingWorkflows(executorIds);
  return handles.map((h) => h.workflowID);
}
