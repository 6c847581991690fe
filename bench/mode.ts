import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME } from "@wfc/core";
import getPort from "get-port";
import type pg from "pg";
import { runService, type ServiceProcess } from "@wfc/local-stack/child";
import { API_ENTRY } from "@wfc/local-stack/entries";
import type { BenchArgs, RowGroup } from "./args.js";
import { serviceEnv, startBenchWorker } from "./bench-worker.js";
import { cpuSeconds, postmasterOf, serverCpuSeconds } from "./cpu.js";
import { benchPool, createDatabase } from "./databases.js";
import * as measure from "./measures.js";
import { baselineSide, tunedSide, WORKER_ENV, type Side } from "./sides.js";
import { NOT_RUN, summarize, type Summary } from "./stats.js";

/** What one side (the naive baseline or this system) measured, group by group. */
export interface ModeResult {
  idleTps: number;
  idleCpuPercent: number;
  eventWake: Summary;
  /** The first event wake after the processes started (one sample). */
  eventWakeFirst: Summary;
  stream: Summary;
  dispatch: Summary;
  message: Summary;
  firstProgress: Summary;
  firstProgressBackToBack: Summary;
  /** The slowest first-progress samples (both kinds), hop by hop. */
  slowestFirstProgress: measure.ProgressHops[];
  throughput: measure.ThroughputResult;
  connections: number;
}

/** What the throughput group reports when it was not run (its rows are left out). */
const NO_THROUGHPUT: measure.ThroughputResult = {
  workflowsPerSecond: Number.NaN,
  transactionsPerWorkflow: Number.NaN,
  writingTransactionsPerWorkflow: Number.NaN,
  cpuMsPerWorkflow: { postgres: Number.NaN, worker: Number.NaN, client: Number.NaN },
};

/** Back-to-back first-progress samples of the baseline (each waits for its 10 s poll). */
const BASELINE_BACK_TO_BACK = 5;
/**
 * The quick run is CI's smoke, not a measurement: the baseline's latency rows wait out its
 * polls (up to 10 s a sample), so one sample each shows it runs end to end.
 */
const QUICK_BASELINE_SAMPLES = 1;

/**
 * Measures one side on a database of its own: starts its worker (and, for this system, the API),
 * runs the wanted groups that compare the sides, and stops what it started.
 */
