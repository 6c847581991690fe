import { writeFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { APP_NAME } from "@wfc/core";
import getPort from "get-port";
import { runService } from "@wfc/local-stack/child";
import { API_ENTRY, WORKER_ENTRY } from "@wfc/local-stack/entries";
import { startTemporaryPostgres } from "@wfc/local-stack/embedded-postgres";
import { countConnections } from "./sides.js";
import { delay, summarize } from "./stats.js";
import { benchPool } from "./databases.js";

/**
 * `npm run load`: one API process holds many concurrent blocked event GETs (re-issued as they
 * time out) plus a steady stream of workflow starts, each followed to its result. Every answer
 * is checked; connections, memory and event-loop delay are sampled. Exits non-zero on any failure.
 */
const root = fileURLToPath(new URL("../", import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
    waiters: { type: "string" },
    rate: { type: "string" },
  },
});
const seconds = Number(args.seconds ?? (args.quick ? 8 : 30));
const waiters = Number(args.waiters ?? (args.quick ? 200 : 1000));
const startsPerSecond = Number(args.rate ?? (args.quick ? 10 : 20));
const PARK_TIMEOUT_S = Math.min(10, seconds);
/**
 * The stall target holds for the full run on a quiet machine. The quick run is CI's smoke,
 * often beside other work on the same two cores: it fails only on a real hang, and on any wrong
 * answer or extra connection.
 */
const STALL_LIMIT_MS = args.quick ? 500 : 100;
const FIB_28 = 317811;

interface Stats {
  rssMb: number;
  heapUsedMb: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

async function main() {
  const cluster = await startTemporaryPostgres("wfc-load-", "dbos");
  const admin = benchPool({
    connectionString: cluster.url,
    max: 1,
    application_name: "load-admin",
  });
  const stats: Stats[] = [];
  const env = {
    ...process.env,
    DBOS_SYSTEM_DATABASE_URL: cluster.url,
    LOG_LEVEL: "warn",
    HEALTH_PORT: "0",
    RELAY_PORT: "0",
  };
  const worker = runService("worker", WORKER_ENTRY, env, () => {});
  await worker.ready;
  const port = await getPort();
  const api = runService(
    "api",
    API_ENTRY,
    { ...env, PORT: String(port), STATS_INTERVAL_MS: "1000" },
    (line) => {
      const json = line.slice(line.indexOf("{"));
      if (json.includes('"process stats"')) stats.push(JSON.parse(json) as Stats);
    },
  );
  await api.ready;
  const base = `http://127.0.0.1:${port}`;
  const failures: string[] = [];
  const startLatencies: number[] = [];
  let parkedAnswers = 0;
  let workflowsChecked = 0;
  let maxConnections = 0;
  const endAt = performance.now() + seconds * 1000;
  console.log(
    `Load: ${waiters} waiting requests + ${startsPerSecond} starts/s for ${seconds} s against one API process`,
  );

  // Population 1: parked waiters on an event nobody sets; each must answer 404 at its timeout.
  const park = async (i: number) => {
    // Clients arrive over the first second, as real ones do, not in the same millisecond.
    await delay((i / waiters) * 1000);
    while (performance.now() < endAt) {
      const response = await fetch(
        `${base}/workflow-events/parked-${i}/never?timeout=${PARK_TIMEOUT_S}`,
      );
      const body = (await response.json()) as { detail?: string };
      if (response.status !== 404 || body.detail !== "Event 'never' not found or timeout reached") {
        failures.push(`parked ${i}: ${response.status} ${JSON.stringify(body)}`);
      }
      parkedAnswers++;
    }
  };
  // Population 2: a steady stream of starts, each followed to its result event.
  const follow = async (k: number) => {
    const id = `load-${k}`;
    const started = performance.now();
    const start = await fetch(`${base}/start-workflow-events/${id}/1`, { method: "POST" });
    if (start.status !== 200) return void failures.push(`start ${id}: ${start.status}`);
    const result = await fetch(`${base}/workflow-events/${id}/result?timeout=20`);
    const body = (await result.json()) as { value?: { total_fibonacci?: number } };
    if (result.status !== 200 || body.value?.total_fibonacci !== FIB_28) {
      return void failures.push(`result ${id}: ${result.status} ${JSON.stringify(body)}`);
    }
    startLatencies.push(performance.now() - started);
    workflowsChecked++;
  };
  const sampler = (async () => {
    while (performance.now() < endAt) {
      maxConnections = Math.max(maxConnections, await countConnections(admin, `${APP_NAME}-api`));
      await delay(500);
    }
  })();
  const parked = Array.from({ length: waiters }, (_, i) => park(i));
  const starts: Array<Promise<void>> = [];
  for (let k = 0; performance.now() < endAt; k++) {
    starts.push(follow(k));
    await delay(1000 / startsPerSecond);
  }
  await Promise.all([...parked, ...starts, sampler]);

  await api.stop();
  await worker.stop();
  await admin.end();
  await cluster.stop();

  // The first seconds include module loading and JIT warm-up: memory is judged after them, by
  // the heap's floor (its lowest point, just after a collection) in each half of the run: a leak
  // raises the floor; garbage between collections does not.
  const steady = stats.slice(Math.min(3, Math.max(0, stats.length - 2)));
  const rss = steady.map((s) => s.rssMb);
  const half = Math.max(1, Math.floor(steady.length / 2));
  const floor = (part: Stats[]) => Math.min(...part.map((s) => s.heapUsedMb));
  const growthMb = steady.length > 1 ? floor(steady.slice(half)) - floor(steady.slice(0, half)) : 0;
  const maxStall = Math.max(0, ...stats.slice(1).map((s) => s.loopDelayMaxMs));
  const latency = summarize(startLatencies);
  const report = {
    seconds,
    waiters,
    startsPerSecond,
    parkedAnswers,
    workflowsChecked,
    failures: failures.length,
    maxDbConnections: maxConnections,
    rssMb: { first: rss[0], last: rss.at(-1), max: Math.max(...rss) },
    heapFloorGrowthMb: Math.round(growthMb * 10) / 10,
    maxEventLoopStallMs: maxStall,
    startToResultMs: latency,
  };
  const lines = [
    `requests answered correctly: ${parkedAnswers + workflowsChecked} (${parkedAnswers} timed-out waits, ${workflowsChecked} workflows followed to their result); failures: ${failures.length}`,
    `DB connections of the API process: max ${maxConnections} (target <= 3)`,
    `API memory after warm-up: RSS ${rss[0]} -> ${rss.at(-1)} MB (max ${Math.max(...rss)}); heap floor growth ${report.heapFloorGrowthMb} MB (target < 20)`,
    `longest event-loop stall: ${maxStall} ms (limit ${STALL_LIMIT_MS})`,
    `start -> result: p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms`,
  ];
  console.log(lines.join("\n"));
  const out = `${root}bench/out`;
  mkdirSync(out, { recursive: true });
  writeFileSync(
    `${out}/load.json`,
    `${JSON.stringify({ ...report, failureSamples: failures.slice(0, 10) }, null, 2)}\n`,
  );
  const ok =
    failures.length === 0 && maxConnections <= 3 && maxStall < STALL_LIMIT_MS && growthMb < 20;
  if (!ok)
    console.error(`LOAD FAILED${failures.length ? `: ${failures.slice(0, 5).join("; ")}` : ""}`);
  process.exit(ok ? 0 : 1);
}

await main();
