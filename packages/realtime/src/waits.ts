import type pg from "pg";
import { boundedQueries } from "@wfc/core";
import type { ChangeSource } from "./change-source.js";
import { followEvents, type EventsBatch } from "./follow-events.js";
import { followStream, type StreamBatch } from "./follow-stream.js";
import { waitForEvent } from "./wait-for-event.js";

/**
 * Everything that waits for a workflow to write: a blocked event read and the two live feeds.
 * `localWaits` runs them on a pool and a change source in this process; the API's relay client
 * runs them in the change relay instead, so a Lambda environment holds no connection meanwhile.
 */
export interface Waits {
  /** Waits up to `timeoutMs` for an event; `found: false` when it is not set by then. */
  event(
    workflowId: string,
    key: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ found: boolean; value?: unknown }>;
  /** Follows a stream from `fromOffset` until it closes or its workflow ends. */
  stream(
    workflowId: string,
    key: string,
    fromOffset: number,
    signal: AbortSignal,
  ): AsyncGenerator<StreamBatch>;
  /** Follows a workflow's event changes until it ends. */
  events(workflowId: string, signal: AbortSignal): AsyncGenerator<EventsBatch>;
}

export interface LocalWaitsOptions {
  pool: pg.Pool;
  changes: ChangeSource;
  /** Re-read interval when no notification arrives (the safety net, or the path when polling). */
  pollMs: number;
  /** Longest a single read of a live feed may take. */
  queryTimeoutMs: number;
  /** How far past its timeout an event wait's last read may run. */
  readMarginMs: number;
  /** Longest a live feed waits out a database that is away (default `LIVE_OUTAGE_MS`). */
  outageMs?: number;
}

/** The waits, run here: reads on `pool` bounded by deadlines, woken by `changes`. */
export function localWaits(options: LocalWaitsOptions): Waits {
  const { pool, changes, pollMs, queryTimeoutMs, readMarginMs, outageMs } = options;
  const perQuery = boundedQueries(pool, () => performance.now() + queryTimeoutMs);
  return {
    event: (workflowId, key, timeoutMs, signal) => {
      const db = boundedQueries(pool, performance.now() + timeoutMs + readMarginMs);
      return waitForEvent(db, changes, workflowId, key, {
        timeoutMs,
        fallbackPollMs: pollMs,
        signal,
      });
    },
    stream: (workflowId, key, fromOffset, signal) =>
      followStream(perQuery, changes, workflowId, key, { fromOffset, pollMs, signal, outageMs }),
    events: (workflowId, signal) =>
      followEvents(perQuery, changes, workflowId, { pollMs, signal, outageMs }),
  };
}
