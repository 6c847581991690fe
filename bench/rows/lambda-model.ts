import type pg from "pg";
import type { BenchArgs } from "../args.js";
import { measureLambdaModel, poolerAvailable, type LambdaModelResult } from "../lambda-model.js";
import type { Row } from "../report.js";
import { NOT_RUN } from "../stats.js";

/** The waiters of the two connection rows (few, many), and the run's other sizes. */
interface LambdaSizes {
  waiters: [few: number, many: number];
  samples: number;
  quietSeconds?: number;
  waitSeconds?: number;
}

/** Both designs, direct and (when run) through pgbouncer, with the sizes they ran with. */
export interface LambdaModels {
  sizes: LambdaSizes;
  designs: {
    today: LambdaModelResult;
    relay: LambdaModelResult;
    todayPooled?: LambdaModelResult;
    pooled?: LambdaModelResult;
  };
}

/**
 * Runs the Lambda model, today's design and the change relay, when the lambda-model group runs;
 * through pgbouncer too when it is installed and the run is not quick.
 */
export async function measureLambdaModels(
  run: BenchArgs,
  admin: pg.Pool,
  adminUrl: string,
): Promise<LambdaModels> {
  // The deployed model: every concurrent request its own frozen-between-invocations process.
  // Quick: 2 s load windows (their counters may lag: a smoke, not a measurement).
  const sizes: LambdaSizes = run.quick
    ? { waiters: [5, 10], samples: 5, quietSeconds: 2, waitSeconds: 2 }
    : { waiters: [30, 60], samples: 30 };
  const notRun = (design: LambdaModelResult["design"]): LambdaModelResult => ({
    design,
    pooler: false,
    connections: Object.fromEntries(sizes.waiters.map((n) => [n, Number.NaN])),
    wake: NOT_RUN,
    waitingTps: Number.NaN,
    coldStartMs: Number.NaN,
    silentDropMs: Number.NaN,
    silentDropStatus: Number.NaN,
    stalledMs: Number.NaN,
    stalledStatus: Number.NaN,
  });
  let today = notRun("listen");
  let relay = notRun("relay");
  let pooled: LambdaModelResult | undefined;
  let todayPooled: LambdaModelResult | undefined;
  if (run.wanted("lambda-model")) {
    console.log("  Lambda model: today's design (a LISTEN and a pool per environment)");
    today = await measureLambdaModel(admin, adminUrl, "listen", false, sizes);
    console.log("  Lambda model: the change relay");
    relay = await measureLambdaModel(admin, adminUrl, "relay", false, sizes);
  }
  // The smoke leaves the pooler's pair out (a minute on 2 cores): npm test's pooler suite runs
  // the API through pgbouncer on every change.
  if (run.wanted("lambda-model") && poolerAvailable() && !run.quick) {
    console.log("  Lambda model through pgbouncer (transaction mode): today's design, the relay");
    todayPooled = await measureLambdaModel(admin, adminUrl, "listen", true, sizes);
    pooled = await measureLambdaModel(admin, adminUrl, "relay", true, sizes);
  }
  return { sizes, designs: { today, relay, todayPooled, pooled } };
}

/**
 * The Lambda-model rows: the naive baseline column is today's design, this system's the relay;
 * the pgbouncer pair only when it ran.
 */
export function lambdaModelRows({ sizes, designs }: LambdaModels): Row[] {
  const { today, relay, todayPooled, pooled } = designs;
  const [few, many] = sizes.waiters;
  return [
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
      metric: `Lambda model: wake, setEvent -> blocked GET, ${sizes.samples} environments`,
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
  ];
}
