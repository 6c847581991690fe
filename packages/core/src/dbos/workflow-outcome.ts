import { decodeValue } from "./decode.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";
import { Backoff, WakeSignal } from "../db/signal.js";
import { isFinalStatus } from "./workflow-status.js";

/** How a finished workflow ended: its final status, and its output when it succeeded. */
export interface WorkflowOutcome {
  status: string;
  output?: unknown;
}

/**
 * The workflow's outcome once it has finished; undefined while it has not (or does not exist).
 * Reads what DBOS's own `getResult` reads: the output table, or the status row's legacy column.
 */
export async function readWorkflowOutcome(
  db: Queryable,
  workflowId: string,
): Promise<WorkflowOutcome | undefined> {
  const { rows } = await db.query<{
    status: string;
    output: string | null;
    serialization: string | null;
  }>(
    `SELECT s.status, COALESCE(o.output, s.output) AS output, s.serialization
       FROM ${DBOS_SCHEMA}.workflow_status s
       LEFT JOIN ${DBOS_SCHEMA}.workflow_output o ON o.workflow_uuid = s.workflow_uuid
      WHERE s.workflow_uuid = $1`,
    [workflowId],
  );
  const row = rows[0];
  if (!row || !isFinalStatus(row.status)) return undefined;
  if (row.status !== "SUCCESS") return { status: row.status };
  return { status: row.status, output: await decodeValue(row.output, row.serialization) };
}

/** First and longest pause between reads of a workflow that has not finished yet. */
export const OUTCOME_POLL_MS = { first: 25, max: 400 } as const;

/**
 * Waits for a workflow to finish and returns its outcome; undefined when `timeoutMs` passes or
 * `signal` fires (its caller left) first, and then nothing goes on reading. DBOS announces no
 * completion, so this re-reads, soon at first (a root that only enqueues finishes in tens of
 * milliseconds) and less often the longer it takes: about 55 reads in 20 s.
 */
export async function waitForOutcome(
  db: Queryable,
  workflowId: string,
  { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal },
): Promise<WorkflowOutcome | undefined> {
  const deadline = performance.now() + timeoutMs;
  const pause = new Backoff(OUTCOME_POLL_MS.first, OUTCOME_POLL_MS.max);
  // Never woken: only its timer and the caller's signal end a pause.
  const idle = new WakeSignal();
  for (;;) {
    if (signal?.aborted) return undefined;
    const outcome = await readWorkflowOutcome(db, workflowId);
    const remaining = deadline - performance.now();
    if (outcome || remaining <= 0) return outcome;
    await idle.wait(Math.min(pause.next(), remaining), signal);
  }
}
