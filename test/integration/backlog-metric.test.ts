import { DBOS } from "@dbos-inc/dbos-sdk";
import { kindNamed, QUEUE_NAME } from "@wfc/core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { startBacklogMetric } from "../../functions/worker/src/backlog-metric.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker } from "../support/worker.js";

// The worker's backlog metric against a real database: what it counts, and the CloudWatch
// embedded-metric line it prints. Two workflows are PENDING (dequeued by a worker that then
// stopped) and three ENQUEUED at the version counted; one more waits at another version.
const VERSION = "backlog";
let databaseUrl: string;
let workerOutput: string[] = [];

/** The metric's lines of one sample, as the worker's log would carry them. */
async function sampleOnce(options: { appVersion: string; stage?: string }) {
  const lines: string[] = [];
  let written!: () => void;
  const first = new Promise<void>((resolve) => (written = resolve));
  const metric = startBacklogMetric({
    databaseUrl,
    queues: [QUEUE_NAME],
    intervalMs: 60_000,
    write: (line) => {
      lines.push(line);
      written();
    },
    ...options,
  });
  await first;
  await metric.stop();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await DBOS.migrate(databaseUrl);
  const enqueue = createDbosBackend({ databaseUrl, appVersion: VERSION, poolSize: 1 });
  const other = createDbosBackend({ databaseUrl, appVersion: "another-release", poolSize: 1 });
  const inspector = await createInspector(databaseUrl);
  const messaging = kindNamed("messaging").workflowName;
  try {
    const worker = await startWorker(databaseUrl, {
      APP_VERSION: VERSION,
      SHUTDOWN_GRACE_MS: "0",
    });
    workerOutput = worker.output;
    // Its first sample is taken as it becomes ready, on an empty queue: wait for it to be printed
    // before anything is enqueued.
    await vi.waitFor(
      () => expect(worker.output.some((line) => line.includes('"queue backlog"'))).toBe(true),
      { timeout: 10_000, interval: 20 },
    );
    const waiting = ["pending-1", "pending-2"];
    for (const id of waiting) await enqueue.start(messaging, id, [1]);
    // They wait in recv for a minute: PENDING, then left so when the worker stops.
    await vi.waitFor(
      async () => {
        for (const id of waiting) expect(await inspector.status(id)).toBe("PENDING");
      },
      { timeout: 10_000, interval: 50 },
    );
    await worker.stop();
    for (const id of ["queued-1", "queued-2", "queued-3"]) await enqueue.start(messaging, id, [1]);
    await other.start(messaging, "another-release-1", [1]);
  } finally {
    await inspector.close();
    await enqueue.close();
    await other.close();
  }
}, 60_000);

describe("queue backlog metric", () => {
  it("counts the ENQUEUED and PENDING workflows of its version on each queue, under that version", async () => {
    const [line, ...others] = await sampleOnce({ appVersion: VERSION });
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      Queue: QUEUE_NAME,
      Version: VERSION,
      QueueEnqueued: 3,
      QueuePending: 2,
      QueueBacklog: 5,
    });
  });

  it("is a valid CloudWatch embedded-metric document: namespace, dimensions, metrics, units", async () => {
    const before = Date.now();
    const [line] = await sampleOnce({ appVersion: VERSION, stage: "production" });
    const aws = line!._aws as Record<string, unknown>;
    expect(Object.keys(aws).sort()).toEqual(["CloudWatchMetrics", "Timestamp"]);
    expect(aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(aws.Timestamp).toBeLessThanOrEqual(Date.now());
    expect(aws.CloudWatchMetrics).toEqual([
      {
        Namespace: "WorkflowCommunication",
        Dimensions: [["Stage", "Queue", "Version"]],
        Metrics: [
          { Name: "QueueEnqueued", Unit: "Count" },
          { Name: "QueuePending", Unit: "Count" },
          { Name: "QueueBacklog", Unit: "Count" },
        ],
      },
    ]);
    // EMF: every dimension and metric named above is a member of the document's root.
    expect(line).toMatchObject({
      Stage: "production",
      Queue: QUEUE_NAME,
      Version: VERSION,
      QueueBacklog: 5,
    });
  });

  it("reports another version's backlog under that version, apart from this one's", async () => {
    // During a release each version's service scales on its own series.
    const [line] = await sampleOnce({ appVersion: "another-release", stage: "production" });
    expect(line).toMatchObject({
      Stage: "production",
      Queue: QUEUE_NAME,
      Version: "another-release",
      QueueEnqueued: 1,
      QueuePending: 0,
      QueueBacklog: 1,
    });
  });

  it("reports an empty queue as zeros, so an idle service has data to scale in on", async () => {
    const [line] = await sampleOnce({ appVersion: "no-such-release" });
    expect(line).toMatchObject({
      Queue: QUEUE_NAME,
      QueueEnqueued: 0,
      QueuePending: 0,
      QueueBacklog: 0,
    });
    expect(
      (line!._aws as { CloudWatchMetrics: { Dimensions: unknown }[] }).CloudWatchMetrics[0],
    ).toMatchObject({ Dimensions: [["Queue", "Version"]] });
  });

  it("is printed by the worker on its stdout as soon as it is ready", () => {
    const lines = workerOutput
      .map((line) => line.replace(/^\[worker\] /, ""))
      .filter((line) => line.includes('"queue backlog"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ Queue: QUEUE_NAME, QueueBacklog: 0 });
  });
});
