import { APP_NAME } from "../contracts/app.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";
import { readLatestVersion, type VersionSource } from "./versions.js";

/** What a worker reads to decide whether its version's work is over (see `mayRetire`). */
export interface RetirementSignals {
  /** DBOS's latest version of our application; undefined before any launch. */
  latest: string | undefined;
  /** The version of the newest workflow (by `created_at`); undefined when there is none. */
  newest: string | undefined;
  /** Whether any workflow of this worker's version is PENDING or ENQUEUED. */
  inFlight: boolean;
}

// DBOS's own scope for an application's rows: its name, or none (rows from before names).
const OURS = "(application_name = $1 OR application_name IS NULL)";

/** Whether a workflow of `appVersion` is still PENDING or ENQUEUED (an index probe). */
export async function hasInFlight(db: Queryable, appVersion: string): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${DBOS_SCHEMA}.workflow_status
                     WHERE status IN ('PENDING', 'ENQUEUED')
                       AND application_version = $2
                       AND ${OURS}) AS any`,
    [APP_NAME, appVersion],
  );
  return rows[0]?.any ?? false;
}

/**
 * Reads the three signals: the latest version from `versions` (the SDK's call), then two short
 * statements (indexed) on whatever connection `db` has.
 */
export async function readRetirementSignals(
  db: Queryable,
  versions: VersionSource,
  appVersion: string,
): Promise<RetirementSignals> {
  const latest = await readLatestVersion(versions);
  const { rows } = await db.query<{ version: string | null }>(
    `SELECT application_version AS version FROM ${DBOS_SCHEMA}.workflow_status
      WHERE ${OURS} ORDER BY created_at DESC LIMIT 1`,
    [APP_NAME],
  );
  return {
    latest,
    newest: rows[0]?.version ?? undefined,
    inFlight: await hasInFlight(db, appVersion),
  };
}
