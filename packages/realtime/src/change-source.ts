import type { Channel } from "@wfc/core";

/**
 * How often a live feed re-reads while nothing is announced and its source announces everything
 * (`ChangeSource.announcesAll`): only a safety net, for a notification lost in a way the source
 * cannot see. An idle feed then costs one read a minute instead of one every poll interval.
 */
export const LIVE_SAFETY_NET_MS = 60_000;

/** A value as stored in a DBOS table: its text and the serializer that wrote it. */
export interface StoredValue {
  value: string | null;
  serialization: string | null;
  /** A stream value's offset. */
  offset?: number;
}

/**
 * Called with the changed key, or with `undefined` when changes may have been missed; with the
 * value written too, when its announcement carried it.
 */
export type ChangeHandler = (key: string | undefined, stored?: StoredValue) => void;

/**
 * Where waiters learn that a workflow's events or stream changed. `ChangeFeed` (one LISTEN
 * connection) is the source in long-running processes; `POLL_ONLY` has none, so waiters fall
 * back to re-reading on their poll interval.
 */
export interface ChangeSource {
  /**
   * Calls `handler` whenever `workflowId` changes on `channel`. Subscribe before the first read,
   * then await `ready()`, so that no change can slip between the read and the subscription.
   * @returns unsubscribe.
   */
  subscribe(channel: Channel, workflowId: string, handler: ChangeHandler): () => void;
  /** Resolves once changes are being delivered; rejects if they cannot be right now. */
  ready(): Promise<void>;
  /**
   * Whether every change, a workflow's end included, is being announced right now: listening,
   * and the worker's triggers installed. While it is, a quiet feed need not re-read but for
   * `LIVE_SAFETY_NET_MS`; when it stops being (a lost connection), the source wakes every
   * subscriber to read. Absent: never (`POLL_ONLY`).
   */
  announcesAll?(): boolean;
}

/**
 * Whether a feed last read at `lastReadAt` (a `performance.now()` time) may skip a quiet
 * interval's read: `source` announces everything and the safety net is not due.
 */
export const maySkipQuietRead = (source: ChangeSource, lastReadAt: number) =>
  source.announcesAll?.() === true && performance.now() - lastReadAt < LIVE_SAFETY_NET_MS;

/** No notifications at all: every waiter polls (a process that must not LISTEN). */
export const POLL_ONLY: ChangeSource = {
  subscribe: () => () => {},
  ready: () => Promise.resolve(),
};

/**
 * Waits for `source` to be ready, but no longer than `ms`: a waiter whose notifications cannot be
 * set up in time (the database slow to accept a connection) reads and polls meanwhile, and stays
 * subscribed for when they arrive. Never rejects.
 */
export async function readyWithin(source: ChangeSource, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))));
  await Promise.race([source.ready().catch(() => {}), timeout]);
  clearTimeout(timer);
}

/** Longest a waiter waits for its notifications to be set up before it starts reading. */
export const READY_WAIT_MS = 1_000;
