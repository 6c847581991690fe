import {
  ANNOUNCEMENT_KEY_TABLE,
  createAnnouncementKey,
  MAC_SUFFIX_BYTES,
  signPayloadSql,
} from "../db/announcement-mac.js";
import { CHANNELS, VALUE_CHANNELS, WORKFLOW_ENDED_CHANNEL } from "../db/change-source.js";
import { WFC_SCHEMA } from "../db/queryable.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";
import { lockSetup } from "../schema/setup-lock.js";
import { FINAL_STATUSES } from "./workflow-status.js";

/**
 * pg_notify refuses a payload of 8000 bytes or more. Such a change is not announced (raising
 * would abort DBOS's write); waiters find it on their fallback poll, as with DBOS's own notifier.
 */
export const MAX_PAYLOAD_BYTES = 7999;

const NOTIFY_CHANGE = `${WFC_SCHEMA}.notify_change`;
const NOTIFY_EVENT_VALUE = `${WFC_SCHEMA}.notify_event_value`;
const NOTIFY_STREAM_VALUE = `${WFC_SCHEMA}.notify_stream_value`;
const NOTIFY_WORKFLOW_ENDED = `${WFC_SCHEMA}.notify_workflow_ended`;

/** The trigger announcing a workflow's end: a change of status to a final one. */
export const WORKFLOW_ENDED_TRIGGER = "wfc_notify_workflow_ended";

/**
 * The triggers that announce a write in the write's own transaction, by table. PostgreSQL fires
 * a table's triggers in name order, so a value is announced before its key.
 */
export const NOTIFY_TRIGGERS = [
  {
    name: "wfc_notify_event_values",
    table: `${DBOS_SCHEMA}.workflow_events`,
    // setEvent upserts: a key set again is an UPDATE.
    on: "INSERT OR UPDATE",
    fn: NOTIFY_EVENT_VALUE,
    channel: VALUE_CHANNELS.events,
  },
  {
    name: "wfc_notify_workflow_events",
    table: `${DBOS_SCHEMA}.workflow_events`,
    on: "INSERT OR UPDATE",
    fn: NOTIFY_CHANGE,
    channel: CHANNELS.events,
  },
  {
    name: "wfc_notify_stream_values",
    table: `${DBOS_SCHEMA}.streams`,
    on: "INSERT",
    fn: NOTIFY_STREAM_VALUE,
    channel: VALUE_CHANNELS.streams,
  },
  {
    name: "wfc_notify_streams",
    table: `${DBOS_SCHEMA}.streams`,
    on: "INSERT",
    fn: NOTIFY_CHANGE,
    channel: CHANNELS.streams,
  },
  {
    name: WORKFLOW_ENDED_TRIGGER,
    table: `${DBOS_SCHEMA}.workflow_status`,
    // Only the update that ends a workflow fires it: every other status update skips the call.
    on: "UPDATE OF status",
    when: `NEW.status IN (${FINAL_STATUSES.map((s) => `'${s}'`).join(", ")})
      AND OLD.status IS DISTINCT FROM NEW.status`,
    fn: NOTIFY_WORKFLOW_ENDED,
    channel: WORKFLOW_ENDED_CHANNEL,
  },
] as const satisfies readonly {
  name: string;
  table: string;
  on: string;
  when?: string;
  fn: string;
  channel: string;
}[];

/**
 * How long DBOS's own notifier batches (`notificationCoalesceMs`): NOTIFICATION_COALESCE_MS when
 * set; else 1 ms without the triggers (it is the live path) and 1 s with them, where its NOTIFYs
 * only repeat the triggers' and each repeat wakes the changed workflow's waiters to re-read.
 */
export function notifierBatchMs(config: {
  NOTIFICATION_COALESCE_MS?: number | undefined;
  NOTIFY_TRIGGERS: boolean;
}): number {
  return config.NOTIFICATION_COALESCE_MS ?? (config.NOTIFY_TRIGGERS ? 1_000 : 1);
}

/**
 * Makes every event and stream write NOTIFY in its own transaction, on the channel and with the
 * payload (`<workflowId>::<key>`) DBOS's notifier uses, so every listener (ours and DBOS's own)
 * understands it; each write also announces its value on `VALUE_CHANNELS` when it fits, just
 * before. DBOS 5 sends these from a loop after the write has committed: a second
 * transaction and a second WAL flush on the latency path. Here the value and its announcement
 * commit together; PostgreSQL delivers a NOTIFY only once its transaction has committed, so a
 * woken reader sees the value. The cost: notifying commits are serialised by PostgreSQL (one
 * lock held through each commit's flush), measured by the benchmark's commit-rate rows.
 *
 * A workflow's end is announced too (`WORKFLOW_ENDED_CHANNEL`), so a live feed learns it without
 * re-reading; an update that ends no workflow skips the trigger by its WHEN clause.
 *
 * Value announcements are signed (`announcement-mac.ts`): the functions run as their owner (the
 * worker's role, which alone reads the key) whoever writes, and no other role may call them.
 *
 * Creates only what is missing (a trigger's creation locks its table against writes for a
 * moment), under the set-up lock (`lockSetup`). Run it inside a transaction,
 * after DBOS has migrated its schema.
 */
