import { hc } from "hono/client";
import type { LiveFeedLimit } from "@wfc/core";
import type { WaitingFor, WaitingForEvent } from "@wfc/core/contracts";
import type { ApiApp } from "./api-type.js";
import { WorkflowApiError } from "./errors.js";
import { readServerSentEvents, type ServerSentEvent } from "./sse.js";
import type { Transport } from "./transport.js";

export interface FollowOptions {
  /** Stops following (the iterator then throws the abort reason). */
  signal?: AbortSignal;
  /** Reconnections in a row without a new event before giving up (default 5). */
  maxRetries?: number;
  /** First reconnection delay in ms, doubled per failure in a row (default 200). */
  retryDelayMs?: number;
}

/** Options of `followEvents`. */
export interface FollowEventsOptions extends FollowOptions {
  /**
   * Called with what the workflow waits for (`{topic, since, deadline}`) when it starts waiting,
   * and with null when the wait ends (message, timeout, or the workflow's end): an approval UI
   * shows its buttons in between. Never called twice in a row with the same value.
   */
  onWaitingFor?: (waitingFor: WaitingFor | null) => void;
}

/** Which stream to follow, and from where. */
export interface FollowStreamOptions extends FollowOptions {
  /** The stream's key (default: the seed's `progress_stream`). */
  key?: string;
  /** The first offset to deliver (default 0). */
  offset?: number;
  /**
   * Start at the stream's last `tail` values instead (1..`MAX_STREAM_TAIL` of `@wfc/core`; not
   * with `offset`). Once a value has arrived, reconnections go on after it (the server lets
   * Last-Event-ID win); before, they ask for the tail again.
   */
  tail?: number;
}

/** A stream value and its offset (its `id:` in the event stream). */
export interface StreamValue<T = unknown> {
  offset: number;
  value: T;
}

/** A changed event: key and new value. */
export interface EventChange {
  key: string;
  value: unknown;
}

const LIVE_HEADERS = { accept: "text/event-stream" };

/** The event announcing what a workflow waits for: checked against the API's by type. */
const WAITING_FOR_EVENT: WaitingForEvent = "waiting_for";

/** The event a feed ends with when its time is up: the compiler checks it against the API's. */
const TIME_LIMIT_EVENT: LiveFeedLimit["event"] = "reconnect";

/** 503 (database restarting) and 5xx from a proxy are worth retrying; 4xx never is. */
const retryable = (error: unknown) => !(error instanceof WorkflowApiError) || error.status >= 500;

/**
 * Runs `connect` and yields what `handle` makes of each event, reconnecting when the response
 * ends without an `end` event or the connection breaks. `handle` returns "end" to finish. A
 * `reconnect` event (the feed's time is up) reconnects at once: it is not a failure.
 */
async function* reconnecting<T>(
  connect: () => Promise<Response>,
  handle: (event: ServerSentEvent) => T | "end" | undefined,
  { signal, maxRetries = 5, retryDelayMs = 200 }: FollowOptions,
): AsyncGenerator<T> {
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const response = await connect();
      if (!response.ok || !response.body) throw await WorkflowApiError.from(response);
      let timeUp = false;
      for await (const event of readServerSentEvents(response.body)) {
        if (event.event === TIME_LIMIT_EVENT) {
          timeUp = true;
          break;
        }
        const out = handle(event);
        if (out === "end") return;
        if (out !== undefined) {
          failures = 0;
          yield out;
        }
      }
      if (timeUp) continue;
      // Ended without `end` or `reconnect`: a proxy or the network cut it.
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!retryable(error) || failures >= maxRetries) throw error;
    }
    failures += 1;
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (failures - 1)));
  }
}

/** The `error` event the server sends when it had to break the stream off: reconnect. */
const interrupted = (event: ServerSentEvent) => {
  if (event.event === "error") throw new Error(`Live stream interrupted: ${event.data}`);
};

/** See `WorkflowClient.followStream`. */
export function followStream<T = unknown>(
  transport: Transport,
  workflowId: string,
  options: FollowStreamOptions = {},
): AsyncGenerator<StreamValue<T>> {
  const api = hc<ApiApp>(transport.baseUrl, { fetch: transport.fetch });
  let next = options.offset ?? 0;
  let fromTail = options.tail !== undefined;
  const connect = () =>
    api["workflow-stream"][":workflow_id"].live.$get(
      {
        param: { workflow_id: workflowId },
        query: {
          key: options.key,
          ...(fromTail ? { tail: String(options.tail) } : { offset: String(next) }),
        },
      },
      {
        // Last-Event-ID is what the server resumes after (as EventSource does on reconnect).
        headers: next > 0 ? { ...LIVE_HEADERS, "last-event-id": String(next - 1) } : LIVE_HEADERS,
        init: options.signal ? { signal: options.signal } : {},
      },
    ) as unknown as Promise<Response>;
  return reconnecting(
    connect,
    (event) => {
      interrupted(event);
      if (event.event === "end") return "end";
      if (event.event !== "value") return undefined;
      const offset = Number(event.id);
      if (offset < next) return undefined; // already delivered before a reconnect
      next = offset + 1;
      fromTail = false;
      return { offset, value: JSON.parse(event.data) as T };
    },
    options,
  );
}

/**
 * See `WorkflowClient.followEvents`. After a reconnect the server repeats current values; a
 * value equal to the one last delivered for its key is skipped.
 */
export function followEvents(
  transport: Transport,
  workflowId: string,
  options: FollowEventsOptions = {},
): AsyncGenerator<EventChange> {
  const api = hc<ApiApp>(transport.baseUrl, { fetch: transport.fetch });
  const seen = new Map<string, string>();
  const { onWaitingFor } = options;
  let waiting = "null";
  const announce = (next: WaitingFor | null) => {
    if (JSON.stringify(next) === waiting) return;
    waiting = JSON.stringify(next);
    onWaitingFor?.(next);
  };
  let connected = false;
  const connect = async () => {
    const response = (await api["workflow-events"][":workflow_id"].all.live.$get(
      { param: { workflow_id: workflowId } },
      { headers: LIVE_HEADERS, init: options.signal ? { signal: options.signal } : {} },
    )) as unknown as Response;
    // A feed announces no wait on connecting when there is none: a wait announced before a
    // reconnect may have ended meanwhile, so the workflow's status says. Read after the feed has
    // connected, so a wait begun since is still announced by the feed.
    if (connected && waiting !== "null" && response.ok) {
      const summary = await api.workflows[":workflow_id"]
        .$get({ param: { workflow_id: workflowId } })
        .then((r) => (r.ok ? r.json() : undefined))
        .catch(() => undefined);
      if (summary && "waiting_for" in summary) announce(summary.waiting_for ?? null);
    }
    connected = true;
    return response;
  };
  return reconnecting(
    connect,
    (event) => {
      interrupted(event);
      if (event.event === "end") {
        announce(null);
        return "end";
      }
      if (event.event === WAITING_FOR_EVENT) {
        announce(JSON.parse(event.data) as WaitingFor | null);
        return undefined;
      }
      if (event.event !== "change") return undefined;
      const change = JSON.parse(event.data) as EventChange;
      const value = JSON.stringify(change.value);
      if (seen.get(change.key) === value) return undefined;
      seen.set(change.key, value);
      return change;
    },
    options,
  );
}
