import { READY_WAIT_MS, readyWithin, type ChangeSource } from "./change-source.js";
import { Outage } from "./outage.js";
import type { Queryable } from "./queryable.js";
import { Backoff, WakeSignal } from "./signal.js";
import { readStreamSnapshot } from "./streams.js";
import { isFinalStatus, readWorkflowStatus } from "./workflow-status.js";

export interface StreamBatch {
  /** New values, each with its offset in the stream. */
  values: Array<{ offset: number; value: unknown }>;
  /** Set on the last batch: why the stream is over. */
  end?: "closed" | "workflow_finished";
}

export interface FollowOptions {
  fromOffset?: number;
  /** Re-read at least this often without a notification; also the longest gap between batches. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Longest the database may be away in a row before the feed gives up (see `Outage`). */
  outageMs?: number;
}

/**
 * Follows a stream live: yields what is there from `fromOffset`, then each new value as soon as
 * the worker's NOTIFY arrives, until the stream is closed or its workflow has finished. Yields an
 * empty batch after each quiet `pollMs`, so callers can send keep-alives. A database that goes
 * away (connections terminated, a restart) is waited out and the feed goes on from the last value
 * it yielded: nothing lost, nothing repeated.
 * @throws UnavailableError when the database stays away for `outageMs`; any other read error.
 */
export async function* followStream(
  db: Queryable,
  feed: ChangeSource,
  workflowId: string,
  key: string,
  { fromOffset = 0, pollMs = 2_000, signal, outageMs }: FollowOptions = {},
): AsyncGenerator<StreamBatch> {
  const wake = new WakeSignal();
  const unsubscribe = feed.subscribe("streams", workflowId, (changed) => {
    if (changed === undefined || changed === key) wake.wake();
  });
  const recheck = new Backoff(Math.min(50, pollMs), pollMs);
  const outage = new Outage(outageMs);
  try {
    await readyWithin(feed, READY_WAIT_MS);
    let offset = fromOffset;
    while (!signal?.aborted) {
      let finished: boolean;
      let snapshot: Awaited<ReturnType<typeof readStreamSnapshot>>;
      try {
        // Status before values: if the workflow had finished, every value it wrote is visible.
        finished = isFinalStatus(await readWorkflowStatus(db, workflowId));
        snapshot = await readStreamSnapshot(db, workflowId, key, offset);
        outage.clear();
      } catch (error) {
        const retryInMs = outage.failed(error);
        // An empty batch, so the caller's keep-alives go on while the database is away.
        yield { values: [] };
        await wake.wait(retryInMs, signal);
        continue;
      }
      const values = snapshot.values.map((value, i) => ({ offset: offset + i, value }));
      offset += values.length;
      if (snapshot.closed || finished) {
        yield { values, end: snapshot.closed ? "closed" : "workflow_finished" };
        return;
      }
      yield { values };
      if (values.length > 0) recheck.reset();
      await wake.wait(recheck.next(), signal);
    }
  } finally {
    unsubscribe();
  }
}
