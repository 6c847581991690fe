import { DBOS_SCHEMA, WFC_SCHEMA, type Queryable } from "./queryable.js";
import { lockSetup } from "./setup-lock.js";

/**
 * One row per worker process (executor), kept by the worker (`functions/worker/src/heartbeat.ts`):
 * its application version, its last heartbeat and, once it has retired, when.
 */
export const EXECUTORS_TABLE = `${WFC_SCHEMA}.executors`;

/**
 * Creates the table if missing, and adds what an earlier release's table lacks, under the set-up
 * lock (`lockSetup`). Run it inside a transaction. An ALTER TABLE runs only when a column is
 * missing: it would wait for every open transaction that read the table (the API role's too).
 */
export async function createExecutorsTable(db: Queryable) {
  await lockSetup(db);
  await db.query(`CREATE TABLE IF NOT EXISTS ${EXECUTORS_TABLE} (
    executor_id text PRIMARY KEY,
    app_version text NOT NULL,
    last_seen timestamptz NOT NULL DEFAULT now(),
    claimed_by text,
    claimed_at timestamptz,
    retired_at timestamptz
  )`);
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = $1::regclass
                      AND attname = 'retired_at' AND NOT attisdropped) AS present`,
    [EXECUTORS_TABLE],
  );
  if (!rows[0]?.present)
    await db.query(`ALTER TABLE ${EXECUTORS_TABLE} ADD COLUMN retired_at timestamptz`);
}

/**
 * How long a worker that has not retired counts as alive after its last heartbeat, for the API's
 * judgement of a version: well above any worker's `EXECUTOR_DEAD_AFTER_MS`, since a version's
 * worker that is only restarting must not be judged gone.
 */
export const ALIVE_WITHIN_SECONDS = 60;

/**
 * SQL that is true when workflows stamped `version` (an SQL expression) can no longer run: the
 * version is not `current` (the API's own, whose workers are the ones being started), one of
 * its workers has retired, and none of its workers is alive (beat in the last
 * `ALIVE_WITHIN_SECONDS` without having retired). A version whose workers are only down
 * (crashed, restarting) is not retired: its service brings them back and they run what waits.
 * NULL (unstamped: DBOS's latest runs it) never is.
 */
export function retiredVersionSql(version: string, current: string): string {
  return `(${version} IS NOT NULL AND ${version} <> ${current}
    AND EXISTS (SELECT FROM ${EXECUTORS_TABLE}
                 WHERE app_version = ${version} AND retired_at IS NOT NULL)
    AND NOT EXISTS (SELECT FROM ${EXECUTORS_TABLE}
                     WHERE app_version = ${version} AND retired_at IS NULL
                       AND last_seen > now() - interval '${ALIVE_WITHIN_SECONDS} seconds'))`;
}

/**
 * The application version of `workflowId` when no worker can run it any more
 * (`retiredVersionSql`, against `currentVersion`), else undefined (also for no such workflow).
 */
export async function readRetiredVersion(
  db: Queryable,
  workflowId: string,
  currentVersion: string,
): Promise<string | undefined> {
  try {
    const { rows } = await db.query<{ version: string }>(
      `SELECT w.application_version AS version FROM ${DBOS_SCHEMA}.workflow_status w
        WHERE w.workflow_uuid = $1 AND ${retiredVersionSql("w.application_version", "$2")}`,
      [workflowId, currentVersion],
    );
    return rows[0]?.version;
  } catch (error) {
    // No worker has ever run here (no table, no schema): none has retired.
    if (NO_TABLE.has((error as { code?: string }).code ?? "")) return undefined;
    throw error;
  }
}

// undefined_table, invalid_schema_name.
const NO_TABLE = new Set(["42P01", "3F000"]);
