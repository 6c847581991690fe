import { execFile } from "node:child_process";
import { readFile, readlink } from "node:fs/promises";
import { promisify } from "node:util";
import { runService, type ServiceProcess } from "@wfc/local-stack/child";
import { LAMBDA_SERVER_ENTRY } from "@wfc/local-stack/entries";
import { STATS_PATH } from "@wfc/lambda-emulator";
import type { PoolStats } from "@wfc/lambda-emulator";

/** A running lambda server: its API Gateway front, its Invoke API and the pool's statistics. */
export interface LambdaMode {
  /** Base URL of the API Gateway REST API front. */
  gateway: string;
  /** The Invoke API (a LambdaClient's endpoint). */
  invokeEndpoint: string;
  output: string[];
  /** The statistics of a function's pool: `Api`'s unless `functionName` is given. */
  stats(functionName?: string): Promise<PoolStats>;
  /** Resolves once `check` holds for the pool's statistics (read every 20 ms), or throws. */
  waitForStats(
    check: (stats: PoolStats) => boolean,
    timeoutMs?: number,
    functionName?: string,
  ): Promise<PoolStats>;
  service: ServiceProcess;
}

/**
 * Starts the local Lambda mode's process (the lambda server, as `npm start` runs it) on
 * `databaseUrl`, with the API Gateway front and the Invoke API on free ports.
 */
export async function startLambdaMode(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<LambdaMode> {
  const output: string[] = [];
  const service = runService(
    "lambda",
    LAMBDA_SERVER_ENTRY,
    {
      ...process.env,
      DBOS_SYSTEM_DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      LAMBDA_PORT: "0",
      API_GATEWAY_PORT: "0",
      ...env,
    },
    (line) => output.push(line),
  );
  const info = await service.ready.catch((error: unknown) => {
    throw new Error(`${String(error)}\n${output.join("\n")}`, { cause: error });
  });
  const invokeEndpoint = `http://127.0.0.1:${String(info.port)}`;
  const stats = async (functionName?: string) => {
    const query = functionName ? `?function=${encodeURIComponent(functionName)}` : "";
    return (await (await fetch(invokeEndpoint + STATS_PATH + query)).json()) as PoolStats;
  };
  return {
    gateway: `http://127.0.0.1:${String(info.gatewayPort)}`,
    invokeEndpoint,
    output,
    stats,
    async waitForStats(check, timeoutMs = 20_000, functionName) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await stats(functionName);
        if (check(current)) return current;
        if (Date.now() > deadline) {
          throw new Error(`stats never matched: ${JSON.stringify(current)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    service,
  };
}

/** The scheduler state of a process (`R`, `S`, `T` for stopped, ...), from /proc/<pid>/stat. */
export async function processState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // The command name in parentheses may contain spaces: the state follows the last ")".
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
}

/** The `--version` of the binary a process runs, from /proc/<pid>/exe (a stopped one too). */
export async function processNodeVersion(pid: number): Promise<string> {
  const { stdout } = await promisify(execFile)(await readlink(`/proc/${pid}/exe`), ["--version"]);
  return stdout.trim();
}
