import { ChangeFeed, readEvent, waitForEvent } from "@wfc/core";
import pg from "pg";
import { countConnections, enqueueOptions, type Side } from "./sides.js";
import { delay } from "./stats.js";
import { BENCH, now } from "./workflows.js";

export interface Sizes {
  samples: number;
  throughputWorkflows: number;
  waiters: number;
}

const uid = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Reads events the fastest way available, identical for both sides: collecting results must
 * not be what is measured.
 */
export class Collector {
  readonly pool: pg.Pool;
  readonly feed: ChangeFeed;
  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 4,
      application_name: "bench-collector",
    });
    this.feed = new ChangeFeed({
      connectionString: databaseUrl,
      applicationName: "bench-collector-listen",
    });
  }
  async event(workflowId: string, key: string): Promise<number> {
    const event = await waitForEvent(this.pool, this.feed, workflowId, key, {
      timeoutMs: 60_000,
      fallbackPollMs: 50,
    });
    if (!event.found) throw new Error(`no ${key} on ${workflowId}`);
    return event.value as number;
  }
  async close() {
    await this.feed.close();
    await this.pool.end();
  }
}

/** setEvent -> a blocked GET answers. Waiters on distinct keys, events set 100 ms apart. */
export async function eventWake(side: Side, sizes: Sizes): Promise<number[]> {
  const id = uid("wake");
  await side.client.enqueue(enqueueOptions(BENCH.eventWake, id), sizes.samples);
  const waiters = Array.from({ length: sizes.samples }, (_, i) =>
    side.waitEvent(id, `k${i}`, 25).then((value) => now() - (value as number)),
  );
  await delay(300); // let every GET reach its wait before the first event
  for (let i = 0; i < sizes.samples; i++) {
    await side.client.send(id, i, "go");
    await delay(100);
  }
  return Promise.all(waiters);
}

/** writeStream -> the live reader receives the value. */
export async function streamLatency(side: Side, sizes: Sizes): Promise<number[]> {
  const id = uid("stream");
  await side.client.enqueue(enqueueOptions(BENCH.stream, id), sizes.samples, 50);
  const latencies: number[] = [];
  for await (const value of side.followStream(id))
    latencies.push(now() - (value as { t: number }).t);
  return latencies;
}

/** enqueue returns -> the workflow's first line runs (the worker's queue polling). */
export async function dispatch(side: Side, sizes: Sizes, collector: Collector): Promise<number[]> {
  const runs: Array<{ id: string; enqueuedAt: number }> = [];
  for (let i = 0; i < sizes.samples; i++) {
    const id = uid("dispatch");
    await side.client.enqueue(enqueueOptions(BENCH.dispatch, id));
    runs.push({ id, enqueuedAt: now() });
    await delay(100);
  }
  return Promise.all(
    runs.map(async ({ id, enqueuedAt }) => (await collector.event(id, "started")) - enqueuedAt),
  );
}

/** message sent (POST returns) -> the workflow's recv returns. */
export async function messageWake(
  side: Side,
  sizes: Sizes,
  collector: Collector,
): Promise<number[]> {
  const id = uid("recv");
  await side.client.enqueue(enqueueOptions(BENCH.recv, id), sizes.samples);
  await delay(300); // the workflow is waiting in recv
  const latencies: number[] = [];
  for (let i = 0; i < sizes.samples; i++) {
    const sentAt = now();
    await side.sendMessage(id, { i });
    latencies.push((await collector.event(id, `r${i}`)) - sentAt);
  }
  return latencies;
}

/** POST start -> the first progress value reaches a blocked GET (the user's first paint). */
export async function startToProgress(side: Side, sizes: Sizes): Promise<number[]> {
  const runs: Array<Promise<number>> = [];
  for (let i = 0; i < sizes.samples; i++) {
    const id = uid("first-progress");
    const started = now();
    runs.push(
      side
        .startEventsWorkflow(id, 1)
        .then(() => side.waitEvent(id, "progress", 25))
        .then(() => now() - started),
    );
    await delay(250);
  }
  return Promise.all(runs);
}

/** Workflows per second for a burst of concurrent starts (2 trivial steps + 1 event each). */
export async function throughput(side: Side, sizes: Sizes, db: pg.Pool): Promise<number> {
  const prefix = uid("tp");
  const started = now();
  await Promise.all(
    Array.from({ length: sizes.throughputWorkflows }, (_, i) =>
      side.client.enqueue(enqueueOptions(BENCH.throughput, `${prefix}-${i}`), i),
    ),
  );
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM dbos.workflow_status WHERE workflow_uuid LIKE $1 AND status = 'SUCCESS'",
      [`${prefix}-%`],
    );
    if (rows[0]!.n >= sizes.throughputWorkflows) break;
    await delay(20);
  }
  return sizes.throughputWorkflows / ((now() - started) / 1000);
}

/**
 * Database connections held by one API process while `waiters` requests wait for an event
 * (tuned: the API server's pool and LISTEN connection; baseline: a DBOSClient's pool).
 */
export async function connectionsUnderWaiters(
  side: Side,
  sizes: Sizes,
  admin: pg.Pool,
  applicationPrefix: string,
  waitFor: (id: string) => Promise<unknown>,
): Promise<number> {
  const id = uid("nobody-sets-this");
  const waiting = Array.from({ length: sizes.waiters }, () => waitFor(id));
  let peak = 0;
  const until = now() + 3_000;
  while (now() < until) {
    peak = Math.max(peak, await countConnections(admin, applicationPrefix));
    await delay(100);
  }
  await Promise.allSettled(waiting);
  return peak;
}

/** Database transactions per second while everything is idle (the cost of polling). */
export async function idleTransactionsPerSecond(
  admin: pg.Pool,
  database: string,
  seconds = 5,
): Promise<number> {
  const read = async () =>
    (
      await admin.query<{ n: string }>(
        "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1",
        [database],
      )
    ).rows[0]!.n;
  const before = Number(await read());
  await delay(seconds * 1000);
  // Our own two reads count too: subtract them.
  return (Number(await read()) - before - 1) / seconds;
}

export { readEvent };
