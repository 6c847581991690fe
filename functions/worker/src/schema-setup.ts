import { assertDbosContract, dbosQueuePoller, migrateSchema, type WorkerConfig } from "@wfc/core";
import { ensureApiRole } from "./api-role.js";
import { prepareQueue } from "./queue.js";

const log = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/**
 * Everything the database needs before `DBOS.launch()`, in order: the SDK checked for what this
 * release relies on (`assertDbosContract`: it throws, naming the SDK's version, rather than run
 * without takeover), DBOS's schema and our queue (`prepareQueue`), our schema
 * (`migrateSchema`: the versioned migrations, then the triggers this configuration asks for) and
 * the API role. The role's grants run on every start, after the migrations, rather than as a
 * migration: its name and password are configuration (a secret that may rotate), and an SDK
 * upgrade may add DBOS tables, so they are re-established each time; they start from no grants,
 * so repeating them changes nothing. Every step is safe for workers starting together and gives
 * up after `STARTUP_LOCK_WAIT_MS` waiting for a lock (`StartupLockError`).
 */
export async function setUpDatabase(config: WorkerConfig) {
  assertDbosContract();
  const url = config.DBOS_SYSTEM_DATABASE_URL;
  const waitMs = config.STARTUP_LOCK_WAIT_MS;
  const versions = await prepareQueue(url, config.QUEUE_POLLING_INTERVAL_MS, waitMs);
  const applied = await migrateSchema(url, {
    notifyTriggers: config.NOTIFY_TRIGGERS,
    // Without a queue runner to wake (another SDK), the wake-up warns and leaves it to polling.
    enqueueTrigger: config.QUEUE_WAKE === "on" && dbosQueuePoller() !== undefined,
    waitMs,
  });
  if (applied.length > 0) log({ msg: "wfc schema migrated", applied });
  if (config.API_DATABASE_PASSWORD) await setUpApiRole(config, versions);
}

/**
 * The API role's grants are the current release's: a draining version's worker (restarted by
 * ECS) must not take back what the new API needs (`ensureApiRole` starts from no grants). At
 * launch a version not registered yet becomes DBOS's latest; a registered one keeps its place.
 */
async function setUpApiRole(config: WorkerConfig, versions: string[]) {
  const latest = versions[0];
  const ours = latest === undefined || latest === config.APP_VERSION;
  if (!ours && versions.includes(config.APP_VERSION)) {
    log({ msg: "api role left to the latest version", appVersion: config.APP_VERSION, latest });
    return;
  }
  const report = await ensureApiRole({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    role: config.API_DATABASE_ROLE,
    password: config.API_DATABASE_PASSWORD!,
    connectionLimit: config.API_DATABASE_CONNECTION_LIMIT,
    waitMs: config.STARTUP_LOCK_WAIT_MS,
  });
  if (report.largeObjectFunctions.length > 0)
    log({
      level: "warn",
      msg: "api role can still create large objects: the worker's user does not own these functions, revoke EXECUTE on them from PUBLIC as their owner",
      role: config.API_DATABASE_ROLE,
      functions: report.largeObjectFunctions,
    });
  log({
    msg: "api role ready",
    role: config.API_DATABASE_ROLE,
    connectionLimit: config.API_DATABASE_CONNECTION_LIMIT,
  });
}
