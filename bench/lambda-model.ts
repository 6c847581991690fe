import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, lockEventsTable } from "@wfc/core";
import getPort from "get-port";
import pg from "pg";
import { pgbouncerPath, startPgbouncer } from "../test/support/pgbouncer.js";
import { startTcpProxy } from "../test/support/tcp-proxy.js";
import { runService } from "@wfc/local-stack/child";
import { LAMBDA_SERVER_ENTRY } from "@wfc/local-stack/entries";
import { BENCH_RELAY_SECRET, startBenchWorker } from "./bench-worker.js";
import { createDatabase } from "./databases.js";
import { enqueueOptions } from "./sides.js";
import { delay, summarize, type Summary } from "./stats.js";
import { BENCH, now } from "./workflows.js";

/** The two designs of the real-time layer, run on the Lambda-faithful mode. */
export type Design = "listen" | "relay";

export interface LambdaModelResult {
  design: Design;
  pooler: boolean;
  /** Peak API server connections while N GETs wait (N = 30, 60). */
  connections: Record<number, number>;
  /** setEvent -> blocked GET answers, one environment per waiter. */
  wake: Summary;
  /** Database transactions per second caused by 60 waiting clients (idle baseline subtracted). */
  waitingTps: number;
  /** Environment spawn -> first answer, median. */
  coldStartMs: number | null;
  /** Time to a correct answer after a thaw whose connections were dropped silently. */
  silentDropMs: number;
  silentDropStatus: number;
  /** A `timeout=1` wait while its table is locked: ms and status. */
  stalledMs: number;
  stalledStatus: number;
}

const API_APPS = `${APP_NAME}-api%`;

