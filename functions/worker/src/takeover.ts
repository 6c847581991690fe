import { EXECUTORS_TABLE, recoverPendingWorkflows } from "@wfc/core";
import type pg from "pg";

/** A dead executor whose pending workflows this worker re-enqueued. */
export interface TakenOver {
  executorId: string;
  workflowIds: string[];
}

/**
 * Claims every executor of our application version whose heartbeat is older than `deadAfterMs`
 * and hands its PENDING workflows back to the queue, where any live worker picks them up and
 * resumes them from their last completed step.
 *
 * The claim is one conditional UPDATE: when two workers sweep at once, the row lock makes the
 * second re-check the row, see the fresh claim and skip it. A claim that is not completed (the
 * claimer died) expires after `deadAfterMs`. DBOS's re-enqueue is itself a single UPDATE of
 * PENDING rows of that executor, so even a repeated recovery cannot start a workflow twice.
 * Live executors are never touched: they refresh their row every interval.
 */
export async function takeOverDeadExecutors(
  pool: pg.Pool,
  self: { executorId: string; appVersion: string; deadAfterMs: number },
): Promise<TakenOver[]> {
  const { rows } = await pool.query<{ executor_id: string }>(
    `UPDATE ${EXECUTORS_TABLE}
        SET claimed_by = $1, claimed_at = now()
      WHERE executor_id <> $1
        AND app_version = $2
        AND last_seen < now() - make_interval(secs => $3::double precision / 1000)
        AND (claimed_at IS NULL OR claimed_at < now() - make_interval(secs => $3::double precision / 1000))
      RETURNING executor_id`,
    [self.executorId, self.appVersion, self.deadAfterMs],
  );
  const takenOver: TakenOver[] = [];
  for (const { executor_id: executorId } of rows) {
    // Re-enqueues only workflows of our own application version (DBOS's global one).
    const workflowIds = await recoverPendingWorkflows([executorId]);
    // Forget the executor unless it came back meanwhile (its beat cleared our claim).
    await pool.query(`DELETE FROM ${EXECUTORS_TABLE} WHERE executor_id = $1 AND claimed_by = $2`, [
      executorId,
      self.executorId,
    ]);
    takenOver.push({ executorId, workflowIds });
  }
  return takenOver;
}
