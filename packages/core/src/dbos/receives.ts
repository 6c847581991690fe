import { WFC_SCHEMA } from "../db/queryable.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

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
    `INSERT INTO ${RECEIVES_TABLE} (workflow_id, topic, state, since, deadline)
     VALUES ($1, $2, 'waiting', to_timestamp($3::float8 / 1000), to_timestamp($4::float8 / 1000))
     ON CONFLICT (workflow_id, topic) DO UPDATE
       SET state = 'waiting', since = EXCLUDED.since, deadline = EXCLUDED.deadline`,
    [workflowId, topic, since, deadline],
  );
  return deadline;
}

/** Records that the receive on `topic` got a message. */
export async function recordReceived(db: Queryable, workflowId: string, topic: string) {
  await db.query(
    `UPDATE ${RECEIVES_TABLE} SET state = 'received' WHERE workflow_id = $1 AND topic = $2`,
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
    `WITH locked AS (
       SELECT workflow_uuid FROM ${DBOS_SCHEMA}.workflow_status
        WHERE workflow_uuid = $1 FOR NO KEY UPDATE
     )
     UPDATE ${RECEIVES_TABLE} r SET state = 'closed'
       FROM locked WHERE r.workflow_id = locked.workflow_uuid AND r.topic = $2`,
    [workflowId, topic],
  );
}
