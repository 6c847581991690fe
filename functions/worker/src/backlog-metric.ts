import { APP_NAME, readQueueBacklog, type QueueBacklog } from "@wfc/core";
import pg from "pg";

/**
 * The queue-backlog metric's names, which the scaling policy reads (infra/backlog-scaling-values.ts
 * repeats them: infra imports no workspace package; the graph test holds them equal).
 * Stored in CloudWatch: never rename casually.
 */
export const BACKLOG_METRIC = {
  namespace: "WorkflowCommunication",
  enqueued: "QueueEnqueued",
  pending: "QueuePending",
  backlog: "QueueBacklog",
  queueDimension: "Queue",
  stageDimension: "Stage",
  versionDimension: "Version",
} as const;

/** Longest one count may take: a slow database delays the next sample, never the worker. */
const COUNT_TIMEOUT_MS = 5_000;

/**
 * One CloudWatch Embedded Metric Format document for one queue at one application version:
 * CloudWatch Logs turns the log line into the three metrics, so no AWS API call (and no
 * permission) is needed. Dimensions: `Queue` and `Version`, so that during a release each
 * version's service scales on its own backlog, and `Stage` first when given, so stages sharing an
 * account keep their own series.
 */
export function backlogMetricDocument(
  backlog: QueueBacklog,
  options: { stage?: string; version: string; timestamp: number },
) {
  const {
    namespace,
    enqueued,
    pending,
    backlog: total,
    queueDimension,
    stageDimension,
    versionDimension,
  } = BACKLOG_METRIC;
  const dimensions = [...(options.stage ? [stageDimension] : []), queueDimension, versionDimension];
  return {
    _aws: {
      Timestamp: options.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [dimensions],
          Metrics: [enqueued, pending, total].map((Name) => ({ Name, Unit: "Count" })),
        },
      ],
    },
    // Not a metric: lets a person reading the worker's log see what the line is.
    msg: "queue backlog",
    ...(options.stage ? { [stageDimension]: options.stage } : {}),
    [queueDimension]: backlog.queue,
    [versionDimension]: options.version,
    [enqueued]: backlog.enqueued,
    [pending]: backlog.pending,
    [total]: backlog.enqueued + backlog.pending,
  };
}

export interface BacklogMetricOptions {
  databaseUrl: string;
  appVersion: string;
  /** Queues reported even when empty: the ones this worker listens on. */
  queues: readonly string[];
  /** Milliseconds between samples; 0 publishes nothing. */
  intervalMs: number;
  stage?: string;
  /** Where each metric line goes: stdout, which the container's log driver ships. */
  write?: (line: string) => void;
  log?: (line: Record<string, unknown>) => void;
}

/** The running publisher; `stop()` ends it after any sample in progress. */
export interface BacklogMetric {
  stop(): Promise<void>;
}

/**
 * Publishes the backlog of our queues at our version at once and then every `intervalMs`, one
 * EMF line per queue. Every worker task of a version publishes the same totals (the count is the
 * database's, not the task's); the scaling policy reads their Maximum, so how many tasks publish
 * does not matter.
 *
 * Each sample opens one short-lived connection, after start-up: the connection budget's `setup`
 * slot, which the schema, queue and role set-up have released by then. A failed sample is logged
 * once per failing stretch and skipped; the metric simply has no data point for it.
 */
export function startBacklogMetric(options: BacklogMetricOptions): BacklogMetric {
  if (options.intervalMs === 0) return { stop: async () => {} };
  const write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));

  let failing = false;
  const sample = async () => {
    const client = new pg.Client({
      connectionString: options.databaseUrl,
      application_name: `${APP_NAME}-backlog`,
      connectionTimeoutMillis: COUNT_TIMEOUT_MS,
      statement_timeout: COUNT_TIMEOUT_MS,
    });
    // An error on an idle client (the server went away) must not crash the worker.
    client.on("error", () => {});
    try {
      await client.connect();
      const backlogs = await readQueueBacklog(client, options);
      const timestamp = Date.now();
      for (const backlog of backlogs) {
        const document = backlogMetricDocument(backlog, {
          stage: options.stage,
          version: options.appVersion,
          timestamp,
        });
        write(JSON.stringify(document));
      }
      failing = false;
    } catch (error) {
      if (!failing) log({ msg: "backlog metric failed", error: String(error) });
      failing = true;
    } finally {
      await client.end().catch(() => {});
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current = Promise.resolve();
  const run = () => {
    current = sample().finally(() => {
      if (!stopped) timer = setTimeout(run, options.intervalMs);
    });
  };
  run();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
