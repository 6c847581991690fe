import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/** DBOS statuses after which a workflow writes nothing more. */
export const FINAL_STATUSES = [
  "SUCCESS",
  "ERROR",
  "CANCELLED",
  "MAX_RECOVERY_ATTEMPTS_EXCEEDED",
] as const;
const FINAL = new Set<string>(FINAL_STATUSES);

/** The workflow's DBOS status, or undefined if no such workflow exists. */
export async function readWorkflowStatus(
  db: Queryable,
  workflowId: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>(
    `SELECT status FROM ${DBOS_SCHEMA}.workflow_status WHERE workflow_uuid = $1`,
    [workflowId],
  );
  return rows[0]?.status;
}

/** Whether a status means the workflow has finished (and will write no more events or values). */
export const isFinalStatus = (status: string | undefined) =>
  status !== undefined && FINAL.has(status);

/** What the API checks a channel against: the workflow's status and stored name, if it exists. */
export interface WorkflowIdentity {
  status: string;
  name: string;
}

/** The workflow's status and stored name, or undefined if no such workflow exists. */
export async function readWorkflowIdentity(
  db: Queryable,
  workflowId: string,
): Promise<WorkflowIdentity | undefined> {
  const { rows } = await db.query<WorkflowIdentity>(
    `SELECT status, name FROM ${DBOS_SCHEMA}.workflow_status WHERE workflow_uuid = $1`,
    [workflowId],
  );
  return rows[0];
}
