import { randomUUID } from "node:crypto";
import { DELIVERIES_TABLE, type DeliveryRecord } from "../db/deliveries.js";
import { retiredVersionSql } from "./executors.js";
import { WFC_SCHEMA } from "../db/queryable.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";
import { RECEIVES_TABLE } from "./receives.js";
import { readWorkflowIdentity, type WorkflowIdentity } from "./workflow-status.js";

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
 * DBOS's `message_uuid` for a message to `workflowId`: `<idempotency key>::<workflow id>` with a
 * key (its `#sendDirectInternal`, SDK 5.3.0), so that our send and the SDK's with the same key
 * store one row; a random UUID without. The contract test pins the form against the SDK's send.
 */
export function dbosMessageUuid(workflowId: string, idempotencyKey?: string): string {
  return idempotencyKey === undefined ? randomUUID() : `${idempotencyKey}::${workflowId}`;
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
  /**
   * The workflow's application version when it has retired (`retiredVersionSql`): nothing
   * would run the workflow to receive the message, so it was refused.
   */
  retiredVersion?: string;
  /**
   * The workflow's receive on the topic has timed out (`closeReceive`): nothing would receive
   * the message, so it was refused.
   */
  receiveClosed: boolean;
}

/**
 * Our function that stores a checked message (see `createMessageStore`). Earlier releases called
 * `wfc.store_message` (two overloads, still in databases they ran on, for their APIs while a
 * release runs both); this one answers one more thing, `receive_closed`, and a function's
 * answer cannot change under its name and arguments, nor may a draining release's worker,
 * re-creating its own, take this release's check away.
 */
export const DELIVER_MESSAGE_FUNCTION = `${WFC_SCHEMA}.deliver_message`;

/**
 * Creates (or replaces) `DELIVER_MESSAGE_FUNCTION`: `storeMessage`'s checks and inserts as one
 * PL/pgSQL function, whose statements' plans each server session keeps (the same statement sent
 * as text is planned on every call, about as long as a round trip takes), while the client
 * sends no prepared statement (which RDS Proxy would pin a connection for, and pgbouncer in
 * transaction mode would lose). A migration of our schema (`schema/migrations.ts`), after the
 * deliveries table, the executors table (`EXECUTORS_TABLE`), which it reads for a retired
 * version, and the receives table, which it reads for a closed receive.
 *
 * Its first statement locks the workflow's status row FOR SHARE (sends never wait for each
 * other), and a later statement, whose snapshot is taken after the lock, reads whether the
 * receive on the topic has closed: `closeReceive` locks the same row, so a send and a close are
 * ordered (see there). A workflow that is ENQUEUED and has never received is not locked: DBOS
 * dequeues with FOR UPDATE SKIP LOCKED, so a send that locked it just then (a message sent
 * right after the start) would leave it waiting for the next poll, a second by default. A close
 * could cross such a send only if the workflow were dequeued, timed out its first receive and
 * closed it, all within the send's one statement (a millisecond; at most the API role's
 * `statement_timeout`, 5 s): only a first receive shorter than that could. A workflow queued
 * again for recovery, which may be near a deadline, is locked.
 *
 * The lock needs the UPDATE privilege on a column of the table, which the API role has for
 * cancel and resume already: the check takes no new write privilege, and the function runs with
 * the caller's rights (no SECURITY DEFINER, which would run every send with the worker's).
 */
export async function createMessageStore(db: Queryable) {
  await db.query(`CREATE OR REPLACE FUNCTION ${DELIVER_MESSAGE_FUNCTION}(
      p_workflow_id text, p_topic text, p_message text, p_serialization text,
      p_message_uuid text, p_refused_statuses text[], p_refused_names text[],
      p_current_version text, p_record_key text, p_fingerprint text,
      OUT status text, OUT name text, OUT accepted boolean, OUT stored boolean,
      OUT claimed boolean, OUT retired_version text, OUT receive_closed boolean)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_version text;
    BEGIN
      accepted := false; stored := false; claimed := false; receive_closed := false;
      -- Not locked while ENQUEUED and never received (see above).
      SELECT w.status, w.name, w.application_version INTO status, name, v_version
        FROM ${DBOS_SCHEMA}.workflow_status w
        WHERE w.workflow_uuid = p_workflow_id AND w.status <> 'ENQUEUED' FOR SHARE;
      IF NOT FOUND THEN
        SELECT w.status, w.name, w.application_version INTO status, name, v_version
          FROM ${DBOS_SCHEMA}.workflow_status w WHERE w.workflow_uuid = p_workflow_id;
        IF FOUND AND EXISTS (SELECT FROM ${RECEIVES_TABLE} r WHERE r.workflow_id = p_workflow_id)
        THEN
          SELECT w.status, w.name, w.application_version INTO status, name, v_version
            FROM ${DBOS_SCHEMA}.workflow_status w WHERE w.workflow_uuid = p_workflow_id FOR SHARE;
        END IF;
      END IF;
      IF NOT FOUND OR status = ANY (p_refused_statuses) OR name = ANY (p_refused_names) THEN
        RETURN;
      END IF;
      -- Read only for another version than the API's: the usual send never looks.
      IF v_version <> p_current_version
          AND ${retiredVersionSql("v_version", "p_current_version")} THEN
        retired_version := v_version;
        RETURN;
      END IF;
      -- Refused before a delivery is recorded: a refused webhook-id stays free.
      receive_closed := EXISTS (SELECT FROM ${RECEIVES_TABLE} r WHERE r.workflow_id = p_workflow_id
        AND r.topic = p_topic AND r.state = 'closed');
      IF receive_closed THEN
        RETURN;
      END IF;
      accepted := true;
      IF p_record_key IS NOT NULL THEN
        INSERT INTO ${DELIVERIES_TABLE} (delivery_key, workflow_id, topic, fingerprint)
          VALUES (p_record_key, p_workflow_id, p_topic, p_fingerprint)
          ON CONFLICT (delivery_key) DO NOTHING;
        claimed := FOUND;
        IF NOT claimed THEN RETURN; END IF;
      END IF;
      INSERT INTO ${DBOS_SCHEMA}.notifications
          (destination_uuid, topic, message, serialization, message_uuid)
        VALUES (p_workflow_id, p_topic, p_message, p_serialization, p_message_uuid)
        ON CONFLICT (message_uuid) DO NOTHING;
      stored := FOUND;
    END $$`);
}

