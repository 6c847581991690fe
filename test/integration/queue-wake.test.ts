import { DBOS } from "@dbos-inc/dbos-sdk";
import { DBOS_SCHEMA, DEFAULT_APP_VERSION, kindNamed } from "@wfc/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// The enqueue wake-up: an enqueue NOTIFYs the worker, which dispatches at once; queue polling is
// only the safety net. Here the safety net polls every 5 s, so a start dispatched within a
// second was woken, not polled: DBOS's first poll comes one interval after launch.
const SAFETY_NET_MS = 5_000;
const WOKEN_WITHIN_MS = 1_000;

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** A database, a worker with `env` and a backend that enqueues onto it. */
async function stack(env: Record<string, string>) {
  const databaseUrl = await createTestDatabase();
  await DBOS.migrate(databaseUrl);
  const worker: TestWorker = await startWorker(databaseUrl, {
    QUEUE_POLLING_INTERVAL_MS: String(SAFETY_NET_MS),
    ...env,
  });
  stops.push(() => worker.stop());
  const backend = createDbosBackend({ databaseUrl, appVersion: DEFAULT_APP_VERSION, poolSize: 2 });
  stops.push(() => backend.close());
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  stops.push(() => db.end());
  /** Enqueue -> dequeue of one workflow (ms, by the database's record), once it has started. */
  const dispatchMs = async (id: string, withinMs: number) => {
    const until = performance.now() + withinMs;
    while (performance.now() < until) {
      const { rows } = await db.query<{ ms: string | null }>(
        `SELECT started_at_epoch_ms - created_at AS ms FROM ${DBOS_SCHEMA}.workflow_status
          WHERE workflow_uuid = $1 AND status <> 'ENQUEUED'`,
        [id],
      );
      if (rows[0]?.ms != null) return Number(rows[0].ms);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  };
  const start = (id: string) => backend.start(kindNamed("events").workflowName, id, [1]);
  return { start, dispatchMs };
}

describe("queue dispatch", () => {
  it("starts each enqueued workflow at once, seconds before the queue's next poll", async () => {
    const { start, dispatchMs } = await stack({});
    const run = Date.now();
    const dispatches: Array<number | undefined> = [];
    for (let i = 0; i < 5; i++) {
      const id = `woken-${run}-${i}`;
      await start(id);
      dispatches.push(await dispatchMs(id, SAFETY_NET_MS * 2));
    }
    for (const ms of dispatches) expect(ms).toBeLessThan(WOKEN_WITHIN_MS);
  });

  it("without the wake-up, leaves a start waiting for the queue's next poll", async () => {
    const { start, dispatchMs } = await stack({ QUEUE_WAKE: "off" });
    const id = `polled-${Date.now()}`;
    await start(id);
    expect(await dispatchMs(id, WOKEN_WITHIN_MS)).toBeUndefined();
    // The safety net still starts it.
    expect(await dispatchMs(id, SAFETY_NET_MS * 2)).toBeGreaterThan(WOKEN_WITHIN_MS);
  });
});
