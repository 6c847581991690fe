import { AppError, liveFeedLimit, UnavailableError } from "@wfc/core";
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";

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
 */
export function redirectToLive(c: Context, { pathsOnly }: LiveOptions) {
  if (!pathsOnly) return undefined;
  const url = new URL(c.req.url);
  const last = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  return c.redirect(`${last}/live${url.search}`, 307);
}

/** Whether the client asked for server-sent events (as `EventSource` does). */
export const wantsEventStream = (c: Context) =>
  (c.req.header("accept") ?? "").includes("text/event-stream");

/**
 * Answers with server-sent events. `run` gets the stream, an AbortSignal that fires when the
 * client goes away or the feed's time (`maxMs`) is up, and `keepAlive()` to call on quiet
 * iterations; it resolves true once the feed is over (its `end` event written). A feed stopped by
 * its time limit instead ends with `event: reconnect`, `data: {"reason":"time_limit"}`: on
 * Lambda a response runs and bills until the handler returns, even after its client has left.
 * A feed that fails ends with `event: error`, `data: {"detail": ...}`: our own words for a domain
 * error (with `retry:` when the database is unavailable), never an internal message. `release`
 * runs when the feed is over.
 */
export function sse(
  c: Context,
  { keepAliveMs, maxMs }: LiveOptions,
  run: (
    stream: SSEStreamingApi,
    signal: AbortSignal,
    keepAlive: () => Promise<void>,
  ) => Promise<boolean>,
  /** Called once the feed is over, whatever ended it (a slot of `Backend.admitFeed`). */
  release: () => void = () => {},
) {
  // Tell nginx-style proxies not to buffer: each event must leave at once.
  c.header("X-Accel-Buffering", "no");
  // No error callback for streamSSE: it would write the raw error message as one more event.
  return streamSSE(c, async (stream) => {
    const gone = new AbortController();
    stream.onAbort(() => gone.abort());
    const timeUp = new AbortController();
    const timer = setTimeout(() => timeUp.abort(), maxMs);
    let lastWrite = performance.now();
    const originalWrite = stream.write.bind(stream);
    stream.write = (input) => {
      lastWrite = performance.now();
      return originalWrite(input);
    };
    const keepAlive = async () => {
      if (performance.now() - lastWrite >= keepAliveMs) await stream.write(": keep-alive\n\n");
    };
    try {
      const over = await run(stream, AbortSignal.any([gone.signal, timeUp.signal]), keepAlive);
      if (over || gone.signal.aborted) return;
      // No `id`: the client's Last-Event-ID must stay the last value it got.
      await stream.writeSSE({
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