export async function runMode(
  mode: Side["name"],
  run: BenchArgs,
  admin: pg.Pool,
  adminUrl: string,
  serverIsLocal: boolean,
): Promise<ModeResult> {
  const { sizes, wanted } = run;
  const database = `bench_${mode}_${Date.now()}`;
  const databaseUrl = await createDatabase(admin, adminUrl, database);
  const quiet = () => {};
  const services: ServiceProcess[] = [];
  const env = serviceEnv(databaseUrl);
  const worker = startBenchWorker(databaseUrl, `bench-${mode}`, WORKER_ENV[mode]);
  services.push(worker);
  await worker.ready;
  let side: Side;
  if (mode === "tuned") {
    const port = await getPort();
    const api = runService("api", API_ENTRY, { ...env, PORT: String(port) }, quiet);
    services.push(api);
    await api.ready;
    side = await tunedSide(databaseUrl, `http://127.0.0.1:${port}`);
  } else {
    side = await baselineSide(databaseUrl);
  }
  const collector = new measure.Collector(databaseUrl);
  const latencySizes =
    run.quick && mode === "baseline" ? { ...sizes, samples: QUICK_BASELINE_SAMPLES } : sizes;
  const log = (what: string) => console.log(`  ${mode}: ${what}`);
  try {
    const latency = async (group: RowGroup, what: string, measureIt: () => Promise<number[]>) => {
      if (!wanted(group)) return NOT_RUN;
      log(what);
      return summarize(await measureIt());
    };
    let idleTps = Number.NaN;
    let idleCpuPercent = Number.NaN;
    if (wanted("idle")) {
      log("idle cost (5 s)");
      const cpuBefore = cpuSeconds(worker.child.pid!);
      idleTps = await measure.idleTransactionsPerSecond(admin, database);
      idleCpuPercent = ((cpuSeconds(worker.child.pid!) - cpuBefore) / 5) * 100;
    }
    let eventWakeFirst = NOT_RUN;
    const eventWake = await latency("event-wake", "event wake", async () => {
      const { first, warm } = await measure.eventWake(side, latencySizes);
      eventWakeFirst = summarize([first]);
      return warm;
    });
    const stream = await latency("stream", "live stream", () =>
      measure.streamLatency(side, latencySizes),
    );
    const dispatch = await latency("dispatch", "queue dispatch", () =>
      measure.dispatch(side, latencySizes, collector),
    );
    const message = await latency("message", "message -> recv", () =>
      measure.messageWake(side, latencySizes, collector),
    );
    let firstProgress = NOT_RUN;
    let firstProgressBackToBack = NOT_RUN;
    let slowestFirstProgress: measure.ProgressHops[] = [];
    if (wanted("first-progress")) {
      log("start -> first progress, spaced and back to back");
      const spaced = await measure.startToProgress(side, latencySizes);
      // The baseline's GET polls every 10 s: back to back, each of its samples takes that long.
      const backToBack = await measure.startToProgressBackToBack(side, {
        ...latencySizes,
        samples:
          mode === "baseline"
            ? Math.min(BASELINE_BACK_TO_BACK, latencySizes.samples)
            : latencySizes.samples,
      });
      firstProgress = summarize(measure.latenciesOf(spaced));
      firstProgressBackToBack = summarize(measure.latenciesOf(backToBack));
      slowestFirstProgress = (
        await measure.progressHops(collector.pool, [...spaced, ...backToBack])
      )
        .sort((a, b) => b.total - a.total)
        .slice(0, 3);
    }
    let throughput = NO_THROUGHPUT;
    if (wanted("throughput")) {
      log(`throughput (${sizes.throughputWorkflows} workflows)`);
      // A server elsewhere: its processes are not ours to read.
      const postmaster = serverIsLocal
        ? postmasterOf(
            (await admin.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid,
          )
        : undefined;
      throughput = await measure.throughput(side, sizes, collector.pool, {
        admin,
        database,
        cpu: {
          worker: () => cpuSeconds(worker.child.pid!),
          postgres: () => (postmaster ? serverCpuSeconds(postmaster) : Number.NaN),
          client: () => {
            const { user, system } = process.cpuUsage();
            return (user + system) / 1e6;
          },
        },
      });
    }
    let connections = Number.NaN;
    if (wanted("connections")) {
      log(`connections with ${sizes.waiters} waiters`);
      connections =
        mode === "tuned"
          ? await measure.connectionsUnderWaiters(side, sizes, admin, `${APP_NAME}-api`, (id) =>
              side.waitEvent(id, "never", 5),
            )
          : await naiveConnections(side, sizes, databaseUrl, admin);
    }
    return {
      idleTps,
      idleCpuPercent,
      eventWake,
      eventWakeFirst,
      stream,
      dispatch,
      message,
      firstProgress,
      firstProgressBackToBack,
      slowestFirstProgress,
      throughput,
      connections,
    };
  } finally {
    await collector.close();
    await side.close();
    for (const service of services.reverse()) await service.stop();
  }
}

/** The naive API's connections under waiters: a DBOSClient on a pool of its own, as a handler has. */
async function naiveConnections(side: Side, sizes: measure.Sizes, url: string, adminPool: pg.Pool) {
  const pool = benchPool({ connectionString: url, application_name: "bench-naive-api" });
  const client = await DBOSClient.create({
    systemDatabaseUrl: url,
    systemDatabasePool: pool,
    applicationName: APP_NAME,
  });
  try {
    return await measure.connectionsUnderWaiters(side, sizes, adminPool, "bench-naive-api", (id) =>
      client.getEvent(id, "never", 5),
    );
  } finally {
    await client.destroy();
    await pool.end();
  }
}
