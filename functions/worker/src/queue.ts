import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, QUEUE_NAME, StartupLockError } from "@wfc/core";

/**
 * Creates or migrates the DBOS schema and registers our queue before `DBOS.launch()`, and
 * returns the names of our application's registered versions, latest first. Launch
 * then discovers the queue at once; registered after launch, it would be picked up only at the
 * next reconcile (up to a second), delaying the first workflows of a fresh database.
 *
 * DBOS's migration takes no advisory lock (only its data sources' migrations do, which we do not
 * use), but an upgrade's ALTER TABLE waits for every open transaction on its table, the API
 * role's too: its sessions get a `lock_timeout` of `lockWaitMs`.
 * @throws StartupLockError when the migration waited `lockWaitMs` for a lock.
 */
export async function prepareQueue(
  databaseUrl: string,
  minPollingIntervalMs: number,
  lockWaitMs: number,
): Promise<string[]> {
  try {
    await DBOS.migrate(withLockTimeout(databaseUrl, lockWaitMs));
  } catch (error) {
    if (!hasLockTimeout(error)) throw error;
    throw new StartupLockError("DBOS's schema migration", lockWaitMs, { cause: error });
  }
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  try {
    await client.registerQueue(QUEUE_NAME, { minPollingIntervalMs, applicationName: APP_NAME });
    return (await client.listApplicationVersions()).map((v) => v.versionName);
  } finally {
    await client.destroy();
  }
}

/**
 * `databaseUrl` whose sessions start with `lock_timeout` = `ms` (the startup packet's
 * `options`, which node-postgres reads from the URL), keeping any `options` it had.
 */
export function withLockTimeout(databaseUrl: string, ms: number): string {
  const url = new URL(databaseUrl);
  const options = url.searchParams.get("options");
  url.searchParams.set("options", `${options ? `${options} ` : ""}-c lock_timeout=${ms}`);
  return url.toString();
}

// DBOS wraps some errors: the lock timeout (55P03) may be the error or any of its causes.
function hasLockTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as Error).cause, depth++)
    if ((e as { code?: string }).code === "55P03") return true;
  return false;
}
