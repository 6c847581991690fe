import { mkdtempSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME } from "@wfc/core";
import getPort from "get-port";
import pg from "pg";
import { runService, type ServiceProcess } from "../scripts/local-stack/child.js";
import {
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from "../scripts/local-stack/embedded-postgres.js";
import { measureApiBundle } from "./bundle.js";
import { measureLambdaModel, poolerAvailable, type LambdaModelResult } from "./lambda-model.js";
import * as measure from "./measures.js";
import { toMarkdown, writeReport, type Row } from "./report.js";
import { baselineSide, tunedSide, type Side } from "./sides.js";
import { summarize, type Summary } from "./stats.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const { values: args } = parseArgs({
  options: { quick: { type: "boolean", default: false }, out: { type: "string" } },
});
const sizes: measure.Sizes = args.quick
  ? { samples: 5, throughputWorkflows: 50, waiters: 50 }
  : { samples: 40, throughputWorkflows: 1000, waiters: 1000 };
const outBase = args.out ?? (args.quick ? `${root}bench/out/results` : `${root}bench/results`);

/** Worker settings: DBOS defaults for the baseline, our defaults for this system. */
const WORKER_ENV = {
  baseline: {
    QUEUE_POLLING_INTERVAL_MS: "1000",
    NOTIFICATION_COALESCE_MS: "10",
    NOTIFY_TRIGGERS: "false",
  },
  tuned: {},
} as const;

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function createDatabase(admin: pg.Pool, adminUrl: string, name: string) {
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

interface ModeResult {
  idleTps: number;
  idleCpuPercent: number;
  eventWake: Summary;
  stream: Summary;
  dispatch: Summary;
  message: Summary;
  firstProgress: Summary;
  throughput: number;
  connections: number;
}

async function runMode(mode: Side["name"], admin: pg.Pool, adminUrl: string): Promise<ModeResult> {
  const database = `bench_${mode}_${Date.now()}`;
  const databaseUrl = await createDatabase(admin, adminUrl, database);
  const quiet = () => {};
  const services: ServiceProcess[] = [];
  const env = {
    ...process.env,
    DBOS_SYSTEM_DATABASE_URL: databaseUrl,
    LOG_LEVEL: "warn",
    HEALTH_PORT: "0",
    RELAY_PORT: "0",
  };
  const worker = runService(
    "worker",
    `${root}bench/worker.ts`,
    { ...env, EXECUTOR_ID: `bench-${mode}`, ...WORKER_ENV[mode] },
    quiet,
  );
  services.push(worker);
  await worker.ready;
  let side: Side;
  if (mode === "tuned") {
    const port = await getPort();
    const api = runService(
      "api",
      `${root}functions/api/src/server.ts`,
      { ...env, PORT: String(port) },
      quiet,
    );
    services.push(api);
    await api.ready;
    side = await tunedSide(databaseUrl, `http://127.0.0.1:${port}`);
  } else {
    side = await baselineSide(databaseUrl);
  }
  const collector = new measure.Collector(databaseUrl);
  const log = (what: string) => console.log(`  ${mode}: ${what}`);
  try {
    log("idle cost (5 s)");
    const cpuBefore = cpuSeconds(worker.child.pid!);
    const idleTps = await measure.idleTransactionsPerSecond(admin, database);
    const idleCpuPercent = ((cpuSeconds(worker.child.pid!) - cpuBefore) / 5) * 100;
    log("event wake");
    const eventWake = summarize(await measure.eventWake(side, sizes));
    log("live stream");
    const stream = summarize(await measure.streamLatency(side, sizes));
    log("queue dispatch");
    const dispatch = summarize(await measure.dispatch(side, sizes, collector));
    log("message -> recv");
    const message = summarize(await measure.messageWake(side, sizes, collector));
    log("start -> first progress");
    const firstProgress = summarize(await measure.startToProgress(side, sizes));
    log(`throughput (${sizes.throughputWorkflows} workflows)`);
    const throughput = await measure.throughput(side, sizes, collector.pool);
    log(`connections with ${sizes.waiters} waiters`);
    const connections =
      mode === "tuned"
        ? await measure.connectionsUnderWaiters(side, sizes, admin, `${APP_NAME}-api`, (id) =>
            side.waitEvent(id, "never", 5),
          )
        : await naiveConnections(databaseUrl, admin);
    return {
      idleTps,
      idleCpuPercent,
      eventWake,
      stream,
      dispatch,
      message,
      firstProgress,
      throughput,
      connections,
    };
  } finally {
    await collector.close();
    await side.close();
    for (const service of services.reverse()) await service.stop();
  }

  async function naiveConnections(url: string, adminPool: pg.Pool) {
    const pool = new pg.Pool({ connectionString: url, application_name: "bench-naive-api" });
    const client = await DBOSClient.create({
      systemDatabaseUrl: url,
      systemDatabasePool: pool,
      applicationName: APP_NAME,
    });
    try {
      return await measure.connectionsUnderWaiters(
        side,
        sizes,
        adminPool,
        "bench-naive-api",
        (id) => client.getEvent(id, "never", 5),
      );
    } finally {
      await client.destroy();
      await pool.end();
    }
  }
}

async function main() {
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DBOS_SYSTEM_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres(
      join(mkdtempSync(join(tmpdir(), "wfc-bench-")), "pgdata"),
      "postgres",
    );
    adminUrl = embedded.adminUrl;
  }
  const admin = new pg.Pool({
    connectionString: adminUrl,
    max: 2,
    application_name: "bench-admin",
  });
  try {
    console.log(
      `Benchmark (${args.quick ? "quick smoke" : "full"}): naive baseline, then this system`,
    );
    const baseline = await runMode("baseline", admin, adminUrl);
    const tuned = await runMode("tuned", admin, adminUrl);
    console.log("  API bundle and cold init");
    const bundle = await measureApiBundle(`${root}bench/out`);
    // The deployed model: every concurrent request its own frozen-between-invocations process.
    // Quick: 2 s load windows (their counters may lag: a smoke, not a measurement).
    const lambdaSizes = args.quick
      ? { waiters: [5, 10], samples: 5, quietSeconds: 2 }
      : { waiters: [30, 60], samples: 30 };
    console.log("  Lambda model: today's design (a LISTEN and a pool per environment)");
    const today = await measureLambdaModel(admin, adminUrl, "listen", false, lambdaSizes);
    console.log("  Lambda model: the change relay");
    const relay = await measureLambdaModel(admin, adminUrl, "relay", false, lambdaSizes);
    let pooled: LambdaModelResult | undefined;
    let todayPooled: LambdaModelResult | undefined;
    if (poolerAvailable()) {
      console.log("  Lambda model through pgbouncer (transaction mode): today's design, the relay");
      todayPooled = await measureLambdaModel(admin, adminUrl, "listen", true, lambdaSizes);
      pooled = await measureLambdaModel(admin, adminUrl, "relay", true, lambdaSizes);
    }
    const [few, many] = lambdaSizes.waiters as [number, number];

    const rows: Row[] = [
      {
        metric: "event wake: setEvent -> blocked HTTP GET answers",
        unit: "ms",
        baseline: baseline.eventWake,
        tuned: tuned.eventWake,
        target: "p50 <= 5, p99 <= 15",
        met: tuned.eventWake.p50 <= 5 && tuned.eventWake.p99 <= 15,
      },
      {
        metric: "live stream: writeStream -> reader receives",
        unit: "ms",
        baseline: baseline.stream,
        tuned: tuned.stream,
        target: "p50 <= 5, p99 <= 15",
        met: tuned.stream.p50 <= 5 && tuned.stream.p99 <= 15,
      },
      {
        metric: "POST start -> first progress via blocked GET",
        unit: "ms",
        baseline: baseline.firstProgress,
        tuned: tuned.firstProgress,
        target: "p50 <= 20, p99 <= 60",
        met: tuned.firstProgress.p50 <= 20 && tuned.firstProgress.p99 <= 60,
      },
      {
        metric: "queue dispatch: enqueue -> first line",
        unit: "ms",
        baseline: baseline.dispatch,
        tuned: tuned.dispatch,
        target: "p50 <= 10, p99 <= 30",
        met: tuned.dispatch.p50 <= 10 && tuned.dispatch.p99 <= 30,
      },
      {
        metric: "message: POST send -> recv returns",
        unit: "ms",
        baseline: baseline.message,
        tuned: tuned.message,
        target: "p50 <= 5",
        met: tuned.message.p50 <= 5,
      },
      {
        metric: `throughput, ${sizes.throughputWorkflows} concurrent starts, one worker`,
        unit: "workflows/s",
        baseline: baseline.throughput,
        tuned: tuned.throughput,
        target: ">= 500",
        met: tuned.throughput >= 500,
      },
      {
        metric: `DB connections per API process, ${sizes.waiters} waiters`,
        unit: "connections",
        baseline: baseline.connections,
        tuned: tuned.connections,
        target: "<= 3",
        met: tuned.connections <= 3,
      },
      {
        metric: "idle database load of the worker's polling",
        unit: "transactions/s",
        baseline: baseline.idleTps,
        tuned: tuned.idleTps,
      },
      {
        metric: "idle worker CPU",
        unit: "% of a core",
        baseline: baseline.idleCpuPercent,
        tuned: tuned.idleCpuPercent,
      },
      {
        metric: "API Lambda bundle (minified ESM)",
        unit: "KiB",
        tuned: bundle.bytes / 1024,
        target: "<= 2048",
        met: bundle.bytes <= 2 * 1024 * 1024,
      },
      {
        metric: `Lambda model: API server connections, ${few} blocked GETs`,
        unit: "connections",
        baseline: today.connections[few],
        tuned: relay.connections[few]!,
        target: "<= 20",
        met: relay.connections[few]! <= 20,
      },
      {
        metric: `Lambda model: API server connections, ${many} blocked GETs`,
        unit: "connections",
        baseline: today.connections[many],
        tuned: relay.connections[many]!,
        target: `<= 20, not more than with ${few}`,
        met: relay.connections[many]! <= 20 && relay.connections[many]! <= relay.connections[few]!,
      },
      {
        metric: `Lambda model: wake, setEvent -> blocked GET, ${lambdaSizes.samples} environments`,
        unit: "ms",
        baseline: today.wake,
        tuned: relay.wake,
        target: "p50 <= 20, p99 <= 100",
        met: relay.wake.p50 <= 20 && relay.wake.p99 <= 100,
      },
      {
        metric: `Lambda model: database transactions/s caused by ${many} waiting clients`,
        unit: "transactions/s",
        baseline: today.waitingTps,
        tuned: relay.waitingTps,
        target: "<= 20",
        met: relay.waitingTps <= 20,
      },
      ...(pooled && todayPooled
        ? [
            {
              metric: "Lambda model through pgbouncer: wake, setEvent -> blocked GET",
              unit: "ms",
              baseline: todayPooled.wake,
              tuned: pooled.wake,
              target: "p50 <= 20",
              met: pooled.wake.p50 <= 20,
            },
            {
              metric: `Lambda model through pgbouncer: server connections, ${many} blocked GETs`,
              unit: "connections",
              baseline: todayPooled.connections[many],
              tuned: pooled.connections[many]!,
              target: "<= 20",
              met: pooled.connections[many]! <= 20,
            },
          ]
        : []),
      {
        metric: "Lambda model: cold start, environment spawn -> first answer (median)",
        unit: "ms",
        baseline: today.coldStartMs ?? Number.NaN,
        tuned: relay.coldStartMs ?? Number.NaN,
        target: "<= 300",
        met: (relay.coldStartMs ?? Infinity) <= 300,
      },
      {
        metric: `Lambda model: answer after a thaw, connections dropped silently (status ${relay.silentDropStatus})`,
        unit: "ms",
        baseline: today.silentDropMs,
        tuned: relay.silentDropMs,
        target: "200, within DB_TIMEOUT_MS (5 s) + 1 s",
        met: relay.silentDropStatus === 200 && relay.silentDropMs <= 6_000,
      },
      {
        metric: `Lambda model: timeout=1 wait on a locked table (status ${relay.stalledStatus})`,
        unit: "ms",
        baseline: today.stalledMs,
        tuned: relay.stalledMs,
        target: "<= 2000 (timeout + 1 s)",
        met: relay.stalledMs <= 2_000,
      },
      {
        metric: "API Lambda cold init (module load)",
        unit: "ms",
        tuned: bundle.initMs,
        target: "<= 300",
        met: bundle.initMs.p50 <= 300,
      },
    ];
    const context = [
      `Run ${new Date().toISOString()} on ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version},`,
      `PostgreSQL ${embedded ? "embedded (18)" : "from DBOS_SYSTEM_DATABASE_URL"}; ${sizes.samples} samples per latency row.`,
      "Baseline: DBOSClient defaults (polling getEvent/readStream) and a worker with DBOS defaults (queue polling 1 s,",
      "notification batching 10 ms). This system: the HTTP API (LISTEN-based waits, SSE) and a worker polling every 10 ms",
      "with 1 ms notification batching. Latencies in ms: p50 / p99 / max.",
      "Lambda-model rows: the local Lambda mode (one process per environment, frozen between invocations, the bundle",
      "as deployed); 'naive baseline' there is today's design (each environment its own LISTEN and pool), 'this system'",
      "the change relay. Through pgbouncer when it is installed (RDS Proxy's stand-in).",
    ].join("\n");
    console.log(`\n${toMarkdown(rows, context)}`);
    writeReport(outBase, rows, context, {
      quick: args.quick,
      sizes,
      lambdaModel: { today, relay, todayPooled, pooled },
      createdAt: new Date().toISOString(),
    });
    console.log(`Written to ${outBase}.json and ${outBase}.md`);
  } finally {
    await admin.end();
    await embedded?.stop();
  }
}

await main();
process.exit(0);
