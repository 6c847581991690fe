import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runService } from "@wfc/local-stack/child";

const BENCH_WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** The change relay's secret for this run: the workers get it, and the API's environments. */
export const BENCH_RELAY_SECRET = randomBytes(32).toString("base64url");

/** What every process the benchmark starts gets: its database, quiet logs, ports of its own. */
export const serviceEnv = (databaseUrl: string) => ({
  ...process.env,
  DBOS_SYSTEM_DATABASE_URL: databaseUrl,
  LOG_LEVEL: "warn",
  HEALTH_PORT: "0",
  RELAY_PORT: "0",
  CHANGE_RELAY_SECRET: BENCH_RELAY_SECRET,
});

/**
 * Starts the product worker with the benchmark's workflows (`bench/worker.ts`) on `databaseUrl`,
 * as executor `executorId`, with `settings` over its defaults; its output is dropped.
 */
export const startBenchWorker = (
  databaseUrl: string,
  executorId: string,
  settings: Record<string, string> = {},
) =>
  runService(
    "worker",
    BENCH_WORKER,
    { ...serviceEnv(databaseUrl), EXECUTOR_ID: executorId, ...settings },
    () => {},
  );
