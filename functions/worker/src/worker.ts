import { DBOS } from "@dbos-inc/dbos-sdk";
import {
  APP_NAME,
  kindSettingsOf,
  notifierBatchMs,
  QUEUE_NAME,
  type WorkerConfig,
} from "@wfc/core";
import { registerWorkflows } from "@wfc/core/workflows";
import { ChangeFeed } from "@wfc/realtime";
import { startRelay } from "@wfc/realtime/relay-server";
import { startBacklogMetric } from "./backlog-metric.js";
import { startHealthServer, type WorkerState } from "./health.js";
import { startLiveness } from "./liveness.js";
import { startDispatchWake } from "./queue-wake.js";
import { startRetirement } from "./retirement.js";
import { setUpDatabase } from "./schema-setup.js";
import { startStallWatchdog } from "./stall-watchdog.js";
import { preparingClient, StatementNames, systemPool } from "./system-pool.js";

/**
 * The worker's whole lifecycle: register workflows -> launch -> serve the queue until
 * SIGTERM/SIGINT -> shut down, letting running workflows finish for a grace period. Whatever is
 * still running then stays PENDING in Postgres and is recovered from its last completed step.
 * A worker of a version a newer release has replaced retires by itself once its version's work
 * is over (`retirement.ts`): DBOS stops, the process stays up and healthy, idle.
 * Workflows registered by the caller before this call run here too (the benchmark's).
 */
