import {
  maySkipQuietRead,
  READY_WAIT_MS,
  readyWithin,
  type ChangeSource,
} from "./change-source.js";
import {
  Backoff,
  isFinalStatus,
  readAllEvents,
  readWorkflowWait,
  WakeSignal,
  type Queryable,
  type WaitingFor,
} from "@wfc/core";
import { Outage } from "./outage.js";

export interface EventsBatch {
  /** Keys whose value changed since the previous batch (all keys in the first), with values. */
  changed: Record<string, unknown>;
  /** True on the last batch: the workflow has finished. */
  end?: boolean;
  /**
   * What the workflow waits for (`readWorkflowWait`): in the first batch, then only when it
   * changed since the previous one. Absent: unchanged.
   */
  waitingFor?: WaitingFor | null;
}

/**
 * Follows a workflow's events live (a progress bar's feed): yields the current events, then every
 * change as the worker's NOTIFY arrives, until the workflow finishes. Yields an empty batch after
 * each quiet `pollMs`, so callers can send keep-alives; reads then only when a change may have
 * gone unannounced (`maySkipQuietRead`). A database that goes away is waited out
 * (see `followStream`); what was yielded is not repeated.
 * @throws UnavailableError when the database stays away for `outageMs`; any other read error.
 */
export async function* followEvents(
  db: Queryable,
  feed: ChangeSource,
  workflowId: string,
  {
    pollMs = 2_000,
    signal,
    outageMs,
  }: { pollMs?: number; signal?: AbortSignal; outageMs?: number } = {},
): AsyncGenerator<EventsBatch> {
  const wake = new WakeSignal();
  const unsubscribe = feed.subscribe("events", workflowId, wake.wake);
  const seen = new Map<string, string>();
  // What the caller was last told it waits for (undefined: nothing yet).
  let waitingSent: string | undefined;
  const recheck = new Backoff(Math.min(50, pollMs), pollMs);
  const outage = new Outage(outageMs);
  let lastReadAt: number | undefined;
  try {
    await readyWithin(feed, READY_WAIT_MS);
    while (!signal?.aborted) {
      let finished: boolean;
      let waitingFor: WaitingFor | null;
      let events: Record<string, unknown>;
      try {
        // Status and wait in the read the status took alone: a wake costs no extra query.
        const wait = await readWorkflowWait(db, workflowId);
        finished = isFinalStatus(wait?.status);
        waitingFor = wait?.waitingFor ?? null;
        events = await readAllEvents(db, workflowId);
        outage.clear();
        lastReadAt = performance.now();
      } catch (error) {
        const retryInMs = outage.failed(error);
        yield { changed: {} };
        await wake.wait(retryInMs, signal);
        continue;
      }
      const changed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(events)) {
        const encoded = JSON.stringify(value);
        if (seen.get(key) !== encoded) {
          seen.set(key, encoded);
          changed[key] = value;
        }
      }
      const batch: EventsBatch = { changed };
      if (JSON.stringify(waitingFor) !== waitingSent) {
        waitingSent = JSON.stringify(waitingFor);
        batch.waitingFor = waitingFor;
      }
      if (finished) {
        yield { ...batch, end: true };
        return;
      }
      yield batch;
      if (Object.keys(changed).length > 0 || "waitingFor" in batch) recheck.reset();
      // A quiet interval reads only when a change may have gone unannounced (see followStream).
      while (
        !(await wake.wait(recheck.next(), signal)) &&
        maySkipQuietRead(feed, lastReadAt ?? 0)
      ) {
        if (signal?.aborted) return;
        yield { changed: {} };
      }
    }
  } finally {
    unsubscribe();
  }
}
