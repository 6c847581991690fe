/**
 * The worker container's settings that both the deployed service (infra/worker.ts) and the test
 * that runs the image's command (test/infra/worker-image.test.ts) use. Plain values, no SST.
 */

/** Port of the worker's `GET /health`, inside the container only (no load balancer). */
export const WORKER_HEALTH_PORT = 8001;

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

/** The environment the worker container starts with, besides its secret database URL. */
export function workerEnvironment(appVersion: string): Record<string, string> {
  return {
    APP_VERSION: appVersion,
    HEALTH_PORT: String(WORKER_HEALTH_PORT),
    SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_SECONDS * 1000),
    LOG_LEVEL: "info",
  };
}
