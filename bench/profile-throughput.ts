import { DBOSClient } from "@dbos-inc/dbos-sdk";
import { APP_NAME, countSucceeded } from "@wfc/core";
import pg from "pg";
import { startBenchWorker } from "./bench-worker.js";
import { createDatabase, benchPool } from "./databases.js";
import { enqueueOptions, WORKER_ENV } from "./sides.js";
import { delay } from "./stats.js";
import { BENCH, now } from "./workflows.js";

/** Server settings the profile needs: statement statistics, loaded at server start. */
export const THROUGHPUT_PROFILE_SETTINGS = {
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "all",
};

/** Marks the profile's own statements, which it leaves out. */
const OWN = "bench-profile-own";

/** Statements listed per side, the costliest first. */
const TOP = 14;

interface StatementCost {
  calls: number;
  ms: number;
}

interface SideProfile {
  workflowsPerSecond: number;
  statements: Map<string, StatementCost>;
}

/** A statement's text on one line, short enough for a table cell, its pipes escaped. */
const shorten = (query: string) =>
  query.replace(/\s+/g, " ").trim().slice(0, 90).replace(/\|/g, "\\|");

/**
 * One side's burst: `n` concurrent enqueues of the throughput workflow against that side's
 * worker, then what each statement cost inside PostgreSQL, from `pg_stat_statements` of the
 * side's own database (reset just before the burst).
 */
async function profileSide(
  admin: pg.Pool,
  adminUrl: string,
  mode: keyof typeof WORKER_ENV,
  n: number,
): Promise<SideProfile> {
  const database = `bench_profile_${mode}_${Date.now()}`;
  const databaseUrl = await createDatabase(admin, adminUrl, database);
  const worker = startBenchWorker(databaseUrl, `bench-profile-${mode}`, WORKER_ENV[mode]);
  const watcher = benchPool({ connectionString: databaseUrl, max: 1 });
  const client = await DBOSClient.create({
    systemDatabaseUrl: databaseUrl,
    applicationName: APP_NAME,
  });
  try {
    await worker.ready;
    await delay(1_100); // start-up's statements are done
    const { rows: ids } = await admin.query<{ oid: number }>(
      "SELECT oid FROM pg_database WHERE datname = $1",
      [database],
    );
    await admin.query("SELECT pg_stat_statements_reset(0, $1, 0)", [ids[0]!.oid]);
    const started = now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        client.enqueue(enqueueOptions(BENCH.throughput, `tp-${i}`), i),
      ),
    );
    for (;;) {
      if ((await countSucceeded(watcher, { tag: OWN })) >= n) break;
      await delay(20);
    }
    const workflowsPerSecond = n / ((now() - started) / 1000);
    const { rows } = await admin.query<{ query: string; calls: string; ms: number }>(
      `SELECT query, calls, total_exec_time + total_plan_time AS ms FROM pg_stat_statements
        WHERE dbid = $1 AND query NOT LIKE '%${OWN}%'`,
      [ids[0]!.oid],
    );
    const statements = new Map<string, StatementCost>();
    for (const row of rows) {
      const key = shorten(row.query);
      const cost = statements.get(key) ?? { calls: 0, ms: 0 };
      cost.calls += Number(row.calls) / n;
      cost.ms += row.ms / n;
      statements.set(key, cost);
    }
    return { workflowsPerSecond, statements };
  } finally {
    await client.destroy();
    await watcher.end();
    await worker.stop();
  }
}

/**
 * Where the throughput workload's PostgreSQL time goes, per workflow, for the naive baseline and
 * this system side by side: each side's burst of `n` concurrent starts (the benchmark's
 * throughput row) on its own database and worker, then the statements that cost the most inside
 * PostgreSQL (execution and planning), with their calls per workflow. Needs `pg_stat_statements`
 * loaded at server start (`THROUGHPUT_PROFILE_SETTINGS`; the embedded server gets them).
 * @returns a Markdown table, the costliest statements of either side first.
 */
export async function profileThroughput(
  admin: pg.Pool,
  adminUrl: string,
  n: number,
): Promise<string> {
  const { rows } = await admin.query<{ loaded: boolean }>(
    "SELECT 'pg_stat_statements' = ANY(string_to_array(current_setting('shared_preload_libraries'), ',')) AS loaded",
  );
  if (!rows[0]!.loaded) {
    throw new Error(
      "--profile throughput needs pg_stat_statements in shared_preload_libraries (the embedded server has it)",
    );
  }
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const baseline = await profileSide(admin, adminUrl, "baseline", n);
  const tuned = await profileSide(admin, adminUrl, "tuned", n);
  const keys = [...new Set([...baseline.statements.keys(), ...tuned.statements.keys()])];
  const costOf = (side: SideProfile, key: string) => side.statements.get(key)?.ms ?? 0;
  keys.sort(
    (a, b) =>
      Math.max(costOf(baseline, b), costOf(tuned, b)) -
      Math.max(costOf(baseline, a), costOf(tuned, a)),
  );
  const cell = (side: SideProfile, key: string) => {
    const cost = side.statements.get(key);
    return cost ? `${cost.calls.toFixed(2)} / ${cost.ms.toFixed(3)}` : "-";
  };
  const total = (side: SideProfile) => {
    let calls = 0;
    let ms = 0;
    for (const cost of side.statements.values()) {
      calls += cost.calls;
      ms += cost.ms;
    }
    return `${calls.toFixed(1)} / ${ms.toFixed(2)}`;
  };
  const lines = [
    `Burst of ${n} concurrent starts per side: naive ${baseline.workflowsPerSecond.toFixed(0)} workflows/s, this system ${tuned.workflowsPerSecond.toFixed(0)} workflows/s.`,
    "Per workflow: calls / ms inside PostgreSQL (execution + planning; time waiting on a lock counts, a commit's WAL flush does not).",
    "",
    "| statement | naive baseline | this system |",
    "|---|---|---|",
    ...keys
      .slice(0, TOP)
      .map((key) => `| \`${key}\` | ${cell(baseline, key)} | ${cell(tuned, key)} |`),
    `| all statements | ${total(baseline)} | ${total(tuned)} |`,
  ];
  return `${lines.join("\n")}\n`;
}
