/**
 * The worker's scale-out on its queue's backlog, besides CPU: workflows waiting on I/O or on
 * messages build a backlog at low CPU, which CPU tracking never sees.
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

interface BacklogPolicyArgs {
  target: aws.appautoscaling.Target;
  clusterName: $util.Input<string>;
  serviceName: $util.Input<string>;
}

/**
 * A target-tracking policy on backlog per task, in metric math: the Maximum of the stage's
 * QueueBacklog (every task publishes the same database-wide total, so the maximum is that total
 * however many tasks publish) divided by the service's running tasks (Container Insights'
 * RunningTaskCount, which the cluster enables). With the CPU policy beside it, Application Auto
 * Scaling scales out when either asks and in only when both agree.
 */
export function createBacklogScaling({ target, clusterName, serviceName }: BacklogPolicyArgs) {
  return new aws.appautoscaling.Policy("WorkerBacklogScaling", {
    serviceNamespace: target.serviceNamespace,
    scalableDimension: target.scalableDimension,
    resourceId: target.resourceId,
    policyType: "TargetTrackingScaling",
    targetTrackingScalingPolicyConfiguration: {
      targetValue: BACKLOG_PER_TASK_TARGET,
      scaleOutCooldown: BACKLOG_SCALE_OUT_COOLDOWN_SECONDS,
      scaleInCooldown: BACKLOG_SCALE_IN_COOLDOWN_SECONDS,
      customizedMetricSpecification: {
        metrics: [
          {
            id: "backlog",
            returnData: false,
            metricStat: {
              stat: "Maximum",
              metric: {
                namespace: BACKLOG_METRIC.namespace,
                metricName: BACKLOG_METRIC.backlog,
                dimensions: [
                  { name: BACKLOG_METRIC.stageDimension, value: $app.stage },
                  { name: BACKLOG_METRIC.queueDimension, value: WORKER_QUEUE },
                ],
              },
            },
          },
          {
            id: "tasks",
            returnData: false,
            metricStat: {
              stat: "Average",
              metric: {
                namespace: "ECS/ContainerInsights",
                metricName: "RunningTaskCount",
                dimensions: [
                  { name: "ClusterName", value: clusterName },
                  { name: "ServiceName", value: serviceName },
                ],
              },
            },
          },
          { id: "backlogPerTask", label: "Backlog per task", expression: "backlog / tasks" },
        ],
      },
    },
  });
}
