import { AppError, liveFeedLimit, UnavailableError } from "@wfc/core";
import type { Context } from "hono";
import { streamSSE, type SSEMessage } from "hono/streaming";

/** Default idle time after which a comment line is sent, so proxies keep the connection open. */
export const KEEPALIVE_MS = 15_000;

export interface LiveOptions {
  /** Idle time after which a `: keep-alive` comment is sent. */
  keepAliveMs: number;
  /** Longest a feed stays open; it then ends with a `reconnect` event (see `liveFeedLimit`). */
  maxMs: number;
  /** Feeds only at `/live` paths: a feed asked for elsewhere is redirected (`toLivePath`). */
  pathsOnly: boolean;
}

/**
 * With `pathsOnly`, the 307 from a feed asked for at a path to that path + `/live`, its query
 * kept: on Lambda the `/live` paths run in a function of their own, so feeds cannot take the
 * environments of short calls. The Location is relative to the request (a stage prefix in the
 * URL stays). fetch() and EventSource follow a 307 with the same method and headers (Accept,
 * Last-Event-ID, Authorization on the same origin). Undefined when this function serves feeds.
 * An `access_token` is left out, never echoed: an `EventSource` with a token asks for the `/live`
 * path itself.
 */
export function redirectToLive(c: Context, { pathsOnly }: LiveOptions) {
  if (!pathsOnly) return undefined;
  const url = new URL(c.req.url);
  if (url.searchParams.has("access_token")) url.searchParams.delete("access_token");
  const last = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  return c.redirect(`${last}/live${url.search}`, 307);
}

/** Whether the client asked for server-sent events (as `EventSource` does). */
export const wantsEventStream = (c: Context) =>
  (c.req.header("accept") ?? "").includes("text/event-stream");

/** What one batch of a live feed sends: its events, then `end` when it is the last. */
export interface LiveBatch {
  events: SSEMessage[];
  /** The feed's last event (`end`): the feed is over once it is written. */
  end?: SSEMessage;
}

export interface LiveFeed {
  /** Takes the feed's slot (`Backend.admitFeed`); returns its release. Throws to refuse it. */
  admit: () => () => void;
  /**
   * The feed's batches, until one carries `end` or `signal` fires (the client went away or the
   * feed's time, `maxMs`, is up). An empty batch is a quiet moment: a keep-alive may go out.
   */
  batches: (signal: AbortSignal) => AsyncIterable<LiveBatch>;
}

/**
 * The one pipe of every live route: a feed's batches as server-sent events. Quiet batches send
 * a `: keep-alive` comment once nothing was written for `keepAliveMs`. A feed stopped by its time
 * limit ends with `event: reconnect`, `data: {"reason":"time_limit"}` (no `id`: the client's
 * Last-Event-ID must stay the last value it got): on Lambda a response runs and bills until the
 * handler returns, even after its client has left. A feed that fails ends with `event: error`,
 * `data: {"detail": ...}`: our own words for a domain error (with `retry:` when the database is
 * unavailable), never an internal message. Its slot is released once it is over, whatever ended
 * it, the client's leaving included.
 */
export function liveFeed(c: Context, { keepAliveMs, maxMs }: LiveOptions, feed: LiveFeed) {
  const release = feed.admit();
  // Tell nginx-style proxies not to buffer: each event must leave at once.
  c.header("X-Accel-Buffering", "no");
  // No error callback for streamSSE: it would write the raw error message as one more event.
  return streamSSE(c, async (stream) => {
    const gone = new AbortController();
    stream.onAbort(() => gone.abort());
    const timeUp = new AbortController();
    const timer = setTimeout(() => timeUp.abort(), maxMs);
    let lastWrite = performance.now();
    const write = async (message: SSEMessage) => {
      lastWrite = performance.now();
      await stream.writeSSE(message);
    };
    try {
      for await (const batch of feed.batches(AbortSignal.any([gone.signal, timeUp.signal]))) {
        for (const event of batch.events) await write(event);
        if (batch.end) {
          await write(batch.end);
          return;
        }
        if (batch.events.length === 0 && performance.now() - lastWrite >= keepAliveMs) {
          lastWrite = performance.now();
          await stream.write(": keep-alive\n\n");
        }
      }
      if (gone.signal.aborted) return;
      await write({
        event: liveFeedLimit.event,
        data: JSON.stringify({ reason: liveFeedLimit.reason }),
        retry: liveFeedLimit.retryMs,
      });
    } catch (error) {
      // Nobody is left to tell when the client went away (its writes then fail too).
      if (gone.signal.aborted) return;
      await stream.writeSSE(failureEvent(error)).catch(() => {});
    } finally {
      clearTimeout(timer);
      release();
    }
  });
}

/** A live feed's last event when it failed: the detail a client may see, nothing internal. */
function failureEvent(error: unknown) {
  if (!(error instanceof AppError)) {
    console.error(JSON.stringify({ msg: "live stream failed", error: String(error) }));
  }
  const detail = error instanceof AppError ? error.message : "Live stream interrupted";
  return {
    event: "error",
    data: JSON.stringify({ detail }),
    // As Retry-After on a 503: when an EventSource should try again.
    ...(error instanceof UnavailableError ? { retry: 1_000 } : {}),
  };
}
