import { DBOS, DBOSClient } from "@dbos-inc/dbos-sdk";
import {
  APP_NAME,
  DEFAULT_APP_VERSION,
  FANOUT_CHILDREN,
  kindNamed,
  QUEUE_NAME,
  WFC_SCHEMA,
} from "@wfc/core";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasUndispatchedWork } from "@wfc/core";
import { startTestStack } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { STALLING_WORKFLOW } from "../support/stalling-workflow.js";
import { startWorker } from "../support/worker.js";

const STALLING_ENTRY = fileURLToPath(new URL("../support/stalling-worker.ts", import.meta.url));
/** A small pool, so that a handful of workflows is a pool's worth. */
const POOL = 4;

const enqueueOptions = (
  workflowName: string,
  workflowID: string,
  appVersion = DEFAULT_APP_VERSION,
) => ({
  queueName: QUEUE_NAME,
  workflowName,
  workflowID,
  appVersion,
});

describe("the seed's fan-out on a small pool", () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  beforeAll(async () => {
    stack = await startTestStack({ SHUTDOWN_GRACE_MS: "0", DB_POOL_SIZE: String(POOL) });
  });
  afterAll(() => stack?.close());

  it("answers three pools' worth of concurrent GET / and runs every child, and other work goes on", async () => {
    // Each root used to hold a connection while asking for another (DBOS's in-workflow status
    // read): a pool's worth of roots at once stopped every workflow for good.
    const { api, inspector } = stack;
    const roots = await Promise.all(Array.from({ length: POOL * 3 }, () => api.get("/")));
    expect(roots.map((r) => r.status)).toEqual(roots.map(() => 200));
    const children = roots.flatMap((r) => r.body.handles_status as { workflow_id: string }[]);
    expect(children).toHaveLength(POOL * 3 * FANOUT_CHILDREN);
    for (const child of children) await inspector.result(child.workflow_id);

    const id = `after-fanout-${Date.now()}`;
    expect((await api.post(`/start-workflow-events/${id}/1`)).status).toBe(200);
    expect((await api.get(`/workflow-events/${id}/status?timeout=10`)).body.value).toBeDefined();
    expect(await inspector.result(id)).toHaveLength(1);
  });
});

describe("a worker that stops making progress", () => {
  let url: string;
  let db: pg.Pool;
  let client: DBOSClient;

  beforeAll(async () => {
    url = await createTestDatabase();
    await DBOS.migrate(url);
    db = new pg.Pool({ connectionString: url, max: 1 });
    client = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: APP_NAME });
  });
  afterAll(async () => {
    await client?.destroy();
    await db?.end();
  });

  it("with its pool starved: says so, stops its heartbeat and exits to be replaced", async () => {
    const worker = await startWorker(
      url,
      {
        DB_POOL_SIZE: "2",
        STALL_AFTER_MS: "1500",
        HEARTBEAT_INTERVAL_MS: "100",
        EXECUTOR_ID: "stalling",
        SHUTDOWN_GRACE_MS: "0",
      },
      STALLING_ENTRY,
    );
    try {
      const health = `http://127.0.0.1:${String(worker.output.map(parseReady).find(Boolean))}/health`;
      expect((await fetch(health)).status).toBe(200);
      // Queued while the worker is paused, as behind a busy worker: its next dequeue starts them
      // all at once.
      worker.child.kill("SIGSTOP");
      for (let i = 0; i < 6; i++)
        await client.enqueue(enqueueOptions(STALLING_WORKFLOW, `stall-${i}-${Date.now()}`));
      worker.child.kill("SIGCONT");

      const started = performance.now();
      expect(await worker.exited).toBe(1);
      const exitedAt = Date.now();
      // Detected after its quiet period, well before PostgreSQL's 60 s idle-transaction limit.
      expect(performance.now() - started).toBeLessThan(15_000);
      const line = worker.output.find((l) => l.includes('"worker stalled"'));
      expect(line, worker.output.join("\n")).toBeDefined();
      expect(JSON.parse(line!.slice(line!.indexOf("{")))).toMatchObject({
        reason: "pool starved",
        executorId: "stalling",
      });
      await expect(fetch(health)).rejects.toThrow();
      // The heartbeat stopped with it: nothing vouches for the executor any more, so another
      // worker takes its workflows over once it is judged dead.
      const { rows } = await db.query<{ ms: number }>(
        `SELECT extract(epoch FROM last_seen) * 1000 AS ms FROM ${WFC_SCHEMA}.executors
          WHERE executor_id = 'stalling'`,
      );
      expect(Number(rows[0]!.ms)).toBeLessThanOrEqual(exitedAt);
    } finally {
      await worker.stop(0);
    }
  });

  it("sees work of its version waiting ENQUEUED past the stall period, and only that", async () => {
    // No worker runs on this database: whatever is enqueued waits.
    const fresh = await createTestDatabase();
    await DBOS.migrate(fresh);
    const other = await DBOSClient.create({ systemDatabaseUrl: fresh, applicationName: APP_NAME });
    const reads = new pg.Pool({ connectionString: fresh, max: 1 });
    try {
      const check = (appVersion: string, stallMs: number) =>
        hasUndispatchedWork(reads, { appVersion, queues: [QUEUE_NAME], stallMs });
      expect(await check(DEFAULT_APP_VERSION, 0)).toBe(false);
      await other.enqueue(
        enqueueOptions(kindNamed("events").workflowName, `waiting-${Date.now()}`),
        1,
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await check(DEFAULT_APP_VERSION, 0)).toBe(true);
      expect(await check(DEFAULT_APP_VERSION, 60_000)).toBe(false);
      expect(await check("another-version", 0)).toBe(false);
    } finally {
      await other.destroy();
      await reads.end();
    }
  });
});

/** The health port from the worker's ready line, if `line` is it. */
function parseReady(line: string): number | undefined {
  if (!line.includes('"worker ready"')) return undefined;
  return (JSON.parse(line.slice(line.indexOf("{"))) as { healthPort: number }).healthPort;
}
