import {
  maySkipQuietRead,
  READY_WAIT_MS,
  readyWithin,
  type ChangeSource,
  type StoredValue,
} from "./change-source.js";
import { decodeValue, isStreamEnd } from "../dbos/decode.js";
import { Outage } from "./outage.js";
import type { Queryable } from "./queryable.js";
import { Backoff, WakeSignal } from "./signal.js";
import { readStreamSnapshot } from "../dbos/streams.js";
import { isFinalStatus, readWorkflowStatus } from "../dbos/workflow-status.js";

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

/** Announced values a feed holds for its reader at most; beyond, it reads them back instead. */
const MAX_ANNOUNCED = 1_000;

/**
 * Stream values announced with their offsets, kept until the feed reaches them: a run that
 * continues from the feed's offset is yielded as announced, without reading it back.
 */
class Announced {
  readonly #byOffset = new Map<number, StoredValue>();

  /** @returns false when too many are held (they are dropped: the feed must read). */
  add(offset: number, stored: StoredValue): boolean {
    if (this.#byOffset.size >= MAX_ANNOUNCED) {
      this.#byOffset.clear();
      return false;
    }
    this.#byOffset.set(offset, stored);
    return true;
  }

  /**
   * Takes the values from `offset` on, up to the first gap, as a batch (ending it at the close
   * marker); drops those before `offset`, which a read has already returned.
   * @returns "gap" when the next value held is beyond `offset`: one in between was not announced.
   */
  async take(offset: number): Promise<StreamBatch | "gap"> {
    for (const at of this.#byOffset.keys()) if (at < offset) this.#byOffset.delete(at);
    const values: StreamBatch["values"] = [];
    for (let at = offset; ; at++) {
      const stored = this.#byOffset.get(at);
      if (!stored) break;
      this.#byOffset.delete(at);
      if (await isStreamEnd(stored.value, stored.serialization)) return { values, end: "closed" };
      values.push({ offset: at, value: await decodeValue(stored.value, stored.serialization) });
    }
    return values.length === 0 && this.#byOffset.size > 0 ? "gap" : { values };
  }
}

/**
 * Follows a stream live: yields what is there from `fromOffset`, then each new value as soon as
 * the worker's NOTIFY arrives (as announced when the announcement carried it, else read back),
 * until the stream is closed or its workflow has finished. Yields an empty batch after each quiet
 * `pollMs`, so callers can send keep-alives; it reads then only when its source may have missed
 * a change (`maySkipQuietRead`: an idle feed costs a read a minute while notifications flow). A database that goes away (connections terminated,
 * a restart) is waited out and the feed goes on from the last value it yielded: nothing lost,
 * nothing repeated.
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
  const announced = new Announced();
  /** A change that was not announced with its value, or changes possibly missed: read. */
  let unannounced = false;
  const unsubscribe = feed.subscribe("streams", workflowId, (changed, stored) => {
    if (changed !== undefined && changed !== key) return;
    const carried = changed !== undefined && stored?.offset !== undefined;
    if (!carried || !announced.add(stored.offset!, stored)) unannounced = true;
    wake.wake();
  });
  const recheck = new Backoff(Math.min(50, pollMs), pollMs);
  const outage = new Outage(outageMs);
  let lastReadAt = performance.now();
  try {
    await readyWithin(feed, READY_WAIT_MS);
    let offset = fromOffset;
    let read = true; // the first pass reads what is there
    while (!signal?.aborted) {
      let batch: StreamBatch | "gap" = "gap";
      if (!read) batch = await announced.take(offset);
      if (batch === "gap") {
        try {
          // Status before values: if the workflow had finished, every value it wrote is visible.
          const finished = isFinalStatus(await readWorkflowStatus(db, workflowId));
          const snapshot = await readStreamSnapshot(db, workflowId, key, offset);
          outage.clear();
          lastReadAt = performance.now();
          const values = snapshot.values.map((value, i) => ({ offset: offset + i, value }));
          const end = snapshot.closed ? "closed" : finished ? "workflow_finished" : undefined;
          batch = end ? { values, end } : { values };
        } catch (error) {
          const retryInMs = outage.failed(error);
          // An empty batch, so the caller's keep-alives go on while the database is away.
          yield { values: [] };
          await wake.wait(retryInMs, signal);
          continue;
        }
      }
      offset += batch.values.length;
      if (batch.end) {
        yield batch;
        return;
      }
      // A read's batch even when empty (a quiet interval's keep-alive); announcements only new.
      if (read || batch.values.length > 0) yield batch;
      if (batch.values.length > 0) recheck.reset();
      const woken = await wake.wait(recheck.next(), signal);
      // A quiet interval reads too, unless every change (the workflow's end included) is being
      // announced and the safety net is not due: then it only lets the caller send keep-alives.
      read = woken ? unannounced : !maySkipQuietRead(feed, lastReadAt);
      unannounced = false;
      if (!woken && !read) yield { values: [] };
    }
  } finally {
    unsubscribe();
  }
}
