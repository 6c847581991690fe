import { APP_NAME } from "../contracts/app.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/**
 * Whether a workflow of `appVersion` has waited ENQUEUED on one of `queues` for `stallMs` or more
 * (since it was enqueued or re-enqueued: DBOS stamps `updated_at` then). DBOS dequeues a
 * version's work at once on any live worker of that version (our queue has no concurrency limit),
 * so such a workflow means nobody is dispatching it. Rides DBOS's in-flight index.
 */
export async function hasUndispatchedWork(
  db: Queryable,
  options: { appVersion: string; queues: readonly string[]; stallMs: number },
): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${DBOS_SCHEMA}.workflow_status
                     WHERE status = 'ENQUEUED'
                       AND queue_name = ANY($1)
                       AND application_name = $2
                       AND application_version = $3
                       AND updated_at < (EXTRACT(EPOCH FROM now()) * 1000)::bigint - $4) AS any`,
    [options.queues, APP_NAME, options.appVersion, options.stallMs],
  );
  return rows[0]?.any ?? false;
}
