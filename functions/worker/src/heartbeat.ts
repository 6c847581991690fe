import { EXECUTORS_TABLE } from "@wfc/core";
import type pg from "pg";

// DBOS has no notion of a live executor, so each worker records one row in EXECUTORS_TABLE and
// refreshes it: `takeover.ts` reads it for dead workers, the API for retired versions.

/**
 * Records that `executorId` is alive now (by the database's clock, so workers' clocks never
 * matter). A beat also drops any claim on the row: an executor that comes back under the same
 * ID recovers its own workflows at launch, so nobody else should. The `first` beat of a process
 * also drops a retirement its ID recorded before (it serves again); later beats keep it, since
 * a retiring worker beats until DBOS has stopped.
 */
export async function beat(pool: pg.Pool, executorId: string, appVersion: string, first = false) {
  await pool.query(
    `INSERT INTO ${EXECUTORS_TABLE} (executor_id, app_version, last_seen)
     VALUES ($1, $2, now())
     ON CONFLICT (executor_id) DO UPDATE
       SET app_version = EXCLUDED.app_version, last_seen = now(),
           claimed_by = NULL, claimed_at = NULL
           ${first ? ", retired_at = NULL" : ""}`,
    [executorId, appVersion],
  );
}

/**
 * Records that `executorId` retires (`retired`) or, when the retirement is called off, that it
 * does not: from then on the API refuses to resume or message its version's workflows once no
 * other worker of the version is alive (`retiredVersionSql`).
 */
export async function recordRetirement(pool: pg.Pool, executorId: string, retired: boolean) {
  await pool.query(
    `UPDATE ${EXECUTORS_TABLE} SET retired_at = ${retired ? "now()" : "NULL"} WHERE executor_id = $1`,
    [executorId],
  );
}
