import { createHash } from "node:crypto";
import { WFC_SCHEMA } from "../db/queryable.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/** The channel the enqueue trigger NOTIFYs, payload: the queue's name. */
export const QUEUE_WAKE_CHANNEL = "wfc_workflow_enqueued";

const FUNCTION = `${WFC_SCHEMA}.notify_workflow_enqueued`;
const TRIGGER = "wfc_notify_workflow_enqueued";
const TABLE = `${DBOS_SCHEMA}.workflow_status`;
const CREATE_TRIGGER = `CREATE OR REPLACE TRIGGER ${TRIGGER}
      AFTER INSERT OR UPDATE OF status ON ${TABLE}
      FOR EACH ROW WHEN (NEW.status = 'ENQUEUED' AND NEW.queue_name IS NOT NULL)
      EXECUTE FUNCTION ${FUNCTION}()`;
// Kept as the trigger's comment: a start finds the trigger it would create and leaves it.
const TRIGGER_DIGEST = createHash("sha256").update(CREATE_TRIGGER).digest("hex");

/**
 * Creates (or replaces) the trigger that NOTIFYs `QUEUE_WAKE_CHANNEL` with the queue's name when
 * a workflow becomes ENQUEUED (inserted so, or set so: a resume, a recovery). PostgreSQL sends
 * it when the transaction commits, once per queue and transaction, so a listener polls exactly
 * when the row is visible. The trigger is (re)created only when it is missing or another
 * release's: creating one locks DBOS's busiest table against writes, and waits for every open
 * transaction that wrote to it (the API role's included), so a restart leaves it alone. Run it
 * in a transaction holding the set-up lock (the schema's runner, `schema/runner.ts`).
 */
export async function createEnqueueTrigger(db: Queryable) {
  await db.query(`CREATE OR REPLACE FUNCTION ${FUNCTION}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${QUEUE_WAKE_CHANNEL}', NEW.queue_name);
      RETURN NULL;
    END $$`);
  const { rows } = await db.query<{ digest: string | null }>(
    `SELECT obj_description(oid, 'pg_trigger') AS digest FROM pg_trigger
      WHERE tgrelid = $1::regclass AND tgname = $2`,
    [TABLE, TRIGGER],
  );
  if (rows[0]?.digest === TRIGGER_DIGEST) return;
  await db.query(CREATE_TRIGGER);
  await db.query(`COMMENT ON TRIGGER ${TRIGGER} ON ${TABLE} IS '${TRIGGER_DIGEST}'`);
}
