import type { WaitingFor } from "../contracts/catalog.js";
import { RECEIVE_CHANGED_CHANNEL } from "../db/change-source.js";
import { WFC_SCHEMA } from "../db/queryable.js";
import { MAX_PAYLOAD_BYTES } from "./notify-triggers.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";
import { FINAL_STATUSES, readWorkflowStatus } from "./workflow-status.js";

/**
 * One row per workflow and topic it has received on (the workflow tools' `recv`,
 * `workflows/receive.ts`): the state of its latest receive, when it began and when it times
 * out. A send reads it to refuse a message whose topic's receive has closed (`deliver_message`
 * in `messages.ts`); the waiting rows are what a workflow waits for now. Created by the schema's
 * migrations (`schema/migrations.ts`).
 */
export const RECEIVES_TABLE = `${WFC_SCHEMA}.receives`;

/**
 * The states of a receive: `waiting` (in DBOS's `recv` until `deadline`), `received` (it got a
 * message; the workflow may receive on the topic again), `closed` (it timed out: a message sent
 * now would never be received, so a send is refused until a later receive re-opens the topic).
 */
export type ReceiveState = "waiting" | "received" | "closed";

/**
 * Announces, in the statement that wrote the receive (`written`: a CTE returning its
 * `workflow_id`), that the workflow's wait changed (`RECEIVE_CHANGED_CHANNEL`): PostgreSQL
 * delivers it once the write has committed, so a woken feed reads the new state. Skipped for an
 * ID too long for a payload (pg_notify would raise and fail the step): such a feed learns it on
 * its safety-net read.
 */
const announced = (written: string) =>
  `WITH written AS (${written})
   SELECT pg_notify('${RECEIVE_CHANGED_CHANNEL}', workflow_id) FROM written
    WHERE octet_length(workflow_id) <= ${MAX_PAYLOAD_BYTES}`;

/**
 * Records that `workflowId` waits on `topic` from now for `timeoutSeconds` (re-opening a closed
 * topic); returns the deadline in epoch milliseconds, for DBOS's `recv` to wait until.
 */
export async function openReceive(
  db: Queryable,
  workflowId: string,
  topic: string,
  timeoutSeconds: number,
): Promise<number> {
  const since = Date.now();
  const deadline = since + Math.ceil(timeoutSeconds * 1000);
  await db.query(
    announced(`INSERT INTO ${RECEIVES_TABLE} (workflow_id, topic, state, since, deadline)
     VALUES ($1, $2, 'waiting', to_timestamp($3::float8 / 1000), to_timestamp($4::float8 / 1000))
     ON CONFLICT (workflow_id, topic) DO UPDATE
       SET state = 'waiting', since = EXCLUDED.since, deadline = EXCLUDED.deadline
     RETURNING workflow_id`),
    [workflowId, topic, since, deadline],
  );
  return deadline;
}

/** Records that the receive on `topic` got a message. */
export async function recordReceived(db: Queryable, workflowId: string, topic: string) {
  await db.query(
    announced(`UPDATE ${RECEIVES_TABLE} SET state = 'received'
      WHERE workflow_id = $1 AND topic = $2 RETURNING workflow_id`),
    [workflowId, topic],
  );
}

/**
 * Records that the receive on `topic` timed out: from its commit on, a send to the topic is
 * refused. It locks the workflow's status row (FOR NO KEY UPDATE) until then, as a send's
 * statement locks it FOR SHARE before it reads this table: a send that locked it first has
 * committed its message before this commits, so a receive after this one finds the message; a
 * send that waited reads `closed` and stores nothing. The status row exists before either runs
 * (a receive's own row may not, for a topic never received yet), and DBOS takes the same lock
 * to record every step of the workflow, so this adds no new kind of wait.
 */
export async function closeReceive(db: Queryable, workflowId: string, topic: string) {
  await db.query(
    announced(`WITH locked AS (
       SELECT workflow_uuid FROM ${DBOS_SCHEMA}.workflow_status
        WHERE workflow_uuid = $1 FOR NO KEY UPDATE
     )
     UPDATE ${RECEIVES_TABLE} r SET state = 'closed'
       FROM locked WHERE r.workflow_id = locked.workflow_uuid AND r.topic = $2
     RETURNING r.workflow_id`),
    [workflowId, topic],
  );
}

/** A workflow's status and what it waits for (see `readWorkflowWait`). */
export interface WorkflowWait {
  status: string;
  waitingFor: WaitingFor | null;
}

/**
 * The workflow's status and its newest receive still `waiting`, in one read (a live feed reads
 * both on every wake), or undefined if no such workflow exists. A finished workflow waits for
 * nothing, whatever its rows say (a cancel leaves its receive `waiting`). A receive past its
 * deadline but not yet closed is still shown: a send is still received until the close.
 */
export async function readWorkflowWait(
  db: Queryable,
  workflowId: string,
): Promise<WorkflowWait | undefined> {
  let rows;
  try {
    rows = await readWaitRows(db, workflowId);
  } catch (error) {
    // The API role is granted `since` and `deadline` by a worker of this release at its start;
    // an API rolled out before one has started reads the status alone meanwhile.
    if ((error as { code?: unknown }).code !== INSUFFICIENT_PRIVILEGE) throw error;
    const status = await readWorkflowStatus(db, workflowId);
    return status === undefined ? undefined : { status, waitingFor: null };
  }
  const row = rows[0];
  if (!row) return undefined;
  const iso = (ms: number) => new Date(Math.round(ms)).toISOString();
  const waitingFor =
    row.topic === null
      ? null
      : { topic: row.topic, since: iso(row.since_ms!), deadline: iso(row.deadline_ms!) };
  return { status: row.status, waitingFor };
}

const INSUFFICIENT_PRIVILEGE = "42501";

async function readWaitRows(db: Queryable, workflowId: string) {
  const { rows } = await db.query<{
    status: string;
    topic: string | null;
    since_ms: number | null;
    deadline_ms: number | null;
  }>(
    `SELECT s.status, w.topic, w.since_ms, w.deadline_ms
       FROM ${DBOS_SCHEMA}.workflow_status s
       LEFT JOIN LATERAL (
         SELECT r.topic,
                extract(epoch FROM r.since)::float8 * 1000 AS since_ms,
                extract(epoch FROM r.deadline)::float8 * 1000 AS deadline_ms
           FROM ${RECEIVES_TABLE} r
          WHERE r.workflow_id = s.workflow_uuid AND r.state = 'waiting'
          ORDER BY r.since DESC LIMIT 1
       ) w ON s.status NOT IN (${FINAL_STATUSES.map((f) => `'${f}'`).join(", ")})
      WHERE s.workflow_uuid = $1`,
    [workflowId],
  );
  return rows;
}
