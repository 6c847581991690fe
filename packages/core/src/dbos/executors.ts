import { WFC_SCHEMA } from "../db/queryable.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/**
 * One row per worker process (executor), kept by the worker (`functions/worker/src/heartbeat.ts`):
 * its application version, its last heartbeat and, once it has retired, when. Created by the schema's
 * migrations (`schema/migrations.ts`).
 */
export const EXECUTORS_TABLE = `${WFC_SCHEMA}.executors`;

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
