import { WORKER_CONNECTIONS_PER_TASK, type ConnectionBudget } from "./connection-budget";

/**
 * The worker container's settings that both the deployed service (infra/worker.ts) and the test
 * that runs the image's command (test/infra/worker-image.test.ts) use. Plain values, no SST.
 */

/** Port of the worker's `GET /health`, inside the container only (no load balancer). */
export const WORKER_HEALTH_PORT = 8001;

/**
 * Port of the worker's change relay, which answers the API's waits over the VPC (the API's
 * security group may reach it; infra/network.ts).
 */
export const RELAY_PORT = 8003;

/**
 * How often each task prints its queue's backlog (the scaling metric, infra/worker-scaling.ts):
 * once per minute, the metric's period.
 */
export const BACKLOG_METRIC_INTERVAL_SECONDS = 60;

/** Where the relay listens in a container: every interface, so the VPC reaches it. */
export const RELAY_HOST = "0.0.0.0";

/**
 * The database role the API connects as. The worker creates it at start-up (with the password
 * ECS hands it as a secret, and the budget's connection limit); the API's link names it.
 */
export const API_DATABASE_ROLE = "wfc_api";

/** How long running workflows may finish after SIGTERM before the worker exits. */
export const SHUTDOWN_GRACE_SECONDS = 45;

/**
 * How long ECS waits after SIGTERM before SIGKILL: above the grace period, so the worker always
 * gets to leave its unfinished workflows to recovery itself (ECS allows at most 120 s).
 */
export const STOP_TIMEOUT_SECONDS = 60;

/**
 * The container health check: asks the worker's health server, which answers 200 only while
 * DBOS runs. Uses `node` itself because the slim image has no curl.
 */
export const WORKER_HEALTH_CHECK = [
  "CMD",
  "node",
  "-e",
  "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || 8001) + '/health')" +
    ".then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
];

/**
 * The environment the worker container starts with, besides its secrets (the database URL and
 * the API role's password): the pool sizes and the API role's limit come from the stage's
 * connection budget, so what the worker opens is what the budget counts.
 */
export function workerEnvironment(
  appVersion: string,
  budget: ConnectionBudget,
  relayHost = RELAY_HOST,
): Record<string, string> {
  return {
    APP_VERSION: appVersion,
    HEALTH_PORT: String(WORKER_HEALTH_PORT),
    SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_SECONDS * 1000),
    LOG_LEVEL: "info",
    DB_POOL_SIZE: String(WORKER_CONNECTIONS_PER_TASK.dbosPool),
    RELAY_PORT: String(RELAY_PORT),
    RELAY_HOST: relayHost,
    RELAY_POOL_SIZE: String(WORKER_CONNECTIONS_PER_TASK.relayPool),
    API_DATABASE_ROLE,
    API_DATABASE_CONNECTION_LIMIT: String(budget.apiRoleConnectionLimit),
    BACKLOG_METRIC_INTERVAL_MS: String(BACKLOG_METRIC_INTERVAL_SECONDS * 1000),
  };
}