export async function runWorker(config: WorkerConfig) {
  // The SDK checked, DBOS's schema and ours migrated, the API role granted (`schema-setup.ts`).
  await setUpDatabase(config);
  // DBOS's statements and the relay's reads, named (`system-pool.ts`); the worker is direct.
  const names = config.PREPARED_STATEMENTS === "on" ? new StatementNames() : undefined;
  // Our own pool either way, so that the stall watchdog can see whether it is starved.
  const dbosPool = systemPool({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    max: config.DB_POOL_SIZE,
    applicationName: `dbos_transact_${config.EXECUTOR_ID}_${config.APP_VERSION}`,
    names,
  });
  // Receives record their state on DBOS's pool: a step borrows one connection at a time, and
  // DBOS holds none of its own while a step runs.
  const workflows = registerWorkflows({
    kinds: kindSettingsOf(config),
    fibonacciThreads: config.FIBONACCI_THREADS,
    db: dbosPool,
    links: { ring: config.TOKEN_KEYS, publicApiUrl: config.PUBLIC_API_URL },
  });
  DBOS.setConfig({
    name: APP_NAME,
    systemDatabaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    systemDatabasePoolSize: config.DB_POOL_SIZE,
    systemDatabasePool: dbosPool,
    applicationVersion: config.APP_VERSION,
    executorID: config.EXECUTOR_ID,
    logLevel: config.LOG_LEVEL,
    notificationCoalesceMs: notifierBatchMs(config),
    // Only our queue: a queue of another app sharing the database is not ours to run.
    listenQueues: [QUEUE_NAME],
  });
  // Heartbeat first: from the first workflow on, this executor can be declared dead and its
  // workflows taken over by another worker (a replacement starts under a new executor ID).
  const liveness = await startLiveness({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    executorId: config.EXECUTOR_ID,
    appVersion: config.APP_VERSION,
    intervalMs: config.HEARTBEAT_INTERVAL_MS,
    deadAfterMs: config.EXECUTOR_DEAD_AFTER_MS,
  });
  await DBOS.launch();
  // After the set-up above: each sample borrows the connection that set-up has released.
  const backlogMetric = startBacklogMetric({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    appVersion: config.APP_VERSION,
    queues: [QUEUE_NAME],
    intervalMs: config.BACKLOG_METRIC_INTERVAL_MS,
    stage: config.METRIC_STAGE,
  });
  // This process's one LISTEN connection, shared by the relay's waiters and the queue wake-up.
  const changes = new ChangeFeed({
    connectionString: config.DBOS_SYSTEM_DATABASE_URL,
    applicationName: `${APP_NAME}-relay-listen`,
  });
  // Listening before the first waiter arrives keeps its first wait fast; failures retry then.
  changes.ready().catch(() => {});
  const relay = await startRelay({
    databaseUrl: config.DBOS_SYSTEM_DATABASE_URL,
    changes,
    secret: config.CHANGE_RELAY_SECRET,
    host: config.RELAY_HOST,
    allowedHosts: config.RELAY_ALLOWED_HOSTS,
    maxAnswers: config.RELAY_MAX_ANSWERS,
    feedMaxMs: config.RELAY_FEED_MAX_SECONDS * 1000,
    feedsPerWorkflow: config.LIVE_FEEDS_PER_WORKFLOW,
    port: config.RELAY_PORT,
    poolSize: config.RELAY_POOL_SIZE,
    pollMs: config.RELAY_POLL_MS,
    ...(names && { Client: preparingClient(names) }),
  });
  const queueWake = await startDispatchWake({
    source: changes,
    queues: [QUEUE_NAME],
    enabled: config.QUEUE_WAKE === "on",
  });

  const stopWorkflows = async () => {
    // No wake may poll a queue runner that is shutting down (idempotent: stop() calls it too).
    await queueWake.stop();
    await DBOS.shutdown({ workflowCompletionTimeoutMS: config.SHUTDOWN_GRACE_MS });
    await dbosPool.end(); // DBOS leaves a pool it was given open
    await workflows.pool.close();
  };
  const retirement = startRetirement({
    db: liveness.db,
    versions: DBOS,
    appVersion: config.APP_VERSION,
    intervalMs: config.RETIRE_CHECK_INTERVAL_MS,
    quietMs: config.RETIRE_QUIET_MS,
    registryParameter: config.RELEASE_REGISTRY_PARAMETER,
    shutdown: stopWorkflows,
    recordRetirement: (retired) => liveness.recordRetirement(retired),
    // Nothing of this version is left to take over, and takeover needs a launched DBOS.
    onRetired: () => liveness.stop(),
  });

  let stopping = false;
  // A worker that makes no progress while work waits says so and leaves: its health check fails,
  // its heartbeat stops vouching for it (so other workers take its workflows over), and it exits
  // for ECS (or `npm start`) to replace it. Only while it serves: a retired worker runs nothing.
  const watchdog = startStallWatchdog({
    pool: dbosPool,
    db: liveness.db,
    appVersion: config.APP_VERSION,
    queues: [QUEUE_NAME],
    stallMs: config.STALL_AFTER_MS,
    onStall: (reason, detail) => {
      if (stopping || retirement.retired) return;
      console.error(
        JSON.stringify({
          msg: "worker stalled",
          reason,
          executorId: config.EXECUTOR_ID,
          stallMs: config.STALL_AFTER_MS,
          ...detail,
        }),
      );
      const exit = () => process.exit(1);
      setTimeout(exit, 2_000).unref();
      liveness.stop().then(exit, exit);
    },
  });
  const state = (): WorkerState =>
    stopping
      ? "stopping"
      : watchdog.stalled
        ? "stalled"
        : retirement.retired
          ? "retired"
          : "serving";
  const health = await startHealthServer(config.HEALTH_PORT, state, config.HEALTH_HOST);
  // One machine-readable line: the local runner and tests wait for it instead of sleeping.
  console.log(
    JSON.stringify({
      msg: "worker ready",
      executorId: config.EXECUTOR_ID,
      appVersion: config.APP_VERSION,
      healthPort: health.port,
      relayPort: relay.port,
      node: process.version,
    }),
  );

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ msg: "worker stopping", signal }));
    health.server.close();
    await watchdog.stop();
    await queueWake.stop();
    // Waiters on this relay fall back or move to another worker's at once.
    await relay.stop();
    await changes.close();
    await backlogMetric.stop();
    // After this no retirement starts; one in progress has finished.
    await retirement.stop();
    if (!retirement.retired) {
      await stopWorkflows();
      // Beating until here keeps draining workflows ours; after it, what is left is taken over.
      await liveness.stop();
    }
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