export async function createNotifyTriggers(db: Queryable) {
  await lockSetup(db);
  await createAnnouncementKey(db);
  await db.query(`CREATE OR REPLACE FUNCTION ${NOTIFY_CHANGE}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      payload text := NEW.workflow_uuid || '::' || NEW.key;
    BEGIN
      IF octet_length(payload) <= ${MAX_PAYLOAD_BYTES} THEN
        PERFORM pg_notify(TG_ARGV[0], payload);
      END IF;
      RETURN NULL;
    END $$`);
  await db.query(`CREATE OR REPLACE FUNCTION ${NOTIFY_WORKFLOW_ENDED}() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF octet_length(NEW.workflow_uuid) <= ${MAX_PAYLOAD_BYTES} THEN
        PERFORM pg_notify(TG_ARGV[0], NEW.workflow_uuid);
      END IF;
      RETURN NULL;
    END $$`);
  await db.query(valueFunction(NOTIFY_EVENT_VALUE, {}));
  await db.query(valueFunction(NOTIFY_STREAM_VALUE, { o: 'NEW."offset"' }));
  // A trigger runs its function whoever writes; only creating a trigger needs EXECUTE.
  for (const fn of [NOTIFY_CHANGE, NOTIFY_EVENT_VALUE, NOTIFY_STREAM_VALUE, NOTIFY_WORKFLOW_ENDED])
    await db.query(`REVOKE EXECUTE ON FUNCTION ${fn}() FROM PUBLIC`);
  const present = await presentTriggers(db);
  for (const trigger of NOTIFY_TRIGGERS) {
    if (present.has(trigger.name)) continue;
    const when = "when" in trigger ? `WHEN (${trigger.when})` : "";
    await db.query(`CREATE TRIGGER ${trigger.name} AFTER ${trigger.on} ON ${trigger.table}
      FOR EACH ROW ${when} EXECUTE FUNCTION ${trigger.fn}('${trigger.channel}')`);
  }
}

/**
 * A trigger function announcing the written value as `VALUE_CHANNELS` describe, with `fields`
 * (JSON name -> expression) added. The value rides along only when it fits; a bigger one is read
 * back by whoever waits (the key's own announcement follows). Measured before it is built: a
 * value of megabytes is never turned into JSON just to be dropped. The transaction lets a
 * listener pair each value with its key's announcement: PostgreSQL sends identical payloads of
 * one transaction once, so rows copied together (a fork's stream) have one key announcement.
 * SECURITY DEFINER: it reads the key as its owner; it can only run as a trigger of our tables.
 */
function valueFunction(name: string, fields: Record<string, string>) {
  const extra = Object.entries(fields).map(([field, expression]) => `, '${field}', ${expression}`);
  return `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      payload text;
      pads record;
    BEGIN
      IF octet_length(NEW.workflow_uuid) + octet_length(NEW.key)
          + coalesce(octet_length(NEW.value), 0) < ${MAX_PAYLOAD_BYTES - MAC_SUFFIX_BYTES} THEN
        payload := json_build_object('w', NEW.workflow_uuid, 'k', NEW.key,
          'v', NEW.value, 's', NEW.serialization, 'x', txid_current()::text${extra.join("")})::text;
        SELECT inner_pad, outer_pad INTO pads FROM ${ANNOUNCEMENT_KEY_TABLE};
        -- Without a key (never expected) it goes unsigned: receivers take it as a wake-up only.
        IF FOUND THEN
          ${signPayloadSql("payload", "TG_ARGV[0]", "pads")}
        END IF;
        IF octet_length(payload) <= ${MAX_PAYLOAD_BYTES} THEN
          PERFORM pg_notify(TG_ARGV[0], payload);
        END IF;
      END IF;
      RETURN NULL;
    END $$`;
}

/** Removes the triggers (a worker configured to leave notifying to DBOS). Run it in a transaction. */
export async function dropNotifyTriggers(db: Queryable) {
  await lockSetup(db);
  const present = await presentTriggers(db);
  for (const trigger of NOTIFY_TRIGGERS) {
    if (present.has(trigger.name))
      await db.query(`DROP TRIGGER IF EXISTS ${trigger.name} ON ${trigger.table}`);
  }
}

async function presentTriggers(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY($1)",
    [NOTIFY_TRIGGERS.map((t) => t.name)],
  );
  return new Set(rows.map((r) => r.name));
}
