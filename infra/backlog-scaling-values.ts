/**
 * The values of the worker's backlog scaling that the graph test reads too (infra/worker-scaling.ts
 * declares the policy). Plain values, no SST.
 */

/**
 * The metric the worker prints as embedded-metric lines (BACKLOG_METRIC in
 * functions/worker/src/backlog-metric.ts; infra imports no workspace package, so the graph test
 * holds the two equal).
 */
export const BACKLOG_METRIC = {
  namespace: "WorkflowCommunication",
  backlog: "QueueBacklog",
  queueDimension: "Queue",
  stageDimension: "Stage",
  versionDimension: "Version",
} as const;

/** The queue the worker serves (QUEUE_NAME in @wfc/core). */
export const WORKER_QUEUE = "example-queue";

/**
 * Workflows in flight (ENQUEUED + PENDING) per running task that the policy holds the service
 * at. A starting point, not a measurement: a task runs this many short workflows at once with
 * room to spare; tune it with `npm run load` against a stage.
 */
export const BACKLOG_PER_TASK_TARGET = 100;

/** Scale out after a minute; scale in only after five quiet minutes, so a burst does not flap. */
export const BACKLOG_SCALE_OUT_COOLDOWN_SECONDS = 60;
export const BACKLOG_SCALE_IN_COOLDOWN_SECONDS = 300;
