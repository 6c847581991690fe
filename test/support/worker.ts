import { fileURLToPath } from "node:url";
import { runService, type ServiceProcess } from "@wfc/local-stack/child";

const WORKER_ENTRY = fileURLToPath(new URL("../../functions/worker/src/main.ts", import.meta.url));

/** The change relay's secret every test worker gets (`CHANGE_RELAY_SECRET`), for APIs to send. */
export const TEST_RELAY_SECRET = "test-relay-secret-0123456789abcdef";

export interface TestWorker extends ServiceProcess {
  output: string[];
}

/**
 * Starts the real worker entry (the one the container runs) as its own process on `databaseUrl`
 * and waits for its ready line. Output is kept for assertions and failure messages. `entry`
 * replaces the entry with one that registers workflows of its own before running the worker.
 */
export async function startWorker(
  databaseUrl: string,
  env: Record<string, string> = {},
  entry = WORKER_ENTRY,
): Promise<TestWorker> {
  const output: string[] = [];
  const service = runService(
    "worker",
    entry,
    {
      ...process.env,
      DBOS_SYSTEM_DATABASE_URL: databaseUrl,
      HEALTH_PORT: "0",
      // Several workers share this machine: each relay on a port of its own.
      RELAY_PORT: "0",
      CHANGE_RELAY_SECRET: TEST_RELAY_SECRET,
      LOG_LEVEL: "warn",
      QUEUE_POLLING_INTERVAL_MS: "20",
      ...env,
    },
    (line) => output.push(line),
  );
  try {
    await service.ready;
  } catch (error) {
    throw new Error(`${String(error)}\n${output.join("\n")}`, { cause: error });
  }
  return { ...service, output };
}
