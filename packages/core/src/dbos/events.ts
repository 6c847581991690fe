import { decodeValue } from "./decode.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/**
 * Reads the latest value of every event a workflow has set (the SDK has no such call).
 * Returns `{}` for an unknown workflow, as the seed does.
 */
export async function readAllEvents(
  db: Queryable,
  workflowId: string,
): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{
    key: string;
    value: string | null;
    serialization: string | null;
  }>(
    `SELECT key, value, serialization FROM ${DBOS_SCHEMA}.workflow_events
      WHERE workflow_uuid = $1 ORDER BY key`,
    [workflowId],
  );
  const events: Record<string, unknown> = {};
  for (const row of rows) events[row.key] = await decodeValue(row.value, row.serialization);
  return events;
}

/** The latest value of one event; `found` is false while the key has never been set. */
export async function readEvent(
  db: Queryable,
  workflowId: string,
  key: string,
): Promise<{ found: boolean; value?: unknown }> {
  const { rows } = await db.query<{ value: string | null; serialization: string | null }>(
    `SELECT value, serialization FROM ${DBOS_SCHEMA}.workflow_events WHERE workflow_uuid = $1 AND key = $2`,
    [workflowId, key],
  );
  const row = rows[0];
  return row
    ? { found: true, value: await decodeValue(row.value, row.serialization) }
    : { found: false };
}