async function connectionsNow(admin: pg.Pool, database: string) {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2`,
    [database, API_APPS],
  );
  return rows[0]!.n;
}

async function transactions(admin: pg.Pool, database: string) {
  const { rows } = await admin.query<{ n: string }>(
    "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1",
    [database],
  );
  return Number(rows[0]!.n);
}

/**
 * The body of an answer, which must have `status`: a wait cut off by the emulator (502) or
 * throttled (429) measures nothing, so the run fails instead of reporting it.
 */
async function answer(response: Promise<Response>, status: number): Promise<string> {
  const r = await response;
  const text = await r.text();
  if (r.status !== status) {
    throw new Error(`${r.url}: expected ${status}, got ${r.status}: ${text.slice(0, 200)}`);
  }
  return text;
}

interface Stats {
  busy: number;
  recentColdStarts: { environment: number; firstAnswerMs: number }[];
}

/**
 * One run of the Lambda-faithful mode (`tools/local-stack/lambda-server.ts`: one process per
 * environment, one invocation at a time, frozen in between) in front of a worker of our own, on
 * a database of its own: the API's waits use the `design` given, its connections go through
 * pgbouncer (transaction mode) when `pooler` is set, and always through a TCP proxy the run can
 * cut silently.
 */
export async function measureLambdaModel(
  admin: pg.Pool,
  adminUrl: string,
  design: Design,
  pooler: boolean,
  {
    waiters = [30, 60],
    samples = 30,
    quietSeconds = 20,
    waitSeconds = 4,
  }: {
    waiters?: number[];
    samples?: number;
    quietSeconds?: number;
    /** How long a waiting client of the connection rows waits (a hold: twice as long). */
    waitSeconds?: number;
  } = {},
): Promise<LambdaModelResult> {
  const database = `bench_lambda_${design}_${pooler ? "pooler" : "direct"}_${Date.now()}`;
  const databaseUrl = await createDatabase(admin, adminUrl, database);
  const url = new URL(databaseUrl);
  const quiet = () => {};
  const worker = startBenchWorker(databaseUrl, `bench-${database}`, {
    // DBOS's default queue polling: the worker's own idle load (10 ms polling: ~70/s) would
    // drown what waiting clients cost the database. Waits do not depend on it.
    QUEUE_POLLING_INTERVAL_MS: "1000",
  });
  const relayPort = (await worker.ready).relayPort as number;
  const pgbouncer = pooler
    ? await startPgbouncer({
        serverUrl: databaseUrl,
        users: [{ name: url.username, password: decodeURIComponent(url.password) }],
        poolSize: 10,
      })
    : undefined;
  const target = new URL(pgbouncer ? pgbouncer.url(database) : databaseUrl);
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  const gatewayPort = await getPort();
  const lambda = runService(
    "lambda",
    LAMBDA_SERVER_ENTRY,
    {
      ...process.env,
      DBOS_SYSTEM_DATABASE_URL: proxy.via(target.toString()),
      LOG_LEVEL: "warn",
      LAMBDA_PORT: "0",
      API_GATEWAY_PORT: String(gatewayPort),
      LAMBDA_CONCURRENCY: "200",
      ...(design === "relay"
        ? {
            CHANGE_RELAY_URL: `http://127.0.0.1:${relayPort}`,
            CHANGE_RELAY_SECRET: BENCH_RELAY_SECRET,
            LAMBDA_EXTRA_ENV: "CHANGE_RELAY_URL,CHANGE_RELAY_SECRET",
          }
        : {}),
    },
    quiet,
  );
  const lambdaPort = (await lambda.ready).port as number;
  const base = `http://127.0.0.1:${gatewayPort}`;
  const stats = async () =>
    (await (await fetch(`http://127.0.0.1:${lambdaPort}/__local/stats`)).json()) as Stats;
  const untilBusy = async (n: number) => {
    for (let i = 0; i < 600 && (await stats()).busy < n; i++) await delay(50);
  };
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  const uid = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  try {
    // Cold starts one at a time, each while the environments before it are busy waiting (idle
    // CPU): environment spawn -> first answer of GET /health, as a lone new environment sees it.
    const held: Promise<string>[] = [];
    const probes = 5;
    for (let i = 0; i < probes; i++) {
      await (await fetch(`${base}/health`)).text();
      held.push(
        answer(fetch(`${base}/workflow-events/${uid("hold")}/k?timeout=${waitSeconds * 2}`), 404),
      );
      await untilBusy(i + 1);
    }
    const coldStarts = (await stats()).recentColdStarts
      .slice(0, probes)
      .map((c) => c.firstAnswerMs);
    await Promise.all(held);
    const connections: Record<number, number> = {};
    for (const n of waiters) {
      const id = uid("nobody");
      const waiting = Array.from({ length: n }, (_, i) =>
        answer(fetch(`${base}/workflow-events/${id}/k${i}?timeout=${waitSeconds}`), 404),
      );
      await untilBusy(n);
      let peak = 0;
      // Sampled over the first half of the wait: all are waiting then.
      for (let i = 0; i < waitSeconds * 5; i++) {
        peak = Math.max(peak, await connectionsNow(admin, database));
        await delay(100);
      }
      connections[n] = peak;
      await Promise.all(waiting);
    }

    // Queries while 60 clients wait and nothing changes, against the idle baseline. Windows of
    // 20 s: PostgreSQL flushes an idle backend's counters up to 10 s late.
    const idleBefore = await transactions(admin, database);
    await delay(quietSeconds * 1000);
    const idle = (await transactions(admin, database)) - idleBefore;
    const most = Math.max(...waiters);
    const waitId = uid("quiet");
    const quietWaits = Array.from({ length: most }, (_, i) =>
      answer(
        fetch(`${base}/workflow-events/${waitId}/k${i}?timeout=${quietSeconds + waitSeconds + 1}`),
        404,
      ),
    );
    await untilBusy(most);
    const before = await transactions(admin, database);
    await delay(quietSeconds * 1000);
    const waiting = (await transactions(admin, database)) - before;
    await Promise.all(quietWaits);
    const waitingTps = Math.max(0, waiting - idle) / quietSeconds;

    // Wake latency: one environment per waiter, events set 100 ms apart.
    const wakeId = uid("wake");
    await client.enqueue(enqueueOptions(BENCH.eventWake, wakeId), samples);
    const answers = Array.from({ length: samples }, (_, i) =>
      answer(fetch(`${base}/workflow-events/${wakeId}/k${i}?timeout=25`), 200).then(
        (text) => now() - (JSON.parse(text) as { value: number }).value,
      ),
    );
    await untilBusy(samples);
    for (let i = 0; i < samples; i++) {
      await client.send(wakeId, i, "go");
      await delay(100);
    }
    const wake = summarize(await Promise.all(answers));

    // A thaw after the environment's connections died silently (the path forgot them; new
    // connections work): the next request must still answer, correctly.
    const probe = `${base}/workflow-events/${wakeId}/all`;
    await (await fetch(probe)).text();
    proxy.blackhole();
    proxy.heal();
    const dropStarted = performance.now();
    const dropped = await fetch(probe);
    await dropped.text();
    const silentDropMs = performance.now() - dropStarted;

    // A stalled table: a timeout=1 wait must answer (503) by its timeout plus a margin.
    const lock = new pg.Client({ connectionString: databaseUrl });
    await lock.connect();
    await lock.query("BEGIN");
    await lockEventsTable(lock);
    const stallStarted = performance.now();
    const stalled = await fetch(`${base}/workflow-events/${uid("stalled")}/k?timeout=1`);
    await stalled.text();
    const stalledMs = performance.now() - stallStarted;
    await lock.query("ROLLBACK");
    await lock.end();

    return {
      design,
      pooler,
      connections,
      wake,
      waitingTps,
      coldStartMs: summarize(coldStarts).p50,
      silentDropMs,
      silentDropStatus: dropped.status,
      stalledMs,
      stalledStatus: stalled.status,
    };
  } finally {
    await client.destroy();
    await lambda.stop();
    await proxy.close();
    await worker.stop();
    await pgbouncer?.stop();
  }
}

/** Whether pgbouncer is here to stand in for RDS Proxy. */
export const poolerAvailable = () => pgbouncerPath() !== undefined;
