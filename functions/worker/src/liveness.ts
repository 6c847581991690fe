import type { Queryable } from "@wfc/core";
import pg from "pg";
import { beat, recordRetirement } from "./heartbeat.js";
import { takeOverDeadExecutors } from "./takeover.js";

export interface LivenessOptions {
  databaseUrl: string;
  executorId: string;
  appVersion: string;
  intervalMs: number;
  deadAfterMs: number;
  log?: (line: Record<string, unknown>) => void;
}

/** The running heartbeat; `stop()` ends it (the row stays, so others take over what is left). */
export interface Liveness {
  /**
   * Reads on the heartbeat's one connection, for other short periodic reads (the retirement
   * check), so they need no connection of their own; unusable after `stop()`.
   */
  readonly db: Queryable;
  /** Records that this worker retires, or no longer does (`recordRetirement`). */
  recordRetirement(retired: boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Records the first heartbeat in the executors table, which the schema's migrations created
 * (call before `DBOS.launch()`, so no workflow runs under an executor nobody could declare
 * dead), then every `intervalMs`:
 * refreshes this worker's heartbeat and takes over the workflows of dead workers.
 *
 * Its own pool of one connection: a DBOS pool saturated by busy workflows must not delay the
 * heartbeat until the worker looks dead. After any failed beat (a database outage stops every
 * worker's heartbeat at once), this worker judges nobody until it has beaten successfully for a
 * whole `deadAfterMs`, so live workers have had time to beat again after the outage.
 */
export async function startLiveness(options: LivenessOptions): Promise<Liveness> {
  const { executorId, appVersion, intervalMs, deadAfterMs } = options;
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
  // A restarted database drops idle connections; the next query reconnects.
  pool.on("error", () => {});
  await beat(pool, executorId, appVersion, true);

  let healthySince = Date.now();
  let failing = false;
  const tick = async () => {
    try {
      await beat(pool, executorId, appVersion);
      if (failing) {
        failing = false;
        healthySince = Date.now();
        log({ msg: "heartbeat restored", executorId });
      }
    } catch (error) {
      if (!failing) log({ msg: "heartbeat failed", executorId, error: String(error) });
      failing = true;
      return;
    }
    if (Date.now() - healthySince < deadAfterMs) return;
    try {
      for (const taken of await takeOverDeadExecutors(pool, {
        executorId,
        appVersion,
        deadAfterMs,
      }))
        log({ msg: "took over dead executor", by: executorId, ...taken });
    } catch (error) {
      log({ msg: "takeover failed", executorId, error: String(error) });
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = () => {
    timer = setTimeout(() => {
      current = tick().finally(() => {
        if (!stopped) schedule();
      });
    }, intervalMs);
  };
  schedule();

  return {
    db: pool,
    recordRetirement: (retired) => recordRetirement(pool, executorId, retired),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
      await pool.end();
    },
  };
}
