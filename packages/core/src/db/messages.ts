import { DELIVERIES_TABLE, type DeliveryRecord } from "./deliveries.js";
import { DBOS_SCHEMA, type Queryable } from "./queryable.js";
import type { WorkflowIdentity } from "./workflow-status.js";

/** A message ready to store as DBOS does: serialized by the client's serializer. */
export interface SerializedMessage {
  workflowId: string;
  topic: string;
  message: string;
  serialization: string | null;
  /**
   * DBOS's `message_uuid`, unique across all workflows: a random UUID, or
   * `<idempotency key>::<workflow id>` (DBOS's own form), so that a repeat stores nothing.
   */
  messageUuid: string;
}

/**
 * Who cannot receive a message: workflows in one of `statuses`, or whose stored name is one of
 * `names` (their kind declares no such topic).
 */
export interface MessageRefusal {
  statuses: readonly string[];
  names: readonly string[];
}

/** What one send found and did. */
export interface StoreOutcome {
  /** The workflow's status and name; undefined when it does not exist (nothing is stored). */
  identity?: WorkflowIdentity;
  /** The workflow can receive the message (it exists and is not refused). */
  accepted: boolean;
  /** The message was inserted (false: refused, or its `messageUuid` or record key was taken). */
  stored: boolean;
  /** With a record: it was inserted, so this send owns the key. */
  claimed: boolean;
}

/**
 * Stores a message for a workflow in one statement, as `DBOSClient.send` does (one INSERT into
 * `dbos.notifications`, whose trigger NOTIFYs the worker's `recv`), but only where it can be
 * received: the workflow exists and `refusal` names neither its status nor its name. The same
 * statement reads the workflow's identity, so a checked send costs the one round trip and the
 * one commit of the SDK's unchecked one. With `record`, the delivery is recorded in the same
 * statement and the message is stored only if the record was new: a record key already taken
 * (committed, or by a concurrent send, whose commit this waits for) stores nothing, and the
 * caller reads the earlier record in a statement of its own (it is not visible to this one).
 */
export async function storeMessage(
  db: Queryable,
  message: SerializedMessage,
  refusal: MessageRefusal,
  record?: DeliveryRecord,
): Promise<StoreOutcome> {
  const values: unknown[] = [
    message.workflowId,
    message.topic,
    message.message,
    message.serialization,
    message.messageUuid,
    refusal.statuses,
    refusal.names,
  ];
  // Without a record, the message rows come from the accepted target itself.
  let source = "accepted";
  let claim = "";
  if (record) {
    values.push(record.key, record.fingerprint);
    claim = `, claim AS (
      INSERT INTO ${DELIVERIES_TABLE} (delivery_key, workflow_id, topic, fingerprint)
      SELECT $8, $1, $2, $9 FROM accepted
      ON CONFLICT (delivery_key) DO NOTHING
      RETURNING 1
    )`;
    source = "claim";
  }
  const { rows } = await db.query<WorkflowIdentity & StoreOutcome>(
    `WITH target AS (
       SELECT status, name FROM ${DBOS_SCHEMA}.workflow_status WHERE workflow_uuid = $1
     ), accepted AS (
       SELECT 1 FROM target WHERE status <> ALL ($6::text[]) AND name <> ALL ($7::text[])
     )${claim}, stored AS (
       INSERT INTO ${DBOS_SCHEMA}.notifications
         (destination_uuid, topic, message, serialization, message_uuid)
       SELECT $1, $2, $3, $4, $5 FROM ${source}
       ON CONFLICT (message_uuid) DO NOTHING
       RETURNING 1
     )
     SELECT status, name,
       EXISTS (SELECT FROM accepted) AS accepted,
       EXISTS (SELECT FROM stored) AS stored,
       ${record ? "EXISTS (SELECT FROM claim)" : "false"} AS claimed
     FROM target`,
    values,
  );
  const row = rows[0];
  if (!row) return { accepted: false, stored: false, claimed: false };
  const { status, name, accepted, stored, claimed } = row;
  return { identity: { status, name }, accepted, stored, claimed };
}
