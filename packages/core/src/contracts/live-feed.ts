/**
 * The wire format of a live feed's time limit (server-sent events), shared by the API, the typed
 * client (checked by type) and the dashboard. A feed that has been open for
 * `LIVE_FEED_MAX_SECONDS` ends with this event, then the response ends: the client reconnects
 * at once, with `Last-Event-ID` set to the last `id` it got. A feed that is over (stream closed,
 * workflow finished) ends with an `end` event instead, and is not reconnected.
 */
export const liveFeedLimit = {
  /** Event name of the feed's last event when its time is up. */
  event: "reconnect",
  /** Its `data` is `{"reason": reason}`. */
  reason: "time_limit",
  /**
   * Sent as `retry:` with it: how long an EventSource waits before it reconnects (its default is
   * a few seconds). Short enough that a live log does not visibly stall; not 0, since EventSource
   * also waits this long after a network failure.
   */
  retryMs: 250,
  /** How long a feed stays open by default, in seconds (well under Lambda's 15 minutes). */
  defaultMaxSeconds: 300,
  /** The longest a feed may be configured to stay open: leaves a minute before the 15 minutes. */
  maxSeconds: 840,
} as const;

/** Its type, for clients that cannot import core at run time: they check their literals against it. */
export type LiveFeedLimit = typeof liveFeedLimit;

/**
 * The event of a live events feed announcing what the workflow waits for: `data` is a
 * `WaitingFor` or null, sent when it changes (on connecting only when the workflow waits).
 */
export const WAITING_FOR_EVENT = "waiting_for";
/** Its type, for clients that check their literal against it. */
export type WaitingForEvent = typeof WAITING_FOR_EVENT;
