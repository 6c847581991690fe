import { hasUndispatchedWork, type Queryable } from "@wfc/core";
import type pg from "pg";

/** Why a worker judged itself stalled. */
export type StallReason = "pool starved" | "queue not dispatched";

export interface StallWatchdogOptions {
  /** The pool DBOS runs on (its `systemDatabasePool`). */
  pool: pg.Pool;
  /** Where the queue check reads: a connection the worker keeps anyway (its heartbeat's). */
  db: Queryable;
  appVersion: string;
  queues: readonly string[];
  /** How long without progress, while work waits, before the worker is stalled. */
  stallMs: number;
  /** Called once, with the reason, when the worker has stalled. */
  onStall(reason: StallReason, detail: Record<string, unknown>): void;
}

/**
 * Watches a worker for the ways it can stop making progress while its process, health check and
 * heartbeat all look fine:
 * - its pool is starved: every connection is checked out, someone waits for one, and none has
 *   been handed out or given back for `stallMs` (connections held by workflows that each wait for
 *   another, as DBOS's in-workflow status read did);
 * - its queue is not dispatched: work of its version has waited ENQUEUED for `stallMs`.
 * A busy pool hands connections out every few milliseconds and a live worker dequeues at its next
 * poll (a second at most), so neither happens to a worker that is merely loaded. A database that
 * cannot be reached is not a stall (the pool then has free slots, and the check's read fails):
 * the heartbeat reports that. Checks every `stallMs / 4` (at most every 5 s) until `stop()`.
 */
export function startStallWatchdog(options: StallWatchdogOptions) {
  const { pool, stallMs } = options;
  const max = (pool as unknown as { options: { max: number } }).options.max;
  let lastActivity = performance.now();
  const touch = () => (lastActivity = performance.now());
  pool.on("acquire", touch);
  pool.on("release", touch);

  let stalled = false;
  const stall = (reason: StallReason, detail: Record<string, unknown>) => {
    if (stalled) return;
    stalled = true;
    options.onStall(reason, detail);
  };
  const check = async () => {
    const quietMs = performance.now() - lastActivity;
    if (
      pool.waitingCount > 0 &&
      pool.idleCount === 0 &&
      pool.totalCount >= max &&
      quietMs >= stallMs
    )
      return stall("pool starved", {
        connections: pool.totalCount,
        waiting: pool.waitingCount,
        quietMs: Math.round(quietMs),
      });
    try {
      if (await hasUndispatchedWork(options.db, options)) stall("queue not dispatched", {});
    } catch {
      // An unreachable database is the heartbeat's to report, not a stall of this worker.
    }
  };

  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      running = running.then(check);
    },
    Math.min(5_000, Math.max(100, Math.floor(stallMs / 4))),
  );
  timer.unref();
  return {
    get stalled() {
      return stalled;
    },
    async stop() {
      clearInterval(timer);
      pool.off("acquire", touch);
      pool.off("release", touch);
      await running;
    },
  };
}