// undefined_function, invalid_schema_name: no worker of this release has run on this database yet.
const NOT_CREATED = new Set(["42883", "3F000"]);
// undefined_table, invalid_schema_name.
const NO_TABLE = new Set(["42P01", "3F000"]);

/**
 * Stores a message for a workflow as `DBOSClient.send` does (one INSERT into
 * `dbos.notifications`, whose trigger NOTIFYs the worker's `recv`), in one round trip, but only
 * where it can be received: the workflow exists and `refusal` names neither its status nor its
 * name. With `record`, the delivery is recorded too, and the message is stored only if the
 * record was new: a key already taken (committed, or by a concurrent send, whose commit this
 * waits for) stores nothing, and the caller reads the earlier record itself. A workflow of
 * another version than `currentVersion` (the API's) that has retired is refused too
 * (`retiredVersion`), and so is a message on a topic whose receive has timed out
 * (`receiveClosed`). Runs `DELIVER_MESSAGE_FUNCTION`, or the same as one statement where it
 * does not exist yet: on a database where no worker of this release has started, so none has
 * recorded a receive, and where (an API is switched to a release only once its workers run,
 * docs/operations/releases.md) no version has retired since.
 */
export async function storeMessage(
  db: Queryable,
  message: SerializedMessage,
  refusal: MessageRefusal,
  currentVersion: string,
  record?: DeliveryRecord,
): Promise<StoreOutcome> {
  type Row = Partial<WorkflowIdentity> &
    Omit<StoreOutcome, "identity" | "retiredVersion" | "receiveClosed"> & {
      retired_version: string | null;
      receive_closed: boolean;
    };
  let rows: Row[];
  try {
    ({ rows } = await db.query<Row>(
      `SELECT * FROM ${DELIVER_MESSAGE_FUNCTION}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        ...checkedSendValues(message, refusal),
        currentVersion,
        record?.key ?? null,
        record?.fingerprint ?? null,
      ],
    ));
  } catch (error) {
    if (!NOT_CREATED.has((error as { code?: string }).code ?? "")) throw error;
    return storeMessageInline(db, message, refusal, record).catch(async (inline: unknown) => {
      // Nor the deliveries table: nothing keyed was stored here yet; a missing workflow is a 404.
      const code = (inline as { code?: string }).code ?? "";
      if (!record || !NO_TABLE.has(code)) throw inline;
      if (await readWorkflowIdentity(db, message.workflowId)) throw inline;
      return { accepted: false, stored: false, claimed: false, receiveClosed: false };
    });
  }
  const { status, name, accepted, stored, claimed, retired_version, receive_closed } = rows[0]!;
  const identity = status == null || name == null ? undefined : { status, name };
  return {
    identity,
    accepted,
    stored,
    claimed,
    retiredVersion: retired_version ?? undefined,
    receiveClosed: receive_closed,
  };
}

/** The parameters $1..$7 of both forms of the checked send, in the order both use. */
const checkedSendValues = (message: SerializedMessage, refusal: MessageRefusal): unknown[] => [
  message.workflowId,
  message.topic,
  message.message,
  message.serialization,
  message.messageUuid,
  refusal.statuses,
  refusal.names,
];

/**
 * `storeMessage` as one plain statement, for a database whose worker has not created
 * `DELIVER_MESSAGE_FUNCTION` yet (a new API before its workers): the same rules, planned anew on
 * every call. Stores a message for a workflow in one statement, as `DBOSClient.send` does (one INSERT into
 * `dbos.notifications`, whose trigger NOTIFYs the worker's `recv`), but only where it can be
 * received: the workflow exists and `refusal` names neither its status nor its name. The same
 * statement reads the workflow's identity, so a checked send costs the one round trip and the
 * one commit of the SDK's unchecked one. With `record`, the delivery is recorded in the same
 * statement and the message is stored only if the record was new: a record key already taken
 * (committed, or by a concurrent send, whose commit this waits for) stores nothing, and the
 * caller reads the earlier record in a statement of its own (it is not visible to this one).
 */
async function storeMessageInline(
  db: Queryable,
  message: SerializedMessage,
  refusal: MessageRefusal,
  record?: DeliveryRecord,
): Promise<StoreOutcome> {
  const values: unknown[] = checkedSendValues(message, refusal);
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
  const { rows } = await db.query<WorkflowIdentity & Omit<StoreOutcome, "receiveClosed">>(
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
  if (!row) return { accepted: false, stored: false, claimed: false, receiveClosed: false };
  const { status, name, accepted, stored, claimed } = row;
  return { identity: { status, name }, accepted, stored, claimed, receiveClosed: false };
}
