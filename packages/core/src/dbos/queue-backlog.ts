import { APP_NAME } from "../contracts/app.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/** What waits on one queue: ENQUEUED (not yet dequeued) and PENDING (dequeued, running). */
export interface QueueBacklog {
  queue: string;
  enqueued: number;
  pending: number;
}

/**
 * Rows counted per read at most: past this the backlog is saturated for any scaling decision,
 * and the count stays a bounded scan of DBOS's in-flight index however deep the queue grows.
 */
export const MAX_COUNTED = 100_000;

/**
 * Counts the in-flight workflows of our application at `appVersion`, per queue and status, in
 * one statement. Only that version: DBOS dispatches a workflow only to workers of the version that
 * enqueued it, so another release's leftovers are work these workers can never take. Every queue
 * in `queues` is answered, with zeros when empty, so the metric has data while idle (target
 * tracking does not scale in on missing data).
 */
export async function readQueueBacklog(
  db: Queryable,
  options: { appVersion: string; queues: readonly string[] },
): Promise<QueueBacklog[]> {
  const { rows } = await db.query<{ queue_name: string; status: string; n: number }>(
    `SELECT queue_name, status, count(*)::int AS n
       FROM (SELECT queue_name, status
               FROM ${DBOS_SCHEMA}.workflow_status
              WHERE status IN ('ENQUEUED', 'PENDING')
                AND queue_name IS NOT NULL
                AND application_name = $1
                AND application_version = $2
              LIMIT ${MAX_COUNTED}) AS in_flight
      GROUP BY queue_name, status`,
    [APP_NAME, options.appVersion],
  );
  const byQueue = new Map<string, QueueBacklog>(
    options.queues.map((queue) => [queue, { queue, enqueued: 0, pending: 0 }]),
  );
  for (const { queue_name: queue, status, n } of rows) {
    const backlog = byQueue.get(queue) ?? { queue, enqueued: 0, pending: 0 };
    if (status === "ENQUEUED") backlog.enqueued = n;
    else backlog.pending = n;
    byQueue.set(queue, backlog);
  }
  return [...byQueue.values()];
}
