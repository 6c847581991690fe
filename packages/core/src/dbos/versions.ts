import { APP_NAME } from "../contracts/app.js";
import type { VersionState, VersionsReport, VersionSummary } from "../contracts/versions.js";
import type { VersionInfo } from "@dbos-inc/dbos-sdk";
import { runWithAbortableDbRetries } from "./internals.js";
import { DBOS_SCHEMA, type Queryable } from "./schema.js";

/** Registered versions listed at most, newest first (one per release: old ones are history). */
export const MAX_VERSIONS = 100;

/**
 * In-flight rows counted per read at most: the counts saturate there, and the read stays a
 * bounded scan of DBOS's in-flight index however much is queued.
 */
export const MAX_IN_FLIGHT_COUNTED = 100_000;

// DBOS's own scope for an application's rows: its name, or none (rows from before names).
const OURS = "(application_name = $1 OR application_name IS NULL)";

/** Where the registered versions come from: `DBOSClient`, or `DBOS` once launched (both public). */
export interface VersionSource {
  listApplicationVersions(): Promise<VersionInfo[]>;
  getLatestApplicationVersion(): Promise<VersionInfo>;
}

// The SDK's answer when no version is registered yet (DBOSInitializationError): not a failure.
const NO_VERSIONS = /No application versions found/;

/**
 * DBOS's latest application version of our application (`getLatestApplicationVersion`), the one
 * whose workers dispatch unstamped work and which every newly launched version becomes;
 * undefined before any launch. Its connection retries give up after `boundMs`, as the SDK's
 * own would retry a lost database for ever.
 */
export async function readLatestVersion(
  versions: VersionSource,
  boundMs = LATEST_VERSION_BOUND_MS,
): Promise<string | undefined> {
  try {
    const latest = await runWithAbortableDbRetries(AbortSignal.timeout(boundMs), () =>
      versions.getLatestApplicationVersion(),
    );
    return latest.versionName;
  } catch (error) {
    if (NO_VERSIONS.test(String((error as Error | undefined)?.message))) return undefined;
    throw error;
  }
}

/** How long `readLatestVersion` rides out a lost database connection. */
export const LATEST_VERSION_BOUND_MS = 5_000;

/**
 * Every version (registered, or stamped on in-flight workflows) with its PENDING and ENQUEUED
 * counts and its state: the release's progress as an operator watches it. Two bounded reads:
 * the SDK's list of versions (on `versions`) and one count of ours (on `db`).
 */
export async function readVersionsReport(
  db: Queryable,
  versions: Pick<VersionSource, "listApplicationVersions">,
): Promise<VersionsReport> {
  // The SDK's list is scoped to its client's application (ours) and ordered latest first.
  const registered = (await versions.listApplicationVersions())
    .slice(0, MAX_VERSIONS)
    .map((v) => ({ version: v.versionName, registeredAt: v.createdAt }));
  const { rows } = await db.query<{ version: string; status: string; n: number }>(
    `SELECT application_version AS version, status, count(*)::int AS n
       FROM (SELECT application_version, status
               FROM ${DBOS_SCHEMA}.workflow_status
              WHERE status IN ('PENDING', 'ENQUEUED')
                AND application_version IS NOT NULL
                AND ${OURS}
              LIMIT ${MAX_IN_FLIGHT_COUNTED}) AS in_flight
      GROUP BY application_version, status`,
    [APP_NAME],
  );
  const counts = new Map<string, { pending: number; enqueued: number }>();
  for (const { version, status, n } of rows) {
    const count = counts.get(version) ?? { pending: 0, enqueued: 0 };
    if (status === "PENDING") count.pending = n;
    else count.enqueued = n;
    counts.set(version, count);
  }
  const latest = registered[0]?.version ?? null;
  const known = new Set(registered.map((r) => r.version));
  const summary = (version: string, registeredAt: number | undefined): VersionSummary => {
    const count = counts.get(version) ?? { pending: 0, enqueued: 0 };
    const inFlight = count.pending + count.enqueued > 0;
    const state: VersionState =
      registeredAt === undefined
        ? "unregistered"
        : version === latest
          ? "current"
          : inFlight
            ? "draining"
            : "drained";
    return {
      version,
      latest: version === latest,
      state,
      registered_at: registeredAt === undefined ? null : new Date(registeredAt).toISOString(),
      ...count,
    };
  };
  // Unregistered first: work no worker can take yet is what an operator must see.
  const unregistered = [...counts.keys()].filter((v) => !known.has(v)).sort();
  return {
    latest,
    versions: [
      ...unregistered.map((v) => summary(v, undefined)),
      ...registered.map((r) => summary(r.version, r.registeredAt)),
    ],
  };
}
