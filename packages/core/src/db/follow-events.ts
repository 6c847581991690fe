import {
  maySkipQuietRead,
  READY_WAIT_MS,
  readyWithin,
  type ChangeSource,
} from "./change-source.js";
import { readAllEvents } from "../dbos/events.js";
import { Outage } from "./outage.js";
import type { Queryable } from "./queryable.js";
import { Backoff, WakeSignal } from "./signal.js";
import { isFinalStatus, readWorkflowStatus } from "../dbos/workflow-status.js";

export interface EventsBatch {
  /** Keys whose value changed since the previous batch (all keys in the first), with values. */
  changed: Record<string, unknown>;
  /** True on the last batch: the workflow has finished. */
  end?: boolean;
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
  const recheck = new Backoff(Math.min(50, pollMs), pollMs);
  const outage = new Outage(outageMs);
  let lastReadAt: number | undefined;
  try {
    await readyWithin(feed, READY_WAIT_MS);
    while (!signal?.aborted) {
      let finished: boolean;
      let events: Record<string, unknown>;
      try {
        finished = isFinalStatus(await readWorkflowStatus(db, workflowId));
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
      if (finished) {
        yield { changed, end: true };
        return;
      }
      yield { changed };
      if (Object.keys(changed).length > 0) recheck.reset();
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
