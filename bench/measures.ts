import { countSucceeded, readEvent, readWorkflowTimestamps } from "@wfc/core";
import { ChangeFeed, waitForEvent } from "@wfc/realtime";
import pg from "pg";
import { countConnections, enqueueOptions, type Side } from "./sides.js";
import { delay } from "./stats.js";
import { commitsSoFar, nextTransactionId } from "./ceiling.js";
import { BENCH, now } from "./workflows.js";
import { benchPool } from "./databases.js";

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
    this.pool = benchPool({
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

/**
 * Events set before the measured ones. The first wake after the worker and the API start runs
 * every part of the path for the first time (its statements prepared, its JavaScript not yet
 * compiled, the trigger functions compiled in that connection); a deployed worker and API are
 * long-running, so it is reported on its own row, not folded into the steady state's p99.
 */
const WARM_UP_EVENTS = 1;

/** setEvent -> a blocked GET answers. Waiters on distinct keys, events set 100 ms apart. */
export async function eventWake(
  side: Side,
  sizes: Sizes,
): Promise<{ first: number; warm: number[] }> {
  const id = uid("wake");
  const n = WARM_UP_EVENTS + sizes.samples;
  await side.client.enqueue(enqueueOptions(BENCH.eventWake, id), n);
  const waiters = Array.from({ length: n }, (_, i) =>
    side.waitEvent(id, `k${i}`, 25).then((value) => now() - (value as number)),
  );
  await delay(300); // let every GET reach its wait before the first event
  for (let i = 0; i < n; i++) {
    await side.client.send(id, i, "go");
    await delay(100);
  }
  const latencies = await Promise.all(waiters);
  return { first: latencies[0]!, warm: latencies.slice(WARM_UP_EVENTS) };
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

/** One first-progress sample: the workflow and the client's clock at the POST and the answer. */
export interface ProgressSample {
  id: string;
  postedAt: number;
  answeredAt: number;
}

/** Samples' latencies, in the order taken. */
export const latenciesOf = (samples: ProgressSample[]) =>
  samples.map((s) => s.answeredAt - s.postedAt);

async function firstProgress(side: Side, id: string): Promise<ProgressSample> {
  const postedAt = now();
  await side.startEventsWorkflow(id, 1);
  await side.waitEvent(id, "progress", 25);
  return { id, postedAt, answeredAt: now() };
}

/** POST start -> the first progress value reaches a blocked GET (the user's first paint), starts 250 ms apart. */
export async function startToProgress(side: Side, sizes: Sizes): Promise<ProgressSample[]> {
  const runs: Array<Promise<ProgressSample>> = [];
  for (let i = 0; i < sizes.samples; i++) {
    runs.push(firstProgress(side, uid("first-progress")));
    await delay(250);
  }
  return Promise.all(runs);
}

/** The same, back to back: each start right after the previous one's progress has arrived. */
export async function startToProgressBackToBack(
  side: Side,
  sizes: Sizes,
): Promise<ProgressSample[]> {
  const samples: ProgressSample[] = [];
  for (let i = 0; i < sizes.samples; i++) samples.push(await firstProgress(side, uid("b2b")));
  return samples;
}

/** Where a first-progress sample's time went, in ms, from the database's own timestamps. */
export interface ProgressHops {
  id: string;
  total: number;
  /** POST sent -> the workflow's row committed (the API and its enqueue). */
  toEnqueued: number;
  /** Enqueued -> dequeued by the worker (its queue poll). */
  toDequeued: number;
  /** Dequeued -> the progress event's write done (two setEvents: status, then progress). */
  toProgressWritten: number;
  /** Written -> the answer reached the client (commit, NOTIFY, wake, HTTP). */
  toAnswer: number;
}

/**
 * Splits samples into hops with the timestamps DBOS records (ms, the server's clock; the same
 * machine's as ours): the workflow row's creation and dequeue, the progress step's completion.
 */
export async function progressHops(
  db: pg.Pool,
  samples: ProgressSample[],
): Promise<ProgressHops[]> {
  const rows = await readWorkflowTimestamps(
    db,
    samples.map((s) => s.id),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return samples.flatMap((s) => {
    const row = byId.get(s.id);
    if (!row) return [];
    const [created, dequeued, written] = [row.created, row.dequeued, row.written].map(Number) as [
      number,
      number,
      number,
    ];
    return [
      {
        id: s.id,
        total: s.answeredAt - s.postedAt,
        toEnqueued: created - s.postedAt,
        toDequeued: dequeued - created,
        toProgressWritten: written - dequeued,
        toAnswer: s.answeredAt - written,
      },
    ];
  });
}

export interface ThroughputResult {
  workflowsPerSecond: number;
  /** Committed transactions per workflow, read-only ones included (`pg_stat_database`). */
  transactionsPerWorkflow: number;
  /** Transactions per workflow that wrote (each a WAL flush): transaction IDs assigned. */
  writingTransactionsPerWorkflow: number;
  /** CPU milliseconds per workflow, by process: PostgreSQL (all its processes), worker, client. */
  cpuMsPerWorkflow: { postgres: number; worker: number; client: number };
}

/** What the throughput run reads around itself: the database's counters and the processes' CPU. */
export interface ThroughputProbes {
  admin: pg.Pool;
  database: string;
  /** CPU seconds so far of the worker, the server (NaN when it is not on this machine), the client side. */
  cpu: { worker(): number; postgres(): number; client(): number };
}

/**
 * Workflows per second for a burst of concurrent starts (2 trivial steps + 1 event each), and
 * what each workflow cost: transactions (all, and those that wrote) and CPU per process, so the
 * rate can be set against the database's ceiling.
 */
export async function throughput(
  side: Side,
  sizes: Sizes,
  db: pg.Pool,
  probes: ThroughputProbes,
): Promise<ThroughputResult> {
  const n = sizes.throughputWorkflows;
  const prefix = uid("tp");
  const counters = async () => ({
    commits: await commitsSoFar(probes.admin, probes.database),
    xids: await nextTransactionId(probes.admin),
    worker: probes.cpu.worker(),
    postgres: probes.cpu.postgres(),
    client: probes.cpu.client(),
  });
  await delay(1_100); // the counts of what ran before are in
  const before = await counters();
  const started = now();
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      side.client.enqueue(enqueueOptions(BENCH.throughput, `${prefix}-${i}`), i),
    ),
  );
  for (;;) {
    if ((await countSucceeded(db, { idPrefix: `${prefix}-` })) >= n) break;
    await delay(20);
  }
  const seconds = (now() - started) / 1000;
  const after = await counters();
  // Backends report their transaction counts when idle, at most once a second: wait for them.
  await delay(1_100);
  const commits = (await commitsSoFar(probes.admin, probes.database)) - before.commits;
  const perWorkflowMs = (key: "worker" | "postgres" | "client") =>
    ((after[key] - before[key]) * 1000) / n;
  return {
    workflowsPerSecond: n / seconds,
    transactionsPerWorkflow: commits / n,
    // Our own two reads of the counter assign no transaction ID.
    writingTransactionsPerWorkflow: (after.xids - before.xids) / n,
    cpuMsPerWorkflow: {
      postgres: perWorkflowMs("postgres"),
      worker: perWorkflowMs("worker"),
      client: perWorkflowMs("client"),
    },
  };
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
