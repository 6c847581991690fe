import { DBOS } from "@dbos-inc/dbos-sdk";
import { DBOS_SCHEMA, DEFAULT_APP_VERSION, kindNamed } from "@wfc/core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDbosBackend } from "../../functions/api/src/backend.js";
import { createInspector } from "../support/api.js";
import { createTestDatabase } from "../support/database.js";
import { startWorker, type TestWorker } from "../support/worker.js";

// Scale-out on one database: one, then two, then three real worker processes serve the same
// queue. Each round enqueues its workflows one after another, each once the previous one has
// been picked up, so every dispatch is measured on an idle queue and whichever worker polls next
// takes it.
const PER_ROUND = 20;
const ROUNDS = [1, 2, 3];
/** How much slower the median dispatch with three workers may be than with one (polls: 20 ms). */
const LATENCY_MARGIN_MS = 50;

let databaseUrl: string;
let backend: ReturnType<typeof createDbosBackend>;
let inspector: Awaited<ReturnType<typeof createInspector>>;
let db: pg.Pool;
const workers: TestWorker[] = [];
const rounds = new Map<number, string[]>();

interface Row {
  workflow_uuid: string;
  status: string;
  executor_id: string;
  recovery_attempts: string;
  dispatch_ms: string;
  outputs: string;
}

/** Each workflow's status, executor, attempts, enqueue -> dequeue time and recorded operations. */
async function rowsOf(ids: string[]) {
  const { rows } = await db.query<Row>(
    `SELECT s.workflow_uuid, s.status, s.executor_id, s.recovery_attempts,
            s.started_at_epoch_ms - s.created_at AS dispatch_ms,
            (SELECT count(*) FROM ${DBOS_SCHEMA}.operation_outputs o
              WHERE o.workflow_uuid = s.workflow_uuid) AS outputs
       FROM ${DBOS_SCHEMA}.workflow_status s
      WHERE s.workflow_uuid = ANY($1)`,
    [ids],
  );
  return rows;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  await DBOS.migrate(databaseUrl);
  backend = createDbosBackend({ databaseUrl, appVersion: DEFAULT_APP_VERSION, poolSize: 2 });
  inspector = await createInspector(databaseUrl);
  db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const events = kindNamed("events").workflowName;
  for (const count of ROUNDS) {
    while (workers.length < count) {
      workers.push(await startWorker(databaseUrl, { EXECUTOR_ID: `w${workers.length + 1}` }));
    }
    const ids: string[] = [];
    for (let i = 0; i < PER_ROUND; i++) {
      const id = `scale-${count}-${i}`;
      await backend.start(events, id, [1]);
      // Its first event means a worker has dequeued it (woken by notification, not a poll).
      expect(await backend.getEvent(id, "status", 10)).not.toBeNull();
      ids.push(id);
    }
    rounds.set(count, ids);
  }
  await Promise.all([...rounds.values()].flat().map((id) => inspector.result(id)));
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await db?.end();
  await inspector?.close();
  await backend?.close();
});

describe("several workers on one database", () => {
  it("finish every workflow, each once: one attempt and the same operations recorded as a lone worker's", async () => {
    const all = await rowsOf([...rounds.values()].flat());
    expect(all).toHaveLength(PER_ROUND * ROUNDS.length);
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(["SUCCESS"]));
    expect(new Set(all.map((r) => Number(r.recovery_attempts)))).toEqual(new Set([1]));
    // What a single worker recorded for the same workflow is what every other run recorded.
    const lone = (await rowsOf(rounds.get(1)!))[0]!.outputs;
    expect(new Set(all.map((r) => r.outputs))).toEqual(new Set([lone]));
    expect(Number(lone)).toBeGreaterThan(0);
  });

  it.each([2, 3])("share the work between %i workers", async (count) => {
    const executors = new Set((await rowsOf(rounds.get(count)!)).map((r) => r.executor_id));
    expect(executors.size).toBeGreaterThan(1);
    for (const executor of executors) {
      expect(workers.slice(0, count).map((_, i) => `w${i + 1}`)).toContain(executor);
    }
  });

  it(`dispatch as fast with three workers as with one (median within ${LATENCY_MARGIN_MS} ms)`, async () => {
    const dispatch = async (count: number) =>
      median((await rowsOf(rounds.get(count)!)).map((r) => Number(r.dispatch_ms)));
    const [one, three] = [await dispatch(1), await dispatch(3)];
    console.log(`median enqueue -> dequeue: 1 worker ${one} ms, 3 workers ${three} ms`);
    expect(three).toBeLessThanOrEqual(one + LATENCY_MARGIN_MS);
  });
});
