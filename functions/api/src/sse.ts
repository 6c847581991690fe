import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";

/** Default idle time after which a comment line is sent, so proxies keep the connection open. */
export const KEEPALIVE_MS = 15_000;

export interface LiveOptions {
  /** Idle time after which a `: keep-alive` comment is sent. */
  keepAliveMs: number;
}

/** Whether the client asked for server-sent events (as `EventSource` does). */
export const wantsEventStream = (c: Context) =>
  (c.req.header("accept") ?? "").includes("text/event-stream");

/**
 * Answers with server-sent events. `run` gets the stream, an AbortSignal that fires when the
 * client goes away, and `keepAlive()` to call on quiet iterations.
 */
export function sse(
  c: Context,
  { keepAliveMs }: LiveOptions,
  run: (
    stream: SSEStreamingApi,
    signal: AbortSignal,
    keepAlive: () => Promise<void>,
  ) => Promise<void>,
) {
  // Tell nginx-style proxies not to buffer: each event must leave at once.
  c.header("X-Accel-Buffering", "no");
  return streamSSE(
    c,
    async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      let lastWrite = performance.now();
      const originalWrite = stream.write.bind(stream);
      stream.write = (input) => {
        lastWrite = performance.now();
        return originalWrite(input);
      };
      const keepAlive = async () => {
        if (performance.now() - lastWrite >= keepAliveMs) await stream.write(": keep-alive\n\n");
      };
      await run(stream, abort.signal, keepAlive);
    },
    async (error, stream) => {
      console.error(JSON.stringify({ msg: "live stream failed", error: String(error) }));
      await stream.writeSSE({
        event: "error",
        data: JSON.stringify({ detail: "Live stream interrupted" }),
      });
    },
  );
}
