/**
 * The worker's scale-out on its queue's backlog, besides CPU: workflows waiting on I/O or on
 * messages build a backlog at low CPU, which CPU tracking never sees.
 */

import {
  BACKLOG_METRIC,
  BACKLOG_PER_TASK_TARGET,
  BACKLOG_SCALE_IN_COOLDOWN_SECONDS,
  BACKLOG_SCALE_OUT_COOLDOWN_SECONDS,
  WORKER_QUEUE,
} from "./backlog-scaling-values";

interface BacklogPolicyArgs {
  /** The service's component name: the policy is named after it. */
  name: string;
  /** The application version the service runs: it scales on that version's backlog only. */
  version: string;
  target: aws.appautoscaling.Target;
  clusterName: $util.Input<string>;
  serviceName: $util.Input<string>;
}

/**
 * A target-tracking policy on backlog per task, in metric math: the Maximum of the stage's
 * QueueBacklog at the service's version (every task of a version publishes the same
 * database-wide total, so the maximum is that total however many tasks publish) divided by the
 * service's running tasks (Container Insights' RunningTaskCount, which the cluster enables).
 * During a release each version's service scales on its own backlog. With the CPU policy beside
 * it, Application Auto Scaling scales out when either asks and in only when both agree.
 */
export function createBacklogScaling({
  name,
  version,
  target,
  clusterName,
  serviceName,
}: BacklogPolicyArgs) {
  return new aws.appautoscaling.Policy(`${name}BacklogScaling`, {
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
                  { name: BACKLOG_METRIC.versionDimension, value: version },
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
