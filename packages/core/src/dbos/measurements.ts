import { DBOS_SCHEMA, type Queryable } from "./schema.js";

// Reads the benchmark (bench/) makes of DBOS's own records: when a workflow was created,
// dequeued and wrote its first step, and how many have succeeded. Not used by the product.

/** A workflow's timestamps as DBOS records them (ms, the server's clock). */
export interface WorkflowTimestamps {
  id: string;
  created: string;
  dequeued: string;
  /** When its first step (function_id 1) completed. */
  written: string;
}

/** The timestamps of `ids` (those that exist). */
export async function readWorkflowTimestamps(
  db: Queryable,
  ids: string[],
): Promise<WorkflowTimestamps[]> {
  const { rows } = await db.query<WorkflowTimestamps>(
    `SELECT ws.workflow_uuid AS id, ws.created_at AS created, ws.started_at_epoch_ms AS dequeued,
            (SELECT min(oo.completed_at_epoch_ms) FROM ${DBOS_SCHEMA}.operation_outputs oo
              WHERE oo.workflow_uuid = ws.workflow_uuid AND oo.function_id = 1) AS written
       FROM ${DBOS_SCHEMA}.workflow_status ws WHERE ws.workflow_uuid = ANY($1)`,
    [ids],
  );
  return rows;
}

/** When `id` was dequeued (`started_at_epoch_ms`); NaN before. */
export async function readDequeuedAt(db: Queryable, id: string): Promise<number> {
  const { rows } = await db.query<{ at: string }>(
    `SELECT started_at_epoch_ms AS at FROM ${DBOS_SCHEMA}.workflow_status WHERE workflow_uuid = $1`,
    [id],
  );
  return Number(rows[0]?.at);
}

/**
 * How many workflows have succeeded, only those whose ID starts with `idPrefix` when given.
 * `tag` goes into the statement as a comment, so that statistics can leave it out.
 */
export async function countSucceeded(
  db: Queryable,
  options: { idPrefix?: string; tag?: string } = {},
): Promise<number> {
  const comment = options.tag ? `/* ${options.tag} */ ` : "";
  const byPrefix = options.idPrefix !== undefined;
  const { rows } = await db.query<{ n: number }>(
    `SELECT ${comment}count(*)::int AS n FROM ${DBOS_SCHEMA}.workflow_status
      WHERE status = 'SUCCESS'${byPrefix ? " AND workflow_uuid LIKE $1" : ""}`,
    byPrefix ? [`${options.idPrefix}%`] : [],
  );
  return rows[0]!.n;
}

/** Locks the events table against every reader until the transaction ends (a stalled table). */
export async function lockEventsTable(db: Queryable) {
  await db.query(`LOCK TABLE ${DBOS_SCHEMA}.workflow_events IN ACCESS EXCLUSIVE MODE`);
}

/** Whether a statement's text is a send: DBOS's insert into its notifications, or ours. */
export const isSendStatement = (text: string) =>
  new RegExp(`insert\\s+into\\s+"?${DBOS_SCHEMA}"?\\.notifications|deliver_message`, "i").test(
    text,
  );
