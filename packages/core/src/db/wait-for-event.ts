import {
  READY_WAIT_MS,
  readyWithin,
  type ChangeSource,
  type StoredValue,
} from "./change-source.js";
import { decodeValue } from "../dbos/decode.js";
import { readEvent } from "../dbos/events.js";
import type { Queryable } from "./queryable.js";
import { WakeSignal } from "./signal.js";

export interface WaitOptions {
  /** Give up after this long; the result then says `found: false`. */
  timeoutMs: number;
  /** Re-read at least this often even without a notification (a safety net, not the path). */
  fallbackPollMs?: number;
  signal?: AbortSignal;
}

/**
 * Waits until a workflow event is set and returns its value, waking on the worker's NOTIFY
 * instead of polling. Subscribes before the first read, so a value written in between is seen.
 * A notification that carries the value answers without reading it back.
 */
export async function waitForEvent(
  db: Queryable,
  feed: ChangeSource,
  workflowId: string,
  key: string,
  { timeoutMs, fallbackPollMs = 2_000, signal }: WaitOptions,
): Promise<{ found: boolean; value?: unknown }> {
  const deadline = performance.now() + timeoutMs;
  const wake = new WakeSignal();
  let announced: StoredValue | undefined;
  const unsubscribe = feed.subscribe("events", workflowId, (changed, stored) => {
    if (changed !== undefined && changed !== key) return;
    if (stored) announced = stored;
    wake.wake();
  });
  try {
    // Without LISTEN (database briefly away) the fallback poll still answers.
    await readyWithin(feed, Math.min(READY_WAIT_MS, timeoutMs));
    // A failing first read is the caller's answer (503); later ones, e.g. while the database
    // restarts under a waiter, are retried until the deadline.
    let event = await readEvent(db, workflowId, key);
    for (;;) {
      const remaining = deadline - performance.now();
      if (event.found || remaining <= 0 || signal?.aborted) return event;
      await wake.wait(Math.min(remaining, fallbackPollMs), signal);
      if (announced)
        return { found: true, value: await decodeValue(announced.value, announced.serialization) };
      try {
        event = await readEvent(db, workflowId, key);
      } catch (error) {
        if (deadline - performance.now() <= 0) throw error;
      }
    }
  } finally {
    unsubscribe();
  }
}
