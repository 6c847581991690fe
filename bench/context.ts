import { cpus } from "node:os";
import { loadWorkerConfig, notifierBatchMs } from "@wfc/core";
import type { BenchArgs } from "./args.js";

/**
 * The paragraph above the table: the machine, the server, the samples, what each side is (this
 * system's worker settings read from its config schema, not restated) and how to read the rows.
 */
export function runContext(run: BenchArgs, embedded: boolean): string {
  // The benchmark's processes inherit this environment (e.g. `PREPARED_STATEMENTS=off`): the
  // worker's defaults under it are what "this system" ran with.
  const workerDefaults = loadWorkerConfig({
    ...process.env,
    DBOS_SYSTEM_DATABASE_URL: "postgres://defaults",
  });
  return [
    `Run ${new Date().toISOString()} on ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version},`,
    `PostgreSQL ${embedded ? "embedded (18)" : "from DBOS_SYSTEM_DATABASE_URL"}; ${run.sizes.samples} samples per latency row${run.only ? `; rows: ${run.only.join(", ")}` : ""}.`,
    "Baseline: DBOSClient defaults (polling getEvent/readStream) and a worker with DBOS defaults (queue polling 1 s,",
    "notifications sent by DBOS's notifier after each write, batched 10 ms). This system: the HTTP API (LISTEN-based",
    `waits, SSE) and the worker as configured by default (woken by each enqueue, QUEUE_WAKE ${workerDefaults.QUEUE_WAKE}, queue polling every ${workerDefaults.QUEUE_POLLING_INTERVAL_MS} ms`,
    `as the safety net; each event and stream write NOTIFYs in its own transaction: NOTIFY_TRIGGERS ${workerDefaults.NOTIFY_TRIGGERS}, DBOS's notifier batching ${notifierBatchMs(workerDefaults)} ms;`,
    `DBOS's statements sent named, parsed once per connection: PREPARED_STATEMENTS ${workerDefaults.PREPARED_STATEMENTS}).`,
    "Latencies in ms: p50 / p99 / max. Throughput ceilings: the commit rate measured on this server divided by the",
    "transactions per workflow that write (each one WAL flush), and this machine's cores divided by the CPU time one",
    "workflow costs in PostgreSQL, the worker and the client together; rows without a target are those measurements.",
    "Lambda-model rows: the local Lambda mode (one process per environment, frozen between invocations, the bundle",
    "as deployed); 'naive baseline' there is today's design (each environment its own LISTEN and pool), 'this system'",
    "the change relay. Through pgbouncer when it is installed (RDS Proxy's stand-in).",
  ].join("\n");
}
